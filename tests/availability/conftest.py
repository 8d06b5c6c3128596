"""Shared setup for the availability tests, built on the pairing tests' world (tests/matches).

The world (`world`): mentor Mona (tenant_a) has a profile released to alpha-network and vetted
for a year; mentee Gail (gamma) applied to an open programme; coordinator Cora (delta)
coordinates the network. The service's clock is pinned to NOW (so fixed 2027 dates, such as the
clock changes, stay in the future whenever the tests run).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.factories import Tenant
from tests.identity.role_support import new_person
from tests.matches.conftest import MatchWorld
from tests.matches.conftest import world as world  # the fixture
from tests.pool.conftest import (  # noqa: F401 - fixtures used by these tests
    Person,
    delta,
    gamma,
    pool,
)

PROFILES = "/api/v1/mentor-profiles"
SLOTS = "/api/v1/slots"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from consortium.availability import service

    monkeypatch.setattr(service, "utcnow", lambda: NOW)


def rules_url(profile_id: str, rule_id: str | None = None) -> str:
    return f"{PROFILES}/{profile_id}/availability" + (f"/{rule_id}" if rule_id else "")


def exceptions_url(profile_id: str, exception_id: str | None = None) -> str:
    suffix = f"/{exception_id}" if exception_id else ""
    return f"{PROFILES}/{profile_id}/availability-exceptions{suffix}"


def feed_url(profile_id: str) -> str:
    return f"{PROFILES}/{profile_id}/busy-feed"


def slots_url(profile_id: str) -> str:
    return f"{PROFILES}/{profile_id}/slots"


def add_rule(caller: Any, profile_id: str, **body: Any) -> dict[str, Any]:
    response = caller.post(rules_url(profile_id), json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def weekly(caller: Any, profile_id: str, **body: Any) -> dict[str, Any]:
    """Mondays 09:00-12:00 London from 4 January 2027, unless told otherwise."""
    fields = {
        "dtstart": "2027-01-04T09:00:00",
        "duration_minutes": 180,
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        **body,
    }
    return add_rule(caller, profile_id, **fields)


def slots(caller: Any, profile_id: str, start: str, end: str, **query: Any) -> list[dict[str, Any]]:
    response = caller.get(slots_url(profile_id), query_string={"start": start, "end": end, **query})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())


def starts(found: list[dict[str, Any]]) -> list[str]:
    return [s["start"] for s in found]


def problem_fields(response: Any) -> list[str]:
    return [e["field"] for e in response.get_json().get("errors", [])]


def vet(owner_engine: Engine, profile_id: str) -> None:
    """Approve the profile's vetting for a year (the pool tests cover doing it by API)."""
    with owner_engine.begin() as c:
        c.execute(
            text("UPDATE mentor_profiles SET vetting_expires_on = :d WHERE id = :p"),
            {"d": date.today() + timedelta(days=365), "p": profile_id},
        )


def other_mentor(world: MatchWorld, owner_engine: Engine, tenant: Tenant, **fields: Any) -> str:
    """A vetted profile released to the network, of a new person of `tenant`."""
    from tests.matches.conftest import insert_profile

    person = new_person(tenant, "mentor")
    profile_id = insert_profile(world.app, str(person["id"]), tenant.id, **fields)
    vet(owner_engine, profile_id)
    return profile_id


def book(
    app: Flask, world: MatchWorld, match: dict[str, Any], starts_at: datetime, ends_at: datetime
) -> None:
    """A scheduled session of the pairing, with both attendee rows (the sessions domain's job;
    written directly here so these tests do not depend on its routes)."""
    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.sessions.models import MentoringSession, SessionAttendee

    pair = {
        "consortium_id": uuid.UUID(match["consortium_id"]),
        "mentor_organisation_id": uuid.UUID(world.pool.a.id),
        "mentee_organisation_id": uuid.UUID(world.pool.gamma.id),
    }
    with app.app_context(), tenancy.all_tenants():
        session = MentoringSession(
            id=uuid.uuid4(),
            match_id=uuid.UUID(match["id"]),
            mentee_id=uuid.UUID(world.mentee.id),
            mentor_person_id=uuid.UUID(world.mentor.id),
            mentor_profile_id=uuid.UUID(world.profile_id),
            starts_at=starts_at,
            ends_at=ends_at,
            **pair,
        )
        db.session.add(session)
        db.session.flush()
        for role, person in (("mentor", world.mentor), ("mentee", world.mentee)):
            db.session.add(
                SessionAttendee(
                    session_id=session.id,
                    person_id=uuid.UUID(person.id),
                    role=role,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    **pair,
                )
            )
        db.session.commit()


@pytest.fixture
def vetted_world(world: MatchWorld, owner_engine: Engine) -> MatchWorld:
    vet(owner_engine, world.profile_id)
    return world
