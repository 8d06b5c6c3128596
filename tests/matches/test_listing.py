"""Who sees which pairings: GET /api/v1/matches and /api/v1/matches/{id}."""

from __future__ import annotations

import json

from tests.api.helpers import assert_problem, pages
from tests.matches.conftest import MATCHES, MatchWorld, act_ok, get_ok, listed_ids, match_url
from tests.programmes.support import apply


def test_the_people_their_admins_and_the_coordinators_see_a_pairing(world: MatchWorld) -> None:
    match = world.proposal()
    seeing = {
        "mentee": world.mentee,
        "mentor": world.mentor,
        "coordinator": world.coordinator,
        "mentor's admin": world.admin_a,
        "mentee's admin": world.admin_gamma,
        "mentee's organisation's client": world.pool.gamma.api,
        "mentor's organisation's client": world.pool.a.api,
        "platform": world.platform,
    }
    for who, caller in seeing.items():
        assert listed_ids(caller) == [match["id"]], who
        assert get_ok(caller, match_url(match))["id"] == match["id"], who
    other_consortium = world.pool.consortium("other-network", world.pool.gamma)["id"]
    not_seeing = {
        "a colleague of the mentee": world.colleague,
        "an admin of the coordinator's organisation": world.person(
            "admin_delta", world.pool.delta, "Dora", org_admin=True
        ),
        "another consortium's coordinator": world.person(
            "other_coordinator", world.pool.gamma, "Otto", coordinator_of=[other_consortium]
        ),
        "another tenant's admin": world.person("admin_b", world.pool.b, "Bea", org_admin=True),
        "another tenant's client": world.pool.b.api,
        "the coordinator's organisation's client": world.pool.delta.api,
    }
    for who, caller in not_seeing.items():
        assert listed_ids(caller) == [], who
        assert_problem(caller.get(match_url(match)), 404)


def test_the_list_filters_by_programme_status_and_organisation(world: MatchWorld) -> None:
    first = world.proposal()
    second_mentee = world.pool.sign_in(world.pool.delta, "Dan", "Second")
    second_application = apply(second_mentee, world.programme)
    second = world.proposal(application_id=second_application["id"])
    act_ok(world.coordinator, second, "approve")
    coordinator = world.coordinator
    assert listed_ids(coordinator) == [first["id"], second["id"]]  # oldest first
    assert listed_ids(coordinator, status="approved") == [second["id"]]
    assert listed_ids(coordinator, status="proposed") == [first["id"]]
    assert listed_ids(coordinator, programme_id=world.programme["id"]) == [
        first["id"],
        second["id"],
    ]
    assert listed_ids(coordinator, programme_id=world.application["id"]) == []
    # Either side: the mentor's organisation is in both, each mentee's in one.
    assert listed_ids(coordinator, organisation_id=world.pool.a.id) == [first["id"], second["id"]]
    assert listed_ids(coordinator, organisation_id=world.pool.gamma.id) == [first["id"]]
    assert listed_ids(coordinator, organisation_id=world.pool.delta.id) == [second["id"]]
    # The mentee's admin sees only the pairing with their staff, whatever the filter.
    assert listed_ids(world.admin_gamma, organisation_id=world.pool.a.id) == [first["id"]]
    walked = pages(coordinator, MATCHES, page_size=1, count="exact")
    assert [[m["id"] for m in r.get_json()] for r in walked] == [[first["id"]], [second["id"]]]
    assert json.loads(walked[0].headers["X-Pagination"])["total"] == 2
    assert_problem(
        coordinator.get(MATCHES, query_string={"status": "sideways"}), 422, field="status"
    )


def test_a_pairing_has_an_etag_that_changes_with_it(world: MatchWorld) -> None:
    match = world.proposal()
    response = world.mentee.get(match_url(match))
    etag = response.headers["ETag"]
    assert world.mentee.get(match_url(match), headers={"If-None-Match": etag}).status_code == 304
    # Everyone sees the same representation, so the same ETag.
    assert world.coordinator.get(match_url(match)).headers["ETag"] == etag
    act_ok(world.coordinator, match, "approve")
    assert world.mentee.get(match_url(match)).headers["ETag"] != etag


def test_anonymous_callers_are_refused(world: MatchWorld, anonymous: object) -> None:
    match = world.proposal()
    assert_problem(anonymous.get(MATCHES), 401)  # type: ignore[attr-defined]
    assert_problem(anonymous.get(match_url(match)), 401)  # type: ignore[attr-defined]
