"""iCalendar (RFC 5545) documents of mentoring sessions: email invitations and feeds.

One VEVENT per session, with a UID that never changes for the session and its SEQUENCE, so a
calendar app updates (or cancels) the event it already has instead of adding another. Times are
written in Europe/London with the VTIMEZONE the icalendar library generates for the years the
events span, so clients show the local time the people agreed, DST included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import STATUS, Calendar, Event, vCalAddress
from sqlalchemy import select

from consortium.core import links, tenancy
from consortium.extensions import db
from consortium.matches import service as matches
from consortium.matches.models import Match
from consortium.matches.service import REVEALING_STATUSES, Pairing
from consortium.sessions.models import MentoringSession

ZONE = "Europe/London"
PRODID = "-//Consortium//Mentoring sessions//EN"
MODE_NAMES = {"in_person": "In person", "virtual": "Virtual"}


@dataclass(frozen=True)
class SessionEntry:
    """A session with its pairing (people's names and emails, programme), as an event needs."""

    session: MentoringSession
    pairing: Pairing


def entries(sessions: Iterable[MentoringSession]) -> list[SessionEntry]:
    """Each session with its pairing, in start order (a few queries in all).

    The pairings are read across tenants, explicitly and only for these sessions' matches:
    whoever holds a session may see its pairing (the two people, their admins, coordinators,
    or a feed's token standing for one of the two people).
    """
    sessions = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    match_ids = {s.match_id for s in sessions}
    if not match_ids:
        return []
    with tenancy.all_tenants():
        found = db.session.scalars(select(Match).where(Match.id.in_(match_ids))).all()
    by_match = {p.match.id: p for p in matches.pairings(found)}
    return [SessionEntry(s, by_match[s.match_id]) for s in sessions if s.match_id in by_match]


def local(moment: datetime) -> datetime:
    """The moment in London time, or in UTC where London's offset would take it out of
    datetime's range (the first minutes of year 1: the zone's LMT is -0:01:15)."""
    try:
        return moment.astimezone(ZoneInfo(ZONE))
    except OverflowError:
        return moment.astimezone(UTC)


def uid(session: MentoringSession) -> str:
    """The event's UID: the session's id at this service's host, stable for its life."""
    host = urlsplit(current_app.config["SETTINGS"].public_base_url).hostname or "consortium"
    return f"{session.id}@{host}"


def session_url(session: MentoringSession) -> str:
    """The page a person opens to see the session (on its pairing's page)."""
    return links.session_page(session.match_id, session.id)


def summary(pairing: Pairing) -> str:
    return f"Mentoring: {pairing.mentor.display_name} and {pairing.mentee.display_name}"


def location(session: MentoringSession) -> str | None:
    if session.location:
        return session.location
    return "Virtual" if session.mode == "virtual" else None


def event(entry: SessionEntry, *, stamp: datetime | None = None) -> Event:
    """The VEVENT of one session; DTSTAMP is `stamp` (an invitation's send time) or, in a
    feed, when the session last changed (so an unchanged feed is byte-for-byte the same)."""
    session, pairing = entry.session, entry.pairing
    cancelled = session.status == "cancelled"
    description = [
        f"Programme: {pairing.programme_name} ({pairing.consortium_name})",
        f"Mode: {MODE_NAMES.get(session.mode, session.mode)}",
    ]
    if cancelled and session.cancel_reason:
        description.append(f"Cancelled: {session.cancel_reason}")
    description.append(f"Session: {session_url(session)}")
    item = Event.new(
        uid=uid(session),
        stamp=stamp or session.updated_at,
        start=local(session.starts_at),
        end=local(session.ends_at),
        sequence=session.sequence,
        status=STATUS.CANCELLED if cancelled else STATUS.CONFIRMED,
        summary=summary(pairing),
        location=location(session),
        description="\n".join(description),
        url=session_url(session),
        created=session.created_at,
        last_modified=session.updated_at,
    )
    # Each person's email is theirs to see once the pairing has been active.
    mentor, mentee = pairing.mentor, pairing.mentee
    if pairing.match.status in REVEALING_STATUSES and mentor.email and mentee.email:
        item.add("ORGANIZER", vCalAddress.new(mentor.email, cn=mentor.display_name or None))
        for party in (mentor, mentee):
            assert party.email is not None
            item.add(
                "ATTENDEE",
                vCalAddress.new(
                    party.email,
                    cn=party.display_name or None,
                    cutype="INDIVIDUAL",
                    role="REQ-PARTICIPANT",
                    # Replies are not read by this service: changes go through the API.
                    rsvp=False,
                ),
            )
    return item


def document(
    entries: Sequence[SessionEntry],
    *,
    method: str | None = None,
    name: str | None = None,
    stamp: datetime | None = None,
    calendar_uid: str | None = None,
) -> Calendar:
    """A VCALENDAR of these sessions: an invitation (`method` REQUEST or CANCEL) or a feed
    (`name` becomes NAME and X-WR-CALNAME; a fixed `calendar_uid` keeps an unchanged feed identical)."""
    calendar = Calendar.new(
        prodid=PRODID, calscale="GREGORIAN", method=method, name=name, uid=calendar_uid
    )
    for entry in entries:
        calendar.add_component(event(entry, stamp=stamp))
    if entries:
        first = local(min(e.session.starts_at for e in entries))
        last = local(max(e.session.ends_at for e in entries))
        # The zone's rules for the years the events span (and the next), not since 1970. The
        # library looks up to 64 days past each change of offset, which overflows within
        # MAXYEAR, so the rules stop at its start (sessions are refused in it: sessions.schemas).
        calendar.add_missing_timezones(
            first_date=date(min(first.year, MAXYEAR - 1), 1, 1),
            last_date=date(min(last.year + 2, MAXYEAR), 1, 1),
        )
    return calendar


def to_text(calendar: Calendar) -> str:
    """The document as text with CRLF line endings, as RFC 5545 requires."""
    return calendar.to_ical().decode()


def invitation(entry: SessionEntry, *, method: str, stamp: datetime) -> str:
    """The text of an invitation (REQUEST) or cancellation (CANCEL) for one session."""
    return to_text(document([entry], method=method, stamp=stamp))
