"""Pairings: who sees them, hand-made proposals, and the approval workflow.

Who may do what (the table is transitions.TABLE):
- a coordinator of the pairing's consortium approves or rejects a proposal; under two-key
  approval (the consortium's approval_policy coordinator_and_home_org) an admin of the mentor's
  organisation must approve too, and may reject; each approval is recorded separately;
- the mentor and the mentee accept or decline (declining is possible from proposed on); both
  accepting makes the pairing active, and only then do they see each other's email;
- either person, a coordinator or an admin of either organisation closes an approved or active
  pairing.
Every change of status recounts the mentor's load (pool.care), writes an audit event and tells
the people concerned (notices, by mail after commit).

The two people belong to different tenants: their names, job titles and emails are read across
tenants explicitly, for exactly the two people of each pairing and only the fields shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from consortium.audit import service as audit
from consortium.consortia.models import Consortium
from consortium.core import events, tenancy
from consortium.core.db import utcnow
from consortium.core.errors import Conflict, Forbidden, Invalid, NotFound
from consortium.extensions import db
from consortium.matches import notices, transitions
from consortium.matches.models import LOAD_STATUSES, Match, MatchGoal
from consortium.matches.transitions import (
    COORDINATOR,
    COORDINATOR_KEY,
    HOME_ORGANISATION,
    HOME_ORGANISATION_KEY,
    MENTEE,
    MENTEE_ORG_ADMIN,
    MENTOR,
    MENTOR_ORG_ADMIN,
)
from consortium.organisations import service as organisations
from consortium.people.models import Person
from consortium.pool import care
from consortium.pool import service as pool
from consortium.pool.models import MentorProfile
from consortium.programmes import service as programmes
from consortium.programmes.models import Application, Programme

# The sessions domain builds on pairings, so it is told and asked rather than called
# (consortium.core.events): a pairing closed (match=, reason=), its upcoming sessions are
# called off; and per pairing, its sessions counted by status (match_ids=).
PAIRING_CLOSED = "matches.pairing_closed"
SESSION_COUNTS = "matches.session_counts"
# The matching engine builds on pairings (it proposes them); a hand-made pair is checked
# against its hard constraints by asking it (programme=, application=, profile=): each
# broken constraint with code, field, message and overridable.
PAIR_VIOLATIONS = "matches.pair_violations"
# Announced when a pairing is proposed by hand, approved, made active or ends (rejected,
# declined, closed) (match=, change= proposed | approved | active | ended), in the same
# transaction: the webhooks domain tells the two organisations' endpoints.
MATCH_CHANGED = "matches.match_changed"

TWO_KEY = "coordinator_and_home_org"
# After these a pairing's people have each other's email (completed and closed only if the
# pairing had been active).
REVEALING_STATUSES = ("active", "completed", "closed")
# What the sessions domain is told when a no-fault ending calls off upcoming sessions (it
# passes the reason on to the people): never the private reason.
NO_FAULT_NOTICE = "no fault (no reason is shared)."


class ConstraintsBroken(Invalid):
    """A proposal breaks hard constraints; `violations` names each (code, field, message,
    overridable). Shown as a 422 listing them all."""

    def __init__(self, detail: str, *, violations: list[dict[str, Any]]) -> None:
        super().__init__(detail, field=violations[0]["field"])
        self.violations = violations


class ConstraintsNowBroken(ConstraintsBroken):
    """An approval or acceptance refused: the pairing now breaks hard constraints (a 409 listing
    them as a proposal's 422 does; the pairing is unchanged)."""

    status = 409
    title = "Conflict"


# --- reading ---------------------------------------------------------------------------------


def list_matches(
    *,
    programme_id: uuid.UUID | None = None,
    status: str | None = None,
    organisation_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
) -> Select[Match]:
    """The pairings the caller may see matching every filter, oldest first (`person_id`:
    those the person is the mentor or the mentee of)."""
    statement = select(Match).order_by(Match.created_at, Match.id)
    if person_id is not None:
        statement = statement.where(
            or_(Match.mentee_id == person_id, Match.mentor_person_id == person_id)
        )
    if programme_id is not None:
        statement = statement.where(Match.programme_id == programme_id)
    if status:
        statement = statement.where(Match.status == status)
    if organisation_id is not None:
        statement = statement.where(
            or_(
                Match.mentor_organisation_id == organisation_id,
                Match.mentee_organisation_id == organisation_id,
            )
        )
    return statement


def count_by_status(*, programme_id: uuid.UUID) -> dict[str, int]:
    """How many of the programme's pairings the caller may see are in each status."""
    rows = db.session.execute(
        select(Match.status, func.count())
        .where(Match.programme_id == programme_id)
        .group_by(Match.status)
    )
    return {status: count for status, count in rows}


def get_match(*, match_id: uuid.UUID, for_update: bool = False) -> Match:
    """A pairing the caller may see (locked for a change when `for_update`); 404 otherwise."""
    statement = select(Match).where(Match.id == match_id)
    if for_update:
        # Two people accepting at once must not both miss the other's acceptance.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    match = db.session.scalar(statement)
    if match is None:
        raise NotFound(f"No pairing {match_id}.")
    return match


@dataclass(frozen=True)
class Party:
    """One of a pairing's two people, as read across tenants (only what is shown)."""

    person_id: uuid.UUID | None
    display_name: str
    job_title: str | None
    email: str | None
    organisation_id: uuid.UUID
    organisation_name: str
    sector: str


@dataclass(frozen=True)
class Pairing:
    """A match with what presenting it or telling people about it needs."""

    match: Match
    programme_name: str
    consortium_name: str
    two_key: bool
    mentor: Party
    mentee: Party
    # The programme's most sessions a pairing holds (what `sessions.remaining` counts down).
    sessions_max: int


def _mentor_people(matches: list[Match]) -> dict[uuid.UUID, uuid.UUID]:
    """Profile id → mentor's person id, for pairings written before the match kept it."""
    missing = [m.mentor_profile_id for m in matches if m.mentor_person_id is None]
    if not missing:
        return {}
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(MentorProfile.id, MentorProfile.person_id).where(MentorProfile.id.in_(missing))
        )
        return {profile_id: person_id for profile_id, person_id in rows}


def pairings(matches: Iterable[Match]) -> list[Pairing]:
    """Each match with its people, programme and consortium (a few queries in all)."""
    matches = list(matches)
    if not matches:
        return []
    mentor_of = _mentor_people(matches)
    person_ids = {m.mentee_id for m in matches} | {
        m.mentor_person_id or mentor_of.get(m.mentor_profile_id) for m in matches
    }
    person_ids.discard(None)
    programme_ids = {m.programme_id for m in matches}
    consortium_ids = {m.consortium_id for m in matches}
    # Shared on purpose with whoever sees the pairing: read across tenants, these fields only.
    with tenancy.all_tenants():
        people = {
            row.id: row
            for row in db.session.execute(
                select(
                    Person.id,
                    Person.given_name,
                    Person.family_name,
                    Person.job_title,
                    Person.email,
                ).where(Person.id.in_(person_ids))
            )
        }
        programme_rows = {
            row.id: row
            for row in db.session.execute(
                select(Programme.id, Programme.name, Programme.sessions_max).where(
                    Programme.id.in_(programme_ids)
                )
            )
        }
        consortia = {
            row.id: row
            for row in db.session.execute(
                select(Consortium.id, Consortium.name, Consortium.approval_policy).where(
                    Consortium.id.in_(consortium_ids)
                )
            )
        }
        # Inside the same cross-tenant read: one change of the RLS settings, not two.
        orgs = {
            o.id: o
            for o in organisations.public_profiles(
                organisation_ids=list(
                    {m.mentor_organisation_id for m in matches}
                    | {m.mentee_organisation_id for m in matches}
                )
            )
        }

    def party(person_id: uuid.UUID | None, organisation_id: uuid.UUID) -> Party:
        row = people.get(person_id) if person_id else None
        organisation = orgs.get(organisation_id)
        return Party(
            person_id=person_id,
            display_name=f"{row.given_name} {row.family_name}" if row else "",
            job_title=row.job_title if row else None,
            email=row.email if row else None,
            organisation_id=organisation_id,
            organisation_name=organisation.name if organisation else "",
            sector=organisation.sector if organisation else "",
        )

    out = []
    for m in matches:
        consortium = consortia.get(m.consortium_id)
        programme = programme_rows.get(m.programme_id)
        out.append(
            Pairing(
                match=m,
                programme_name=programme.name if programme else "",
                consortium_name=consortium.name if consortium else "",
                two_key=consortium is not None and consortium.approval_policy == TWO_KEY,
                mentor=party(
                    m.mentor_person_id or mentor_of.get(m.mentor_profile_id),
                    m.mentor_organisation_id,
                ),
                mentee=party(m.mentee_id, m.mentee_organisation_id),
                sessions_max=programme.sessions_max if programme else 0,
            )
        )
    return out


def pairing(match: Match) -> Pairing:
    return pairings([match])[0]


def emails_revealed(match: Match) -> bool:
    """Whether the two people see each other's email: once active, and after if it was."""
    return match.status in REVEALING_STATUSES and match.activated_at is not None


def present(matches: Iterable[Match]) -> list[dict[str, Any]]:
    """Each pairing as the API shows it (its sessions counted in one grouped query)."""
    found = pairings(matches)
    counts = events.ask(SESSION_COUNTS, match_ids=[p.match.id for p in found])
    return [_present(p, counts.get(p.match.id)) for p in found]


def present_one(match: Match) -> dict[str, Any]:
    return present([match])[0]


def _present(p: Pairing, counts: dict[str, int] | None) -> dict[str, Any]:
    m = p.match
    revealed = emails_revealed(m)

    def party(who: Party) -> dict[str, Any]:
        return {
            "person_id": who.person_id,
            "display_name": who.display_name,
            "job_title": who.job_title,
            "organisation": {
                "id": who.organisation_id,
                "name": who.organisation_name,
                "sector": who.sector,
            },
            "email": who.email if revealed else None,
        }

    return {
        "id": m.id,
        "programme": {"id": m.programme_id, "name": p.programme_name},
        "consortium_id": m.consortium_id,
        "status": m.status,
        "origin": m.origin,
        "score": m.score,
        "reasons": list(m.reasons or []),
        "score_parts": dict(m.score_parts or {}),
        "mentor": {"profile_id": m.mentor_profile_id, **party(p.mentor)},
        "mentee": party(p.mentee),
        "approvals": {
            "coordinator": {"by": m.coordinator_approved_by, "at": m.coordinator_approved_at},
            "home_organisation": {
                "required": p.two_key,
                "by": m.home_org_approved_by,
                "at": m.home_org_approved_at,
            },
        },
        "acceptances": {"mentor_at": m.mentor_accepted_at, "mentee_at": m.mentee_accepted_at},
        "override": (
            {"constraints": list(m.overridden), "reason": m.override_reason}
            if m.override_reason
            else None
        ),
        "ended": _ended(m),
        "paused": m.paused_at is not None if _sees_pause(m) else None,
        "allowed_actions": transitions.allowed_actions(m.status),
        "sessions": _sessions(counts or {}, sessions_max=p.sessions_max),
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    }


def _hears_privately(match: Match) -> bool:
    """Whether the caller is told what is private to the coordinators about a pairing: they
    coordinate its consortium and are neither of its two people."""
    principal = tenancy.current()
    return principal.coordinates(match.consortium_id) and principal.person_id not in (
        match.mentee_id,
        match.mentor_person_id,
    )


def _sees_pause(match: Match) -> bool:
    """The two people (their bookings are refused while it lasts) and the coordinators."""
    principal = tenancy.current()
    return principal.coordinates(match.consortium_id) or (
        principal.person_id is not None
        and principal.person_id in (match.mentee_id, match.mentor_person_id)
    )


def _ended(m: Match) -> dict[str, Any] | None:
    """Who ended it, when and why; a no-fault ending shows anyone but the coordinators only
    that it ended, and when."""
    if m.ended_at is None:
        return None
    if m.no_fault and not _hears_privately(m):
        return {"by": None, "at": m.ended_at, "reason": None, "no_fault": True}
    return {"by": m.ended_by, "at": m.ended_at, "reason": m.ended_reason, "no_fault": m.no_fault}


def _sessions(counts: dict[str, int], *, sessions_max: int) -> dict[str, int]:
    """The pairing's sessions by outcome; `remaining` is what the programme still allows."""
    booked, held, no_shows = (counts.get(k, 0) for k in ("scheduled", "held", "no_show"))
    return {
        "booked": booked,
        "held": held,
        "cancelled": counts.get("cancelled", 0),
        "late_cancellations": counts.get("late_cancellations", 0),
        "no_shows": no_shows,
        "remaining": max(0, sessions_max - booked - held - no_shows),
    }


# --- who may act -----------------------------------------------------------------------------


def parts_of(match: Match, *, two_key: bool) -> frozenset[str]:
    """The parts the caller plays in this pairing (see transitions.PARTS)."""
    principal = tenancy.current()
    parts = set()
    if principal.coordinates(match.consortium_id):
        parts.add(COORDINATOR)
    if principal.person_id is not None and principal.person_id == match.mentor_person_id:
        parts.add(MENTOR)
    if principal.person_id is not None and principal.person_id == match.mentee_id:
        parts.add(MENTEE)
    if principal.administers(match.mentor_organisation_id):
        parts.add(MENTOR_ORG_ADMIN)
        if two_key:
            parts.add(HOME_ORGANISATION)
    if principal.administers(match.mentee_organisation_id):
        parts.add(MENTEE_ORG_ADMIN)
    return frozenset(parts)


def actions_for_caller(p: Pairing) -> list[str]:
    """The actions the caller may take on the pairing in its current status, in order
    (approve only while a key the caller holds is still missing: `keys_to_give`)."""
    parts = parts_of(p.match, two_key=p.two_key)
    return [
        action
        for action in transitions.allowed_actions(p.match.status)
        if (found := transitions.find(p.match.status, action))
        and found.by & parts
        and (action != "approve" or keys_to_give(p.match, p, parts))
    ]


def keys_to_give(match: Match, p: Pairing, parts: frozenset[str]) -> list[str]:
    """The approval keys the caller (playing `parts`) holds that are still missing."""
    required = transitions.required_keys(two_key=p.two_key)
    given = {
        COORDINATOR_KEY: match.coordinator_approved_at is not None,
        HOME_ORGANISATION_KEY: match.home_org_approved_at is not None,
    }
    return [k for k in required if k in parts and not given[k]]


def require_part(match: Match, action: str) -> Pairing:
    """Refuse (403) unless the caller plays a part that may take `action` on this pairing
    (from some status: whether the status allows it now is checked later, a 409)."""
    p = pairing(match)
    if transitions.may(action, parts_of(match, two_key=p.two_key)):
        return p
    if action in ("approve", "reject"):
        also = (
            f" and admins of {p.mentor.organisation_name} (the mentor's organisation)"
            if p.two_key
            else ""
        )
        raise Forbidden(
            f"Only coordinators of {p.consortium_name}{also} approve or reject its pairings."
        )
    if action in ("accept", "decline"):
        raise Forbidden(f"Only the mentor and the mentee {action} a pairing.")
    raise Forbidden(
        "Only the two people, their organisations' admins and the consortium's coordinators "
        "close a pairing."
    )


def _transition(match: Match, action: str) -> transitions.Transition:
    found = transitions.find(match.status, action)
    if found is None:
        raise Conflict(transitions.refusal(match.status, action))
    return found


# --- the workflow ----------------------------------------------------------------------------


def approve(*, match: Match) -> Match:
    """Record the caller's approval (each key they hold that is still missing); the pairing
    is approved once every required key is in. Returns it."""
    p = require_part(match, "approve")
    _transition(match, "approve")
    # Nobody signs off their own pairing, whatever roles they hold: another key holder must.
    principal = tenancy.current()
    if principal.person_id is not None and principal.person_id in (
        match.mentee_id,
        match.mentor_person_id,
    ):
        raise Forbidden(
            "You are one of the two people in this pairing, so you cannot approve it: "
            "another coordinator (or admin) of the pairing must."
        )
    parts = parts_of(match, two_key=p.two_key)
    required = transitions.required_keys(two_key=p.two_key)
    given = {
        COORDINATOR_KEY: match.coordinator_approved_at is not None,
        HOME_ORGANISATION_KEY: match.home_org_approved_at is not None,
    }
    held = keys_to_give(match, p, parts)
    if not held:
        waiting = [k for k in required if not given[k]]
        raise Conflict(
            "You have already approved this pairing; it awaits "
            + " and ".join(_key_holder(p, k) for k in waiting)
            + "."
        )
    _recheck(match, p, parts=parts, action="approve")
    now, by = utcnow(), tenancy.current().display
    for key in held:
        given[key] = True
        before = match.status
        if key == COORDINATOR_KEY:
            match.coordinator_approved_by, match.coordinator_approved_at = by, now
        else:
            match.home_org_approved_by, match.home_org_approved_at = by, now
        if all(given[k] for k in required):
            match.status = "approved"
        _audit(
            match,
            "match.approved" if key == COORDINATOR_KEY else "match.home_org_approved",
            before,
            key=key,
            awaiting=[k for k in required if not given[k]],
        )
    _settle(match, status_changed=match.status == "approved")
    if match.status == "approved":
        notices.approved(p)
        events.publish(MATCH_CHANGED, match=match, change="approved")
    return match


def _key_holder(p: Pairing, key: str) -> str:
    if key == COORDINATOR_KEY:
        return f"a coordinator of {p.consortium_name}"
    return f"an admin of {p.mentor.organisation_name} (the mentor's organisation)"


def reject(*, match: Match, reason: str) -> Match:
    """Reject a proposal (a coordinator, or under two-key the mentor's organisation)."""
    p = require_part(match, "reject")
    transition = _transition(match, "reject")
    before = match.status
    _end(match, transition.target, reason)
    parts = parts_of(match, two_key=p.two_key)
    approver_parts = sorted(parts & {COORDINATOR, HOME_ORGANISATION})
    _audit(match, "match.rejected", before, reason=reason, by_part=approver_parts)
    _settle(match, status_changed=True)
    notices.rejected(p, reason=reason, by_home_organisation=COORDINATOR not in parts)
    events.publish(MATCH_CHANGED, match=match, change="ended")
    return match


def accept(*, match: Match) -> Match:
    """Accept as the mentor or the mentee; both accepted makes the pairing active."""
    p = require_part(match, "accept")
    _transition(match, "accept")
    parts = parts_of(match, two_key=p.two_key)
    side = MENTOR if MENTOR in parts else MENTEE
    other = p.mentee if side == MENTOR else p.mentor
    already = match.mentor_accepted_at if side == MENTOR else match.mentee_accepted_at
    if already is not None:
        raise Conflict(
            f"You accepted this pairing at {already.isoformat()}; it awaits "
            f"{other.display_name}'s acceptance."
        )
    _recheck(match, p, parts=parts, action="accept")
    now = utcnow()
    if side == MENTOR:
        match.mentor_accepted_at = now
    else:
        match.mentee_accepted_at = now
    before = match.status
    both = match.mentor_accepted_at is not None and match.mentee_accepted_at is not None
    if both:
        match.status, match.activated_at = "active", now
        _carry_goals(match)
    _audit(match, "match.accepted", before, by_part=side)
    if both:
        _audit(match, "match.activated", before)
    _settle(match, status_changed=both)
    if both:
        notices.activated(p)
        events.publish(MATCH_CHANGED, match=match, change="active")
    else:
        notices.accepted(p, by_mentor=side == MENTOR)
    return match


def _recheck(match: Match, p: Pairing, *, parts: frozenset[str], action: str) -> None:
    """Refuse (409, the pairing unchanged) if the pair now breaks a hard constraint that was not
    overridden when it was proposed: vetting, capacity, a paused profile, an inactive person or
    organisation, a line manager change after a proposal. The check is propose's own.

    A coordinator is told every reason; anyone else (the mentor's organisation, either person)
    is told the other side's only in general terms: they are that side's private records.
    """
    # Read across tenants on purpose: whoever acts, the engine checks the same rows.
    with tenancy.all_tenants():
        programme = db.session.get(Programme, match.programme_id)
        profile = db.session.get(MentorProfile, match.mentor_profile_id)
        application = db.session.scalar(
            select(Application)
            .where(
                Application.id == match.application_id
                if match.application_id is not None
                # A pairing whose application link was lost: the mentee's latest one here.
                else and_(
                    Application.programme_id == match.programme_id,
                    Application.person_id == match.mentee_id,
                )
            )
            # An open one first: a later withdrawn application is not the pairing's.
            .order_by((Application.status == "open").desc(), Application.created_at.desc())
            .limit(1)
        )
    assert programme is not None and profile is not None  # the pairing's rows cascade
    if application is None:
        raise Conflict(
            f"The mentee's application to {p.programme_name} no longer exists, so this pairing "
            f"cannot be {transitions.PAST_TENSE[action]}.",
            field="application_id",
        )
    waived = set(match.overridden or [])
    found = [
        v
        for v in _violations(
            programme=programme, application=application, profile=profile, holding_place=True
        )
        if v["code"] not in waived
    ]
    if not found:
        return
    shown = found if COORDINATOR in parts else _told_to(found, parts, p)
    then = (
        "approved once that changes, or rejected"
        if action == "approve"
        else "accepted once that changes, or declined or closed"
    )
    raise ConstraintsNowBroken(
        f"This pairing cannot be {transitions.PAST_TENSE[action]} now: it breaks {_count(shown)}: "
        f"{_listed(shown)}. It stays {match.status}; it may be {then}.",
        violations=shown,
    )


def _told_to(
    found: list[dict[str, Any]], parts: frozenset[str], p: Pairing
) -> list[dict[str, Any]]:
    """The violations as someone on one side sees them: the other side's in one general entry."""
    side = "mentor" if parts & {MENTOR, HOME_ORGANISATION} else "mentee"
    own = [v for v in found if v["about"] in (side, "pair")]
    if len(own) == len(found):
        return own
    other = "mentee" if side == "mentor" else "mentor"
    return [
        *own,
        {
            "code": "counterpart",
            "field": "application_id" if other == "mentee" else "mentor_profile_id",
            "message": f"the pairing no longer meets a rule of the programme about the {other} "
            f"(the coordinators of {p.consortium_name} can see which)",
            "overridable": False,
            "about": other,
        },
    ]


def _carry_goals(match: Match) -> None:
    """Copy the mentee's application goals into the pairing, in order, to revisit at sessions."""
    if match.application_id is None:
        return
    # The application belongs to the mentee's organisation; its goals are the pairing's to
    # share once both accepted: read across tenants, this one field.
    with tenancy.all_tenants():
        goals = db.session.scalar(
            select(Application.goals).where(Application.id == match.application_id)
        )
    for position, goal in enumerate(goals or []):
        db.session.add(
            MatchGoal(
                id=uuid.uuid4(),
                match_id=match.id,
                consortium_id=match.consortium_id,
                mentor_organisation_id=match.mentor_organisation_id,
                mentee_organisation_id=match.mentee_organisation_id,
                mentee_id=match.mentee_id,
                mentor_person_id=match.mentor_person_id,
                position=position,
                description=str(goal.get("statement") or goal.get("description") or ""),
                measure=str(goal.get("success_measure") or goal.get("measure") or ""),
            )
        )


def decline(*, match: Match, reason: str) -> Match:
    """Decline as the mentor or the mentee (proposed or approved)."""
    p = require_part(match, "decline")
    transition = _transition(match, "decline")
    parts = parts_of(match, two_key=p.two_key)
    before = match.status
    _end(match, transition.target, reason)
    side = MENTOR if MENTOR in parts else MENTEE
    _audit(match, "match.declined", before, reason=reason, by_part=side)
    _settle(match, status_changed=True)
    notices.ended(p, action="declined", reason=reason, people_told=before != "proposed")
    events.publish(MATCH_CHANGED, match=match, change="ended")
    return match


def close(*, match: Match, reason: str | None) -> Match:
    """End an approved or active pairing early.

    Either of the two people ends it with no fault: their reason is optional and is the
    coordinators' only (the other person, the line managers, either organisation's admins and
    clients see only that it ended, no fault). A coordinator or an admin says why (422).
    """
    p = require_part(match, "close")
    transition = _transition(match, "close")
    parts = parts_of(match, two_key=p.two_key) & transition.by
    if parts & {MENTOR, MENTEE}:
        return _end_no_fault(match, p, reason=reason, by_part=sorted(parts & {MENTOR, MENTEE}))
    if not reason:
        raise Invalid("Say why the pairing is being closed.", field="reason")
    before = match.status
    _end(match, transition.target, reason)
    _audit(match, "match.closed", before, reason=reason, by_part=sorted(parts))
    events.publish(PAIRING_CLOSED, match=match, reason=reason)
    _settle(match, status_changed=True)
    notices.ended(p, action="closed", reason=reason, people_told=before != "proposed")
    events.publish(MATCH_CHANGED, match=match, change="ended")
    return match


def end_no_fault(*, match: Match, reason: str | None) -> Match:
    """End an approved or active pairing with no fault, as a coordinator acting on a concern
    (a rematch): as if one of the people had ended it. Returns it."""
    p = pairing(match)
    if not tenancy.current().coordinates(match.consortium_id):
        raise Forbidden(f"Only coordinators of {p.consortium_name} end a pairing for a rematch.")
    _transition(match, "close")
    return _end_no_fault(match, p, reason=reason, by_part=[COORDINATOR])


def _end_no_fault(match: Match, p: Pairing, *, reason: str | None, by_part: list[str]) -> Match:
    """Closed, no fault: the reason is private to the coordinators (kept on the pairing, shown
    to them only, and in their notice), never in the organisations' audit trail or webhooks."""
    before = match.status
    _end(match, "closed", reason)
    match.no_fault, match.paused_at = True, None
    _audit(match, "match.closed", before, no_fault=True, by_part=by_part)
    # The sessions domain calls off upcoming sessions; the reason it passes on is only that.
    events.publish(PAIRING_CLOSED, match=match, reason=NO_FAULT_NOTICE)
    _settle(match, status_changed=True)
    notices.ended_no_fault(p, reason=reason, people_told=before != "proposed")
    events.publish(MATCH_CHANGED, match=match, change="ended")
    return match


def pause(*, match: Match) -> Match:
    """Pause an active pairing (coordinators, acting on a concern): no new sessions are booked
    until it is resumed. 409 unless it is active and not paused."""
    if match.status != "active" or match.paused_at is not None:
        state = "paused" if match.paused_at is not None else match.status
        raise Conflict(f"This pairing is {state}; only an active pairing can be paused.")
    match.paused_at = utcnow()
    db.session.flush()
    return match


def resume(*, match: Match) -> Match:
    """Resume a paused pairing: sessions may be booked again. 409 unless it is paused."""
    if match.paused_at is None:
        raise Conflict(
            f"This pairing is {match.status} and not paused; there is nothing to resume."
        )
    match.paused_at = None
    db.session.flush()
    return match


def _end(match: Match, status: str, reason: str | None) -> None:
    match.status = status
    match.ended_by, match.ended_at, match.ended_reason = tenancy.current().display, utcnow(), reason


def _audit(
    match: Match, action: str, before: str | None, *, reason: str | None = None, **data: Any
) -> None:
    details = {"from": before, "to": match.status, "programme_id": match.programme_id}
    details.update(data)
    audit.record(
        action=action,
        subject_type="match",
        subject_id=match.id,
        consortium_id=match.consortium_id,
        organisation_id=match.mentor_organisation_id,
        other_organisation_id=match.mentee_organisation_id,
        reason=reason,
        data=details,
    )


def _settle(match: Match, *, status_changed: bool) -> None:
    """Write the change, and recount the mentor's load if the status moved."""
    db.session.flush()
    if status_changed:
        care.recount_load(profile_ids=[match.mentor_profile_id])


# --- hand-made proposals ---------------------------------------------------------------------


def propose(
    *,
    application_id: uuid.UUID,
    mentor_profile_id: uuid.UUID,
    override_reason: str | None = None,
) -> Match:
    """Propose a pairing by hand (a coordinator of the programme's consortium); returns it.

    The hard constraints the matching engine applies are checked; a coordinator may override
    those that allow it by saying why.
    """
    principal = tenancy.current()
    application = _application(application_id)
    programme = programmes.get_programme(programme_id=application.programme_id)
    if not principal.coordinates(programme.consortium_id):
        raise Forbidden(
            f"Only coordinators of the consortium that runs {programme.name} propose its pairings.",
            field="application_id",
        )
    if application.status != "open":
        raise Conflict(
            f"This application to {programme.name} is {application.status}; only an open "
            "application can be paired.",
            field="application_id",
        )
    if programme.status in ("draft", "closed"):
        raise Conflict(
            f"{programme.name} is {programme.status}; it takes no new pairings.",
            field="application_id",
        )
    try:
        profile = pool.get_profile(profile_id=mentor_profile_id)
    except NotFound:
        raise NotFound(
            f"No mentor profile {mentor_profile_id}.", field="mentor_profile_id"
        ) from None
    live = _live_pairing(programme_id=programme.id, mentee_id=application.person_id)
    if live is not None:
        raise _already_paired(programme, live)
    found = _violations(programme=programme, application=application, profile=profile)
    overridden: list[str] = []
    if found:
        _refuse_unless_overridden(found, override_reason)
        overridden = [v["code"] for v in found]
    match = Match(
        id=uuid.uuid4(),
        consortium_id=programme.consortium_id,
        mentor_organisation_id=profile.organisation_id,
        mentee_organisation_id=application.organisation_id,
        programme_id=programme.id,
        mentor_profile_id=profile.id,
        mentor_person_id=profile.person_id,
        mentee_id=application.person_id,
        application_id=application.id,
        status="proposed",
        origin="manual",
        score=None,
        score_parts={},
        reasons=[f"Proposed by hand by {tenancy.current().display}."],
        proposed_by=principal.key,
        overridden=overridden,
        override_reason=override_reason if overridden else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(match)
    except IntegrityError:
        # Another proposal for this mentee committed first (the one-live-pairing index).
        live = _live_pairing(programme_id=programme.id, mentee_id=application.person_id)
        if live is None:
            raise
        raise _already_paired(programme, live) from None
    _audit(
        match,
        "match.proposed",
        None,
        reason=match.override_reason,
        origin="manual",
        mentor_profile_id=profile.id,
        application_id=application.id,
        overridden=overridden,
    )
    _settle(match, status_changed=True)
    notices.proposed(pairing(match))
    events.publish(MATCH_CHANGED, match=match, change="proposed")
    return match


def _application(application_id: uuid.UUID) -> Application:
    """The application, if the caller may see it as the programmes domain decides; else 404."""
    programme_id = db.session.scalar(
        select(Application.programme_id).where(Application.id == application_id)
    )
    try:
        if programme_id is None:
            raise NotFound("")
        return programmes.get_application(programme_id=programme_id, application_id=application_id)
    except NotFound:
        raise NotFound(f"No application {application_id}.", field="application_id") from None


def _live_pairing(*, programme_id: uuid.UUID, mentee_id: uuid.UUID) -> Match | None:
    # The caller coordinates the programme's consortium, so sees all its pairings.
    return db.session.scalar(
        select(Match).where(
            Match.programme_id == programme_id,
            Match.mentee_id == mentee_id,
            Match.status.in_(LOAD_STATUSES),
        )
    )


def _already_paired(programme: Programme, live: Match) -> Conflict:
    return Conflict(
        f"This mentee already has a {live.status} pairing in {programme.name} ({live.id}); "
        "it must be declined, rejected or closed before another is proposed.",
        field="application_id",
    )


def _violations(
    *,
    programme: Programme,
    application: Application,
    profile: MentorProfile,
    holding_place: bool = False,
) -> list[dict[str, Any]]:
    """Every hard constraint the pair breaks, checked as the matching engine checks them
    (a pair declined or rejected before included; `holding_place` see check_pair)."""
    return [
        {
            "code": v.code,
            "field": v.field,
            "message": v.message,
            "overridable": v.overridable,
            "about": v.about,
        }
        for v in events.ask(
            PAIR_VIOLATIONS,
            programme=programme,
            application=application,
            profile=profile,
            holding_place=holding_place,
        )
    ]


def _refuse_unless_overridden(found: list[dict[str, Any]], override_reason: str | None) -> None:
    fixed = [v for v in found if not v["overridable"]]
    if fixed:
        raise ConstraintsBroken(
            f"This pairing breaks {_count(fixed)} that cannot be overridden: {_listed(fixed)}.",
            violations=found,
        )
    if override_reason is None:
        raise ConstraintsBroken(
            f"This pairing breaks {_count(found)}: {_listed(found)}. To propose it anyway, say "
            "why in override_reason.",
            violations=found,
        )


def _listed(violations: list[dict[str, Any]]) -> str:
    return "; ".join(v["message"].rstrip(".") for v in violations)


def _count(violations: list[dict[str, Any]]) -> str:
    n = len(violations)
    return f"{n} hard constraint{'s' if n != 1 else ''}"


# --- for the pool ----------------------------------------------------------------------------


def places_taken(*, profile_id: Any) -> Any:
    """The pairings holding the mentor's places (pool.care recounts): a scalar subquery,
    correlated when `profile_id` is a column. The status is a FILTER, not a WHERE: as a WHERE
    it lets the planner AND in the live-pairings partial index, probing all of a run's new rows
    once per profile."""
    return (
        select(func.count(Match.id).filter(Match.status.in_(LOAD_STATUSES)))
        .where(Match.mentor_profile_id == profile_id)
        .scalar_subquery()
    )
