"""Staff records as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.people.models import PERSON_STATUSES

SENIORITY_HELP = (
    "1 (entry) to 9 (executive), mapped from Agenda for Change bands, police ranks or fire roles."
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
    line_manager_id = ma.fields.UUID(allow_none=True)
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
    line_manager_id = ma.fields.UUID(allow_none=True)
    external_id = ma.fields.String(allow_none=True, validate=validate.Length(1, 200))
    status = ma.fields.String(validate=validate.OneOf(PERSON_STATUSES))


class PersonQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    email = ma.fields.String(validate=validate.Length(1, 254))
    profession = ma.fields.String(validate=validate.Length(1, 100))
    status = ma.fields.String(validate=validate.OneOf(PERSON_STATUSES))
