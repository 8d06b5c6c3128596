"""Shared setup for the evaluation tests, on the sessions tests' world (tests/sessions).

The world (`sw`): Mona (tenant_a) mentors Gail (gamma) in an active pairing of the network's
programme, with one goal from Gail's application. Helpers hold sessions, give feedback, end
pairings and evaluate them through the API; `Cohort` builds many pairings for the report.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from tests.factories import Tenant
from tests.matches.conftest import act_ok, insert_profile, match_url
from tests.pool.conftest import Person
from tests.programmes.support import apply
from tests.sessions.conftest import (  # noqa: F401 - fixtures used by these tests
    SessionWorld,
    activate,
    at,
    delta,
    gamma,
    give_availability,
    pool,
    post_action,
    session_url,
    slot,
    sw,
    world,
)

_day = itertools.count(2)


def report_url(sw: SessionWorld) -> str:  # noqa: F811 - a world, not the fixture
    return f"/api/v1/programmes/{sw.world.programme['id']}/evaluation-report"


def feedback_url(session: dict[str, Any]) -> str:
    return session_url(session, "/feedback")


def hold(sw: SessionWorld, caller: Person, match: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """A session of `match` booked by `caller` on a day of its own, then held (the clock
    moved past its start)."""
    days_ahead = next(_day)
    session = sw.booked(caller, match, **slot(days_ahead, 10), mode="virtual")
    sw.clock(at(days_ahead, 10, 1))
    response = post_action(caller, session, "held")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def give_feedback(caller: Person, session: dict[str, Any], **body: Any) -> Any:
    """PUT the caller's feedback with the ETag of the feedback they read."""
    got = caller.get(feedback_url(session))
    assert got.status_code == 200, got.get_json()
    body = {"rating": 4, "visibility": "pair", **body}
    return caller.browser.put(
        feedback_url(session), json=body, headers={"If-Match": got.headers["ETag"]}
    )


def end(caller: Person, match: dict[str, Any]) -> None:
    act_ok(caller, match, "close", "The programme's sessions are done.")


def evaluation_body(caller: Person, match: dict[str, Any], **fields: Any) -> dict[str, Any]:
    goals = caller.get(match_url(match, "/goals")).get_json()
    return {
        "goals": [{"goal_id": g["id"], "outcome": "met"} for g in goals],
        "what_changed": "I lead the weekly huddle now.",
        "would_recommend": True,
        "hours_given": 6.5,
        "overall_rating": 5,
        **fields,
    }


def evaluate(caller: Person, match: dict[str, Any], **fields: Any) -> Any:
    return caller.post(
        match_url(match, "/evaluations"), json=evaluation_body(caller, match, **fields)
    )


@dataclass
class Cohort:
    """Pairings of the network's programme, each held once, rated, ended and evaluated by
    both people (through the API)."""

    sw: SessionWorld
    mentors: dict[str, tuple[Person, str]] = field(default_factory=dict)

    def mentor(self, key: str, tenant: Tenant) -> tuple[Person, str]:
        """A signed-in mentor with a vetted, released profile and availability (by key)."""
        if key not in self.mentors:
            if key == "mona":
                self.mentors[key] = (self.sw.mentor, self.sw.world.profile_id)
            else:
                person = self.sw.world.pool.sign_in(tenant, key.capitalize())
                profile_id = insert_profile(self.sw.app, person.id, tenant.id)
                give_availability(person, profile_id)
                self.mentors[key] = (person, profile_id)
        return self.mentors[key]

    def pairing(
        self, mentor_key: str, mentor_tenant: Tenant, mentee_tenant: Tenant, **evaluation: Any
    ) -> dict[str, Any]:
        mentor, profile_id = self.mentor(mentor_key, mentor_tenant)
        mentee = self.sw.world.pool.sign_in(mentee_tenant, "Mia")
        application = apply(mentee, self.sw.world.programme)
        match = self.sw.world.proposal(
            application_id=application["id"], mentor_profile_id=profile_id
        )
        activate(self.sw.world, match, mentor, mentee)
        self.complete(match, mentor, mentee, **evaluation)
        return match

    def complete(
        self, match: dict[str, Any], mentor: Person, mentee: Person, **evaluation: Any
    ) -> None:
        session = hold(self.sw, mentee, match)
        for person, rating in ((mentor, 4), (mentee, 5)):
            response = give_feedback(person, session, rating=rating)
            assert response.status_code == 200, response.get_json()
        end(mentee, match)
        for person in (mentor, mentee):
            response = evaluate(person, match, **evaluation)
            assert response.status_code == 201, response.get_json()
