"""Browser sessions: the signed cookie, idle and absolute expiry, and the CSRF token.

The cookie holds a random token, signed with SECRET_KEY; the database holds only its hash, so
a leaked table cannot be replayed and logout ends the session everywhere at once. The CSRF
token is an HMAC of the session token: nothing more to store, and it changes with the session.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from consortium.core import tenancy
from consortium.core.db import utcnow
from consortium.core.security import derived_key, derived_keys, hash_secret, new_secret, secret_keys
from consortium.extensions import db
from consortium.identity.models import LoginSession
from consortium.people.models import Person

# Written at most this often for an active session, so reads do not each cost a write.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)


def cookie_name() -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only and Path=/.
    return (
        "__Host-consortium_session"
        if current_app.config["SECURE_COOKIES"]
        else "consortium_session"
    )


def _serializer() -> URLSafeTimedSerializer:
    # Signs with SECRET_KEY and still accepts cookies signed with a previous key (itsdangerous
    # takes the newest last), so a key rotation signs nobody out.
    return URLSafeTimedSerializer(list(reversed(secret_keys())), salt="consortium.session")


@dataclass(frozen=True)
class ActiveSession:
    """A session found from the cookie, with the raw token (for the CSRF token)."""

    session: LoginSession
    token: str

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.token)


CSRF_PURPOSE = b"consortium csrf v1"


def csrf_token_for(token: str, key: bytes | None = None) -> str:
    key = key or derived_key(CSRF_PURPOSE)
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def csrf_matches(active: ActiveSession, supplied: str | None) -> bool:
    """Whether `supplied` is the session's CSRF token under SECRET_KEY or a previous key."""
    return bool(supplied) and any(
        hmac.compare_digest(csrf_token_for(active.token, key), supplied or "")
        for key in derived_keys(CSRF_PURPOSE)
    )


def start_session(*, person_id: uuid.UUID, organisation_id: uuid.UUID) -> tuple[LoginSession, str]:
    """A new session (a new token every login: rotation) and the token for its cookie."""
    token = new_secret()
    now = utcnow()
    session = LoginSession(
        organisation_id=organisation_id,
        person_id=person_id,
        token_hash=hash_secret(token),
        last_seen_at=now,
        expires_at=now + timedelta(seconds=current_app.config["SESSION_MAX_AGE"]),
    )
    # Nobody is signed in yet: the session is written as its organisation.
    with tenancy.acting_for(organisation_id, name="sessions"):
        db.session.add(session)
        db.session.flush()
    return session, token


def find_session(cookie_value: str) -> ActiveSession | None:
    """The live session the cookie names, touched as seen now; None if absent or expired."""
    try:
        token = _serializer().loads(cookie_value, max_age=current_app.config["SESSION_MAX_AGE"])
    except BadSignature:
        return None
    if not isinstance(token, str):
        return None
    now = utcnow()
    idle = timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])
    with tenancy.all_tenants():  # whose session it is is what we are finding out
        session = db.session.scalar(
            select(LoginSession).where(
                LoginSession.token_hash == hash_secret(token), LoginSession.ended_at.is_(None)
            )
        )
        if session is None or session.expires_at <= now or session.last_seen_at + idle <= now:
            return None
        if now - session.last_seen_at >= LAST_SEEN_GRANULARITY:
            session.last_seen_at = now
            db.session.flush()
    return ActiveSession(session=session, token=token)


def end_session(session: LoginSession) -> None:
    with tenancy.all_tenants():
        session.ended_at = utcnow()
        db.session.flush()


def set_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        cookie_name(),
        _serializer().dumps(token),
        max_age=current_app.config["SESSION_MAX_AGE"],
        path="/",
        secure=current_app.config["SECURE_COOKIES"],
        httponly=True,
        samesite="Lax",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(
        cookie_name(),
        path="/",
        secure=current_app.config["SECURE_COOKIES"],
        httponly=True,
        samesite="Lax",
    )


@event.listens_for(Session, "before_flush")
def _end_sessions_of_deactivated(session: Session, _ctx: object, _instances: object) -> None:
    """A person deactivated by any path (API, SCIM, import) is signed out everywhere at once."""
    deactivated = [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Person) and "inactive" in inspect(obj).attrs.status.history.added
    ]
    if deactivated:
        session.execute(
            update(LoginSession)
            .where(LoginSession.person_id.in_(deactivated), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
