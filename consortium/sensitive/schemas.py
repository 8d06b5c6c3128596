"""Special-category data as the API shows and accepts it: only ever to the person it describes,
and, in reports, only as counts."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.people.attributes import ATTRIBUTES, ETHNIC_GROUPS, LABELS

ETHNICITY_HELP = (
    "Your ethnic group, in the ONS 2021 census's high-level groups for England and Wales; "
    "null if you prefer not to say."
)
DISABILITY_HELP = (
    "Whether you consider yourself to have a disability; null if you prefer not to say."
)
PARENTAL_LEAVE_HELP = (
    "Whether you are returning from parental leave; null if you prefer not to say."
)


class StrictBoolean(ma.fields.Boolean):
    """A JSON true or false only: not 1, "yes" or "on"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class AttributesSchema(Schema):
    """Your own declared attributes. Every field is optional; null (or absent) means undeclared."""

    ethnicity = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(ETHNIC_GROUPS),
        metadata={"description": ETHNICITY_HELP, "example": "mixed"},
    )
    disability = StrictBoolean(
        allow_none=True,
        metadata={"description": DISABILITY_HELP, "example": False},
    )
    returning_from_parental_leave = StrictBoolean(
        allow_none=True,
        metadata={"description": PARENTAL_LEAVE_HELP, "example": True},
    )
    updated_at = ma.fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "When you last changed them; null if nothing is declared.",
            "example": "2027-01-12T09:30:00+00:00",
        },
    )


EXAMPLE_ID = "7d0a3c1e-5b7f-4d8e-9a51-2f3c6b8e1d47"


class ConsentSchema(Schema):
    """Your explicit consent to one use of your declared attributes, for one programme."""

    id = ma.fields.UUID(
        dump_only=True, metadata={"example": "0b6f2d4e-8c1a-4f3b-9e7d-5a2c1b0e9f84"}
    )
    programme_id = ma.fields.UUID(
        required=True,
        metadata={
            "description": "The programme whose positive-action eligibility may use your "
            "declared attributes.",
            "example": EXAMPLE_ID,
        },
    )
    purpose = ma.fields.String(dump_only=True, metadata={"example": "positive_action_eligibility"})
    statement = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The exact words you agreed to.",
            "example": "I agree that North East ICS Mentoring Network may use my declared "
            "ethnic group to decide whether I am eligible for Reciprocal mentoring 2027. I can "
            "withdraw this consent at any time, and it then stops being used at once.",
        },
    )
    given_at = ma.fields.AwareDateTime(
        dump_only=True, metadata={"example": "2027-01-12T09:31:00+00:00"}
    )
    withdrawn_at = ma.fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When you withdrew it; null while it is valid.", "example": None},
    )
    valid = ma.fields.Method(
        "_valid",
        dump_only=True,
        metadata={"type": "boolean", "description": "Not withdrawn.", "example": True},
    )

    def _valid(self, consent: Any) -> bool:
        return consent.withdrawn_at is None


class CellSchema(Schema):
    value = ma.fields.Raw(
        metadata={
            "description": "The attribute's value: an ethnic group, or true/false.",
            "example": "asian",
        }
    )
    count = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "How many applicants; null when suppressed.", "example": 12},
    )
    suppressed = ma.fields.Boolean(metadata={"example": False})


class UndeclaredSchema(Schema):
    count = ma.fields.Integer(allow_none=True, metadata={"example": 6})
    suppressed = ma.fields.Boolean(metadata={"example": False})


class AttributeCountsSchema(Schema):
    attribute = ma.fields.String(
        metadata={"example": "ethnicity", "enum": list(ATTRIBUTES)},
    )
    label = ma.fields.String(metadata={"example": LABELS["ethnicity"]})
    counts = ma.fields.List(ma.fields.Nested(CellSchema))
    not_declared = ma.fields.Nested(UndeclaredSchema)


class EqualityReportSchema(Schema):
    """Counts only: no person's value is ever part of a report."""

    programme_id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    programme_name = ma.fields.String(metadata={"example": "Reciprocal mentoring 2027"})
    total = ma.fields.Integer(
        metadata={"description": "Open applications to the programme.", "example": 31}
    )
    threshold = ma.fields.Integer(
        metadata={"description": "Counts from 1 to (threshold - 1) are suppressed.", "example": 5}
    )
    attributes = ma.fields.List(ma.fields.Nested(AttributeCountsSchema))
