"""Consortia and their memberships as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from consortium.consortia.models import APPROVAL_POLICIES
from consortium.core.api import Schema
from consortium.organisations.schemas import SLUG, PublicOrganisationSchema


class ConsortiumSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"example": "West Yorkshire ICS Coaching and Mentoring Network"},
    )
    slug = ma.fields.String(
        required=True, validate=SLUG, metadata={"example": "west-yorkshire-ics"}
    )
    approval_policy = ma.fields.String(
        load_default="coordinator",
        validate=validate.OneOf(APPROVAL_POLICIES),
        metadata={
            "description": "Who approves cross-organisation matches: the coordinator, or the "
            "coordinator and the mentor's home organisation.",
            "example": "coordinator",
        },
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class ConsortiumUpdateSchema(Schema):
    name = ma.fields.String(validate=validate.Length(1, 200))
    approval_policy = ma.fields.String(validate=validate.OneOf(APPROVAL_POLICIES))


class MembershipCreateSchema(Schema):
    organisation_id = ma.fields.UUID(required=True)


class MemberSchema(Schema):
    organisation = ma.fields.Nested(PublicOrganisationSchema, dump_only=True)
    joined_at = ma.fields.AwareDateTime(dump_only=True)
