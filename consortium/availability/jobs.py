"""Availability jobs: fetch a mentor's calendar feed; every 15 minutes, queue the feeds due."""

from __future__ import annotations

import uuid
from typing import Any

from consortium.availability import service
from consortium.core.jobs import in_worker_app, job, periodic
from consortium.extensions import db

EVERY_QUARTER_HOUR = 15 * 60


@job(service.FETCH_JOB)
def fetch_busy(*, feed_id: str) -> dict[str, Any]:
    """Fetch one feed and replace its busy blocks (runs as the feed's organisation)."""
    return service.refresh_feed(feed_id=uuid.UUID(feed_id))


def queue_due_feeds_now() -> int:
    """Queue a fetch for every feed whose next fetch is due; returns how many."""
    queued = service.queue_due_feeds()
    db.session.commit()
    return queued


@periodic(every=EVERY_QUARTER_HOUR)
def queue_due_feeds() -> int:
    """RQ entry point for the scheduler."""
    return in_worker_app(queue_due_feeds_now)
