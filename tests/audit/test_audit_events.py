"""GET /api/v1/audit-events: the trail of pairing decisions, for the admins of the
organisations concerned and the consortium's coordinators only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.helpers import assert_problem, pages
from tests.matches.conftest import AUDIT, MatchWorld, act_ok, get_ok
from tests.programmes.support import apply


@pytest.fixture
def two_pairings(world: MatchWorld) -> dict[str, Any]:
    """gamma_pair: Mona (alpha) mentors Gail (gamma), declined after approval.
    delta_pair: a delta mentor for Sam (alpha), proposed."""
    gamma_pair = world.proposal()
    act_ok(world.coordinator, gamma_pair, "approve")
    act_ok(world.mentee, gamma_pair, "decline", "My role has changed.")
    sam = world.pool.sign_in(world.pool.a, "Sam", "Second")
    application = apply(sam, world.programme)
    delta_pair = world.proposal(
        application_id=application["id"], mentor_profile_id=world.other_mentor(world.pool.delta)
    )
    return {"gamma": gamma_pair["id"], "delta": delta_pair["id"]}


def _subjects(caller: Any, **query: Any) -> list[str]:
    """The pairings' events (other changes are audited too: tests/audit/test_audit_coverage.py)."""
    query = {"subject_type": "match", **query}
    return [e["subject_id"] for e in get_ok(caller, AUDIT, query_string=query)]


def test_each_admin_sees_the_events_of_pairings_involving_their_organisation(
    world: MatchWorld, two_pairings: dict[str, Any]
) -> None:
    gamma_pair, delta_pair = two_pairings["gamma"], two_pairings["delta"]
    admin_delta = world.person("admin_delta", world.pool.delta, "Dora", org_admin=True)
    admin_b = world.person("admin_b", world.pool.b, "Bea", org_admin=True)
    assert set(_subjects(world.admin_gamma)) == {gamma_pair}
    assert set(_subjects(admin_delta)) == {delta_pair}
    assert set(_subjects(world.admin_a)) == {gamma_pair, delta_pair}  # the mentor's / mentee's
    assert set(_subjects(world.coordinator)) == {gamma_pair, delta_pair}  # the consortium's
    assert set(_subjects(world.platform)) == {gamma_pair, delta_pair}
    assert _subjects(admin_b) == []
    # Neither plain staff (the people themselves) nor API clients read the trail.
    for caller in (world.mentee, world.mentor, world.pool.gamma.api, world.pool.a.api):
        assert_problem(caller.get(AUDIT), 403)


def test_events_are_listed_newest_first_with_who_and_why(
    world: MatchWorld, two_pairings: dict[str, Any]
) -> None:
    events = get_ok(world.admin_gamma, AUDIT, query_string={"subject_type": "match"})
    assert [e["action"] for e in events] == ["match.declined", "match.approved", "match.proposed"]
    declined = events[0]
    assert declined["subject_type"] == "match"
    assert declined["subject_id"] == two_pairings["gamma"]
    assert declined["actor"] == f"person:{world.mentee.id}"
    assert declined["actor_name"] == "Gail Mentee"
    assert declined["reason"] == "My role has changed."
    assert declined["data"]["from"] == "approved" and declined["data"]["to"] == "declined"
    assert declined["consortium_id"] == world.network_id
    assert declined["organisation_id"] == world.pool.a.id
    assert declined["other_organisation_id"] == world.pool.gamma.id
    assert declined["created_at"]


def test_events_filter_by_subject_action_consortium_and_organisation(
    world: MatchWorld, two_pairings: dict[str, Any]
) -> None:
    gamma_pair, delta_pair = two_pairings["gamma"], two_pairings["delta"]
    coordinator = world.coordinator
    assert set(_subjects(coordinator, subject_id=delta_pair)) == {delta_pair}
    assert len(_subjects(coordinator, subject_id=gamma_pair)) == 3
    assert _subjects(coordinator, action="match.declined") == [gamma_pair]
    assert _subjects(coordinator, action="match.proposed") == [delta_pair, gamma_pair]
    assert set(_subjects(coordinator, organisation_id=world.pool.delta.id)) == {delta_pair}
    assert set(_subjects(coordinator, organisation_id=world.pool.gamma.id)) == {gamma_pair}
    assert len(_subjects(coordinator, consortium_id=world.network_id)) == 4
    elsewhere = world.pool.consortium("other-network", world.pool.a)["id"]
    assert _subjects(coordinator, consortium_id=elsewhere) == []
    matches = {"subject_type": "match"}
    page = coordinator.get(AUDIT, query_string={"page_size": 3, "count": "exact", **matches})
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    # Newest first, walked three at a time by cursor: the same events once each.
    walked = pages(coordinator, AUDIT, page_size=3, **matches)
    assert [len(r.get_json()) for r in walked] == [3, 1]
    assert [e["id"] for r in walked for e in r.get_json()] == [
        e["id"] for e in get_ok(coordinator, AUDIT, query_string=matches)
    ]
    assert _subjects(coordinator, subject_type="mentor_profile", subject_id=gamma_pair) == []
    assert_problem(
        coordinator.get(AUDIT, query_string={"subject_id": "x"}), 422, field="subject_id"
    )


def test_the_trail_cannot_be_changed_through_the_api(world: MatchWorld) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = world.platform.request(method, AUDIT, json={})
        assert_problem(response, 405)


def test_nobody_updates_or_deletes_an_event_even_seeing_every_tenant(
    world: MatchWorld, two_pairings: dict[str, Any], owner_engine: Any
) -> None:
    """Row-level security has no UPDATE or DELETE policy on audit_events: the app's role
    changes nothing, even as the system seeing every tenant."""
    from sqlalchemy import delete, text, update

    from consortium.audit.models import AuditEvent
    from consortium.core import tenancy
    from consortium.extensions import db

    with world.app.app_context(), tenancy.all_tenants():
        changed = db.session.execute(update(AuditEvent).values(reason="rewritten"))
        removed = db.session.execute(delete(AuditEvent))
        db.session.commit()
    assert changed.rowcount == 0 and removed.rowcount == 0  # type: ignore[attr-defined]
    with owner_engine.connect() as c:
        assert (
            c.execute(
                text("SELECT count(*) FROM audit_events WHERE subject_type = 'match'")
            ).scalar_one()
            == 4
        )
        assert (
            c.execute(
                text("SELECT count(*) FROM audit_events WHERE reason = 'rewritten'")
            ).scalar_one()
            == 0
        )
