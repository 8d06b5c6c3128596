"""Webhook jobs: one delivery attempt; every 30 seconds, queue the retries that are due."""

from __future__ import annotations

import uuid
from typing import Any

from consortium.core.jobs import in_worker_app, job, periodic
from consortium.extensions import db
from consortium.webhooks import service

EVERY_HALF_MINUTE = 30


@job(service.DELIVER_JOB, title="The webhook delivery")
def deliver(*, delivery_id: str) -> dict[str, Any]:
    """Make one attempt at a delivery (runs as the endpoint's organisation). A failed attempt
    is recorded, not raised: the delivery's own schedule retries it, not the job's."""
    return service.attempt(delivery_id=uuid.UUID(delivery_id))


def queue_due_deliveries_now() -> int:
    """Queue the next attempt of every delivery whose retry is due; returns how many."""
    queued = service.queue_due()
    db.session.commit()
    return queued


@periodic(every=EVERY_HALF_MINUTE)
def queue_due_deliveries() -> int:
    """RQ entry point for the scheduler."""
    return in_worker_app(queue_due_deliveries_now)
