"""Reminders before a session, and nudges to pairs that have stopped meeting.

- A scheduled session starting within SESSION_REMINDER_MINUTES (the lead) gets one reminder to
  each of its two people, and `reminded_at` records it. A reminder counts for the session's
  current time only if it was sent within the lead before it: a session moved to a later time
  than that is reminded again, without the sessions domain having to clear anything.
- An active pairing whose last held session (or, with none, its activation) is older than its
  programme's cadence, with nothing booked ahead, gets one nudge to each person; `nudged_at`
  records it, and it is not nudged again within the cadence.

Both run over every tenant's rows, as the platform: the caller (a periodic job, see jobs.py)
runs them under `tenancy.all_tenants()` and commits. Candidates are found first, then claimed
with FOR UPDATE SKIP LOCKED, checked again and marked in the same transaction that queues the
mail, so two runs at once never send twice: the second skips what the first holds, or sees it
marked once the first commits. (The date sums are done in Python rather than in
dialect-specific SQL: the rows read are a day's sessions, a few per active pairing.)
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from consortium.calendar import ics
from consortium.calendar.invitations import SIGN_OFF, when
from consortium.core import links, mail, tenancy
from consortium.core.db import utcnow
from consortium.extensions import db
from consortium.matches import service as matches
from consortium.matches.models import Match
from consortium.matches.service import Pairing
from consortium.programmes.models import Programme
from consortium.sessions.models import MentoringSession

BATCH = 200


def _require_platform() -> None:
    if not tenancy.current().all_tenants:
        raise RuntimeError("reminders and nudges run as the platform (tenancy.all_tenants())")


# --- reminders ---------------------------------------------------------------------------------


def _lead() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_REMINDER_MINUTES"])


def _reminder_due(session: MentoringSession, now: datetime, lead: timedelta) -> bool:
    return (
        session.status == "scheduled"
        and now < session.starts_at <= now + lead
        and (session.reminded_at is None or session.reminded_at < session.starts_at - lead)
    )


def due_reminders(*, now: datetime | None = None) -> list[uuid.UUID]:
    """The sessions due a reminder at `now`, soonest first: scheduled, starting after `now`
    and within the lead, and not reminded within the lead before their current start."""
    _require_platform()
    now, lead = now or utcnow(), _lead()
    starting = db.session.scalars(
        select(MentoringSession)
        .where(
            MentoringSession.status == "scheduled",
            MentoringSession.starts_at > now,
            MentoringSession.starts_at <= now + lead,
        )
        .order_by(MentoringSession.starts_at, MentoringSession.id)
    ).all()
    # The same test as remind() makes again once it holds the rows.
    return [s.id for s in starting if _reminder_due(s, now, lead)]


def remind(*, session_ids: Sequence[uuid.UUID], now: datetime | None = None) -> int:
    """Claim these sessions, and for each still due queue a reminder to both people and mark
    it reminded; returns how many were reminded. Sessions another run holds are skipped."""
    _require_platform()
    now, lead = now or utcnow(), _lead()
    claimed = db.session.scalars(
        select(MentoringSession)
        .where(MentoringSession.id.in_(session_ids))
        .order_by(MentoringSession.starts_at, MentoringSession.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    due = [s for s in claimed if _reminder_due(s, now, lead)]
    for session in due:
        session.reminded_at = now
    for entry in ics.entries(due):
        _remind(entry.session, entry.pairing)
    db.session.flush()
    return len(due)


def _remind(session: MentoringSession, pairing: Pairing) -> None:
    place = ics.location(session) or "to be agreed"
    for me, other in ((pairing.mentor, pairing.mentee), (pairing.mentee, pairing.mentor)):
        if not me.email:
            continue
        mail.queue(
            to=me.email,
            subject=f"Reminder: mentoring session with {other.display_name}, {when(session)}",
            body=(
                f"A reminder of your mentoring session with {other.display_name} "
                f"({pairing.programme_name}).\n\n"
                f"When: {when(session)}\n"
                f"Where: {place}\n\n"
                "If you cannot make it, move or cancel it in Consortium so "
                f"{other.display_name} knows: {ics.session_url(session)}"
            )
            + SIGN_OFF.format(consortium=pairing.consortium_name),
            organisation_id=me.organisation_id,
        )


# --- nudges ------------------------------------------------------------------------------------


def _overdue_ids(now: datetime) -> list[uuid.UUID]:
    """Active pairings past their programme's cadence with nothing booked ahead, not nudged
    within the cadence."""
    last_held = (
        select(MentoringSession.match_id, func.max(MentoringSession.starts_at).label("at"))
        .where(MentoringSession.status == "held")
        .group_by(MentoringSession.match_id)
        .subquery()
    )
    booked_ahead = (
        select(MentoringSession.id)
        .where(
            MentoringSession.match_id == Match.id,
            MentoringSession.status == "scheduled",
            MentoringSession.ends_at > now,
        )
        .exists()
    )
    rows = db.session.execute(
        select(
            Match.id, Match.activated_at, Match.nudged_at, Programme.cadence_days, last_held.c.at
        )
        .join(Programme, Programme.id == Match.programme_id)
        .outerjoin(last_held, last_held.c.match_id == Match.id)
        .where(Match.status == "active", ~booked_ahead)
        .order_by(Match.id)
    ).all()
    overdue = []
    for match_id, activated_at, nudged_at, cadence_days, last_held_at in rows:
        cadence = timedelta(days=cadence_days)
        since = last_held_at or activated_at
        if since is None or since > now - cadence:
            continue
        if nudged_at is not None and nudged_at > now - cadence:
            continue
        overdue.append(match_id)
    return overdue


def nudge_overdue_pairs(*, now: datetime | None = None) -> int:
    """Queue a nudge to both people of each overdue pairing and mark it; returns how many."""
    _require_platform()
    now = now or utcnow()
    ids = _overdue_ids(now)
    if not ids:
        return 0
    # Claim them; a pairing another run holds is skipped, one it nudged meanwhile re-checked.
    claimed = db.session.scalars(
        select(Match)
        .where(Match.id.in_(ids), Match.status == "active")
        .with_for_update(skip_locked=True, of=Match)
        .execution_options(populate_existing=True)
    ).all()
    cadence = dict(
        db.session.execute(
            select(Programme.id, Programme.cadence_days).where(
                Programme.id.in_({m.programme_id for m in claimed})
            )
        ).all()
    )
    fresh = [
        m
        for m in claimed
        if m.nudged_at is None or m.nudged_at <= now - timedelta(days=cadence[m.programme_id])
    ]
    for p in matches.pairings(fresh):
        p.match.nudged_at = now
        _nudge(p, cadence_days=cadence[p.match.programme_id])
    db.session.flush()
    return len(fresh)


def _nudge(p: Pairing, *, cadence_days: int) -> None:
    for me, other in ((p.mentor, p.mentee), (p.mentee, p.mentor)):
        if not me.email:
            continue
        mail.queue(
            to=me.email,
            subject=f"Time to book your next mentoring session with {other.display_name}",
            body=(
                f"{p.programme_name} suggests the pair meets at least every {cadence_days} "
                f"days, and you and {other.display_name} have not met in that time and have "
                "nothing booked.\n\n"
                "The mentor's free times, and how to book your next session: "
                f"{links.pairing_page(p.match.id, links.SESSIONS)}\n\n"
                "If the pairing has run its course, either of you can close it."
            )
            + SIGN_OFF.format(consortium=p.consortium_name),
            organisation_id=me.organisation_id,
        )
