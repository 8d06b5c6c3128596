"""Calendar invitations by email when a session is booked, moved or cancelled.

Each of the pair's two people gets one message with the session as an .ics attachment:
METHOD:REQUEST for a booking or a new time, METHOD:CANCEL for a cancellation, always with the
session's stable UID and its current SEQUENCE, so their calendar app adds, moves or removes the
one event it has. The messages are queued in the caller's transaction (the outbox) as each
person's organisation; nothing is sent if that transaction rolls back.
"""

from __future__ import annotations

from datetime import datetime

from consortium.calendar import ics
from consortium.core import mail, tenancy
from consortium.core.db import utcnow
from consortium.extensions import db
from consortium.matches.service import Party
from consortium.sessions.models import MentoringSession

CHANGES = ("booked", "rescheduled", "cancelled")
FILENAME = "mentoring-session.ics"
SIGN_OFF = "\n\nThis message was sent by Consortium on behalf of {consortium}."


def send(session: MentoringSession, *, change: str) -> None:
    """Queue the invitation (or cancellation) to both people of the session's pairing.

    `change` is "booked", "rescheduled" or "cancelled". Call it after changing the session
    (status, times and a bumped `sequence`), in the same transaction.
    """
    if change not in CHANGES:
        raise ValueError(f"change must be one of {', '.join(CHANGES)}, not {change!r}")
    # The caller's own changes are written as the caller, before mail is queued as each
    # recipient's organisation (the outbox row is theirs).
    db.session.flush()
    found = ics.entries([session])
    if not found:
        return
    entry = found[0]
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    attachment: mail.Attachment = {
        "filename": FILENAME,
        "content_type": f"text/calendar; method={method}",
        "content": ics.invitation(entry, method=method, stamp=utcnow()),
    }
    pairing = entry.pairing
    for me, other in ((pairing.mentor, pairing.mentee), (pairing.mentee, pairing.mentor)):
        if not me.email:
            continue
        with tenancy.acting_for(me.organisation_id, name="session invitations"):
            mail.queue(
                to=me.email,
                subject=_subject(session, change, other),
                body=_body(session, change, other, pairing.programme_name)
                + SIGN_OFF.format(consortium=pairing.consortium_name),
                organisation_id=me.organisation_id,
                attachments=[attachment],
            )


def when(session: MentoringSession) -> str:
    """The session's time as the people read it: "Tuesday 3 June 2027, 14:00-15:00 (UK time)"."""
    start, end = ics.local(session.starts_at), ics.local(session.ends_at)
    day = f"{start:%A} {start.day} {start:%B %Y}"
    if end.date() != start.date():
        return f"{day}, {start:%H:%M} to {end:%A} {end.day} {end:%B %Y}, {end:%H:%M} (UK time)"
    return f"{day}, {start:%H:%M}-{end:%H:%M} (UK time)"


def _short(moment: datetime) -> str:
    at = ics.local(moment)
    return f"{at:%a} {at.day} {at:%b %Y}, {at:%H:%M}"


def _subject(session: MentoringSession, change: str, other: Party) -> str:
    verb = {"booked": "booked", "rescheduled": "moved", "cancelled": "cancelled"}[change]
    return f"Mentoring session with {other.display_name} {verb}: {_short(session.starts_at)}"


def _body(session: MentoringSession, change: str, other: Party, programme: str) -> str:
    place = ics.location(session) or "to be agreed"
    if change == "cancelled":
        reason = f"\nReason given: {session.cancel_reason}" if session.cancel_reason else ""
        return (
            f"Your mentoring session with {other.display_name} ({programme}) on {when(session)} "
            f"has been cancelled.{reason}\n\n"
            "The attached calendar file removes it from your calendar."
        )
    lead = (
        "is booked"
        if change == "booked"
        else "has moved to a new time (the earlier time no longer holds)"
    )
    return (
        f"Your mentoring session with {other.display_name} ({programme}) {lead}.\n\n"
        f"When: {when(session)}\n"
        f"Where: {place}\n\n"
        f"The attached calendar file {'adds it to' if change == 'booked' else 'updates it in'} "
        "your calendar. The session, and how to move or cancel it: "
        f"{ics.session_url(session)}"
    )
