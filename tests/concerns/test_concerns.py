"""Concerns through the API: raised by one of the pair, seen and handled by the consortium's
coordinators only. Everyone else who can see the pairing gets 403; anyone else 404."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem, get_ok
from tests.concerns.conftest import (
    DETAILS,
    active,
    concern_act,
    concern_act_ok,
    concern_url,
    concerns_url,
    queue_url,
    raise_concern,
    stored_anywhere_else,
)
from tests.matches.conftest import AUDIT, MatchWorld, act_ok, audit_rows, mail_to, match_url
from tests.programmes.support import apply, update_person


def test_the_mentee_raises_a_concern_that_only_the_coordinators_see(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = active(world)
    concern = raise_concern(world.mentee, match, "safeguarding")
    assert concern["status"] == "open" and concern["kind"] == "safeguarding"
    assert concern["details"] == DETAILS and concern["match_id"] == match["id"]
    assert "history" not in concern and "outcome" not in concern

    (queued,) = get_ok(world.coordinator, queue_url(world))
    assert queued["id"] == concern["id"] and queued["details"] == DETAILS
    assert queued["raised_by"]["side"] == "mentee"
    assert queued["raised_by"]["display_name"] == "Gail Mentee"
    assert queued["pairing"] == {
        "id": match["id"],
        "status": "active",
        "paused": False,
        "mentor": "Mona Mentor",
        "mentee": "Gail Mentee",
    }
    assert get_ok(world.coordinator, concern_url(world, concern))["id"] == concern["id"]
    # The raiser sees their own; the other person of the pair sees none of it.
    assert [c["id"] for c in get_ok(world.mentee, concerns_url(match))] == [concern["id"]]
    assert get_ok(world.mentor, concerns_url(match)) == []
    assert "concern" not in str(get_ok(world.mentor, match_url(match))).lower()


def test_nobody_else_sees_a_concern_or_can_raise_one(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = active(world)
    concern = raise_concern(world.mentee, match)
    pool = world.pool
    # The mentee's line manager: a colleague with no part in the pairing.
    manager = world.person("manager", pool.gamma, "Max")
    update_person(pool.gamma, world.mentee.id, line_manager_id=manager.id)
    mentor_manager = world.person("mentor_manager", pool.a, "Mel")
    update_person(pool.a, world.mentor.id, line_manager_id=mentor_manager.id)
    admin_b = world.person("admin_b", pool.b, "Bea", org_admin=True)
    other_coordinator = world.person(
        "other_coordinator",
        pool.a,
        "Otto",
        coordinator_of=[pool.consortium("other-net", pool.a)["id"]],
    )
    body = {"kind": "conduct", "details": "Someone else's words."}
    # Who sees the pairing but is not one of its two people: 403 on the pair's endpoints.
    for caller in (world.admin_a, world.admin_gamma, pool.a.api, pool.gamma.api, world.coordinator):
        assert_problem(caller.post(concerns_url(match), json=body), 403)
        assert_problem(caller.get(concerns_url(match)), 403)
    # Who does not see it at all: 404.
    for caller in (manager, mentor_manager, world.colleague, admin_b, pool.b.api):
        assert_problem(caller.post(concerns_url(match), json=body), 404)
        assert_problem(caller.get(concerns_url(match)), 404)
    # The queue and the item: the coordinators' only (403 without the role).
    for caller in (
        world.mentor,
        world.mentee,
        world.admin_a,
        world.admin_gamma,
        manager,
        pool.a.api,
        pool.gamma.api,
        world.platform,
        admin_b,
    ):
        assert_problem(caller.get(queue_url(world)), 403)
        assert_problem(caller.get(concern_url(world, concern)), 403)
    # A coordinator of another consortium sees this one (their organisation is a member), so
    # 403; another tenant's (tests/core/test_cross_tenant_probe.py) gets 404.
    assert_problem(other_coordinator.get(queue_url(world)), 403)
    assert_problem(other_coordinator.get(concern_url(world, concern)), 403)
    # The audit trail: the organisations' admins and the coordinators list no concern event;
    # the steps are in the concern's history (the platform's operators see that they happened).
    for caller in (world.admin_a, world.admin_gamma, world.coordinator, admin_b):
        events = get_ok(caller, AUDIT, query_string={"page_size": 100})
        assert all(e["subject_type"] != "concern" for e in events), caller
        assert DETAILS not in str(events)
    (raised,) = get_ok(world.platform, AUDIT, query_string={"subject_id": concern["id"]})
    assert raised["action"] == "concern.raised" and raised["organisation_id"] is None
    assert raised["consortium_id"] is None and raised["data"]["kind"] == "conduct"
    assert DETAILS not in str(raised)
    # Nor is the text stored anywhere but the concern (no webhook, no job, no audit event).
    assert stored_anywhere_else(owner_engine, DETAILS) == []


def test_the_coordinators_are_told_by_a_link_with_no_details(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = active(world)
    before = {p.email: len(mail_to(owner_engine, p)) for p in (world.mentor, world.mentee)}
    concern = raise_concern(world.mentee, match, "safeguarding")
    message = mail_to(owner_engine, world.coordinator)[-1]
    assert message["subject"] == "A concern needs your attention"
    assert concern_url(world, concern) in message["body"]
    for detail in (DETAILS, "safeguarding", "Gail", "Mona", "Leading Across Boundaries"):
        assert detail not in message["subject"] + message["body"], detail
    # Neither person is told.
    assert {p.email: len(mail_to(owner_engine, p)) for p in (world.mentor, world.mentee)} == before


def test_a_coordinator_who_is_one_of_the_pair_never_sees_the_concern(
    world: MatchWorld, owner_engine: Engine
) -> None:
    """Cora coordinates the network and is mentored by Mona in it; Cleo, another coordinator,
    approves. Mona's concern goes to Cleo, never to Cora."""
    cleo = world.person("cleo", world.pool.delta, "Cleo", coordinator_of=[world.network_id])
    application = apply(world.coordinator, world.programme)
    match = world.proposal(cleo, application_id=application["id"])
    act_ok(cleo, match, "approve")
    act_ok(world.coordinator, match, "accept")
    act_ok(world.mentor, match, "accept")
    told_before = len(mail_to(owner_engine, world.coordinator))
    concern = raise_concern(world.mentor, match, "conduct")
    assert [c["id"] for c in get_ok(cleo, queue_url(world))] == [concern["id"]]
    assert get_ok(world.coordinator, queue_url(world)) == []
    assert_problem(world.coordinator.get(concern_url(world, concern)), 404)
    acknowledge = concern_url(world, concern, "acknowledge")
    assert_problem(world.coordinator.post(acknowledge, json={}, headers={"If-Match": "*"}), 404)
    assert len(mail_to(owner_engine, world.coordinator)) == told_before
    assert concern_url(world, concern) in mail_to(owner_engine, cleo)[-1]["body"]
    # Cora's own view of the pairing shows nothing of it either.
    assert get_ok(world.coordinator, concerns_url(match)) == []


def test_the_raiser_sees_the_status_but_not_the_coordinators_notes(world: MatchWorld) -> None:
    match = active(world)
    concern = raise_concern(world.mentor, match, "not_working")
    note = "Called Mona; she will try two more sessions."
    shown = concern_act_ok(world, world.coordinator, concern, "acknowledge", note=note)
    assert shown["status"] == "acknowledged"
    assert shown["acknowledged"]["by"] == "Cora Coordinator"
    assert shown["history"][-1]["note"] == note
    (own,) = get_ok(world.mentor, concerns_url(match))
    assert own["status"] == "acknowledged"
    assert note not in str(own) and "acknowledged_by" not in own and "history" not in own
    # Acknowledged once only.
    assert_problem(concern_act(world, world.coordinator, concern, "acknowledge"), 409)


def test_the_queue_lists_open_concerns_first_and_filters_by_status(world: MatchWorld) -> None:
    match = active(world)
    first = raise_concern(world.mentee, match)
    second = raise_concern(world.mentor, match, "not_working")
    concern_act_ok(world, world.coordinator, first, "acknowledge")
    assert [c["id"] for c in get_ok(world.coordinator, queue_url(world))] == [
        second["id"],
        first["id"],
    ]
    assert [
        c["id"]
        for c in get_ok(world.coordinator, queue_url(world), query_string={"status": "open"})
    ] == [second["id"]]
    assert_problem(
        world.coordinator.get(queue_url(world), query_string={"status": "closed"}),
        422,
        field="status",
    )


def test_both_lists_page_by_cursor(world: MatchWorld) -> None:
    match = active(world)
    raised = [raise_concern(world.mentee, match) for _ in range(3)]
    for caller, url in ((world.mentee, concerns_url(match)), (world.coordinator, queue_url(world))):
        seen: list[str] = []
        query: dict[str, Any] = {"page_size": 2}
        while True:
            response = caller.get(url, query_string=query)
            assert response.status_code == 200, response.get_json()
            seen += [c["id"] for c in response.get_json()]
            cursor = json.loads(response.headers["X-Pagination"]).get("next_cursor")
            if not cursor:
                break
            query = {"page_size": 2, "cursor": cursor}
        assert seen == [c["id"] for c in raised], url


def test_resolving_needs_an_outcome_and_a_pairing_not_paused(world: MatchWorld) -> None:
    match = active(world)
    concern = raise_concern(world.mentee, match)
    assert_problem(concern_act(world, world.coordinator, concern, "resolve"), 422, field="outcome")
    concern_act_ok(world, world.coordinator, concern, "pause", note="While we look into it.")
    assert_problem(
        concern_act(world, world.coordinator, concern, "resolve", outcome="Sorted."), 409
    )
    concern_act_ok(world, world.coordinator, concern, "resume")
    resolved = concern_act_ok(
        world, world.coordinator, concern, "resolve", outcome="Spoke to both; all is well."
    )
    assert resolved["status"] == "resolved"
    assert resolved["resolved"]["outcome"] == "Spoke to both; all is well."
    assert [s["action"] for s in resolved["history"]] == ["pause", "resume", "resolve"]
    (own,) = get_ok(world.mentee, concerns_url(match))
    assert own["status"] == "resolved" and "well" not in str(own)
    for action in ("acknowledge", "pause", "resume", "rematch"):
        assert_problem(concern_act(world, world.coordinator, concern, action), 409)
    assert get_ok(world.mentee, match_url(match))["status"] == "active"


def test_an_action_needs_the_concerns_etag(world: MatchWorld) -> None:
    match = active(world)
    concern = raise_concern(world.mentee, match)
    url = concern_url(world, concern, "acknowledge")
    assert_problem(world.coordinator.post(url, json={}), 428)
    stale = '"0123456789abcdef0123456789abcdef01234567"'
    assert_problem(world.coordinator.post(url, json={}, headers={"If-Match": stale}), 412)


def test_bad_input_names_the_field(world: MatchWorld) -> None:
    match = active(world)
    for body, field in (
        ({"kind": "gossip", "details": DETAILS}, "kind"),
        ({"kind": "conduct", "details": "  "}, "details"),
        ({"kind": "conduct"}, "details"),
        ({"details": DETAILS}, "kind"),
    ):
        assert_problem(world.mentee.post(concerns_url(match), json=body), 422, field=field)


def _audited(owner_engine: Engine, concern: dict[str, Any]) -> list[str]:
    return [e["action"] for e in audit_rows(owner_engine, concern["id"])]


def test_every_step_is_audited_without_the_text(world: MatchWorld, owner_engine: Engine) -> None:
    match = active(world)
    concern = raise_concern(world.mentee, match)
    concern_act_ok(world, world.coordinator, concern, "acknowledge", note="Seen.")
    concern_act_ok(world, world.coordinator, concern, "pause")
    concern_act_ok(world, world.coordinator, concern, "resume")
    concern_act_ok(world, world.coordinator, concern, "rematch", note="A fresh start for both.")
    assert _audited(owner_engine, concern) == [
        "concern.raised",
        "concern.acknowledged",
        "concern.pairing_paused",
        "concern.pairing_resumed",
        "concern.rematched",
    ]
    rows = audit_rows(owner_engine, concern["id"])
    assert {r["organisation_id"] for r in rows} == {None}
    assert {r["consortium_id"] for r in rows} == {None}
    assert rows[0]["actor"] == f"person:{world.mentee.id}"
    assert rows[-1]["actor"] == f"person:{world.coordinator.id}"
    for needle in (DETAILS, "Seen.", "A fresh start"):
        assert all(needle not in str(r) for r in rows)
