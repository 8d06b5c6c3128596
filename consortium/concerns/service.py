"""Concerns: raised by one of a pairing's two people, handled by its consortium's coordinators.

Who sees what:
- the person who raised a concern sees it and its status (never the coordinators' notes or
  outcome); nobody else of the pairing's side or the other's does: not the other person, not
  either line manager, not either organisation's admins or API clients, not a coordinator who
  is one of the two people, not a platform client (concerns are people's business);
- the consortium's coordinators (but the two people) see its queue and act: acknowledge,
  pause or resume the pairing, resolve with an outcome, or rematch (end the pairing no-fault;
  the mentee's application stays open, so matching proposes again, never this pair).
Every step is audited with no concern text, scoped to no organisation and no consortium (so
no organisation's admins and no coordinator who is one of the pair list it; the platform's
operators see that it happened): the coordinators read the steps in the concern's history.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from consortium.audit import service as audit
from consortium.concerns import notices
from consortium.concerns.models import STATUS_ORDER, Concern
from consortium.consortia import service as consortia
from consortium.core import tenancy
from consortium.core.db import utcnow
from consortium.core.errors import Conflict, Forbidden, NotFound
from consortium.extensions import db
from consortium.matches import service as matches
from consortium.matches.models import Match

LIVE_STATUSES = ("open", "acknowledged")


# --- raising one -----------------------------------------------------------------------------


def _pair_side(match: Match) -> str:
    """ "mentor" or "mentee": the caller's side of a pairing they can see; 403 if neither."""
    person_id = tenancy.current().person_id
    if person_id is not None and person_id == match.mentee_id:
        return "mentee"
    if person_id is not None and person_id == match.mentor_person_id:
        return "mentor"
    raise Forbidden(
        "Only the two people of a pairing raise a concern about it (with its consortium's "
        "coordinators, who alone see it)."
    )


def raise_concern(*, match_id: uuid.UUID, kind: str, details: str) -> Concern:
    """Raise a concern about the caller's own pairing; returns it. 404 for a pairing the caller
    cannot see, 403 for one they see but are not one of the two people of."""
    match = matches.get_match(match_id=match_id)
    side = _pair_side(match)
    principal = tenancy.current()
    assert principal.person_id is not None and principal.organisation_id is not None
    concern = Concern(
        id=uuid.uuid4(),
        consortium_id=match.consortium_id,
        match_id=match.id,
        programme_id=match.programme_id,
        mentor_person_id=match.mentor_person_id,
        mentee_id=match.mentee_id,
        raised_by_person_id=principal.person_id,
        raised_by_organisation_id=principal.organisation_id,
        raised_as=side,
        kind=kind,
        details=details,
        status="open",
        history=[],
    )
    db.session.add(concern)
    db.session.flush()
    _audit(concern, "concern.raised", None, kind=kind, raised_as=side)
    notices.raised(concern, recipients=notices.coordinators_of(concern))
    return concern


def own_concerns(*, match_id: uuid.UUID) -> list[Concern]:
    """The concerns the caller raised about their pairing, oldest first (404/403 as raising)."""
    match = matches.get_match(match_id=match_id)
    _pair_side(match)
    person_id = tenancy.current().person_id
    return list(
        db.session.scalars(
            select(Concern)
            .where(Concern.match_id == match.id, Concern.raised_by_person_id == person_id)
            .order_by(Concern.created_at, Concern.id)
        )
    )


def raiser_view(concern: Concern) -> dict[str, Any]:
    """What the person who raised it sees: what they said, and where it is; no notes."""
    return {
        "id": concern.id,
        "match_id": concern.match_id,
        "kind": concern.kind,
        "details": concern.details,
        "status": concern.status,
        "created_at": concern.created_at,
        "updated_at": concern.updated_at,
    }


# --- the coordinators' queue -----------------------------------------------------------------


def _require_coordinator(consortium_id: uuid.UUID) -> None:
    """404 for a consortium the caller cannot see; 403 unless they coordinate it as a person
    (a platform client, holding every scope, is refused too: concerns are people's business)."""
    principal = tenancy.current()
    if principal.person_id is None:
        raise Forbidden(
            "Concerns are seen only by the consortium's coordinators, signed in as themselves."
        )
    consortium = consortia.get_consortium(consortium_id=consortium_id)
    if consortium.id not in principal.coordinated_consortium_ids:
        raise Forbidden(f"Only coordinators of {consortium.name} see its concerns.")


def queue(*, consortium_id: uuid.UUID, status: str | None = None) -> list[Concern]:
    """The consortium's concerns the caller may handle: open first, then acknowledged, then
    resolved; oldest first within each (`status` keeps one)."""
    _require_coordinator(consortium_id)
    statement = select(Concern).where(Concern.consortium_id == consortium_id)
    if status:
        statement = statement.where(Concern.status == status)
    found = db.session.scalars(statement).all()
    return sorted(found, key=queue_key)


def queue_key(concern: Concern) -> tuple[Any, ...]:
    return (STATUS_ORDER[concern.status], concern.created_at, concern.id)


def get_concern(
    *, consortium_id: uuid.UUID, concern_id: uuid.UUID, for_update: bool = False
) -> Concern:
    """A concern of the consortium the caller handles; 404 otherwise (one about a pairing the
    caller is one of the two people of included)."""
    _require_coordinator(consortium_id)
    statement = select(Concern).where(
        Concern.id == concern_id, Concern.consortium_id == consortium_id
    )
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    concern = db.session.scalar(statement)
    if concern is None:
        raise NotFound(f"No concern {concern_id}.")
    return concern


def coordinator_view(concern: Concern) -> dict[str, Any]:
    """Everything, for the coordinators: the pairing's status and whether it is paused too."""
    match = matches.get_match(match_id=concern.match_id)
    p = matches.pairing(match)
    return {
        **raiser_view(concern),
        "consortium_id": concern.consortium_id,
        "programme": {"id": concern.programme_id, "name": p.programme_name},
        "raised_by": {
            "person_id": concern.raised_by_person_id,
            "display_name": (p.mentor if concern.raised_as == "mentor" else p.mentee).display_name,
            "side": concern.raised_as,
        },
        "pairing": {
            "id": match.id,
            "status": match.status,
            "paused": match.paused_at is not None,
            "mentor": p.mentor.display_name,
            "mentee": p.mentee.display_name,
        },
        "acknowledged": _by_at(concern.acknowledged_by, concern.acknowledged_at),
        "resolved": (
            {"by": concern.resolved_by, "at": concern.resolved_at, "outcome": concern.outcome}
            if concern.resolved_at is not None
            else None
        ),
        "history": list(concern.history or []),
    }


def _by_at(by: str | None, at: Any) -> dict[str, Any] | None:
    return {"by": by, "at": at} if at is not None else None


# --- what the coordinators do ----------------------------------------------------------------


def _require_live(concern: Concern, doing: str) -> None:
    if concern.status not in LIVE_STATUSES:
        when = concern.resolved_at.isoformat() if concern.resolved_at else "earlier"
        raise Conflict(f"This concern was resolved at {when}; it cannot be {doing}.")


def _step(concern: Concern, action: str, note: str | None) -> None:
    principal = tenancy.current()
    concern.history = [
        *(concern.history or []),
        {"action": action, "by": principal.display, "at": utcnow().isoformat(), "note": note},
    ]


def _acknowledge_if_open(concern: Concern) -> None:
    if concern.status == "open":
        concern.status = "acknowledged"
        concern.acknowledged_by, concern.acknowledged_at = tenancy.current().display, utcnow()


def acknowledge(*, concern: Concern, note: str | None) -> Concern:
    """Acknowledge an open concern (409 unless open)."""
    if concern.status != "open":
        raise Conflict(f"This concern is {concern.status}; only an open concern is acknowledged.")
    before = concern.status
    _acknowledge_if_open(concern)
    _step(concern, "acknowledge", note)
    db.session.flush()
    _audit(concern, "concern.acknowledged", before)
    return concern


def _match_of(concern: Concern) -> Match:
    return matches.get_match(match_id=concern.match_id, for_update=True)


def pause(*, concern: Concern, note: str | None) -> Concern:
    """Pause the concern's pairing (it must be active): no new sessions until resumed."""
    _require_live(concern, "acted on")
    matches.pause(match=_match_of(concern))
    before = concern.status
    _acknowledge_if_open(concern)
    _step(concern, "pause", note)
    db.session.flush()
    _audit(concern, "concern.pairing_paused", before)
    return concern


def resume(*, concern: Concern, note: str | None) -> Concern:
    """Resume the concern's paused pairing."""
    _require_live(concern, "acted on")
    matches.resume(match=_match_of(concern))
    before = concern.status
    _acknowledge_if_open(concern)
    _step(concern, "resume", note)
    db.session.flush()
    _audit(concern, "concern.pairing_resumed", before)
    return concern


def resolve(*, concern: Concern, outcome: str) -> Concern:
    """Resolve the concern with an outcome note (the coordinators' only). A paused pairing
    must be resumed or rematched first (409): a resolved concern leaves nothing paused."""
    _require_live(concern, "resolved again")
    match = _match_of(concern)
    if match.paused_at is not None:
        raise Conflict(
            "This concern's pairing is paused: resume it, or rematch, before resolving the concern."
        )
    return _resolve(concern, outcome=outcome, action="resolve")


def rematch(*, concern: Concern, note: str | None) -> Concern:
    """End the pairing with no fault and resolve the concern: the mentee's application stays
    open, so matching (a run or a coordinator by hand) proposes them again, never this pair.
    409 unless the pairing is approved or active."""
    _require_live(concern, "acted on")
    match = _match_of(concern)
    if match.status not in ("approved", "active"):
        raise Conflict(
            f"This concern's pairing is {match.status}; only an approved or active pairing is "
            "ended for a rematch."
        )
    matches.end_no_fault(match=match, reason=note)
    return _resolve(concern, outcome=note or "Rematched.", action="rematch")


def _resolve(concern: Concern, *, outcome: str, action: str) -> Concern:
    before = concern.status
    by, now = tenancy.current().display, utcnow()
    if concern.acknowledged_at is None:
        concern.acknowledged_by, concern.acknowledged_at = by, now
    concern.status, concern.resolved_by, concern.resolved_at = "resolved", by, now
    concern.outcome = outcome
    _step(concern, action, outcome)
    db.session.flush()
    _audit(concern, "concern.rematched" if action == "rematch" else "concern.resolved", before)
    return concern


def _audit(concern: Concern, action: str, before: str | None, **data: Any) -> None:
    """An event with no concern text, scoped to no organisation or consortium (see the module
    docstring); written as the system for the caller, since no tenant owns it."""
    caller = tenancy.current()
    with tenancy.all_tenants():
        audit.record(
            action=action,
            subject_type="concern",
            subject_id=concern.id,
            data={
                "from": before,
                "to": concern.status,
                "consortium_id": concern.consortium_id,
                **data,
            },
            by=caller,
        )
