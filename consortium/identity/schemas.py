"""API clients, the principal (/me) and the token endpoint, as the API shows them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.core.security import SCOPES


class ApiClientCreateSchema(Schema):
    name = ma.fields.String(
        required=True, validate=validate.Length(1, 200), metadata={"example": "ESR nightly feed"}
    )
    scopes = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(list(SCOPES))),
        required=True,
        validate=validate.Length(1, len(SCOPES)),
        metadata={"example": ["people:read", "people:write"]},
    )


class ApiClientSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    organisation_id = ma.fields.UUID(dump_only=True, allow_none=True)
    name = ma.fields.String(dump_only=True)
    client_id = ma.fields.String(
        dump_only=True, metadata={"example": "cli_3f9a0c1b2d4e5f60718293a4"}
    )
    scopes = ma.fields.List(ma.fields.String(), dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"example": "active"})
    created_at = ma.fields.AwareDateTime(dump_only=True)


class IssuedClientSchema(ApiClientSchema):
    client_secret = ma.fields.String(
        dump_only=True,
        metadata={"description": "Shown once; store it now. Only a hash is kept."},
    )


class MeSchema(Schema):
    kind = ma.fields.String(metadata={"example": "client"})
    id = ma.fields.UUID(allow_none=True)
    name = ma.fields.String()
    organisation_id = ma.fields.UUID(allow_none=True)
    consortium_ids = ma.fields.List(ma.fields.UUID())
    scopes = ma.fields.List(ma.fields.String())
    roles = ma.fields.List(ma.fields.String())


class TokenRequestSchema(Schema):
    grant_type = ma.fields.String(required=True, metadata={"example": "client_credentials"})
    scope = ma.fields.String(metadata={"example": "people:read people:write"})


class TokenSchema(Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(metadata={"example": 3600})
    scope = ma.fields.String(metadata={"example": "people:read"})
