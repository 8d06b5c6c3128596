"""What a pair writes about its sessions: notes (private ones never seen by anyone else),
follow-up actions, and goals carried in from the application and rated at held sessions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.matches.conftest import match_url
from tests.sessions.conftest import (
    STALE,
    SessionWorld,
    at,
    etag_of,
    post_action,
    session_url,
    virtual,
)

SET = "SELECT set_config(:name, :value, true)"


def notes_url(session: dict[str, Any], note: dict[str, Any] | None = None) -> str:
    return session_url(session, "/notes" + (f"/{note['id']}" if note else ""))


def actions_url(session: dict[str, Any], action: dict[str, Any] | None = None) -> str:
    return session_url(session, "/actions" + (f"/{action['id']}" if action else ""))


def write(caller: Any, session: dict[str, Any], kind: str, body: str) -> Any:
    return caller.post(notes_url(session), json={"kind": kind, "body": body})


def written(caller: Any, session: dict[str, Any], kind: str, body: str) -> dict[str, Any]:
    response = write(caller, session, kind, body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def note_ids(caller: Any, session: dict[str, Any]) -> set[str]:
    response = caller.get(notes_url(session))
    assert response.status_code == 200, response.get_json()
    return {n["id"] for n in response.get_json()}


def held(sw: SessionWorld, days_ahead: int = 3, hour: int = 10) -> dict[str, Any]:
    """A session booked for then, with the clock moved into it and marked held."""
    session = sw.booked(**virtual(days_ahead, hour))
    sw.clock(at(days_ahead, hour, 30))
    response = post_action(sw.mentor, session, "held")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


# --- notes -----------------------------------------------------------------------------------


def test_a_private_note_is_seen_by_its_author_alone(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    private = written(sw.mentee, session, "private", "I am nervous about the board.")
    shared = written(sw.mentor, session, "shared", "Agenda: the project charter.")
    assert private["author"] == "mentee" and private["author_person_id"] == sw.mentee.id
    assert shared["author"] == "mentor"

    assert note_ids(sw.mentee, session) == {private["id"], shared["id"]}
    assert sw.mentee.get(notes_url(session, private)).get_json() == private
    # The other person lists the notes without it, and is told it does not exist.
    assert note_ids(sw.mentor, session) == {shared["id"]}
    assert_problem(sw.mentor.get(notes_url(session, private)), 404)
    assert sw.mentor.get(notes_url(session, shared)).get_json() == shared
    # Admins of both organisations and the coordinator see the session, but not its notes.
    world = sw.world
    for caller in (world.admin_a, world.admin_gamma, sw.coordinator):
        assert caller.get(session_url(session)).status_code == 200
        assert_problem(caller.get(notes_url(session)), 404)
        assert_problem(caller.get(notes_url(session, private)), 404)
        assert_problem(caller.get(notes_url(session, shared)), 404)
        assert_problem(write(caller, session, "shared", "From the admin."), 404)
    assert_problem(world.colleague.get(notes_url(session)), 404)


@pytest.fixture
def runtime_engine(runtime_url: str) -> Iterator[Engine]:
    engine = create_engine(runtime_url)
    yield engine
    engine.dispose()


def test_the_database_keeps_private_notes_private_too(
    sw: SessionWorld, runtime_engine: Engine
) -> None:
    """Row-level security alone (the runtime role, no ORM hook) holds notes to the person."""
    session = sw.booked(**virtual(3, 10))
    private = written(sw.mentee, session, "private", "Only mine.")
    shared = written(sw.mentee, session, "shared", "For us both.")
    world = sw.world

    def visible(person_id: str, organisation_id: str, coordinated: str = "") -> set[str]:
        with runtime_engine.begin() as c:
            for name, value in (
                ("organisation_id", organisation_id),
                ("consortium_ids", world.network_id),
                ("coordinated_ids", coordinated),
                ("person_id", person_id),
                ("all_tenants", ""),
            ):
                c.execute(text(SET), {"name": f"app.{name}", "value": value})
            return {str(r[0]) for r in c.execute(text("SELECT id FROM session_notes"))}

    assert visible(sw.mentee.id, world.pool.gamma.id) == {private["id"], shared["id"]}
    assert visible(sw.mentor.id, world.pool.a.id) == {shared["id"]}
    assert visible(world.admin_gamma.id, world.pool.gamma.id) == set()
    assert visible(sw.coordinator.id, world.pool.delta.id, world.network_id) == set()


def test_prep_notes_are_the_mentees_before_the_session(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    prep = written(sw.mentee, session, "prep", "I want to talk about delegation.")
    assert sw.mentor.get(notes_url(session, prep)).get_json()["body"] == prep["body"]
    response = write(sw.mentor, session, "prep", "My prep.")
    assert_problem(response, 403)
    sw.clock(at(3, 10, 1))
    response = write(sw.mentee, session, "prep", "Too late.")
    assert_problem(response, 409)
    assert "started" in response.get_json()["detail"]
    etag = etag_of(sw.mentee, notes_url(session, prep))
    change = sw.mentee.patch(
        notes_url(session, prep), json={"body": "x"}, headers={"If-Match": etag}
    )
    assert_problem(change, 409)
    # Shared and private notes may be written during and after it.
    written(sw.mentee, session, "shared", "What we covered.")


def test_only_the_author_changes_or_deletes_a_note(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    shared = written(sw.mentee, session, "shared", "First draft.")
    url = notes_url(session, shared)
    assert_problem(sw.mentee.patch(url, json={"body": "Second."}), 428)
    assert_problem(sw.mentee.patch(url, json={"body": "Second."}, headers={"If-Match": STALE}), 412)
    etag = etag_of(sw.mentor, url)
    assert_problem(
        sw.mentor.patch(url, json={"body": "Mine now."}, headers={"If-Match": etag}), 403
    )
    response = sw.mentee.patch(url, json={"body": "Second draft."}, headers={"If-Match": etag})
    assert response.status_code == 200 and response.get_json()["body"] == "Second draft."
    assert_problem(
        sw.mentee.patch(url, json={"body": " "}, headers={"If-Match": etag_of(sw.mentee, url)}),
        422,
        field="body",
    )

    etag = etag_of(sw.mentee, url)
    assert_problem(sw.mentor.browser.delete(url, headers={"If-Match": etag}), 403)
    assert_problem(sw.mentee.browser.delete(url), 428)
    assert sw.mentee.browser.delete(url, headers={"If-Match": etag}).status_code == 204
    assert_problem(sw.mentee.get(url), 404)
    assert note_ids(sw.mentee, session) == set()


def test_a_note_must_say_something_of_a_known_kind(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    assert_problem(write(sw.mentee, session, "secret", "Hm."), 422, field="kind")
    assert_problem(write(sw.mentee, session, "shared", "   "), 422, field="body")
    response = sw.mentee.post(notes_url(session), json={"kind": "shared"})
    assert_problem(response, 422, field="body")


# --- follow-up actions -----------------------------------------------------------------------


def test_the_pair_records_and_ticks_off_actions(sw: SessionWorld) -> None:
    session = held(sw)
    response = sw.mentor.post(
        actions_url(session),
        json={"description": "Draft the charter.", "owner": "mentee", "due_on": "2030-03-18"},
    )
    assert response.status_code == 201, response.get_json()
    action = response.get_json()
    assert action["owner"] == "mentee" and action["owner_person_id"] == sw.mentee.id
    assert action["done"] is False and action["done_at"] is None
    assert action["due_on"] == "2030-03-18" and action["created_by"] == sw.mentor.name
    mine = sw.mentee.post(
        actions_url(session), json={"description": "Intro to Sam.", "owner": "mentor"}
    )
    assert mine.status_code == 201 and mine.get_json()["due_on"] is None
    assert [a["id"] for a in sw.mentee.get(actions_url(session)).get_json()] == [
        action["id"],
        mine.get_json()["id"],
    ]

    url = actions_url(session, action)
    assert_problem(sw.mentee.patch(url, json={"done": True}), 428)
    response = sw.mentee.patch(
        url, json={"done": True}, headers={"If-Match": etag_of(sw.mentee, url)}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["done"] is True and response.get_json()["done_at"]
    response = sw.mentor.patch(
        url,
        json={"done": False, "due_on": None, "description": "Draft the charter and share it."},
        headers={"If-Match": etag_of(sw.mentor, url)},
    )
    ticked_off = response.get_json()
    assert ticked_off["done"] is False and ticked_off["done_at"] is None
    assert ticked_off["due_on"] is None
    assert ticked_off["description"] == "Draft the charter and share it."


def test_actions_are_the_pairs_alone(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    action = sw.mentee.post(actions_url(session), json={"description": "Read.", "owner": "mentee"})
    assert action.status_code == 201
    world = sw.world
    for caller in (world.admin_a, world.admin_gamma, sw.coordinator, world.colleague):
        assert_problem(caller.get(actions_url(session)), 404)
        assert_problem(caller.get(actions_url(session, action.get_json())), 404)
        assert_problem(
            caller.post(actions_url(session), json={"description": "Mine.", "owner": "mentor"}), 404
        )
    bad = sw.mentee.post(actions_url(session), json={"description": "X", "owner": "coach"})
    assert_problem(bad, 422, field="owner")
    post_action(sw.mentee, session, "cancel", {"reason": "Called off."})
    again = sw.mentee.post(actions_url(session), json={"description": "Read.", "owner": "mentee"})
    assert_problem(again, 409)


# --- goals -----------------------------------------------------------------------------------


def goals(caller: Any, sw: SessionWorld) -> list[dict[str, Any]]:
    response = caller.get(match_url(sw.match, "/goals"))
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())


def review(caller: Any, session: dict[str, Any], body: Any, etag: str | None = None) -> Any:
    url = session_url(session, "/goal-reviews")
    return caller.browser.put(url, json=body, headers={"If-Match": etag or etag_of(caller, url)})


def test_the_applications_goals_are_carried_into_the_active_pairing(sw: SessionWorld) -> None:
    listed = goals(sw.mentor, sw)
    assert [
        (g["position"], g["description"], g["measure"], g["latest_rating"]) for g in listed
    ] == [
        (
            0,
            "Lead my first service-improvement project.",
            "The plan is signed off by the board by June.",
            None,
        )
    ]
    # Whoever sees the pairing sees its goals; nobody else.
    for caller in (sw.mentee, sw.world.admin_a, sw.coordinator):
        assert goals(caller, sw) == listed
    assert_problem(sw.world.colleague.get(match_url(sw.match, "/goals")), 404)


def test_goals_are_not_carried_before_both_accept(sw: SessionWorld) -> None:
    from tests.matches.conftest import act_ok
    from tests.programmes.support import apply

    dora = sw.world.pool.sign_in(sw.world.pool.delta, "Dora")
    application = apply(
        dora,
        sw.world.programme,
        goals=[
            {"statement": "Chair a meeting.", "success_measure": "I chair one in May."},
            {"statement": "Delegate more.", "success_measure": "Two tasks handed over."},
        ],
    )
    match = sw.world.proposal(application_id=application["id"])
    act_ok(sw.coordinator, match, "approve")
    act_ok(dora, match, "accept")
    assert dora.get(match_url(match, "/goals")).get_json() == []
    act_ok(sw.mentor, match, "accept")
    carried = dora.get(match_url(match, "/goals")).get_json()
    assert [(g["position"], g["description"]) for g in carried] == [
        (0, "Chair a meeting."),
        (1, "Delegate more."),
    ]


def test_goals_are_rated_at_held_sessions(sw: SessionWorld) -> None:
    goal = goals(sw.mentee, sw)[0]
    upcoming = sw.booked(**virtual(3, 10))
    response = review(sw.mentee, upcoming, [{"goal_id": goal["id"], "rating": 2}])
    assert_problem(response, 409)

    first = held(sw, 4, 10)
    url = session_url(first, "/goal-reviews")
    assert sw.mentor.get(url).get_json() == []
    assert_problem(sw.mentee.browser.put(url, json=[{"goal_id": goal["id"], "rating": 2}]), 428)
    assert_problem(review(sw.world.admin_a, first, [{"goal_id": goal["id"], "rating": 2}]), 403)
    response = review(sw.mentee, first, [{"goal_id": goal["id"], "rating": 2, "comment": "Slow."}])
    assert response.status_code == 200, response.get_json()
    assert [(r["goal_id"], r["rating"], r["comment"]) for r in response.get_json()] == [
        (goal["id"], 2, "Slow.")
    ]
    assert goals(sw.mentor, sw)[0]["latest_rating"] == 2
    # Rated again at the same session: replaced, not added.
    response = review(sw.mentor, first, [{"goal_id": goal["id"], "rating": 3}])
    assert [(r["rating"], r["comment"], r["reviewed_by"]) for r in response.get_json()] == [
        (3, "", sw.mentor.name)
    ]
    assert sw.coordinator.get(url).get_json() == response.get_json()

    second = held(sw, 5, 10)
    review(sw.mentee, second, [{"goal_id": goal["id"], "rating": 4}])
    assert goals(sw.mentee, sw)[0]["latest_rating"] == 4
    # Correcting the earlier session's review leaves the latest rating the later one's.
    review(sw.mentee, first, [{"goal_id": goal["id"], "rating": 1}])
    assert goals(sw.mentee, sw)[0]["latest_rating"] == 4


def test_goal_reviews_must_name_this_pairings_goals_and_rate_1_to_5(sw: SessionWorld) -> None:
    goal = goals(sw.mentee, sw)[0]
    session = held(sw)
    for body, field in (
        ([{"goal_id": goal["id"], "rating": 6}], "0.rating"),
        ([{"goal_id": goal["id"], "rating": 0}], "0.rating"),
        ([{"goal_id": goal["id"], "rating": "3"}], "0.rating"),
        ([{"goal_id": goal["id"]}], "0.rating"),
        ([{"goal_id": sw.match["id"], "rating": 3}], "0.goal_id"),
        ([{"goal_id": goal["id"], "rating": 3}, {"goal_id": goal["id"], "rating": 4}], "1.goal_id"),
        ({"goal_id": goal["id"], "rating": 3}, "(body)"),
    ):
        assert_problem(review(sw.mentee, session, body), 422, field=field)
    # JSON null, not a list: was a 500 (found by tests/api/test_schemathesis.py).
    url = session_url(session, "/goal-reviews")
    headers = {"If-Match": etag_of(sw.mentee, url)}
    null = sw.mentee.browser.put(url, data="null", content_type="application/json", headers=headers)
    assert_problem(null, 422, field="(body)")
    assert goals(sw.mentee, sw)[0]["latest_rating"] is None
