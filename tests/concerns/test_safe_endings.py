"""A safe way out through the API: a no-fault ending by either person, a paused pairing that
books nothing, and a rematch that ends the pairing no-fault so the mentee is matched again."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem, get_ok
from tests.concerns.conftest import (
    active,
    concern_act,
    concern_act_ok,
    raise_concern,
    stored_anywhere_else,
)
from tests.matches.conftest import AUDIT, MatchWorld, act, act_ok, mail_to, match_url
from tests.pool.conftest import owner_scalar
from tests.sessions.conftest import SessionWorld, sessions_url, virtual

PRIVATE = "I find his manner towards junior staff difficult and would rather not say so to him."
EVERY_MATCH_EVENT = ["match.proposed", "match.approved", "match.active", "match.ended"]


def _subscribe(world: MatchWorld) -> None:
    """Both organisations' systems listen to every pairing event (deliveries are stored)."""
    for tenant in (world.pool.a, world.pool.gamma):
        response = tenant.api.post(
            f"/api/v1/organisations/{tenant.id}/webhooks",
            json={"url": "https://hooks.example.invalid/hr", "event_types": EVERY_MATCH_EVENT},
        )
        assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("closer", ["mentee", "mentor"])
def test_either_person_ends_it_with_no_fault_and_the_reason_goes_to_the_coordinators_only(
    world: MatchWorld, owner_engine: Engine, closer: str
) -> None:
    _subscribe(world)
    match = active(world)
    me = getattr(world, closer)
    other = world.mentor if closer == "mentee" else world.mentee
    closed = act_ok(me, match, "close", PRIVATE)
    assert closed["status"] == "closed" and closed["allowed_actions"] == []
    only_that_it_ended = {"by": None, "at": closed["ended"]["at"], "reason": None, "no_fault": True}
    # The other person, both organisations' admins and clients: only that it ended, no fault.
    for caller in (
        other,
        me,
        world.admin_a,
        world.admin_gamma,
        world.pool.a.api,
        world.pool.gamma.api,
    ):
        assert get_ok(caller, match_url(match))["ended"] == only_that_it_ended, caller
    # The coordinators: who, and the private reason.
    shown = get_ok(world.coordinator, match_url(match))["ended"]
    assert shown["by"] == me.record["given_name"] + " " + me.record["family_name"]
    assert shown["reason"] == PRIVATE and shown["no_fault"] is True
    # Mail: the other person hears it ended (no reason, not who); the coordinator hears why.
    told = mail_to(owner_engine, other)[-1]
    assert "has ended" in told["subject"] and "no-fault" in told["body"]
    assert PRIVATE not in told["body"] and me.record["given_name"] + " ended" not in told["body"]
    assert PRIVATE in mail_to(owner_engine, world.coordinator)[-1]["body"]
    # Audit: the organisations' trail shows the ending, no fault, and no reason.
    for caller in (world.admin_a, world.admin_gamma):
        (event,) = get_ok(
            caller, AUDIT, query_string={"subject_id": match["id"], "action": "match.closed"}
        )
        assert event["reason"] is None and event["data"]["no_fault"] is True
    # The reason is kept nowhere an organisation reads: not the audit trail, not a webhook,
    # not a job but the coordinator's message.
    assert stored_anywhere_else(owner_engine, PRIVATE) == ["jobs"]
    assert all(PRIVATE not in m["body"] for p in (other, me) for m in mail_to(owner_engine, p))


def test_a_person_needs_no_reason_to_end_it(world: MatchWorld) -> None:
    match = active(world)
    closed = act_ok(world.mentee, match, "close")
    assert closed["status"] == "closed" and closed["ended"]["no_fault"] is True
    assert get_ok(world.coordinator, match_url(match))["ended"]["reason"] is None


def test_an_admin_still_says_why_and_everyone_sees_it(world: MatchWorld) -> None:
    match = active(world)
    assert_problem(act(world.admin_gamma, match, "close"), 422, field="reason")
    closed = act_ok(world.admin_gamma, match, "close", "Gail has left the trust.")
    assert closed["ended"]["no_fault"] is False
    assert get_ok(world.mentor, match_url(match))["ended"]["reason"] == "Gail has left the trust."


def _booked(sw: SessionWorld, days: int) -> Any:
    return sw.book(**virtual(days, 10))


def test_pausing_stops_new_bookings_until_resumed(sw: SessionWorld, owner_engine: Engine) -> None:
    world = sw.world
    _subscribe(world)
    concern = raise_concern(sw.mentee, sw.match, "not_working")
    deliveries = owner_scalar(owner_engine, "SELECT count(*) FROM webhook_deliveries")
    shown = concern_act_ok(world, world.coordinator, concern, "pause", note="Talking to both.")
    assert shown["pairing"]["paused"] is True and shown["status"] == "acknowledged"
    # The pair and the coordinators see it paused; nobody else is told (null).
    for caller in (sw.mentee, sw.mentor, world.coordinator):
        assert get_ok(caller, match_url(sw.match))["paused"] is True
    for caller in (world.admin_a, world.admin_gamma, world.pool.gamma.api):
        assert get_ok(caller, match_url(sw.match))["paused"] is None
    assert get_ok(sw.mentee, match_url(sw.match))["status"] == "active"
    response = _booked(sw, 6)
    assert_problem(response, 409)
    assert "paused" in response.get_json()["detail"]
    assert_problem(concern_act(world, world.coordinator, concern, "pause"), 409)
    # No webhook event told either organisation of the concern or the pause.
    assert owner_scalar(owner_engine, "SELECT count(*) FROM webhook_deliveries") == deliveries
    concern_act_ok(world, world.coordinator, concern, "resume")
    assert get_ok(sw.mentee, match_url(sw.match))["paused"] is False
    assert _booked(sw, 6).status_code == 201
    assert_problem(concern_act(world, world.coordinator, concern, "resume"), 409)


def test_a_rematch_ends_the_pairing_no_fault_and_the_mentee_is_proposed_again(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    world = sw.world
    upcoming = sw.book(**virtual(7, 11)).get_json()
    concern = raise_concern(sw.mentee, sw.match, "safeguarding")
    concern_act_ok(world, world.coordinator, concern, "pause")
    rematched = concern_act_ok(
        world, world.coordinator, concern, "rematch", note="Gail will be matched afresh."
    )
    assert rematched["status"] == "resolved" and rematched["pairing"]["status"] == "closed"
    assert rematched["pairing"]["paused"] is False
    assert rematched["resolved"]["outcome"] == "Gail will be matched afresh."
    (own,) = get_ok(sw.mentee, f"{match_url(sw.match)}/concerns")
    assert own["status"] == "resolved"
    # Everyone but the coordinators sees only that it ended, no fault.
    for caller in (sw.mentor, sw.mentee, world.admin_a, world.admin_gamma):
        ended = get_ok(caller, match_url(sw.match))["ended"]
        assert ended["no_fault"] is True and ended["by"] is None and ended["reason"] is None
    assert get_ok(world.coordinator, match_url(sw.match))["ended"]["by"] == "Cora Coordinator"
    # Upcoming sessions are called off, saying nothing of why.
    (called_off,) = [
        s for s in get_ok(sw.mentor, sessions_url(sw.match)) if s["id"] == upcoming["id"]
    ]
    assert called_off["status"] == "cancelled"
    assert "afresh" not in str(called_off) and "safeguarding" not in str(called_off)
    # The application is still open: another mentor may be proposed; never this one again.
    again = world.propose()
    assert_problem(again, 422, field="mentor_profile_id")
    assert "refused_before" in str(again.get_json())
    other = world.other_mentor(world.pool.delta)
    assert world.propose(mentor_profile_id=other).status_code == 201
