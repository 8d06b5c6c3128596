"""The pairing workflow through the API: approve, reject, accept, decline, close.

Refusals come in the order 404 (not visible) → 403 (not yours) → 428/412 (If-Match) → 409
(the status does not allow it). See tests/matches/conftest.py for the world.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.matches.conftest import (
    STALE,
    MatchWorld,
    act,
    act_ok,
    audit_rows,
    etag_of,
    get_ok,
    load_of,
    mail_to,
    match_url,
)
from tests.programmes.support import apply

REASON = "My caseload has changed and I cannot give this the time it deserves."


def _active(world: MatchWorld) -> dict[str, Any]:
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    act_ok(world.mentee, match, "accept")
    return dict(act_ok(world.mentor, match, "accept"))


def test_a_pairing_goes_from_proposed_to_active_and_emails_are_revealed_only_then(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = world.proposal()
    assert match["status"] == "proposed"
    assert match["mentor"]["email"] is None and match["mentee"]["email"] is None

    approved = act_ok(world.coordinator, match, "approve")
    assert approved["status"] == "approved"
    assert approved["approvals"]["coordinator"]["by"] == "Cora Coordinator"
    assert approved["approvals"]["coordinator"]["at"]
    assert approved["approvals"]["home_organisation"] == {"required": False, "by": None, "at": None}
    assert approved["allowed_actions"] == ["accept", "decline", "close"]
    assert approved["mentor"]["email"] is None
    # Both people are asked to accept; the coordinator is not told about their own approval.
    for person, role, other in (
        (world.mentor, "mentor", "Gail Mentee"),
        (world.mentee, "mentee", "Mona Mentor"),
    ):
        [message] = mail_to(owner_engine, person)
        assert "accept" in message["subject"]
        assert f"as the {role} of {other}" in message["body"]
        assert "mona.mentor@" not in message["body"] and "gail.mentee@" not in message["body"]
    assert mail_to(owner_engine, world.coordinator) == []

    half = act_ok(world.mentee, match, "accept")
    assert half["status"] == "approved"
    assert half["acceptances"]["mentee_at"] and half["acceptances"]["mentor_at"] is None
    assert half["mentor"]["email"] is None and half["mentee"]["email"] is None
    told = mail_to(owner_engine, world.mentor)
    assert len(told) == 2 and "Gail Mentee accepted" in told[-1]["subject"]
    assert len(mail_to(owner_engine, world.mentee)) == 1  # not told of their own acceptance

    active = act_ok(world.mentor, match, "accept")
    assert active["status"] == "active"
    assert active["allowed_actions"] == ["close"]
    assert active["mentor"]["email"] == world.mentor.email
    assert active["mentee"]["email"] == world.mentee.email
    # Everyone who sees it sees the emails now: the people and the coordinator.
    for caller in (world.mentee, world.mentor, world.coordinator):
        shown = get_ok(caller, match_url(match))
        assert shown["mentor"]["email"] == world.mentor.email, caller
        assert shown["mentee"]["email"] == world.mentee.email, caller
    # Each is sent the other's address.
    assert world.mentee.email in mail_to(owner_engine, world.mentor)[-1]["body"]
    assert world.mentor.email in mail_to(owner_engine, world.mentee)[-1]["body"]

    closed = act_ok(world.mentee, match, "close", "We met our goals early.")
    assert closed["status"] == "closed"
    # A person's ending is no-fault: who and why are the coordinators' only
    # (tests/concerns/test_no_fault_ending.py).
    assert closed["ended"]["no_fault"] is True and closed["ended"]["by"] is None
    assert get_ok(world.coordinator, match_url(match))["ended"]["reason"] == (
        "We met our goals early."
    )
    assert closed["mentor"]["email"] == world.mentor.email  # it had been active
    assert closed["allowed_actions"] == []

    actions = [
        (e["action"], e["data"]["from"], e["data"]["to"])
        for e in audit_rows(owner_engine, match["id"])
    ]
    assert actions == [
        ("match.proposed", None, "proposed"),
        ("match.approved", "proposed", "approved"),
        ("match.accepted", "approved", "approved"),
        ("match.accepted", "approved", "active"),
        ("match.activated", "approved", "active"),
        ("match.closed", "active", "closed"),
    ]


def test_each_event_names_who_did_it_and_both_organisations(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = world.proposal()
    act_ok(world.mentor, match, "decline", REASON)
    proposed, declined = audit_rows(owner_engine, match["id"])
    for event in (proposed, declined):
        assert str(event["consortium_id"]) == world.network_id
        assert str(event["organisation_id"]) == world.pool.a.id  # the mentor's
        assert str(event["other_organisation_id"]) == world.pool.gamma.id  # the mentee's
        assert event["subject_type"] == "match"
    assert proposed["actor"] == f"person:{world.coordinator.id}"
    assert proposed["actor_name"] == "Cora Coordinator"
    assert declined["actor"] == f"person:{world.mentor.id}"
    assert declined["reason"] == REASON
    assert declined["data"]["by_part"] == "mentor"


def test_a_rejected_proposal_ends_and_frees_the_mentors_place(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = world.proposal()
    assert load_of(owner_engine, world.profile_id) == 1
    rejected = act_ok(world.coordinator, match, "reject", "The mentee asked for someone else.")
    assert rejected["status"] == "rejected"
    assert rejected["ended"]["by"] == "Cora Coordinator"
    assert rejected["allowed_actions"] == []
    assert load_of(owner_engine, world.profile_id) == 0
    assert [e["action"] for e in audit_rows(owner_engine, match["id"])][-1] == "match.rejected"
    # Under the coordinator-only policy nobody else needs telling.
    assert mail_to(owner_engine, world.mentor) == [] and mail_to(owner_engine, world.mentee) == []


def test_the_mentors_load_follows_the_pairings_status(
    world: MatchWorld, owner_engine: Engine
) -> None:
    def care() -> tuple[int, int]:
        profile = get_ok(world.mentor, f"/api/v1/mentor-profiles/{world.profile_id}")
        return profile["care"]["active_load"], profile["capacity_left"]

    assert care() == (0, 2)
    match = world.proposal()
    assert care() == (1, 1)  # a proposal holds a place
    act_ok(world.coordinator, match, "approve")
    assert care() == (1, 1)
    act_ok(world.mentee, match, "accept")
    act_ok(world.mentor, match, "accept")
    assert care() == (1, 1)  # active
    act_ok(world.coordinator, match, "close", "The programme was cut short.")
    assert care() == (0, 2)
    second = world.proposal()
    assert care() == (1, 1)
    act_ok(world.mentee, second, "decline", REASON)
    assert care() == (0, 2)


# --- who may do what --------------------------------------------------------------------


def test_only_a_coordinator_approves_under_the_coordinator_policy(world: MatchWorld) -> None:
    match = world.proposal()
    # Staff hold no approving scope at all (403 before any lookup).
    for caller in (world.mentee, world.mentor, world.colleague):
        assert_problem(act(caller, match, "approve", etag=STALE), 403)
    # Admins of either organisation see the pairing but do not approve it.
    for caller in (world.admin_a, world.admin_gamma):
        assert get_ok(caller, match_url(match))["id"] == match["id"]
        body = assert_problem(act(caller, match, "approve"), 403)
        assert "Only coordinators of Alpha Network" in body["detail"]
        assert_problem(act(caller, match, "reject", REASON), 403)
    # A coordinator of another consortium does not even see it.
    other = world.person(
        "other_coordinator",
        world.pool.a,
        "Otto",
        org_admin=False,
        coordinator_of=[world.pool.consortium("other-network", world.pool.a)["id"]],
    )
    assert_problem(other.get(match_url(match)), 404)
    assert_problem(act(other, match, "approve", etag=STALE), 404)
    assert get_ok(world.coordinator, match_url(match))["status"] == "proposed"
    assert act_ok(world.platform, match, "approve")["status"] == "approved"


def test_only_the_two_people_accept_or_decline(world: MatchWorld) -> None:
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    for caller in (world.coordinator, world.admin_a, world.admin_gamma, world.platform):
        body = assert_problem(act(caller, match, "accept"), 403)
        assert body["detail"] == "Only the mentor and the mentee accept a pairing."
        assert_problem(act(caller, match, "decline", REASON), 403)
    # The mentee's organisation's API client sees the pairing, but is nobody in it.
    client = world.pool.gamma.api
    assert get_ok(client, match_url(match))["id"] == match["id"]
    assert_problem(act(client, match, "accept"), 403)
    # A colleague of the mentee who is neither party nor admin does not see it.
    etag = etag_of(world.mentee, match)
    assert_problem(world.colleague.get(match_url(match)), 404)
    for action, reason in (("accept", None), ("decline", REASON), ("close", REASON)):
        assert_problem(act(world.colleague, match, action, reason, etag=etag), 404)
    assert get_ok(world.mentee, match_url(match))["status"] == "approved"


@pytest.mark.parametrize("closer", ["mentor", "mentee", "coordinator", "admin_a", "admin_gamma"])
def test_either_person_their_admins_or_a_coordinator_close(
    world: MatchWorld, owner_engine: Engine, closer: str
) -> None:
    match = _active(world)
    caller = getattr(world, closer)
    closed = act_ok(caller, match, "close", "Circumstances changed.")
    assert closed["status"] == "closed"
    event = audit_rows(owner_engine, match["id"])[-1]
    assert event["action"] == "match.closed" and event["actor"] == f"person:{caller.id}"
    if closer in ("mentor", "mentee"):
        # No fault: the organisations' audit trail shows no reason (the coordinators have it).
        assert event["reason"] is None and event["data"]["no_fault"] is True
    else:
        assert event["reason"] == "Circumstances changed."


def test_an_admin_of_another_organisation_or_another_tenant_cannot_close(world: MatchWorld) -> None:
    match = _active(world)
    delta_admin = world.person("admin_delta", world.pool.delta, "Dora", org_admin=True)
    b_admin = world.person("admin_b", world.pool.b, "Bea", org_admin=True)
    etag = etag_of(world.mentee, match)
    for caller in (delta_admin, b_admin):
        assert_problem(caller.get(match_url(match)), 404)
        assert_problem(act(caller, match, "close", REASON, etag=etag), 404)
    assert get_ok(world.mentee, match_url(match))["status"] == "active"


# --- two-key approval ---------------------------------------------------------------------


@pytest.mark.parametrize("first", ["coordinator", "admin_a"])
def test_two_key_approval_needs_both_keys_in_either_order(
    world: MatchWorld, owner_engine: Engine, first: str
) -> None:
    world.two_key()
    assert world.admin_a  # signed in before the proposal, so there is an admin to ask
    match = world.proposal()
    assert match["approvals"]["home_organisation"]["required"] is True
    # The mentor's organisation's admins are asked to consent.
    [asked] = mail_to(owner_engine, world.admin_a)
    assert "consent" in asked["subject"] and "Mona Mentor" in asked["body"]
    second = "admin_a" if first == "coordinator" else "coordinator"

    half = act_ok(getattr(world, first), match, "approve")
    assert half["status"] == "proposed"
    assert half["allowed_actions"] == ["approve", "reject", "decline"]
    key = "coordinator" if first == "coordinator" else "home_organisation"
    assert half["approvals"][key]["by"] == getattr(world, first).name
    assert mail_to(owner_engine, world.mentee) == []  # not asked yet
    # The same key twice is a conflict naming who is still awaited.
    again = assert_problem(act(getattr(world, first), match, "approve"), 409)
    assert "already approved" in again["detail"]
    assert ("Alpha Trust" if first == "coordinator" else "Alpha Network") in again["detail"]

    done = act_ok(getattr(world, second), match, "approve")
    assert done["status"] == "approved"
    assert done["approvals"]["coordinator"]["by"] == "Cora Coordinator"
    assert done["approvals"]["home_organisation"]["by"] == world.admin_a.name
    assert done["approvals"]["home_organisation"]["at"]
    assert len(mail_to(owner_engine, world.mentee)) == 1

    events = [(e["action"], e["data"]["to"]) for e in audit_rows(owner_engine, match["id"])]
    first_event = "match.approved" if first == "coordinator" else "match.home_org_approved"
    second_event = "match.home_org_approved" if first == "coordinator" else "match.approved"
    assert events == [
        ("match.proposed", "proposed"),
        (first_event, "proposed"),
        (second_event, "approved"),
    ]


def test_under_two_key_the_home_organisation_may_reject_but_the_mentees_may_not_approve(
    world: MatchWorld, owner_engine: Engine
) -> None:
    world.two_key()
    assert world.admin_a
    match = world.proposal()
    assert_problem(act(world.admin_gamma, match, "approve"), 403)
    rejected = act_ok(world.admin_a, match, "reject", "Mona is needed on the wards this year.")
    assert rejected["status"] == "rejected"
    event = audit_rows(owner_engine, match["id"])[-1]
    assert event["action"] == "match.rejected" and event["data"]["by_part"] == ["home_organisation"]
    # The coordinators hear that the mentor's organisation said no, with its reason.
    [told] = mail_to(owner_engine, world.coordinator)
    assert "rejected" in told["subject"] and "needed on the wards" in told["body"]
    assert mail_to(owner_engine, world.admin_a)[-1]["subject"].startswith("Your consent")


def test_under_two_key_a_coordinators_rejection_is_told_to_the_mentors_organisation(
    world: MatchWorld, owner_engine: Engine
) -> None:
    world.two_key()
    assert world.admin_a
    match = world.proposal()
    act_ok(world.coordinator, match, "reject", "Another mentor suits better.")
    subjects = [m["subject"] for m in mail_to(owner_engine, world.admin_a)]
    assert len(subjects) == 2 and "was rejected" in subjects[-1]
    assert mail_to(owner_engine, world.coordinator) == []


# --- declining and its notices --------------------------------------------------------------


def test_a_decline_after_approval_tells_the_other_person_and_the_coordinators(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    declined = act_ok(world.mentor, match, "decline", REASON)
    assert declined["status"] == "declined"
    assert declined["ended"] == {
        "by": "Mona Mentor",
        "at": declined["ended"]["at"],
        "reason": REASON,
        "no_fault": False,
    }
    mentee_told = mail_to(owner_engine, world.mentee)[-1]
    assert "declined" in mentee_told["subject"]
    assert REASON not in mentee_told["body"]  # the other person's reasons stay with coordinators
    [coordinator_told] = mail_to(owner_engine, world.coordinator)
    assert REASON in coordinator_told["body"]
    assert len(mail_to(owner_engine, world.mentor)) == 1  # only the earlier "please accept"


def test_a_decline_of_a_proposal_tells_only_the_coordinators(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = world.proposal()
    act_ok(world.mentee, match, "decline", REASON)
    assert mail_to(owner_engine, world.mentor) == []  # never told of it
    assert len(mail_to(owner_engine, world.coordinator)) == 1


def test_a_coordinator_closing_tells_both_people_why(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = _active(world)
    act_ok(world.coordinator, match, "close", "The programme ends early this year.")
    for person in (world.mentor, world.mentee):
        told = mail_to(owner_engine, person)[-1]
        assert "closed" in told["subject"] and "ends early" in told["body"]


# --- If-Match, conflicts and reasons ------------------------------------------------------


ACTIONS = [
    ("approve", "proposed", "coordinator", None),
    ("reject", "proposed", "coordinator", REASON),
    ("accept", "approved", "mentee", None),
    ("decline", "approved", "mentor", REASON),
    ("close", "active", "coordinator", REASON),
]


def _in_status(world: MatchWorld, status: str) -> dict[str, Any]:
    if status == "active":
        return _active(world)
    match = world.proposal()
    if status == "approved":
        act_ok(world.coordinator, match, "approve")
    return match


@pytest.mark.parametrize(("action", "status", "who", "reason"), ACTIONS)
def test_every_action_needs_the_current_etag(
    world: MatchWorld, owner_engine: Engine, action: str, status: str, who: str, reason: str | None
) -> None:
    match = _in_status(world, status)
    caller = getattr(world, who)
    etag = etag_of(caller, match)
    events = len(audit_rows(owner_engine, match["id"]))
    body = {"reason": reason} if reason else None
    missing = caller.post(match_url(match, f"/{action}"), json=body)
    assert_problem(missing, 428)
    assert_problem(act(caller, match, action, reason, etag=STALE), 412)
    assert get_ok(caller, match_url(match))["status"] == status
    assert len(audit_rows(owner_engine, match["id"])) == events  # nothing happened

    done = act(caller, match, action, reason, etag=etag)
    assert done.status_code == 200, done.get_json()
    # The response carries the new ETag, the one a GET now returns; the old one is stale.
    assert done.headers["ETag"] == etag_of(caller, match) != etag
    assert_problem(act(caller, match, "close", REASON, etag=etag), 412)


def test_refusals_come_in_order_404_403_428_409(world: MatchWorld) -> None:
    match = world.proposal()
    act_ok(world.mentee, match, "decline", REASON)
    # Not visible: 404 whatever the If-Match.
    assert_problem(world.colleague.post(match_url(match, "/accept")), 404)
    # Visible but not yours: 403 before the precondition.
    assert_problem(world.admin_gamma.post(match_url(match, "/approve")), 403)
    # Yours, no If-Match: 428 before the conflict.
    assert_problem(world.coordinator.post(match_url(match, "/approve")), 428)
    body = assert_problem(act(world.coordinator, match, "approve"), 409)
    assert body["detail"] == "A declined pairing cannot be approved; from declined: none."


@pytest.mark.parametrize(
    ("status", "who", "action", "reason", "detail"),
    [
        (
            "proposed",
            "mentee",
            "accept",
            None,
            "A proposed pairing cannot be accepted; from proposed: approve, reject, decline.",
        ),
        (
            "proposed",
            "coordinator",
            "close",
            REASON,
            "A proposed pairing cannot be closed; from proposed: approve, reject, decline.",
        ),
        (
            "approved",
            "coordinator",
            "approve",
            None,
            "An approved pairing cannot be approved; from approved: accept, decline, close.",
        ),
        (
            "active",
            "mentor",
            "decline",
            REASON,
            "An active pairing cannot be declined; from active: close.",
        ),
    ],
)
def test_an_illegal_transition_is_a_conflict_naming_the_allowed_ones(
    world: MatchWorld, status: str, who: str, action: str, reason: str | None, detail: str
) -> None:
    match = _in_status(world, status)
    body = assert_problem(act(getattr(world, who), match, action, reason), 409)
    assert body["detail"] == detail
    assert get_ok(world.coordinator, match_url(match))["status"] == status


def test_accepting_twice_is_a_conflict(world: MatchWorld) -> None:
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    act_ok(world.mentee, match, "accept")
    body = assert_problem(act(world.mentee, match, "accept"), 409)
    assert "awaits Mona Mentor's acceptance" in body["detail"]


@pytest.mark.parametrize(("action", "who"), [("reject", "coordinator"), ("decline", "mentee")])
def test_rejecting_and_declining_need_a_reason(world: MatchWorld, action: str, who: str) -> None:
    match = world.proposal()
    caller = getattr(world, who)
    etag = etag_of(caller, match)
    for body in (None, {}, {"reason": ""}, {"reason": "   "}):
        response = caller.post(
            match_url(match, f"/{action}"), json=body, headers={"If-Match": etag}
        )
        assert_problem(response, 422, field="reason")
    assert get_ok(caller, match_url(match))["status"] == "proposed"


def test_closing_needs_a_reason_from_a_coordinator(world: MatchWorld) -> None:
    """Either person ends a pairing with no fault, with no reason needed; anyone else says why."""
    match = _active(world)
    response = act(world.coordinator, match, "close", " ")
    assert_problem(response, 422, field="reason")


def test_a_coordinator_cannot_approve_a_pairing_they_are_part_of(world: MatchWorld) -> None:
    """Cora coordinates the network and applies as a mentee herself: another coordinator must
    approve her pairing (a conflict of interest, whatever roles she holds)."""
    application = apply(world.coordinator, world.programme)
    pairing = world.proposal(application_id=application["id"])
    response = act(world.coordinator, pairing, "approve")
    assert_problem(response, 403)
    assert "one of the two people" in response.get_json()["detail"]
    assert get_ok(world.coordinator, match_url(pairing))["status"] == "proposed"
    colleague = world.pool.sign_in(
        world.pool.gamma, "Ciara", "Colleague", coordinator_of=[world.network_id]
    )
    assert act_ok(colleague, pairing, "approve")["status"] == "approved"
