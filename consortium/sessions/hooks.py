"""How the sessions domain reacts to and answers the domains below it (core.events)."""

from __future__ import annotations

from consortium.availability import service as availability
from consortium.core import events
from consortium.matches import service as matches
from consortium.matches.models import Match
from consortium.pool import care
from consortium.sessions import service


def connect() -> None:
    """A closed pairing's upcoming sessions are called off; pairings' session counts, people's
    booked times and mentors' recent sessions are answered from the sessions held here."""
    events.subscribe(matches.PAIRING_CLOSED, _call_off_upcoming)
    events.answer(matches.SESSION_COUNTS, service.counts_for)
    events.answer(availability.BOOKED_TIMES, service.booked_times)
    events.answer(care.SESSIONS_HELD, service.held_between)


def _call_off_upcoming(*, match: Match, reason: str) -> None:
    service.cancel_upcoming(match=match, reason=f"The pairing was closed: {reason}")
