"""Shared setup for the calendar tests: an active pairing (tests/matches' world: Mona of
tenant_a mentors Gail of gamma; Cora of delta coordinates), and its sessions.

Sessions are written as the system here, exactly as the sessions domain stores them (a session
and its two attendee rows), then changed the way a booking, a move or a cancellation changes
them, with the invitations that go with each; the sessions domain's own tests drive its API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from icalendar import Calendar, Event
from sqlalchemy import select

from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    act_ok,
    delta,
    gamma,
    pool,
    world,
)
from tests.pool.conftest import Person, mail_jobs

ME_CALENDAR = "/api/v1/me/calendar"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Pair:
    world: MatchWorld
    match: dict[str, Any]

    @property
    def app(self) -> Flask:
        return self.world.app

    @property
    def mentor(self) -> Person:
        return self.world.mentor

    @property
    def mentee(self) -> Person:
        return self.world.mentee

    def book(
        self,
        starts_at: datetime,
        *,
        minutes: int = 60,
        status: str = "scheduled",
        mode: str = "virtual",
        location: str | None = None,
        invite: bool = False,
    ) -> str:
        """A session of this pairing (and its two attendee rows); returns its id."""
        from consortium.calendar import invitations
        from consortium.core import tenancy
        from consortium.extensions import db
        from consortium.matches.models import Match
        from consortium.sessions.models import MentoringSession, SessionAttendee

        ends_at = starts_at + timedelta(minutes=minutes)
        with self.app.app_context(), tenancy.all_tenants():
            match = db.session.get(Match, uuid.UUID(self.match["id"]))
            assert match is not None and match.mentor_person_id is not None
            pair = {
                "consortium_id": match.consortium_id,
                "mentor_organisation_id": match.mentor_organisation_id,
                "mentee_organisation_id": match.mentee_organisation_id,
            }
            session = MentoringSession(
                id=uuid.uuid4(),
                match_id=match.id,
                mentee_id=match.mentee_id,
                mentor_person_id=match.mentor_person_id,
                mentor_profile_id=match.mentor_profile_id,
                starts_at=starts_at,
                ends_at=ends_at,
                status=status,
                mode=mode,
                location=location,
                sequence=0,
                booked_by="tests",
                **pair,
            )
            db.session.add(session)
            for person_id, role in (
                (match.mentor_person_id, "mentor"),
                (match.mentee_id, "mentee"),
            ):
                db.session.add(
                    SessionAttendee(
                        id=uuid.uuid4(),
                        session_id=session.id,
                        person_id=person_id,
                        role=role,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        live=status != "cancelled",
                        **pair,
                    )
                )
            db.session.flush()
            if invite:
                invitations.send(session, change="booked")
            db.session.commit()
            return str(session.id)

    def reschedule(self, session_id: str, starts_at: datetime, *, minutes: int = 60) -> None:
        """Move a session as the sessions domain does: new times, SEQUENCE + 1, invitations."""
        from consortium.calendar import invitations
        from consortium.core import tenancy
        from consortium.extensions import db
        from consortium.sessions.models import MentoringSession, SessionAttendee

        with self.app.app_context(), tenancy.all_tenants():
            session = db.session.get(MentoringSession, uuid.UUID(session_id))
            assert session is not None
            session.starts_at, session.ends_at = starts_at, starts_at + timedelta(minutes=minutes)
            session.sequence += 1
            for attendee in db.session.scalars(
                select(SessionAttendee).where(SessionAttendee.session_id == session.id)
            ):
                attendee.starts_at, attendee.ends_at = session.starts_at, session.ends_at
            db.session.flush()
            invitations.send(session, change="rescheduled")
            db.session.commit()

    def cancel(self, session_id: str, reason: str = "Called away to an incident.") -> None:
        """Cancel a session as the sessions domain does: SEQUENCE + 1, time freed, invitations."""
        from consortium.calendar import invitations
        from consortium.core import tenancy
        from consortium.extensions import db
        from consortium.sessions.models import MentoringSession, SessionAttendee

        with self.app.app_context(), tenancy.all_tenants():
            session = db.session.get(MentoringSession, uuid.UUID(session_id))
            assert session is not None
            session.status, session.cancel_reason = "cancelled", reason
            session.cancelled_at, session.cancelled_by = now(), "tests"
            session.sequence += 1
            for attendee in db.session.scalars(
                select(SessionAttendee).where(SessionAttendee.session_id == session.id)
            ):
                attendee.live = False
            db.session.flush()
            invitations.send(session, change="cancelled")
            db.session.commit()

    def set_session(self, session_id: str, **fields: Any) -> None:
        """Change a session's columns directly (e.g. mark it held)."""
        from consortium.core import tenancy
        from consortium.extensions import db
        from consortium.sessions.models import MentoringSession

        with self.app.app_context(), tenancy.all_tenants():
            session = db.session.get(MentoringSession, uuid.UUID(session_id))
            assert session is not None
            for name, value in fields.items():
                setattr(session, name, value)
            db.session.commit()

    def set_match(self, **fields: Any) -> None:
        from consortium.core import tenancy
        from consortium.extensions import db
        from consortium.matches.models import Match

        with self.app.app_context(), tenancy.all_tenants():
            match = db.session.get(Match, uuid.UUID(self.match["id"]))
            assert match is not None
            for name, value in fields.items():
                setattr(match, name, value)
            db.session.commit()

    def session_row(self, session_id: str) -> Any:
        from consortium.core import tenancy
        from consortium.extensions import db
        from consortium.sessions.models import MentoringSession

        with self.app.app_context(), tenancy.all_tenants():
            session = db.session.get(MentoringSession, uuid.UUID(session_id))
            assert session is not None
            db.session.expunge(session)
            return session


@pytest.fixture
def pair(world: MatchWorld) -> Pair:  # noqa: F811 - the fixture imported above
    """Mona and Gail's pairing, approved by Cora and accepted by both: active."""
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    act_ok(world.mentor, match, "accept")
    match = act_ok(world.mentee, match, "accept")
    assert match["status"] == "active"
    return Pair(world, match)


def remind(app: Flask, at: datetime | None = None) -> int:
    from consortium.calendar import jobs

    with app.app_context():
        return jobs.send_reminders_now(now=at)


def nudge(app: Flask, at: datetime) -> int:
    from consortium.calendar import jobs

    with app.app_context():
        return jobs.send_nudges_now(now=at)


# --- reading feeds and mail ------------------------------------------------------------------


def feed_url(person: Any) -> str:
    response = person.get(ME_CALENDAR)
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["url"])


def fetch_feed(anonymous: Any, url: str) -> Any:
    """GET a feed's URL as a calendar app would: no credentials."""
    return anonymous.get(urlsplit(url).path)


def parse_feed(response: Any) -> Calendar:
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def events(calendar: Calendar) -> dict[str, Event]:
    """The calendar's events by UID."""
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def invitation_mails(owner_engine: Any, person: Person) -> list[dict[str, Any]]:
    """The mail.send jobs to a person that carry a calendar attachment, oldest first."""
    return [
        job["arguments"]
        for job in mail_jobs(owner_engine, person.email)
        if job["arguments"].get("attachments")
    ]
