"""Pool jobs: the daily pause of profiles whose vetting has expired."""

from __future__ import annotations

from datetime import date

from consortium.core import tenancy
from consortium.core.jobs import in_worker_app, periodic
from consortium.extensions import db
from consortium.pool import service

EVERY_HOUR = 3600


def expire_vetting_now(*, today: date | None = None) -> int:
    """Pause profiles with expired vetting and tell their mentors; returns how many."""
    with tenancy.all_tenants():
        paused = service.expire_vetting(today=today or date.today())
        db.session.commit()
    return len(paused)


@periodic(every=EVERY_HOUR)
def expire_vetting() -> int:
    """RQ entry point for the scheduler: hourly, so a day's expiries are caught early."""
    return in_worker_app(expire_vetting_now)
