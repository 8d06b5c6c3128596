"""API clients, SSO, roles, sessions, the principal (/me) and the token endpoint."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import SHOWN_ONCE, Schema
from consortium.core.security import SCOPES
from consortium.organisations.schemas import DOMAIN, PublicOrganisationSchema


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
        metadata={
            "description": "Shown once, in this response only; store it now. Only a hash is "
            "kept, and a repeat of the request with the same Idempotency-Key is refused rather "
            "than replayed.",
            SHOWN_ONCE: True,
        },
    )


class RoleSchema(Schema):
    role = ma.fields.String(
        metadata={
            "description": "staff, org_admin (of organisation_id) or coordinator (of "
            "consortium_id).",
            "example": "coordinator",
        }
    )
    organisation_id = ma.fields.UUID(
        allow_none=True, metadata={"example": "0b7e9c2a-4f1d-4e8b-9a6c-3d2f1e0a9b8c"}
    )
    consortium_id = ma.fields.UUID(
        allow_none=True, metadata={"example": "5c1d8e2f-7a3b-4c9d-8e1f-2a3b4c5d6e7f"}
    )


class MePersonSchema(Schema):
    """The signed-in person, as their own staff record has them."""

    id = ma.fields.UUID(metadata={"example": "9a4f2c1e-3b5d-4e6f-8a7b-0c1d2e3f4a5b"})
    display_name = ma.fields.String(metadata={"example": "Amara Okafor"})
    given_name = ma.fields.String(metadata={"example": "Amara"})
    family_name = ma.fields.String(metadata={"example": "Okafor"})
    email = ma.fields.String(metadata={"example": "amara.okafor@nhs.net"})
    job_title = ma.fields.String(allow_none=True, metadata={"example": "Ward Manager"})
    profession = ma.fields.String(allow_none=True, metadata={"example": "nursing"})


class MeLinksSchema(Schema):
    """Where a person's own records are in this API (each answers them 200)."""

    staff_record = ma.fields.String(
        metadata={"example": "/api/v1/people/9a4f2c1e-3b5d-4e6f-8a7b-0c1d2e3f4a5b"}
    )
    mentor_profiles = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "Their mentor or coach profiles, oldest first.",
            "example": ["/api/v1/mentor-profiles/7d3e1f2a-9b8c-4d5e-a6f7-1b2c3d4e5f6a"],
        },
    )
    applications = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "Their applications to programmes, newest first (withdrawn too).",
            "example": [
                "/api/v1/programmes/2e4f6a8b-1c3d-4e5f-9a7b-8c9d0e1f2a3b/applications/"
                "6b8d0f2a-4c6e-4a8b-9c1d-3e5f7a9b1c2d"
            ],
        },
    )


class MeSchema(Schema):
    """The caller: a signed-in person (`person`, `links`) or an API client (`client`)."""

    kind = ma.fields.String(metadata={"description": "person or client.", "example": "person"})
    id = ma.fields.UUID(
        allow_none=True,
        metadata={
            "description": "The person's or the API client's id.",
            "example": "9a4f2c1e-3b5d-4e6f-8a7b-0c1d2e3f4a5b",
        },
    )
    name = ma.fields.String(
        metadata={"description": "The person's or client's name.", "example": "Amara Okafor"}
    )
    organisation_id = ma.fields.UUID(
        allow_none=True,
        metadata={
            "description": "None for a platform client.",
            "example": "0b7e9c2a-4f1d-4e8b-9a6c-3d2f1e0a9b8c",
        },
    )
    organisation = ma.fields.Nested(PublicOrganisationSchema, allow_none=True)
    consortium_ids = ma.fields.List(
        ma.fields.UUID(),
        metadata={
            "description": "The consortia the organisation belongs to.",
            "example": ["5c1d8e2f-7a3b-4c9d-8e1f-2a3b4c5d6e7f"],
        },
    )
    scopes = ma.fields.List(
        ma.fields.String(), metadata={"example": ["organisation:read", "pool:read"]}
    )
    roles = ma.fields.List(
        ma.fields.Nested(RoleSchema),
        metadata={"description": "A person's roles; a client has none (its scopes say it)."},
    )
    person = ma.fields.Nested(MePersonSchema, allow_none=True)
    links = ma.fields.Nested(MeLinksSchema, allow_none=True)
    client = ma.fields.Nested(ApiClientSchema, allow_none=True)


class TokenRequestSchema(Schema):
    class Meta:
        # RFC 6749 §3.2: the token endpoint MUST ignore parameters it does not recognise.
        unknown = ma.INCLUDE

    grant_type = ma.fields.String(required=True, metadata={"example": "client_credentials"})
    scope = ma.fields.String(metadata={"example": "people:read people:write"})


class TokenSchema(Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(metadata={"example": 3600})
    scope = ma.fields.String(metadata={"example": "people:read"})


OAUTH_ERRORS = (
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
)


class OAuthErrorSchema(Schema):
    """A token request refused, in RFC 6749 section 5.2's shape (application/json), which
    OAuth client libraries parse; the rest of the API answers application/problem+json."""

    error = ma.fields.String(
        required=True, validate=validate.OneOf(OAUTH_ERRORS), metadata={"example": "invalid_scope"}
    )
    error_description = ma.fields.String(
        metadata={
            "description": "What was wrong, for the client's developer (plain ASCII).",
            "example": "This client does not hold platform:admin; it may ask for: people:read.",
        }
    )


class SsoConfigurationSchema(Schema):
    """An organisation's OpenID Connect provider. The client secret is write-only."""

    issuer = ma.fields.Url(
        required=True,
        schemes={"https", "http"},
        require_tld=False,
        validate=validate.Length(max=500),
        metadata={
            "description": "The provider's issuer; its /.well-known/openid-configuration is "
            "fetched and must name exactly this issuer. https in production.",
            "example": "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
        },
    )
    client_id = ma.fields.String(
        required=True,
        validate=validate.Length(1, 255),
        metadata={"example": "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"},
    )
    client_secret = ma.fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(1, 1000),
        metadata={
            "description": "Write-only: stored encrypted, never returned.",
            "example": "s3cr3t",
        },
    )
    email_domains = ma.fields.List(
        ma.fields.String(validate=DOMAIN),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={
            "description": "Email domains people signing in must have; empty: the "
            "organisation's own email domains.",
            "example": ["leedsth.nhs.uk", "nhs.net"],
        },
    )
    organisation_id = ma.fields.UUID(dump_only=True)
    version = ma.fields.Integer(
        dump_only=True, metadata={"description": "Grows with every change.", "example": 2}
    )
    redirect_uri = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "Register this callback URL with the provider.",
            "example": "https://consortium.example/auth/sso/leeds-teaching-hospitals/callback",
        },
    )
    discovered_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.pre_load
    def _lower_case_domains(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("email_domains"), list):
            data = {
                **data,
                "email_domains": [
                    d.strip().lower() if isinstance(d, str) else d for d in data["email_domains"]
                ],
            }
        return data


class RoleHolderCreateSchema(Schema):
    person_id = ma.fields.UUID(required=True)


class RoleHolderSchema(Schema):
    """A person holding a role, as other admins and coordinators see them."""

    id = ma.fields.UUID(dump_only=True)
    organisation_id = ma.fields.UUID(dump_only=True)
    given_name = ma.fields.String(dump_only=True, metadata={"example": "Amara"})
    family_name = ma.fields.String(dump_only=True, metadata={"example": "Okafor"})
    email = ma.fields.String(dump_only=True, metadata={"example": "amara.okafor@nhs.net"})


class SessionSchema(Schema):
    """Who is signed in, and the token unsafe cookie-authenticated requests must send."""

    person = ma.fields.Nested(RoleHolderSchema)
    organisation = ma.fields.Nested(PublicOrganisationSchema)
    roles = ma.fields.List(ma.fields.Nested(RoleSchema))
    scopes = ma.fields.List(ma.fields.String(), metadata={"example": ["organisation:read"]})
    csrf_token = ma.fields.String(
        metadata={
            "description": "Send as X-CSRF-Token on POST, PUT, PATCH and DELETE.",
            "example": "6f1e0c2b9a7d4e3f8c5b1a0d9e8f7c6b5a4d3e2f1c0b9a8d7e6f5c4b3a2d1e0f",
        }
    )
    expires_at = ma.fields.AwareDateTime(metadata={"description": "Absolute end of the session."})
    idle_expires_at = ma.fields.AwareDateTime(
        metadata={"description": "The session ends then unless used before."}
    )


class LoginQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    # Short enough that the longest, fully percent-encoded, fits gunicorn's request line.
    next = ma.fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "A local path to return to after signing in.", "example": "/"},
    )
