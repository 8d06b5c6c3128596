"""Evaluations at the end of a pairing (after the EMCC ISMCP): once per person, every goal
rated, read by the author and the consortium's coordinators only."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.evaluation.conftest import end, evaluate, evaluation_body
from tests.matches.conftest import match_url
from tests.sessions.conftest import SessionWorld, audit_actions


def test_both_people_evaluate_an_ended_pairing_once(sw: SessionWorld, owner_engine: Engine) -> None:
    end(sw.mentee, sw.match)
    response = evaluate(sw.mentee, sw.match)
    assert response.status_code == 201, response.get_json()
    mine = response.get_json()
    (goal,) = mine["goals"]
    assert goal["outcome"] == "met" and goal["description"]
    assert (mine["would_recommend"], mine["hours_given"], mine["overall_rating"]) == (True, 6.5, 5)
    assert audit_actions(owner_engine, mine["id"]) == ["pairing.evaluation_submitted"]
    # A rating instead of an outcome: 2-3 counts as partly met.
    body = evaluation_body(sw.mentor, sw.match)
    body["goals"] = [{"goal_id": goal["goal_id"], "rating": 3}]
    response = sw.mentor.post(match_url(sw.match, "/evaluations"), json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["goals"][0] | {"description": ""} == {
        "goal_id": goal["goal_id"],
        "description": "",
        "rating": 3,
        "outcome": "partly",
    }
    # Once each.
    assert_problem(evaluate(sw.mentee, sw.match), 409)

    # Each reads their own; the coordinators read both; admins and colleagues none (404).
    url = match_url(sw.match, "/evaluations")
    assert [e["author"]["role"] for e in sw.mentee.get(url).get_json()] == ["mentee"]
    assert [e["author"]["role"] for e in sw.mentor.get(url).get_json()] == ["mentor"]
    assert {e["author"]["role"] for e in sw.coordinator.get(url).get_json()} == {
        "mentor",
        "mentee",
    }
    for other in (sw.world.admin_a, sw.world.admin_gamma, sw.world.colleague):
        assert_problem(other.get(url), 404)


def test_a_pairing_is_evaluated_only_once_it_has_ended(sw: SessionWorld) -> None:
    assert_problem(evaluate(sw.mentee, sw.match), 409, field="match_id")


def test_nobody_outside_the_pairing_evaluates_it(sw: SessionWorld) -> None:
    end(sw.mentee, sw.match)
    body = evaluation_body(sw.mentee, sw.match)
    admin_b = sw.world.person("admin_b", sw.world.pool.b, "Bea", org_admin=True)
    for outsider in (sw.world.colleague, sw.world.admin_gamma, admin_b):
        assert_problem(outsider.post(match_url(sw.match, "/evaluations"), json=body), 404)
    # A coordinator reads evaluations but does not write one (the pair's own).
    assert_problem(sw.coordinator.post(match_url(sw.match, "/evaluations"), json=body), 404)
    assert_problem(admin_b.get(match_url(sw.match, "/evaluations")), 404)


def test_every_goal_is_rated_once_and_figures_stay_in_range(sw: SessionWorld) -> None:
    end(sw.mentee, sw.match)
    url = match_url(sw.match, "/evaluations")
    body = evaluation_body(sw.mentee, sw.match)
    goal_id = body["goals"][0]["goal_id"]
    cases = [
        ({"goals": []}, "goals"),
        ({"goals": [{"goal_id": goal_id, "outcome": "met"}] * 2}, "goals.1.goal_id"),
        ({"goals": [{"goal_id": sw.match["id"], "outcome": "met"}]}, "goals.0.goal_id"),
        ({"goals": [{"goal_id": goal_id}]}, "goals.0.rating"),
        ({"goals": [{"goal_id": goal_id, "rating": 6}]}, "goals.0.rating"),
        ({"goals": [{"goal_id": goal_id, "outcome": "mostly"}]}, "goals.0.outcome"),
        ({"overall_rating": 0}, "overall_rating"),
        ({"hours_given": -1}, "hours_given"),
        ({"would_recommend": "perhaps"}, "would_recommend"),
    ]
    for change, field in cases:
        assert_problem(sw.mentee.post(url, json={**body, **change}), 422, field=field)
    assert sw.mentee.get(url).get_json() == []
