"""What the protected_time domain hears from the programmes below it."""

from __future__ import annotations

from consortium.core import events
from consortium.programmes.service import APPLICATION_CHANGED
from consortium.protected_time import service


def connect() -> None:
    """Ask the manager when an application to a programme that needs it is made."""
    events.subscribe(APPLICATION_CHANGED, service.application_changed)
