"""How the calendar domain reacts to sessions (see consortium.core.events)."""

from __future__ import annotations

from consortium.calendar import invitations
from consortium.core import events
from consortium.sessions import service as sessions


def connect() -> None:
    """Each booked, moved or cancelled session sends its invitations."""
    events.subscribe(sessions.SESSION_CHANGED, invitations.send)
