"""Shared setup for the sessions tests, on the pairing tests' world (tests/matches).

The world (`sw`): Mona (tenant_a) mentors Gail (gamma) in an active pairing of the network's
programme; Mona publishes her availability (every day, 07:00 to 21:00 UK time) through the
availability API. `sw.second_pair()` pairs Mona with a second mentee, Dora (delta), in the
same programme, so two pairings share a mentor. The service's clock is moved with
`sw.clock(...)` (sessions.service.now) where a test needs a session to have started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    act_ok,
    delta,
    gamma,
    insert_profile,
    match_url,
    pool,
    world,
)
from tests.pool.conftest import Person, mail_jobs
from tests.programmes.support import apply, patch_with_etag, programme_url

LONDON = ZoneInfo("Europe/London")
STALE = '"0123456789abcdef0123456789abcdef01234567"'


def day(days_ahead: int) -> date:
    return (datetime.now(LONDON) + timedelta(days=days_ahead)).date()


def at(days_ahead: int, hour: int, minute: int = 0) -> datetime:
    """A UK wall-clock time `days_ahead` days from today (aware, with its offset)."""
    return datetime.combine(day(days_ahead), time(hour, minute), tzinfo=LONDON)


def slot(days_ahead: int, hour: int, minute: int = 0, *, minutes: int = 60) -> dict[str, str]:
    start = at(days_ahead, hour, minute)
    return {"start": start.isoformat(), "end": (start + timedelta(minutes=minutes)).isoformat()}


def virtual(days_ahead: int, hour: int, minute: int = 0, **fields: Any) -> dict[str, Any]:
    return {**slot(days_ahead, hour, minute), "mode": "virtual", **fields}


def sessions_url(match: dict[str, Any] | str, suffix: str = "") -> str:
    return match_url(match, f"/sessions{suffix}")


def session_url(session: dict[str, Any], suffix: str = "") -> str:
    return f"{sessions_url(session['match_id'])}/{session['id']}{suffix}"


def give_availability(mentor: Any, profile_id: str) -> None:
    """07:00-21:00 UK time every day, published by the mentor through the availability API."""
    rule = {
        "dtstart": "2020-01-01T07:00:00",
        "duration_minutes": 14 * 60,
        "rrule": "FREQ=DAILY",
        "timezone": "Europe/London",
    }
    response = mentor.post(f"/api/v1/mentor-profiles/{profile_id}/availability", json=rule)
    assert response.status_code == 201, response.get_json()


def activate(mw: MatchWorld, match: dict[str, Any], mentor: Person, mentee: Person) -> None:
    """Approve (the coordinator) and accept (both people): the pairing is active."""
    act_ok(mw.coordinator, match, "approve")
    act_ok(mentor, match, "accept")
    act_ok(mentee, match, "accept")


@dataclass
class SessionWorld:
    world: MatchWorld
    match: dict[str, Any]
    monkeypatch: pytest.MonkeyPatch
    _extra: dict[str, Any] = field(default_factory=dict)

    @property
    def app(self) -> Flask:
        return self.world.app

    @property
    def mentor(self) -> Person:
        return self.world.mentor

    @property
    def mentee(self) -> Person:
        return self.world.mentee

    @property
    def coordinator(self) -> Person:
        return self.world.coordinator

    def clock(self, moment: datetime) -> None:
        """Make the sessions service believe it is `moment`."""
        from consortium.sessions import service

        self.monkeypatch.setattr(service, "now", lambda: moment.astimezone(UTC))

    def book(self, caller: Any = None, match: Any = None, **body: Any) -> Any:
        return (caller or self.mentee).post(sessions_url(match or self.match), json=body)

    def booked(self, caller: Any = None, match: Any = None, **body: Any) -> dict[str, Any]:
        response = self.book(caller, match, **body)
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def second_pair(self) -> tuple[dict[str, Any], Person]:
        """Mona paired (active) with a second mentee, Dora of delta, in the same programme."""
        if "second" not in self._extra:
            dora = self.world.pool.sign_in(self.world.pool.delta, "Dora", "Mentee")
            application = apply(dora, self.world.programme)
            match = self.world.proposal(application_id=application["id"])
            activate(self.world, match, self.mentor, dora)
            self._extra["second"] = (match, dora)
        return self._extra["second"]  # type: ignore[no-any-return]

    def set_sessions_max(self, sessions_max: int) -> None:
        rules = {"sessions_min": 1, "sessions_max": sessions_max}
        response = patch_with_etag(
            self.coordinator, programme_url(self.world.programme), {"rules": rules}
        )
        assert response.status_code == 200, response.get_json()


@pytest.fixture
def sw(world: MatchWorld, monkeypatch: pytest.MonkeyPatch) -> SessionWorld:  # noqa: F811
    give_availability(world.mentor, world.profile_id)
    match = world.proposal()
    activate(world, match, world.mentor, world.mentee)
    return SessionWorld(world, match, monkeypatch)


# --- rows as the owner sees them -------------------------------------------------------------


def etag_of(caller: Any, url: str) -> str:
    response = caller.get(url)
    assert response.status_code == 200, response.get_json()
    return str(response.headers["ETag"])


def post_action(caller: Any, session: dict[str, Any], action: str, body: Any = None) -> Any:
    """POST an action on the session with its current ETag (as the caller reads it)."""
    etag = etag_of(caller, session_url(session))
    return caller.post(session_url(session, f"/{action}"), json=body, headers={"If-Match": etag})


def invitations_to(owner_engine: Engine, person: Person) -> list[dict[str, Any]]:
    """The calendar messages queued to a person: [{subject, attachments}], oldest first."""
    return [
        {
            "subject": job["arguments"]["subject"],
            "attachments": job["arguments"].get("attachments", []),
        }
        for job in mail_jobs(owner_engine, person.email)
        if job["arguments"].get("attachments")
    ]


def audit_actions(owner_engine: Engine, subject_id: str) -> list[str]:
    with owner_engine.connect() as c:
        return [
            row[0]
            for row in c.execute(
                text(
                    "SELECT action FROM audit_events WHERE subject_id = :s ORDER BY created_at, id"
                ),
                {"s": subject_id},
            )
        ]


def attendee_rows(owner_engine: Engine, session_id: str) -> list[dict[str, Any]]:
    with owner_engine.connect() as c:
        return [
            dict(r)
            for r in c.execute(
                text(
                    "SELECT person_id, role, starts_at, ends_at, live FROM session_attendees"
                    " WHERE session_id = :s ORDER BY role"
                ),
                {"s": session_id},
            ).mappings()
        ]
