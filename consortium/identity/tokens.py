"""OAuth 2 client credentials (authlib) issuing RFC 9068 JWT access tokens, and their validation."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, InvalidScopeError, grants
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator, JWTBearerTokenValidator
from flask import Flask, Response, current_app, request
from joserfc.jwk import GuestProtocol, KeySet
from sqlalchemy import Select, or_, select

from consortium.consortia import service as consortia
from consortium.core import tenancy
from consortium.core.db import unstorable
from consortium.core.ratelimit import FailureLimit, remote_address
from consortium.core.security import SCOPES
from consortium.extensions import db
from consortium.identity import keys
from consortium.identity.models import ApiClient
from consortium.organisations.models import Organisation


class OAuthClient(ClientMixin):
    """authlib's view of an ApiClient: confidential, client credentials only."""

    def __init__(self, row: ApiClient) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(self.row.scopes)
        if not scope:
            return " ".join(sorted(allowed))
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        from consortium.core.security import secret_matches

        return secret_matches(client_secret, self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_requested_scope(self) -> None:
        """A scope the client does not hold is RFC 6749's invalid_scope (400), not a token
        with that scope silently left out; no scope asked for means all the client holds."""
        requested = set(scope_to_list(self.request.payload.scope) or ())
        held = set(self.request.client.row.scopes)
        missing = requested - held
        if not missing:
            return
        # Only known scope names are echoed: RFC 6749 limits error_description to plain ASCII.
        named = sorted(missing & set(SCOPES))
        unknown = len(missing) - len(named)
        parts = ([f"does not hold {' '.join(named)}"] if named else []) + (
            [f"asked for {unknown} unknown scope(s)"] if unknown else []
        )
        raise InvalidScopeError(
            description=f"This client {' and '.join(parts)}; it may ask for: "
            f"{' '.join(sorted(held))}."
        )


class AccessTokenGenerator(JWTBearerTokenGenerator):
    def get_jwks(self) -> KeySet:
        return KeySet([keys.signing_key()])

    def get_audiences(self, client: OAuthClient, user: Any, scope: str) -> str:
        return str(current_app.config["API_AUDIENCE"])

    def get_extra_claims(
        self, client: OAuthClient, grant_type: str, user: Any, scope: str
    ) -> dict[str, Any]:
        org = client.row.organisation_id
        return {"organisation_id": str(org)} if org else {}


class AccessTokenValidator(JWTBearerTokenValidator):
    def get_jwks(self) -> Callable[[GuestProtocol], KeySet]:
        # joserfc hands the token to this resolver, so the process's copy of the keys serves
        # unless the token names a key the copy lacks.
        copy: keys.VerificationKeys = current_app.extensions["consortium.verification_keys"]
        return lambda token: copy.for_kid(token.headers().get("kid"))


def _active_client_query(client_id: str) -> Select[ApiClient]:
    return (
        select(ApiClient)
        .outerjoin(Organisation, Organisation.id == ApiClient.organisation_id)
        .where(
            ApiClient.client_id == client_id,
            ApiClient.status == "active",
            or_(ApiClient.organisation_id.is_(None), Organisation.status == "active"),
        )
    )


def active_client(client_id: str) -> ApiClient | None:
    """The client, if it and its organisation (if any: the platform's have none) are active.

    The caller is not known yet: looking the client up is a deliberate cross-tenant read.
    """
    if unstorable(client_id):  # no client id holds such text (and the query would fail)
        return None
    with tenancy.all_tenants():
        return db.session.scalar(_active_client_query(client_id))


def active_client_and_consortia(
    client_id: str,
) -> tuple[ApiClient, frozenset[uuid.UUID]] | None:
    """The active client (as `active_client`) and its organisation's consortia, in one query.

    Read as the current principal: authentication makes that the one the client's signed
    token says it is, which sees the client's own rows (a platform client's: every tenant's).
    """
    if unstorable(client_id):
        return None
    rows = db.session.execute(
        consortia.with_consortium_ids(_active_client_query(client_id), ApiClient.organisation_id)
    ).all()
    if not rows:
        return None
    return rows[0][0], frozenset(row[1] for row in rows if row[1] is not None)


def find_client(client_id: str) -> OAuthClient | None:
    row = active_client(client_id)
    return OAuthClient(row) if row else None


def _save_token(token: dict[str, Any], request: Any) -> None:
    """Access tokens are self-contained JWTs: nothing to store."""


def _client_id_tried() -> str:
    """The client_id a token request authenticates as (HTTP Basic, or the form's)."""
    credentials = request.authorization
    if credentials is not None and credentials.type == "basic" and credentials.username:
        client_id = credentials.username
    else:
        client_id = request.form.get("client_id", "")
    return f"client_id:{client_id[:200]}"


def _authentication_failed(response: Response) -> bool:
    return response.status_code == 401  # invalid_client: unknown client or wrong secret


# Guessing a client's secret: failures are counted per client_id (one client attacked from
# many addresses) and per address (one address trying many clients).
GUESSING_LIMITS = (
    FailureLimit(
        endpoint="oauth.Token",
        setting="ratelimit_token_failures_per_client",
        key=_client_id_tried,
        failed=_authentication_failed,
        detail="Too many failed authentications for this client_id",
    ),
    FailureLimit(
        endpoint="oauth.Token",
        setting="ratelimit_token_failures_per_address",
        key=remote_address,
        failed=_authentication_failed,
        detail="Too many failed client authentications from this address",
    ),
)


def init_app(app: Flask) -> None:
    server = AuthorizationServer(app, query_client=find_client, save_token=_save_token)
    server.register_grant(ClientCredentialsGrant)
    ttl = int(app.config["ACCESS_TOKEN_TTL"])
    server.register_token_generator(
        "default",
        AccessTokenGenerator(
            issuer=app.config["ISSUER"],
            alg=keys.ALGORITHM,
            expires_generator=lambda client, grant_type: ttl,
        ),
    )
    app.extensions["consortium.oauth"] = server
    app.extensions["consortium.verification_keys"] = keys.VerificationKeys()
    app.extensions["consortium.token_validator"] = AccessTokenValidator(
        issuer=app.config["ISSUER"], resource_server=app.config["API_AUDIENCE"]
    )


def authorization_server() -> AuthorizationServer:
    server: AuthorizationServer = current_app.extensions["consortium.oauth"]
    return server


def validator() -> AccessTokenValidator:
    v: AccessTokenValidator = current_app.extensions["consortium.token_validator"]
    return v
