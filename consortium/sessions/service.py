"""Sessions a pair books and holds, and what they write about them.

Who may do what:
- see a pairing's sessions and goal reviews: whoever sees the pairing (its two people, their
  organisations' admins, the consortium's coordinators); others get 404;
- book, reschedule, mark held or a no-show: the pairing's mentor and mentee only (403 for the
  others who see it); cancel: either of them or a coordinator of the consortium;
- notes and follow-up actions: the two people only; everyone else gets 404, as if there were
  none. A private note is its author's alone.

No double booking: every session holds one SessionAttendee row per person, and the database
refuses two live rows of one person that overlap (see models). There is no check in Python
first: the refusal is caught here (in a savepoint) and answered with a 409. Booking locks the
pairing's row, so the count of its sessions against the programme's sessions_max holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from consortium.audit import service as audit
from consortium.availability import service as availability
from consortium.core import events, tenancy
from consortium.core.db import AnyOf, utcnow
from consortium.core.errors import Conflict, Forbidden, Invalid, NotFound
from consortium.extensions import db
from consortium.matches import service as matches
from consortium.matches.models import Match, MatchGoal
from consortium.pool import care
from consortium.programmes.models import Programme
from consortium.reciprocity import service as reciprocity
from consortium.sessions.models import (
    OVERLAP,
    GoalReview,
    MentoringSession,
    SessionAction,
    SessionAttendee,
    SessionNote,
)

# Announced after a session is booked, moved or cancelled (session=, change=), in the same
# transaction: the calendar domain, which builds on this one, sends the invitations.
SESSION_CHANGED = "sessions.session_changed"
MAX_LENGTH = timedelta(hours=8)
# The statuses that use one of the programme's sessions (a cancelled one gives it back).
COUNTED = ("scheduled", "held", "no_show")
MENTOR, MENTEE = "mentor", "mentee"


def now() -> datetime:
    """The current time (a seam for tests of what depends on a session having started)."""
    return utcnow()


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


# --- the pairing and who the caller is in it -------------------------------------------------


def _mentor_person_id(match: Match) -> uuid.UUID | None:
    if match.mentor_person_id is not None:
        return match.mentor_person_id
    return matches.pairing(match).mentor.person_id  # a pairing written before it kept it


def side_of(match: Match) -> str | None:
    """mentor or mentee if the caller is one of the pairing's two people; else None."""
    person_id = tenancy.current().person_id
    if person_id is None:
        return None
    if person_id == match.mentee_id:
        return MENTEE
    if person_id == _mentor_person_id(match):
        return MENTOR
    return None


def require_pair_of(match: Match, doing: str) -> str:
    """The caller's side in the pairing (mentor or mentee); 403 for anyone else who sees it."""
    side = side_of(match)
    if side is None:
        raise Forbidden(f"Only the pairing's mentor and mentee {doing}.")
    return side


def _require_active(match: Match, doing: str) -> None:
    if match.status != "active":
        raise Conflict(
            f"This pairing is {match.status}; sessions are {doing} only while it is active."
        )


# --- reading sessions ------------------------------------------------------------------------


def get_match(*, match_id: uuid.UUID, for_update: bool = False) -> Match:
    """A pairing the caller may see; 404 otherwise."""
    return matches.get_match(match_id=match_id, for_update=for_update)


def list_sessions(*, match: Match, status: str | None = None) -> Select[MentoringSession]:
    """The pairing's sessions (optionally of one status), earliest first."""
    statement = (
        select(MentoringSession)
        .where(MentoringSession.match_id == match.id)
        .order_by(MentoringSession.starts_at, MentoringSession.id)
    )
    if status:
        statement = statement.where(MentoringSession.status == status)
    return statement


def get_session(
    *, match: Match, session_id: uuid.UUID, for_update: bool = False
) -> MentoringSession:
    """One of the pairing's sessions (locked for a change when `for_update`); 404 otherwise."""
    statement = select(MentoringSession).where(
        MentoringSession.id == session_id, MentoringSession.match_id == match.id
    )
    if for_update:
        # Two changes sent with the same ETag at once must not both pass the If-Match check.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    session = db.session.scalar(statement)
    if session is None:
        raise NotFound(f"No session {session_id} in this pairing.")
    return session


def present(sessions: Iterable[MentoringSession]) -> list[dict[str, Any]]:
    """Each session as the API shows it."""
    return [present_one(s) for s in sessions]


def present_one(s: MentoringSession) -> dict[str, Any]:
    return {
        "id": s.id,
        "match_id": s.match_id,
        "status": s.status,
        "start": s.starts_at,
        "end": s.ends_at,
        "mode": s.mode,
        "location": s.location,
        "sequence": s.sequence,
        "mentor_person_id": s.mentor_person_id,
        "mentee_person_id": s.mentee_id,
        "booked_by": s.booked_by,
        "cancellation": (
            {"at": s.cancelled_at, "by": s.cancelled_by, "reason": s.cancel_reason}
            if s.status == "cancelled"
            else None
        ),
        "late_cancellation": s.late_cancellation,
        "absent": s.absent,
        "attendance_marked_by": s.attendance_marked_by,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def held_between(
    *, profile_ids: list[uuid.UUID], since: datetime, until: datetime
) -> dict[uuid.UUID, int]:
    """Per mentor profile: its sessions held that started in [since, until) (coach care)."""
    rows = db.session.execute(
        select(MentoringSession.mentor_profile_id, func.count())
        .where(
            AnyOf(MentoringSession.mentor_profile_id, profile_ids),
            MentoringSession.status == "held",
            MentoringSession.starts_at >= since,
            MentoringSession.starts_at < until,
        )
        .group_by(MentoringSession.mentor_profile_id)
    )
    return {profile_id: int(count) for profile_id, count in rows}


def booked_times(
    *, person_ids: list[uuid.UUID], start: datetime, end: datetime
) -> list[tuple[uuid.UUID, datetime, datetime]]:
    """(person_id, starts_at, ends_at) of the people's live sessions overlapping [start, end),
    as mentor or mentee of any pairing: times only (availability's slots leave them out)."""
    rows = db.session.execute(
        select(SessionAttendee.person_id, SessionAttendee.starts_at, SessionAttendee.ends_at).where(
            AnyOf(SessionAttendee.person_id, person_ids),
            SessionAttendee.live.is_(True),
            SessionAttendee.starts_at < end,
            SessionAttendee.ends_at > start,
        )
    )
    return [(person_id, starts_at, ends_at) for person_id, starts_at, ends_at in rows]


def counts_for(*, match_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Per pairing: its sessions counted by status, and its late cancellations (one query)."""
    if not match_ids:
        return {}
    rows = db.session.execute(
        select(
            MentoringSession.match_id,
            MentoringSession.status,
            MentoringSession.late_cancellation,
            func.count(),
        )
        .where(MentoringSession.match_id.in_(match_ids))
        .group_by(
            MentoringSession.match_id, MentoringSession.status, MentoringSession.late_cancellation
        )
    )
    out: dict[uuid.UUID, dict[str, int]] = {}
    for match_id, status, late, count in rows:
        counts = out.setdefault(match_id, {})
        counts[status] = counts.get(status, 0) + count
        if status == "cancelled" and late:
            counts["late_cancellations"] = counts.get("late_cancellations", 0) + count
    return out


# --- booking and changing sessions -----------------------------------------------------------


def _check_times(*, start: datetime, end: datetime) -> None:
    if end <= start:
        raise Invalid("A session must end after it starts.", field="end")
    if end - start > MAX_LENGTH:
        hours = (end - start) / timedelta(hours=1)
        raise Invalid(
            f"A session lasts at most 8 hours; this one would last {hours:g} hours.", field="end"
        )
    if start <= now():
        raise Invalid(
            f"A session is booked for the future; {_when(start)} has passed.", field="start"
        )


def _check_place(*, mode: str, location: str | None) -> str | None:
    location = location.strip() if location else None
    if mode == "in_person" and not location:
        raise Invalid("Say where you will meet for a session in person.", field="location")
    return location or None


def _sessions_max(match: Match) -> tuple[int, str]:
    # The caller is one of the pair (checked): the programme's limit applies to them whatever
    # the programme's own visibility, so these two fields are read explicitly.
    with tenancy.all_tenants():
        row = db.session.execute(
            select(Programme.sessions_max, Programme.name).where(Programme.id == match.programme_id)
        ).one()
    return int(row[0]), str(row[1])


def _require_sessions_left(match: Match) -> None:
    """409 if the pairing has used every session its programme allows (its row is locked)."""
    limit, programme = _sessions_max(match)
    used = db.session.scalar(
        select(func.count())
        .select_from(MentoringSession)
        .where(MentoringSession.match_id == match.id, MentoringSession.status.in_(COUNTED))
    )
    if (used or 0) >= limit:
        raise Conflict(
            f"This pairing has booked or held all {limit} sessions {programme} allows "
            f"(its sessions_max); cancel a scheduled session to book another."
        )


def _overlap_refused(error: IntegrityError) -> bool:
    return OVERLAP in str(error.orig)


def _double_booked() -> Conflict:
    return Conflict(
        "This time overlaps another session of the mentor or the mentee: choose another time.",
        field="start",
    )


def _write_times(
    session: MentoringSession,
    attendees: list[SessionAttendee],
    *,
    start: datetime,
    end: datetime,
) -> None:
    """Give the session and its attendee rows these times, written in a savepoint: an overlap
    the database refuses is a 409 and leaves the rest of the transaction intact."""
    try:
        with db.session.begin_nested():
            session.starts_at, session.ends_at = start, end
            db.session.add(session)
            db.session.flush()
            # One person's row at a time, in person order: two bookings that each take two
            # people's time wait on each other in the same order (no deadlock).
            for attendee in sorted(attendees, key=lambda a: a.person_id):
                attendee.starts_at, attendee.ends_at = start, end
                db.session.add(attendee)
                db.session.flush()
    except IntegrityError as error:
        if not _overlap_refused(error):
            raise
        raise _double_booked() from None


def book(
    *, match_id: uuid.UUID, start: datetime, end: datetime, mode: str, location: str | None
) -> MentoringSession:
    """Book a session of the pairing (its mentor or mentee); returns it.

    Refusals, in order: 404 (a pairing you cannot see), 403 (not one of its two people), 409
    (not active), 422 (times or place), 409 (no sessions left), 422 (outside the mentor's
    availability), 409 (overlaps another session of either person).
    """
    match = get_match(match_id=match_id, for_update=True)
    require_pair_of(match, "book its sessions")
    _require_active(match, "booked")
    if match.paused_at is not None:
        raise Conflict(
            "This pairing is paused by the consortium's coordinators; no new sessions are "
            "booked until they resume it."
        )
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # shown as stored, in UTC
    _check_times(start=start, end=end)
    location = _check_place(mode=mode, location=location)
    _require_sessions_left(match)
    availability.check_bookable(profile_id=match.mentor_profile_id, starts_at=start, ends_at=end)
    mentor_person_id = _mentor_person_id(match)
    if mentor_person_id is None:
        raise Conflict("This pairing's mentor is no longer on record; it cannot book sessions.")
    session = MentoringSession(
        id=uuid.uuid4(),
        match_id=match.id,
        consortium_id=match.consortium_id,
        mentor_organisation_id=match.mentor_organisation_id,
        mentee_organisation_id=match.mentee_organisation_id,
        mentee_id=match.mentee_id,
        mentor_person_id=mentor_person_id,
        mentor_profile_id=match.mentor_profile_id,
        starts_at=start,
        ends_at=end,
        status="scheduled",
        mode=mode,
        location=location,
        sequence=0,
        booked_by=tenancy.current().display,
    )
    attendees = [
        _attendee(session, person_id=mentor_person_id, role=MENTOR),
        _attendee(session, person_id=match.mentee_id, role=MENTEE),
    ]
    _write_times(session, attendees, start=start, end=end)
    _audit(session, "session.booked", start=start, end=end, mode=mode)
    events.publish(SESSION_CHANGED, session=session, change="booked")
    return session


def _attendee(session: MentoringSession, *, person_id: uuid.UUID, role: str) -> SessionAttendee:
    return SessionAttendee(
        id=uuid.uuid4(),
        session_id=session.id,
        consortium_id=session.consortium_id,
        mentor_organisation_id=session.mentor_organisation_id,
        mentee_organisation_id=session.mentee_organisation_id,
        person_id=person_id,
        role=role,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        live=True,
    )


def _attendees(session: MentoringSession) -> list[SessionAttendee]:
    return list(
        db.session.scalars(
            select(SessionAttendee)
            .where(SessionAttendee.session_id == session.id)
            .order_by(SessionAttendee.person_id)
        )
    )


def require_may_cancel(match: Match) -> None:
    """Either person or a coordinator of the consortium cancels; 403 for the others."""
    if side_of(match) is None and not tenancy.current().coordinates(match.consortium_id):
        raise Forbidden(
            "Only the pairing's mentor and mentee, or the consortium's coordinators, cancel "
            "its sessions."
        )


def _require_scheduled(session: MentoringSession, doing: str) -> None:
    if session.status != "scheduled":
        raise Conflict(f"This session is {session.status}; only a scheduled session {doing}.")


def reschedule(
    *, match: Match, session: MentoringSession, changes: dict[str, Any]
) -> MentoringSession:
    """Move a scheduled session that has not started, or change where it happens; returns it."""
    _require_scheduled(session, "can be changed")
    if session.starts_at <= now():
        raise Conflict(
            f"This session started at {_when(session.starts_at)}; it can no longer be changed."
        )
    _require_active(match, "changed")
    start = changes.get("start", session.starts_at).astimezone(UTC)
    end = changes.get("end", session.ends_at).astimezone(UTC)
    mode = changes.get("mode", session.mode)
    location = _check_place(mode=mode, location=changes.get("location", session.location))
    moved = (start, end) != (session.starts_at, session.ends_at)
    if moved:
        _check_times(start=start, end=end)
        availability.check_bookable(
            profile_id=match.mentor_profile_id, starts_at=start, ends_at=end
        )
    if not moved and (mode, location) == (session.mode, session.location):
        return session
    before = {"start": session.starts_at, "end": session.ends_at, "mode": session.mode}
    attendees = _attendees(session)  # read before anything changes (no autoflush of them)
    session.mode, session.location = mode, location
    session.sequence += 1
    _write_times(session, attendees, start=start, end=end)
    _audit(session, "session.rescheduled", before=before, start=start, end=end, mode=mode)
    events.publish(SESSION_CHANGED, session=session, change="rescheduled")
    return session


def _late_cancellation_hours() -> int:
    return int(current_app.config["SETTINGS"].late_cancellation_hours)


def cancel(*, match: Match, session: MentoringSession, reason: str) -> MentoringSession:
    """Call a scheduled session off (before it ends), freeing both people's time; returns it."""
    _require_scheduled(session, "can be cancelled")
    moment = now()
    if session.ends_at <= moment:
        raise Conflict(
            f"This session ended at {_when(session.ends_at)}; mark it held or a no-show instead."
        )
    notice = timedelta(hours=_late_cancellation_hours())
    _call_off(session, reason=reason, late=session.starts_at - moment < notice)
    return session


def cancel_upcoming(*, match: Match, reason: str) -> int:
    """Call off the pairing's sessions that have not started (it is ending); returns how many.

    Not counted as late: nobody let the other down at short notice, the pairing ended.
    """
    upcoming = db.session.scalars(
        select(MentoringSession)
        .where(
            MentoringSession.match_id == match.id,
            MentoringSession.status == "scheduled",
            MentoringSession.starts_at > now(),
        )
        .order_by(MentoringSession.starts_at)
        .with_for_update()
    ).all()
    for session in upcoming:
        _call_off(session, reason=reason, late=False)
    return len(upcoming)


def _call_off(session: MentoringSession, *, reason: str, late: bool) -> None:
    """Cancel: both people's time is free again, and their calendars are told."""
    session.status = "cancelled"
    session.cancelled_at, session.cancel_reason = now(), reason
    session.cancelled_by = tenancy.current().display
    session.late_cancellation = late
    session.sequence += 1
    for attendee in _attendees(session):
        attendee.live = False
    db.session.flush()
    _audit(session, "session.cancelled", reason=reason, late=late)
    events.publish(SESSION_CHANGED, session=session, change="cancelled")


def _require_started(session: MentoringSession, doing: str) -> None:
    _require_scheduled(session, doing)
    if session.starts_at > now():
        raise Conflict(
            f"This session starts at {_when(session.starts_at)}; it {doing} once it has started."
        )


def mark_held(*, match: Match, session: MentoringSession) -> MentoringSession:
    """Record that the session took place; returns it."""
    _require_started(session, "can be marked held")
    session.status = "held"
    session.attendance_marked_by = tenancy.current().display
    db.session.flush()
    _audit(session, "session.held")
    # The hours go on the consortium's ledger, from the mentor's employer to the mentee's.
    reciprocity.book(
        session_id=session.id,
        consortium_id=match.consortium_id,
        giver_organisation_id=match.mentor_organisation_id,
        receiver_organisation_id=match.mentee_organisation_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )
    # Held sessions in the last 90 days count towards the mentor's fatigue.
    care.recount_load(profile_ids=[session.mentor_profile_id])
    return session


def mark_no_show(*, match: Match, session: MentoringSession, absent: str) -> MentoringSession:
    """Record that the mentor or the mentee did not come; returns the session."""
    _require_started(session, "can be marked a no-show")
    session.status, session.absent = "no_show", absent
    session.attendance_marked_by = tenancy.current().display
    db.session.flush()
    _audit(session, "session.no_show", absent=absent)
    return session


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, datetime) else value


def _audit(
    session: MentoringSession, action: str, *, reason: str | None = None, **data: Any
) -> None:
    details: dict[str, Any] = {
        "match_id": session.match_id,
        "status": session.status,
        "sequence": session.sequence,
        **_plain(data),
    }
    audit.record(
        action=action,
        subject_type="session",
        subject_id=session.id,
        consortium_id=session.consortium_id,
        organisation_id=session.mentor_organisation_id,
        other_organisation_id=session.mentee_organisation_id,
        reason=reason,
        data=details,
    )


# --- notes and follow-up actions: the pair's own ---------------------------------------------


def pair_session(
    *, match_id: uuid.UUID, session_id: uuid.UUID
) -> tuple[Match, MentoringSession, str]:
    """The session, for one of its two people: (pairing, session, their side). Anyone else,
    admins and coordinators included, gets 404: notes and actions are the pair's alone."""
    match = get_match(match_id=match_id)
    session = get_session(match=match, session_id=session_id)
    side = side_of(match)
    if side is None:
        raise NotFound(
            "No notes or actions here for you: a session's notes and actions are seen by its "
            "mentor and mentee only."
        )
    return match, session, side


def _pair_columns(session: MentoringSession) -> dict[str, Any]:
    return {
        "session_id": session.id,
        "match_id": session.match_id,
        "consortium_id": session.consortium_id,
        "mentor_organisation_id": session.mentor_organisation_id,
        "mentee_organisation_id": session.mentee_organisation_id,
        "mentee_id": session.mentee_id,
        "mentor_person_id": session.mentor_person_id,
    }


def list_notes(*, session: MentoringSession, kind: str | None = None) -> Select[SessionNote]:
    """The session's notes the caller may read (never another person's private note), oldest
    first."""
    statement = (
        select(SessionNote)
        .where(SessionNote.session_id == session.id)
        .order_by(SessionNote.created_at, SessionNote.id)
    )
    if kind:
        statement = statement.where(SessionNote.kind == kind)
    return statement


def get_note(*, session: MentoringSession, note_id: uuid.UUID) -> SessionNote:
    note = db.session.scalar(
        select(SessionNote).where(SessionNote.id == note_id, SessionNote.session_id == session.id)
    )
    if note is None:
        raise NotFound(f"No note {note_id} on this session.")
    return note


def present_notes(notes: Iterable[SessionNote]) -> list[dict[str, Any]]:
    return [present_note(n) for n in notes]


def present_note(note: SessionNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "session_id": note.session_id,
        "kind": note.kind,
        "body": note.body,
        "author_person_id": note.author_person_id,
        "author": MENTEE if note.author_person_id == note.mentee_id else MENTOR,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
    }


def _check_prep(session: MentoringSession, side: str) -> None:
    if side != MENTEE:
        raise Forbidden("Prep notes are the mentee's: write a shared or a private note instead.")
    if session.status != "scheduled":
        raise Conflict(
            f"This session is {session.status}; prep notes are written before a scheduled "
            "session. Write a shared or a private note instead."
        )
    if session.starts_at <= now():
        raise Conflict(
            f"This session started at {_when(session.starts_at)}; prep notes are written before "
            "it starts. Write a shared or a private note instead."
        )


def add_note(*, session: MentoringSession, side: str, kind: str, body: str) -> SessionNote:
    """Write a note on the session as one of its two people; returns it."""
    person_id = tenancy.current().person_id
    if person_id is None:  # pair_session found the caller to be one of the two people
        raise NotFound("No notes here for you.")
    if kind == "prep":
        _check_prep(session, side)
    note = SessionNote(
        id=uuid.uuid4(), author_person_id=person_id, kind=kind, body=body, **_pair_columns(session)
    )
    db.session.add(note)
    db.session.flush()
    return note


def require_author(note: SessionNote) -> None:
    if note.author_person_id != tenancy.current().person_id:
        raise Forbidden("Only a note's author changes or deletes it.")


def update_note(
    *, session: MentoringSession, side: str, note: SessionNote, body: str
) -> SessionNote:
    """Change a note's text (its author); returns it."""
    if note.kind == "prep":
        _check_prep(session, side)
    note.body = body
    db.session.flush()
    return note


def delete_note(*, note: SessionNote) -> None:
    """Delete a note (its author)."""
    db.session.delete(note)
    db.session.flush()


def list_actions(*, session: MentoringSession) -> Select[SessionAction]:
    """The session's follow-up actions, oldest first."""
    return (
        select(SessionAction)
        .where(SessionAction.session_id == session.id)
        .order_by(SessionAction.created_at, SessionAction.id)
    )


def get_action(*, session: MentoringSession, action_id: uuid.UUID) -> SessionAction:
    action = db.session.scalar(
        select(SessionAction).where(
            SessionAction.id == action_id, SessionAction.session_id == session.id
        )
    )
    if action is None:
        raise NotFound(f"No action {action_id} on this session.")
    return action


def present_actions(actions: Iterable[SessionAction]) -> list[dict[str, Any]]:
    return [present_action(a) for a in actions]


def present_action(action: SessionAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "session_id": action.session_id,
        "description": action.description,
        "owner": MENTEE if action.owner_person_id == action.mentee_id else MENTOR,
        "owner_person_id": action.owner_person_id,
        "due_on": action.due_on,
        "done": action.done_at is not None,
        "done_at": action.done_at,
        "created_by": action.created_by,
        "created_at": action.created_at,
        "updated_at": action.updated_at,
    }


def add_action(
    *, session: MentoringSession, description: str, owner: str, due_on: date | None
) -> SessionAction:
    """Record a follow-up action agreed at the session; returns it."""
    if session.status == "cancelled":
        raise Conflict("This session was cancelled; record actions on a session that happens.")
    owner_person_id = session.mentee_id if owner == MENTEE else session.mentor_person_id
    if owner_person_id is None:
        raise Invalid("This pairing's mentor is no longer on record.", field="owner")
    action = SessionAction(
        id=uuid.uuid4(),
        description=description.strip(),
        owner_person_id=owner_person_id,
        due_on=due_on,
        created_by=tenancy.current().display,
        **_pair_columns(session),
    )
    db.session.add(action)
    db.session.flush()
    return action


def update_action(*, action: SessionAction, changes: dict[str, Any]) -> SessionAction:
    """Tick an action off (or on again), move its due date, or reword it; returns it."""
    if "done" in changes:
        done = bool(changes["done"])
        if done and action.done_at is None:
            action.done_at = now()
        elif not done:
            action.done_at = None
    if "due_on" in changes:
        action.due_on = changes["due_on"]
    if "description" in changes:
        action.description = changes["description"].strip()
    db.session.flush()
    return action


# --- goals and their reviews -----------------------------------------------------------------


def list_goals(*, match: Match) -> Select[MatchGoal]:
    """The pairing's goals in the mentee's order."""
    return (
        select(MatchGoal)
        .where(MatchGoal.match_id == match.id)
        .order_by(MatchGoal.position, MatchGoal.id)
    )


def present_goals(goals: Iterable[MatchGoal]) -> list[dict[str, Any]]:
    return [
        {
            "id": g.id,
            "match_id": g.match_id,
            "position": g.position,
            "description": g.description,
            "measure": g.measure,
            "latest_rating": g.latest_rating,
        }
        for g in goals
    ]


def goal_reviews(*, session: MentoringSession) -> list[dict[str, Any]]:
    """The session's goal reviews, in goal order (a handful: one per goal at most)."""
    rows = db.session.scalars(
        select(GoalReview)
        .join(MatchGoal, MatchGoal.id == GoalReview.goal_id)
        .where(GoalReview.session_id == session.id)
        .order_by(MatchGoal.position, GoalReview.id)
    )
    return [
        {
            "goal_id": r.goal_id,
            "session_id": r.session_id,
            "rating": r.rating,
            "comment": r.comment,
            "reviewed_by": r.reviewed_by,
            "updated_at": r.updated_at,
        }
        for r in rows
    ]


def review_goals(
    *, match: Match, session: MentoringSession, reviews: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rate progress on goals at a held session (either person; a goal rated again at the same
    session replaces its rating); returns the session's reviews."""
    if session.status != "held":
        raise Conflict(
            f"This session is {session.status}; goals are reviewed at a session once it is "
            "marked held."
        )
    goals = {g.id: g for g in db.session.scalars(list_goals(match=match))}
    seen: set[uuid.UUID] = set()
    for index, review in enumerate(reviews):
        goal_id = review["goal_id"]
        if goal_id not in goals:
            raise Invalid(f"No goal {goal_id} in this pairing.", field=f"{index}.goal_id")
        if goal_id in seen:
            raise Invalid(f"Goal {goal_id} is reviewed twice.", field=f"{index}.goal_id")
        seen.add(goal_id)
    existing = {
        r.goal_id: r
        for r in db.session.scalars(
            select(GoalReview).where(
                GoalReview.session_id == session.id, GoalReview.goal_id.in_(seen)
            )
        )
    }
    by = tenancy.current().display
    for review in reviews:
        row = existing.get(review["goal_id"])
        if row is None:
            row = GoalReview(
                id=uuid.uuid4(),
                goal_id=review["goal_id"],
                session_id=session.id,
                match_id=match.id,
                consortium_id=match.consortium_id,
                mentor_organisation_id=match.mentor_organisation_id,
                mentee_organisation_id=match.mentee_organisation_id,
                mentee_id=match.mentee_id,
                mentor_person_id=session.mentor_person_id,
            )
            db.session.add(row)
        row.rating, row.comment, row.reviewed_by = review["rating"], review["comment"], by
    db.session.flush()
    _refresh_latest_ratings([goals[g] for g in seen])
    return goal_reviews(session=session)


def _refresh_latest_ratings(goals: list[MatchGoal]) -> None:
    """Each goal's latest_rating: its rating at the latest session (by start) that reviewed it."""
    if not goals:
        return
    rows = db.session.execute(
        select(GoalReview.goal_id, GoalReview.rating)
        .join(MentoringSession, MentoringSession.id == GoalReview.session_id)
        .where(GoalReview.goal_id.in_([g.id for g in goals]))
        .order_by(
            GoalReview.goal_id, MentoringSession.starts_at.desc(), GoalReview.updated_at.desc()
        )
    )
    latest: dict[uuid.UUID, int] = {}
    for goal_id, rating in rows:
        latest.setdefault(goal_id, rating)
    for goal in goals:
        goal.latest_rating = latest.get(goal.id)
    db.session.flush()
