"""Reading jobs' state."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from consortium.core.errors import NotFound
from consortium.core.jobs import Job
from consortium.extensions import db


def get_job(*, job_id: uuid.UUID) -> Job:
    """The job, if the caller's tenant caused it (another tenant's is 'not found')."""
    job = db.session.scalar(select(Job).where(Job.id == job_id))
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return job
