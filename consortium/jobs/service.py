"""Reading jobs' state."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from sqlalchemy import select

from consortium.core import tenancy
from consortium.core.errors import NotFound
from consortium.core.jobs import Job, progress_of, result_scope
from consortium.extensions import db


def get_job(*, job_id: uuid.UUID) -> SimpleNamespace:
    """The job, if the caller's tenant caused it (another tenant's is 'not found').

    Its result is left out unless the caller holds the scope the job type names for it: a
    client that may follow jobs must not read staff records through an export's result.
    """
    job = db.session.scalar(select(Job).where(Job.id == job_id))
    if job is None:
        raise NotFound(f"No job {job_id}.")
    # A detached copy: the row itself must not change.
    fields = {column.key: getattr(job, column.key) for column in Job.__table__.columns}
    fields["progress"] = progress_of(job)
    scope = result_scope(job.name)
    if scope is not None and not tenancy.current().has_scope(scope):
        fields["result"] = None
    return SimpleNamespace(**fields)
