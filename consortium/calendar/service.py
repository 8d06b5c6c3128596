"""A person's calendar feed: its secret URL, rotating it, and the feed document itself.

The URL's token is the only credential of GET /calendar/{token}.ics (calendar apps cannot sign
in), so it is a 256-bit random secret. The database keeps its SHA-256 (looked up through a
unique index: the comparison is of digests, so timing says nothing about the token) and the
token itself encrypted with a key derived from SECRET_KEY, so the person can read the URL again.
Rotating replaces both: the old URL answers 404 at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consortium.audit import service as audit
from consortium.calendar import ics
from consortium.calendar.models import CalendarFeed
from consortium.core import security, tenancy
from consortium.core.db import utcnow
from consortium.core.errors import Forbidden, NotFound
from consortium.extensions import db
from consortium.organisations.models import Organisation
from consortium.people.models import Person
from consortium.sessions.models import MentoringSession, SessionAttendee

# Sessions older than this are left out of a feed (calendar apps keep what they have seen).
LOOKBACK = timedelta(days=90)
NOT_A_PERSON = (
    "A calendar feed belongs to a person: sign in as yourself. API clients and the platform "
    "have no sessions of their own, so no calendar."
)
UNKNOWN_FEED = "No calendar feed at this address: it may have been replaced by a newer one."
INACTIVE = "Your account is not active, so it has no calendar feed."


def _active_person(person_id: uuid.UUID) -> tuple[str, str] | None:
    """(given name, family name) of the person if they and their organisation are active.

    Read across tenants, explicitly, for this one person: the feed's caller is nobody. The
    same test as signing in, so a deactivated (or SCIM-deleted, or suspended organisation's)
    person's feed stops at once and comes back if they are reactivated, without a hook in the
    people domain; rotating on deactivation would make reactivation silently break feeds.
    """
    with tenancy.all_tenants():
        row = db.session.execute(
            select(Person.given_name, Person.family_name)
            .join(Organisation, Organisation.id == Person.organisation_id)
            .where(
                Person.id == person_id,
                Person.status == "active",
                Organisation.status == "active",
            )
        ).one_or_none()
    return (row.given_name, row.family_name) if row is not None else None


def _person_id() -> uuid.UUID:
    principal = tenancy.current()
    if principal.person_id is None:
        raise Forbidden(NOT_A_PERSON)
    # Signing in already refuses inactive people; checked again so no path hands out a URL.
    if _active_person(principal.person_id) is None:
        raise Forbidden(INACTIVE)
    return principal.person_id


def _mine(person_id: uuid.UUID, *, for_update: bool = False) -> CalendarFeed | None:
    statement = select(CalendarFeed).where(CalendarFeed.person_id == person_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(statement)


def _new_token(feed: CalendarFeed) -> None:
    token = security.new_secret()
    feed.token_hash = security.hash_secret(token)
    feed.token_encrypted = security.encrypt(token)


def get_my_feed() -> CalendarFeed:
    """The signed-in person's feed, created on first use."""
    person_id = _person_id()
    feed = _mine(person_id)
    if feed is not None:
        return feed
    principal = tenancy.current()
    assert principal.organisation_id is not None  # a person always belongs to an organisation
    feed = CalendarFeed(
        id=uuid.uuid4(), organisation_id=principal.organisation_id, person_id=person_id
    )
    _new_token(feed)
    try:
        with db.session.begin_nested():
            db.session.add(feed)
    except IntegrityError:
        # The same person's first two requests at once: the other one made it.
        found = _mine(person_id)
        if found is None:
            raise
        return found
    return feed


def rotate_my_feed() -> CalendarFeed:
    """Give the signed-in person's feed a new secret URL; the old one stops working."""
    feed = get_my_feed()
    feed = _mine(feed.person_id, for_update=True) or feed
    _new_token(feed)
    feed.rotated_at = utcnow()
    db.session.flush()
    audit.record(
        action="calendar_feed.rotated",
        subject_type="calendar_feed",
        subject_id=feed.id,
        organisation_id=feed.organisation_id,
    )
    return feed


def feed_url(feed: CalendarFeed) -> str:
    token = security.decrypt(feed.token_encrypted)
    base = current_app.config["SETTINGS"].public_base_url.rstrip("/")
    return f"{base}/calendar/{token}.ics"


def present(feed: CalendarFeed) -> dict[str, Any]:
    """What GET /api/v1/me/calendar shows."""
    return {"url": feed_url(feed), "created_at": feed.created_at, "rotated_at": feed.rotated_at}


# --- the feed document (no signed-in caller: the token stands for the person) --------------


@dataclass(frozen=True)
class FeedDocument:
    text: str
    person_id: uuid.UUID


def _feed_by_token(token: str) -> CalendarFeed:
    digest = security.hash_secret(token)
    # Nobody is signed in: the token is the credential, looked up across tenants by its digest.
    with tenancy.all_tenants():
        feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == digest))
    if feed is None:
        raise NotFound(UNKNOWN_FEED)
    return feed


def person_sessions(*, person_id: uuid.UUID) -> list[MentoringSession]:
    """The person's sessions (as mentor or mentee) from LOOKBACK ago on, cancelled included.

    Read across tenants, explicitly, for this one person's attendee rows: the sessions of a
    cross-organisation pairing belong to both people's organisations.
    """
    since = utcnow() - LOOKBACK
    with tenancy.all_tenants():
        return list(
            db.session.scalars(
                select(MentoringSession)
                .join(SessionAttendee, SessionAttendee.session_id == MentoringSession.id)
                .where(SessionAttendee.person_id == person_id, MentoringSession.ends_at >= since)
                .order_by(MentoringSession.starts_at, MentoringSession.id)
            ).unique()
        )


def feed_document(*, token: str) -> FeedDocument:
    """The iCalendar feed behind a token; NotFound for an unknown or replaced token, and for
    a person who is no longer active (exactly like an unknown token: it says nothing)."""
    feed = _feed_by_token(token)
    person = _active_person(feed.person_id)
    if person is None:
        raise NotFound(UNKNOWN_FEED)
    name = f"Mentoring sessions: {person[0]} {person[1]}"
    entries = ics.entries(person_sessions(person_id=feed.person_id))
    calendar = ics.document(entries, name=name, calendar_uid=f"feed-{feed.id}")
    return FeedDocument(text=ics.to_text(calendar), person_id=feed.person_id)
