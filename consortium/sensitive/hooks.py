"""What the sensitive domain answers for the domains below it (see consortium.core.events)."""

from __future__ import annotations

from consortium.core import events
from consortium.programmes import service as programmes
from consortium.sensitive import service


def connect() -> None:
    """Answer programmes' question for an applicant's consented attributes."""
    events.answer(programmes.CONSENTED_ATTRIBUTES, service.consented_attributes)
