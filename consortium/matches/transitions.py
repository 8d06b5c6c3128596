"""The pairing workflow as data: from each status, which action leads where, and who may take it.

Pure (no database, no request): the service works out the caller's parts in a pairing and asks
this table. Approving needs every required key (the coordinator's, and under two-key approval
the mentor's home organisation's) before the pairing is approved; accepting needs both people
before it is active. The table names the status an action leads to once complete.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIONS = ("approve", "reject", "accept", "decline", "close")

# The parts a caller may play in one pairing (the service decides which they hold).
COORDINATOR = "coordinator"  # coordinates the pairing's consortium
HOME_ORGANISATION = "home_organisation"  # admin of the mentor's organisation, under two-key
MENTOR = "mentor"
MENTEE = "mentee"
MENTOR_ORG_ADMIN = "mentor_org_admin"
MENTEE_ORG_ADMIN = "mentee_org_admin"
PARTS = (COORDINATOR, HOME_ORGANISATION, MENTOR, MENTEE, MENTOR_ORG_ADMIN, MENTEE_ORG_ADMIN)

APPROVERS = frozenset({COORDINATOR, HOME_ORGANISATION})
PEOPLE = frozenset({MENTOR, MENTEE})
CLOSERS = frozenset({MENTOR, MENTEE, COORDINATOR, MENTOR_ORG_ADMIN, MENTEE_ORG_ADMIN})

# The approval keys: a coordinator's always; the mentor's home organisation's under two-key.
COORDINATOR_KEY = COORDINATOR
HOME_ORGANISATION_KEY = HOME_ORGANISATION


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    by: frozenset[str]


TABLE: tuple[Transition, ...] = (
    Transition("proposed", "approve", "approved", APPROVERS),
    Transition("proposed", "reject", "rejected", APPROVERS),
    # Either person may say no early, before the coordinator has even looked.
    Transition("proposed", "decline", "declined", PEOPLE),
    Transition("approved", "accept", "active", PEOPLE),
    Transition("approved", "decline", "declined", PEOPLE),
    Transition("approved", "close", "closed", CLOSERS),
    Transition("active", "close", "closed", CLOSERS),
)

_BY_KEY = {(t.source, t.action): t for t in TABLE}

PAST_TENSE = {
    "approve": "approved",
    "reject": "rejected",
    "accept": "accepted",
    "decline": "declined",
    "close": "closed",
}


def find(status: str, action: str) -> Transition | None:
    """The transition `action` makes from `status`, or None if it makes none."""
    return _BY_KEY.get((status, action))


def allowed_actions(status: str) -> list[str]:
    """The actions that lead somewhere from `status`, in workflow order."""
    return [action for action in ACTIONS if (status, action) in _BY_KEY]


def who_may(action: str) -> frozenset[str]:
    """Every part that may take `action` from some status."""
    return frozenset(part for t in TABLE if t.action == action for part in t.by)


def may(action: str, parts: frozenset[str] | set[str]) -> bool:
    """Whether a caller playing `parts` could ever take `action` (from a suitable status)."""
    return bool(who_may(action) & set(parts))


def may_from(status: str, action: str, parts: frozenset[str] | set[str]) -> bool:
    """Whether a caller playing `parts` may take `action` from `status` now."""
    transition = find(status, action)
    return transition is not None and bool(transition.by & set(parts))


def refusal(status: str, action: str) -> str:
    """Why `action` cannot be taken from `status`, naming what can."""
    allowed = allowed_actions(status)
    article = "An" if status[0] in "aeiou" else "A"
    return (
        f"{article} {status} pairing cannot be {PAST_TENSE[action]}; "
        f"from {status}: {', '.join(allowed) if allowed else 'none'}."
    )


def required_keys(*, two_key: bool) -> tuple[str, ...]:
    """The approvals a pairing needs before it is approved."""
    return (COORDINATOR_KEY, HOME_ORGANISATION_KEY) if two_key else (COORDINATOR_KEY,)
