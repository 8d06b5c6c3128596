"""Staff records as the API shows and accepts them."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.people.models import PERSON_STATUSES

SENIORITY_HELP = (
    "1 (entry) to 9 (executive), mapped from Agenda for Change bands, police ranks or fire roles."
)

STARTED_HELP = (
    "When they started in the organisation (a date; null: not recorded). Graduate and "
    "new-starter programmes admit staff who started recently."
)

RETURNS_HELP = (
    "When they return (or returned) to work after a long absence such as parental or sick "
    "leave (a date; null: none recorded). Return-to-work programmes take applications in a "
    "window around it."
)
PRECEPTOR_HELP = (
    "Their preceptor, a colleague in the same organisation; matching never proposes them as "
    "each other's mentor (as with a line manager)."
)
SUPERVISOR_HELP = (
    "Their clinical supervisor, a colleague in the same organisation; matching never proposes "
    "them as each other's mentor (as with a line manager)."
)


class PersonSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    organisation_id = ma.fields.UUID(dump_only=True)
    given_name = ma.fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"example": "Amara"}
    )
    family_name = ma.fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"example": "Okafor"}
    )
    email = ma.fields.Email(
        required=True,
        validate=validate.Length(3, 254),
        metadata={"example": "amara.okafor@nhs.net"},
    )
    job_title = ma.fields.String(
        allow_none=True, validate=validate.Length(max=200), metadata={"example": "Ward Manager"}
    )
    profession = ma.fields.String(
        allow_none=True, validate=validate.Length(max=100), metadata={"example": "nursing"}
    )
    seniority = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(1, 9),
        metadata={"description": SENIORITY_HELP, "example": 7},
    )
    started_on = ma.fields.Date(
        allow_none=True, metadata={"description": STARTED_HELP, "example": "2026-09-01"}
    )
    returns_on = ma.fields.Date(
        allow_none=True, metadata={"description": RETURNS_HELP, "example": "2027-03-01"}
    )
    line_manager_id = ma.fields.UUID(allow_none=True)
    preceptor_id = ma.fields.UUID(allow_none=True, metadata={"description": PRECEPTOR_HELP})
    clinical_supervisor_id = ma.fields.UUID(
        allow_none=True, metadata={"description": SUPERVISOR_HELP}
    )
    external_id = ma.fields.String(
        allow_none=True, validate=validate.Length(1, 200), metadata={"example": "ESR-10293847"}
    )
    status = ma.fields.String(dump_only=True, metadata={"example": "active"})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class PersonUpdateSchema(Schema):
    given_name = ma.fields.String(validate=validate.Length(1, 100))
    family_name = ma.fields.String(validate=validate.Length(1, 100))
    email = ma.fields.Email(validate=validate.Length(3, 254))
    job_title = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    profession = ma.fields.String(allow_none=True, validate=validate.Length(max=100))
    seniority = ma.fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 9))
    started_on = ma.fields.Date(
        allow_none=True, metadata={"description": STARTED_HELP, "example": "2026-09-01"}
    )
    returns_on = ma.fields.Date(
        allow_none=True, metadata={"description": RETURNS_HELP, "example": "2027-03-01"}
    )
    line_manager_id = ma.fields.UUID(allow_none=True)
    preceptor_id = ma.fields.UUID(allow_none=True, metadata={"description": PRECEPTOR_HELP})
    clinical_supervisor_id = ma.fields.UUID(
        allow_none=True, metadata={"description": SUPERVISOR_HELP}
    )
    external_id = ma.fields.String(allow_none=True, validate=validate.Length(1, 200))
    status = ma.fields.String(validate=validate.OneOf(PERSON_STATUSES))


class PersonQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    search = ma.fields.String(
        validate=validate.Length(1, 200),
        metadata={
            "description": "Case-insensitive text in the given name, family name, email or job "
            "title (% and _ match themselves).",
            "example": "okafor",
        },
    )
    email = ma.fields.String(validate=validate.Length(1, 254))
    profession = ma.fields.String(validate=validate.Length(1, 100))
    seniority = ma.fields.Integer(
        validate=validate.Range(1, 9), metadata={"description": "Exactly this seniority."}
    )
    seniority_min = ma.fields.Integer(
        validate=validate.Range(1, 9), metadata={"description": "At least this seniority."}
    )
    seniority_max = ma.fields.Integer(
        validate=validate.Range(1, 9), metadata={"description": "At most this seniority."}
    )
    status = ma.fields.String(validate=validate.OneOf(PERSON_STATUSES))

    @ma.validates_schema
    def _range_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("seniority_min"), data.get("seniority_max")
        if low is not None and high is not None and low > high:
            raise ma.ValidationError(
                f"seniority_max ({high}) is below seniority_min ({low}).", "seniority_max"
            )


class PersonImportRowSchema(PersonSchema):
    """One data row of a CSV import: PersonSchema's rules, with the manager named by email.

    Cells arrive as text: surrounding spaces are dropped, an empty optional cell means "none"
    and seniority is read as a whole number.
    """

    class Meta:
        # The import's columns (importing.COLUMNS) carry no start date.
        exclude = (
            "line_manager_id",
            "started_on",
            "returns_on",
            "preceptor_id",
            "clinical_supervisor_id",
        )

    line_manager_email = ma.fields.Email(allow_none=True, validate=validate.Length(3, 254))

    REQUIRED = ("given_name", "family_name", "email")

    @ma.pre_load
    def _read_cells(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        cells: dict[str, Any] = {}
        for name, value in data.items():
            value = value.strip() if isinstance(value, str) else value
            if value == "":
                if name in self.REQUIRED:
                    continue  # "Missing data for required field."
                value = None
            elif name == "seniority" and isinstance(value, str) and _whole_number(value):
                value = int(value)  # anything else stays text: "Not a valid integer."
            cells[name] = value
        return cells

    @ma.post_load
    def _lower_emails(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for name in ("email", "line_manager_email"):
            if data.get(name):
                data[name] = data[name].lower()
        return data


def _whole_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18
