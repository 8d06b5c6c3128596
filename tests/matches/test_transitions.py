"""The workflow table on its own (consortium.matches.transitions): no database, no request."""

from __future__ import annotations

import pytest

from consortium.matches import transitions
from consortium.matches.models import MATCH_STATUSES
from consortium.matches.transitions import (
    COORDINATOR,
    HOME_ORGANISATION,
    MENTEE,
    MENTEE_ORG_ADMIN,
    MENTOR,
    MENTOR_ORG_ADMIN,
)

EXPECTED = {
    "proposed": ["approve", "reject", "decline"],
    "approved": ["accept", "decline", "close"],
    "active": ["close"],
    "completed": [],
    "rejected": [],
    "declined": [],
    "closed": [],
}


def test_every_status_has_its_allowed_actions() -> None:
    assert set(EXPECTED) == set(MATCH_STATUSES)
    for status, actions in EXPECTED.items():
        assert transitions.allowed_actions(status) == actions, status


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        ("proposed", "approve", "approved"),
        ("proposed", "reject", "rejected"),
        ("proposed", "decline", "declined"),
        ("approved", "accept", "active"),
        ("approved", "decline", "declined"),
        ("approved", "close", "closed"),
        ("active", "close", "closed"),
    ],
)
def test_each_transition_leads_where_the_workflow_says(
    status: str, action: str, target: str
) -> None:
    found = transitions.find(status, action)
    assert found is not None and found.target == target


def test_every_transition_ends_in_a_known_status_and_terminal_ones_lead_nowhere() -> None:
    for t in transitions.TABLE:
        assert t.source in MATCH_STATUSES and t.target in MATCH_STATUSES
        assert t.action in transitions.ACTIONS
        assert t.by and t.by <= set(transitions.PARTS)
    for status in ("completed", "rejected", "declined", "closed"):
        assert all(transitions.find(status, a) is None for a in transitions.ACTIONS)


def test_who_may_take_each_action() -> None:
    assert transitions.who_may("approve") == {COORDINATOR, HOME_ORGANISATION}
    assert transitions.who_may("reject") == {COORDINATOR, HOME_ORGANISATION}
    assert transitions.who_may("accept") == {MENTOR, MENTEE}
    assert transitions.who_may("decline") == {MENTOR, MENTEE}
    assert transitions.who_may("close") == {
        MENTOR,
        MENTEE,
        COORDINATOR,
        MENTOR_ORG_ADMIN,
        MENTEE_ORG_ADMIN,
    }
    # An admin of the mentor's organisation approves only as the home organisation (two-key).
    assert not transitions.may("approve", {MENTOR_ORG_ADMIN, MENTEE_ORG_ADMIN})
    assert transitions.may("approve", {MENTOR_ORG_ADMIN, HOME_ORGANISATION})
    assert not transitions.may("accept", {COORDINATOR, MENTOR_ORG_ADMIN})
    assert transitions.may("close", {MENTEE_ORG_ADMIN})


def test_may_from_needs_both_the_part_and_the_status() -> None:
    assert transitions.may_from("approved", "accept", {MENTEE})
    assert not transitions.may_from("proposed", "accept", {MENTEE})
    assert not transitions.may_from("approved", "accept", {COORDINATOR})
    assert transitions.may_from("active", "close", {COORDINATOR})
    assert not transitions.may_from("proposed", "close", {COORDINATOR})


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("declined", "approve", "A declined pairing cannot be approved; from declined: none."),
        (
            "proposed",
            "accept",
            "A proposed pairing cannot be accepted; from proposed: approve, reject, decline.",
        ),
        ("active", "decline", "An active pairing cannot be declined; from active: close."),
        (
            "approved",
            "approve",
            "An approved pairing cannot be approved; from approved: accept, decline, close.",
        ),
        ("closed", "close", "A closed pairing cannot be closed; from closed: none."),
    ],
)
def test_a_refusal_names_what_the_status_allows(status: str, action: str, message: str) -> None:
    assert transitions.find(status, action) is None
    assert transitions.refusal(status, action) == message


def test_required_keys() -> None:
    assert transitions.required_keys(two_key=False) == (COORDINATOR,)
    assert transitions.required_keys(two_key=True) == (COORDINATOR, HOME_ORGANISATION)
