"""What the matches domain answers for the pool below it (see consortium.core.events)."""

from __future__ import annotations

from consortium.core import events
from consortium.matches import service
from consortium.pool import care


def connect() -> None:
    """Count the pairings holding mentors' places, for pool.care's recount."""
    events.answer(care.PLACES_TAKEN, service.places_taken)
