"""Feedback on held sessions: who may give it, when, and who reads it.

The world (tests/evaluation/conftest.py): Mona (tenant_a) mentors Gail (gamma).
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.evaluation.conftest import feedback_url, give_feedback, hold
from tests.sessions.conftest import SessionWorld, audit_actions, virtual


def test_each_person_rates_a_held_session_once_and_may_change_their_own(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    session = hold(sw, sw.mentee, sw.match)
    response = give_feedback(sw.mentee, session, rating=5, comment="Really useful.")
    assert response.status_code == 200, response.get_json()
    (mine,) = response.get_json()
    assert mine["rating"] == 5 and mine["mine"] is True
    assert mine["author"] == {"person_id": sw.mentee.id, "role": "mentee"}
    # Again: replaced, not added.
    response = give_feedback(sw.mentee, session, rating=3, comment="On reflection, useful.")
    assert response.status_code == 200, response.get_json()
    assert [(f["rating"], f["comment"]) for f in response.get_json()] == [
        (3, "On reflection, useful.")
    ]
    assert audit_actions(owner_engine, mine["id"]) == ["session.feedback_given"] * 2


def test_the_other_person_reads_pair_feedback_but_not_feedback_left_for_coordinators(
    sw: SessionWorld,
) -> None:
    session = hold(sw, sw.mentee, sw.match)
    assert give_feedback(sw.mentee, session, comment="For us both.").status_code == 200
    response = give_feedback(
        sw.mentor, session, rating=2, comment="She was late.", visibility="coordinator"
    )
    assert response.status_code == 200, response.get_json()

    seen_by_mentor = sw.mentor.get(feedback_url(session)).get_json()
    assert {(f["author"]["role"], f["comment"]) for f in seen_by_mentor} == {
        ("mentor", "She was late."),
        ("mentee", "For us both."),
    }
    seen_by_mentee = sw.mentee.get(feedback_url(session)).get_json()
    assert [f["comment"] for f in seen_by_mentee] == ["For us both."]

    # The coordinators read what was left for them, and only that, through the programme.
    programme_feedback = f"/api/v1/programmes/{sw.world.programme['id']}/feedback"
    response = sw.coordinator.get(programme_feedback)
    assert response.status_code == 200, response.get_json()
    assert [(f["comment"], f["visibility"]) for f in response.get_json()] == [
        ("She was late.", "coordinator")
    ]
    # Nobody else: the pair, admins of either organisation, another tenant.
    for other in (sw.mentee, sw.mentor, sw.world.admin_a, sw.world.admin_gamma):
        assert_problem(other.get(programme_feedback), 403)
    admin_b = sw.world.person("admin_b", sw.world.pool.b, "Bea", org_admin=True)
    assert_problem(admin_b.get(programme_feedback), 403)


def test_nobody_outside_the_pairing_gives_or_reads_its_feedback(sw: SessionWorld) -> None:
    session = hold(sw, sw.mentee, sw.match)
    assert give_feedback(sw.mentee, session).status_code == 200
    admin_b = sw.world.person("admin_b", sw.world.pool.b, "Bea", org_admin=True)
    for outsider in (sw.world.colleague, sw.world.admin_gamma, sw.coordinator, admin_b):
        assert_problem(outsider.get(feedback_url(session)), 404)
        response = outsider.browser.put(
            feedback_url(session),
            json={"rating": 1, "visibility": "pair"},
            headers={"If-Match": "*"},
        )
        assert_problem(response, 404)


def test_feedback_waits_until_the_session_is_held(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(5, 11))
    response = give_feedback(sw.mentee, session)
    assert_problem(response, 409)
    assert sw.mentee.get(feedback_url(session)).get_json() == []


def test_a_rating_out_of_range_or_a_bad_visibility_is_refused_naming_the_field(
    sw: SessionWorld,
) -> None:
    session = hold(sw, sw.mentee, sw.match)
    for rating in (0, 6, "five"):
        assert_problem(give_feedback(sw.mentee, session, rating=rating), 422, field="rating")
    assert_problem(
        give_feedback(sw.mentee, session, visibility="everyone"), 422, field="visibility"
    )
    assert_problem(give_feedback(sw.mentee, session, comment="x" * 5001), 422, field="comment")
    # Changing it needs the current ETag.
    response = sw.mentee.browser.put(
        feedback_url(session), json={"rating": 4, "visibility": "pair"}
    )
    assert_problem(response, 428)


def test_the_database_holds_who_reads_feedback_at_the_person_level(
    sw: SessionWorld, runtime_url: str
) -> None:
    """Row-level security, not only the app: as the app's role, the mentee's settings read
    her own feedback and the mentor's shared one, never the one he left for coordinators;
    an organisation admin's settings read none."""
    session = hold(sw, sw.mentee, sw.match)
    assert give_feedback(sw.mentee, session).status_code == 200
    assert give_feedback(sw.mentor, session, visibility="coordinator").status_code == 200
    assert give_feedback(sw.mentor, session, visibility="pair").status_code == 200
    assert give_feedback(sw.mentor, session, visibility="coordinator").status_code == 200

    def visible(person_id: str, organisation_id: str, coordinated: str = "") -> list[str]:
        runtime = create_engine(runtime_url)
        with runtime.connect() as c:
            c.execute(
                text(
                    "SELECT set_config('app.person_id', :p, true),"
                    " set_config('app.organisation_id', :o, true),"
                    " set_config('app.coordinated_ids', :c, true)"
                ),
                {"p": person_id, "o": organisation_id, "c": coordinated},
            )
            rows = list(c.execute(text("SELECT author_role FROM session_feedback")).scalars())
            # Nobody but the author changes a row.
            changed = c.execute(text("UPDATE session_feedback SET rating = 1")).rowcount
            c.rollback()
        runtime.dispose()
        return [*sorted(rows), f"changed {changed}"]

    gamma, network = sw.world.pool.gamma.id, sw.world.network_id
    assert visible(sw.mentee.id, gamma) == ["mentee", "changed 1"]
    admin = sw.world.admin_gamma
    assert visible(admin.id, gamma) == ["changed 0"]
    assert visible(sw.coordinator.id, sw.world.pool.delta.id, network) == [
        "mentor",
        "changed 0",
    ]
