"""Turn a request's credentials into the Principal it runs as."""

from __future__ import annotations

from authlib.oauth2.rfc6750.errors import InvalidTokenError
from flask import Flask, request
from sqlalchemy import select
from werkzeug.exceptions import Unauthorized

from consortium.consortia import service as consortia
from consortium.core import tenancy
from consortium.core.tenancy import ANONYMOUS, Principal
from consortium.extensions import db
from consortium.identity.models import ApiClient
from consortium.identity.tokens import validator


class InvalidToken(Unauthorized):
    description = "The access token is invalid or has expired; request a new one."

    def get_headers(self, *args, **kwargs):
        return [
            *super().get_headers(*args, **kwargs),
            ("WWW-Authenticate", 'Bearer error="invalid_token"'),
        ]


def principal_from_bearer(token: str) -> Principal:
    """Validate an RFC 9068 access token and load the (still active) client behind it."""
    v = validator()
    try:
        claims = v.authenticate_token(token)
        v.validate_token(claims, scopes=None, request=None)
    except (InvalidTokenError, ValueError) as exc:
        raise InvalidToken() from exc
    with tenancy.all_tenants():  # the client is not known until it is loaded
        client = db.session.scalar(
            select(ApiClient).where(
                ApiClient.client_id == claims["client_id"], ApiClient.status == "active"
            )
        )
        if client is None:
            raise InvalidToken()
        # A scope removed from the client stops working at once, not at token expiry.
        scopes = frozenset(str(claims.get("scope") or "").split()) & frozenset(client.scopes)
        consortium_ids = (
            consortia.consortium_ids_of(client.organisation_id)
            if client.organisation_id
            else frozenset()
        )
    return Principal(
        kind="client",
        id=client.id,
        organisation_id=client.organisation_id,
        consortium_ids=consortium_ids,
        scopes=scopes,
        all_tenants="platform:admin" in scopes,
        name=client.name,
    )


def authenticate() -> None:
    """before_request: set the principal from the Authorization header (none: anonymous)."""
    # Start every request as nobody, so a failure below can never leave a previous principal.
    tenancy.set_principal(ANONYMOUS)
    header = request.headers.get("Authorization")
    # At the token endpoint the client authenticates itself (HTTP Basic), handled by authlib.
    if not header or request.endpoint == "oauth.Token":
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use the Bearer scheme: Authorization: Bearer <access token>.")
    tenancy.set_principal(principal_from_bearer(token.strip()))


def init_app(app: Flask) -> None:
    app.before_request(authenticate)
