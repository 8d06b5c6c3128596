"""Turn a request's credentials into the Principal it runs as.

A bearer token (API clients) wins; without one, the session cookie (people signed in through
SSO). The same routes serve both. Cookie-authenticated unsafe requests must carry the session's
CSRF token in X-CSRF-Token: a cookie is sent by the browser on its own, a header is not. The
console's HTML forms, which cannot send a header, carry the same token in a `csrf_token` field.
"""

from __future__ import annotations

import uuid
from typing import Any

from authlib.oauth2.rfc6750.errors import InvalidTokenError
from flask import Flask, g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from consortium.core import tenancy
from consortium.core.tenancy import ANONYMOUS, Principal
from consortium.extensions import db
from consortium.identity import roles, sessions, tokens
from consortium.identity.tokens import validator
from consortium.organisations.models import Organisation
from consortium.people.models import Person

# Blueprints that authenticate their own callers (the development identity provider).
_exempt_blueprints: set[str] = set()

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# The blueprints whose HTML forms may send the token as a form field instead of the header.
_form_blueprints: set[str] = set()
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class CsrfRequired(Forbidden):
    description = (
        f"This request is authenticated by the session cookie, so it must send the {CSRF_HEADER} "
        "header with the csrf_token from GET /auth/session."
    )


class InvalidToken(Unauthorized):
    description = "The access token is invalid or has expired; request a new one."

    def get_headers(self, *args, **kwargs):
        return [
            *super().get_headers(*args, **kwargs),
            ("WWW-Authenticate", 'Bearer error="invalid_token"'),
        ]


# The consortia each organisation was last seen to belong to, in this process: the guess
# that lets a bearer request send its tenant settings once (principal_from_bearer). Only a
# guess: what a request runs as is always read in its own transaction.
_consortia_seen: dict[uuid.UUID, frozenset[uuid.UUID]] = {}


def _expected_principal(claims: Any) -> Principal:
    """Who a verified token says its client is: its organisation and that organisation's
    consortia as last seen; a token naming no organisation is a platform client's, read across
    tenants (its row has no organisation to be seen through)."""
    try:
        organisation_id = uuid.UUID(str(claims.get("organisation_id")))
    except ValueError:
        return Principal(kind="client", all_tenants=True, name="platform client")
    return Principal(
        kind="client",
        organisation_id=organisation_id,
        consortium_ids=_consortia_seen.get(organisation_id, frozenset()),
        name="client of its token",
    )


def principal_from_bearer(token: str) -> Principal:
    """Validate an RFC 9068 access token and load the (still active) client behind it.

    The keys come from the process's copy; the client, its organisation's status and its
    consortia are one query, read as the principal the token says the client is. That is
    almost always the principal it turns out to be, so the request's transaction receives its
    tenant settings once (another consortium since, or a platform client without
    `platform:admin`, costs one more). Whatever the guess, the client is read afresh: a
    revoked client, a removed scope or a suspended organisation counts at once.
    """
    v = validator()
    try:
        claims = v.authenticate_token(token)
        v.validate_token(claims, scopes=None, request=None)
    except (InvalidTokenError, ValueError) as exc:
        raise InvalidToken() from exc
    tenancy.set_principal(_expected_principal(claims))
    # A suspended organisation's clients stop at once, like a deactivated client.
    found = tokens.active_client_and_consortia(str(claims.get("client_id") or ""))
    if found is None:
        tenancy.set_principal(ANONYMOUS)
        raise InvalidToken()
    client, consortium_ids = found
    if client.organisation_id:
        _consortia_seen[client.organisation_id] = consortium_ids
    # A scope removed from the client stops working at once, not at token expiry.
    scopes = frozenset(str(claims.get("scope") or "").split()) & frozenset(client.scopes)
    return Principal(
        kind="client",
        id=client.id,
        organisation_id=client.organisation_id,
        consortium_ids=consortium_ids,
        scopes=scopes,
        all_tenants="platform:admin" in scopes,
        name=client.name,
    )


def principal_from_session(active: sessions.ActiveSession) -> Principal | None:
    """The signed-in person of a live session, if they and their organisation are active."""
    with tenancy.all_tenants():
        person = db.session.get(Person, active.session.person_id)
        if person is None or person.status != "active":
            return None
        organisation = db.session.get(Organisation, person.organisation_id)
        if organisation is None or organisation.status != "active":
            return None
        return roles.principal_for_person(person)


def authenticate() -> None:
    """before_request: set the principal from the bearer token or session cookie (or none)."""
    # Start every request as nobody, so a failure below can never leave a previous principal.
    tenancy.set_principal(ANONYMOUS)
    g.login_session = None
    # At the token endpoint the client authenticates itself (HTTP Basic), handled by authlib.
    if request.endpoint == "oauth.Token" or request.blueprint in _exempt_blueprints:
        return
    header = request.headers.get("Authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Use the Bearer scheme: Authorization: Bearer <access token>.")
        tenancy.set_principal(principal_from_bearer(token.strip()))
        return
    cookie = request.cookies.get(sessions.cookie_name())
    if not cookie:
        return
    active = sessions.find_session(cookie)
    principal = principal_from_session(active) if active else None
    if active is None or principal is None:
        return  # an ended or expired session is simply not signed in
    if request.method not in SAFE_METHODS and not sessions.csrf_matches(active, _csrf_supplied()):
        raise CsrfRequired()
    g.login_session = active
    tenancy.set_principal(principal)


def _csrf_supplied() -> str | None:
    """The header; for a form posted to a blueprint that takes forms, else its field."""
    supplied = request.headers.get(CSRF_HEADER)
    form = request.blueprint in _form_blueprints and request.mimetype in FORM_TYPES
    if supplied is None and form:
        return request.form.get(CSRF_FIELD)
    return supplied


def accepts_form_token(blueprint_name: str) -> None:
    """Let a blueprint's HTML forms send the CSRF token as the `csrf_token` field."""
    _form_blueprints.add(blueprint_name)


def exempt(blueprint_name: str) -> None:
    """Leave a blueprint's requests unauthenticated here: it checks its own credentials."""
    _exempt_blueprints.add(blueprint_name)


def init_app(app: Flask) -> None:
    app.before_request(authenticate)
