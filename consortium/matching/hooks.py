"""What the matching engine answers for the pairings below it (see consortium.core.events)."""

from __future__ import annotations

from consortium.core import events
from consortium.matches import service as matches
from consortium.matching import constraints


def connect() -> None:
    """Check a hand-made pair against the engine's hard constraints."""
    events.answer(matches.PAIR_VIOLATIONS, constraints.check_pair)
