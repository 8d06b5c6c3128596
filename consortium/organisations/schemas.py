"""Organisations as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.organisations.models import SECTORS, STATUSES

SLUG = validate.Regexp(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    error="Use 1-63 lower-case letters, digits and hyphens.",
)
DOMAIN = validate.Regexp(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    error="Not a valid email domain, e.g. nhs.net.",
)
ODS = validate.Regexp(r"^[A-Z0-9]{3,10}$", error="An ODS code is 3-10 capital letters and digits.")


class OrganisationSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"example": "Leeds Teaching Hospitals NHS Trust"},
    )
    slug = ma.fields.String(
        required=True, validate=SLUG, metadata={"example": "leeds-teaching-hospitals"}
    )
    sector = ma.fields.String(
        required=True, validate=validate.OneOf(SECTORS), metadata={"example": "health"}
    )
    ods_code = ma.fields.String(allow_none=True, validate=ODS, metadata={"example": "RR8"})
    email_domains = ma.fields.List(
        ma.fields.String(validate=DOMAIN),
        validate=validate.Length(max=20),
        load_default=list,
        metadata={"example": ["nhs.net"]},
    )
    status = ma.fields.String(dump_only=True, metadata={"example": "active"})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class OrganisationUpdateSchema(Schema):
    name = ma.fields.String(validate=validate.Length(1, 200))
    sector = ma.fields.String(validate=validate.OneOf(SECTORS))
    ods_code = ma.fields.String(allow_none=True, validate=ODS)
    email_domains = ma.fields.List(
        ma.fields.String(validate=DOMAIN), validate=validate.Length(max=20)
    )
    status = ma.fields.String(validate=validate.OneOf(STATUSES))


class OrganisationQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    sector = ma.fields.String(validate=validate.OneOf(SECTORS))
    slug = ma.fields.String(validate=validate.Length(1, 63))


class PublicOrganisationSchema(Schema):
    """What other members of a consortium see of an organisation."""

    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    slug = ma.fields.String(dump_only=True)
    sector = ma.fields.String(dump_only=True)
