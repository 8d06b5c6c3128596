"""Calendar jobs: reminders before sessions and nudges to pairs that have stopped meeting.

Each periodic entry point runs over every tenant as the platform, explicitly, and commits a
batch at a time (the mail of a batch is queued in the transaction that marks its rows).
"""

from __future__ import annotations

from datetime import datetime

from consortium.calendar import reminders
from consortium.core import tenancy
from consortium.core.jobs import in_worker_app, periodic
from consortium.extensions import db

EVERY_FIVE_MINUTES = 300
EVERY_HOUR = 3600


def send_reminders_now(*, now: datetime | None = None) -> int:
    """Remind both people of every session due a reminder; returns how many sessions."""
    with tenancy.all_tenants():
        due = reminders.due_reminders(now=now)
        db.session.rollback()  # nothing held while the batches are sent
    total = 0
    for first in range(0, len(due), reminders.BATCH):
        with tenancy.all_tenants():
            total += reminders.remind(session_ids=due[first : first + reminders.BATCH], now=now)
            db.session.commit()
    return total


def send_nudges_now(*, now: datetime | None = None) -> int:
    """Nudge both people of every pairing overdue a session; returns how many pairings."""
    with tenancy.all_tenants():
        count = reminders.nudge_overdue_pairs(now=now)
        db.session.commit()
    return count


@periodic(every=EVERY_FIVE_MINUTES)
def send_reminders() -> int:
    """RQ entry point for the scheduler: every five minutes, so a reminder is close to its lead."""
    return in_worker_app(send_reminders_now)


@periodic(every=EVERY_HOUR)
def send_nudges() -> int:
    """RQ entry point for the scheduler: hourly (a pairing is nudged at most once a cadence)."""
    return in_worker_app(send_nudges_now)
