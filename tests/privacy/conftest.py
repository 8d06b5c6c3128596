"""A person with a full life in the service, built through the API, for the GDPR tests.

The subject, Zebedee Quortlethwaite, works for gamma (fire), a member of the pairing tests'
network. They applied to a programme with goals and were paired with Mona, a mentor of
tenant_a; they held a session and wrote notes and feedback on it, then ended the pairing and
both evaluated it. They offer to mentor themselves (a profile with availability and a CPD
log), have a calendar feed, declared an ethnicity and consented to its use in a
positive-action programme. Mona's own note names them. Gwen is gamma's admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.evaluation.conftest import end, evaluate, give_feedback
from tests.factories import write_mentor_profile
from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    delta,
    gamma,
    insert_profile,
    pool,
)
from tests.pool.conftest import Person, PoolWorld
from tests.programmes.support import apply, create_programme
from tests.sensitive.conftest import POSITIVE_ACTION, put_attributes
from tests.sensitive.conftest import create_programme as create_positive_action_programme
from tests.sessions.conftest import (
    SessionWorld,
    activate,
    at,
    give_availability,
    post_action,
    session_url,
    virtual,
)

GIVEN, FAMILY = "Zebedee", "Quortlethwaite"
FULL_NAME = f"{GIVEN} {FAMILY}"


@dataclass
class Life:
    sw: SessionWorld
    subject: Person
    admin: Person
    session: dict[str, Any]
    own_profile_id: str
    consent_programme_id: str

    @property
    def world(self) -> MatchWorld:
        return self.sw.world

    @property
    def mentor(self) -> Person:
        return self.sw.mentor


@pytest.fixture
def life(pool: PoolWorld, monkeypatch: pytest.MonkeyPatch) -> Life:  # noqa: F811
    mentor = pool.sign_in(pool.a, "Mona", "Mentor")
    subject = pool.sign_in(pool.gamma, GIVEN, FAMILY)
    coordinator = pool.sign_in(pool.delta, "Cora", "Coordinator", coordinator_of=[pool.network_id])
    admin = pool.sign_in(pool.gamma, "Gwen", "Admin", org_admin=True)
    profile_id = insert_profile(pool.app, mentor.id, pool.a.id)
    programme = create_programme(coordinator, pool.network_id, name="Leading Across Boundaries")
    goal = {
        "statement": f"As {FULL_NAME}, lead the station's first cross-service project.",
        "success_measure": "Signed off by June.",
    }
    application = apply(subject, programme, goals=[goal])
    world = MatchWorld(pool, mentor, subject, coordinator, profile_id, programme, application)
    give_availability(mentor, profile_id)
    match = world.proposal()
    activate(world, match, mentor, subject)
    sw = SessionWorld(world, match, monkeypatch)

    session = sw.booked(**virtual(3, 10))
    for author, kind, body in (
        (subject, "private", f"{FULL_NAME}: nervous about the board."),
        (subject, "shared", "Agenda: the project charter."),
        (mentor, "shared", f"Notes for {FULL_NAME} ({subject.email})."),
    ):
        url = session_url(session, "/notes")
        response = author.post(url, json={"kind": kind, "body": body})
        assert response.status_code == 201, response.get_json()
    sw.clock(at(3, 10, 30))
    response = post_action(mentor, session, "held")
    assert response.status_code == 200, response.get_json()
    # What both wrote of the session and, once the pairing ended, of the pairing (their
    # evaluations carry the subject's goals).
    for author, words in ((subject, f"{FULL_NAME}: it helped."), (mentor, "A good start.")):
        response = give_feedback(author, session, comment=words, visibility="coordinator")
        assert response.status_code == 200, response.get_json()
    end(subject, match)
    for author in (subject, mentor):
        response = evaluate(author, match, what_changed=f"{FULL_NAME} leads the project.")
        assert response.status_code == 201, response.get_json()

    own_profile_id = write_mentor_profile(
        pool.app, subject.id, pool.gamma.id, bio=f"{FULL_NAME}, station manager, mentors."
    )
    give_availability(subject, own_profile_id)
    response = subject.tenant.api.post(
        f"/api/v1/mentor-profiles/{own_profile_id}/cpd",
        json={"date": "2026-06-01", "kind": "reflection", "hours": 1, "note": f"{FULL_NAME}."},
    )
    assert response.status_code == 201, response.get_json()
    assert subject.get("/api/v1/me/calendar").status_code == 200

    consent_programme_id = create_positive_action_programme(
        coordinator, pool.network_id, "Positive Action 2027", positive_action=POSITIVE_ACTION
    )
    assert put_attributes(subject.browser, {"ethnicity": "mixed"}).status_code == 200
    response = subject.post("/api/v1/me/consents", json={"programme_id": consent_programme_id})
    assert response.status_code == 201, response.get_json()
    return Life(sw, subject, admin, session, own_profile_id, consent_programme_id)
