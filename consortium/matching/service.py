"""Starting and reading matching runs (the coordinators of the programme's consortium)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from consortium.audit import service as audit
from consortium.core import tenancy
from consortium.core.errors import Conflict, NotFound
from consortium.core.jobs import UNFINISHED, Job, enqueue
from consortium.extensions import db
from consortium.matching.models import MatchingRun
from consortium.programmes.models import Programme
from consortium.programmes.service import get_programme_to_run

RUNNABLE = ("open", "matching", "running")
JOB_GONE = "The run's background job was removed before it finished. Start the run again."
# A job's status as the run shows it.
RUN_STATUS = {
    "pending": "queued",
    "enqueued": "queued",
    "running": "running",
    "retrying": "retrying",
    "succeeded": "succeeded",
    "failed": "failed",
}


def start_run(*, programme_id: uuid.UUID) -> MatchingRun:
    """Queue a run; 409 while another run of the programme is queued, running or retrying."""
    programme = get_programme_to_run(programme_id=programme_id)
    if programme.status not in RUNNABLE:
        raise Conflict(
            f"{programme.name} is {programme.status}; matching runs while it is "
            f"{', '.join(RUNNABLE)}.",
            field="status",
        )
    # Serialise starts per programme: the row lock makes check-then-insert safe.
    db.session.execute(select(Programme.id).where(Programme.id == programme.id).with_for_update())
    busy = _unfinished(programme.id)
    if busy is not None:
        raise Conflict(
            f"A matching run for {programme.name} is already queued, running or retrying: "
            f"{busy}. Wait for it to finish."
        )
    return queue_run(programme, requested_by=tenancy.current().key)


def queue_run(programme: Programme, *, requested_by: str) -> MatchingRun:
    """Write the run and its job to the outbox (it runs after commit, as the platform)."""
    run = MatchingRun(
        consortium_id=programme.consortium_id,
        programme_id=programme.id,
        mode=programme.matching_mode,
        requested_by=requested_by,
    )
    db.session.add(run)
    db.session.flush()
    job = enqueue(db.session, "matching.run", tenant_id=None, run_id=str(run.id))
    run.job_id = job.id
    db.session.flush()
    audit.record(
        action="matching_run.started",
        subject_type="matching_run",
        subject_id=run.id,
        consortium_id=programme.consortium_id,
        data={"programme_id": programme.id, "mode": run.mode},
    )
    return run


def _unfinished(programme_id: uuid.UUID) -> uuid.UUID | None:
    # Run jobs belong to the platform (they read every member's pool): read their state
    # explicitly across tenants, for this programme's runs only.
    with tenancy.all_tenants():
        return db.session.scalar(
            select(MatchingRun.id)
            .join(Job, Job.id == MatchingRun.job_id)
            .where(
                MatchingRun.programme_id == programme_id,
                Job.status.in_(UNFINISHED),
            )
            .limit(1)
        )


def get_run(*, programme_id: uuid.UUID, run_id: uuid.UUID) -> MatchingRun:
    get_programme_to_run(programme_id=programme_id)
    run = db.session.scalar(
        select(MatchingRun).where(
            MatchingRun.id == run_id, MatchingRun.programme_id == programme_id
        )
    )
    if run is None:
        raise NotFound(f"No matching run {run_id} for this programme.")
    return run


def list_runs(*, programme_id: uuid.UUID) -> Select[Any]:
    get_programme_to_run(programme_id=programme_id)
    return (
        select(MatchingRun)
        .where(MatchingRun.programme_id == programme_id)
        .order_by(MatchingRun.created_at.desc(), MatchingRun.id.desc())
    )


def present(runs: list[MatchingRun]) -> list[dict[str, Any]]:
    """The runs with their jobs' status (read across tenants for exactly these jobs)."""
    job_ids = [r.job_id for r in runs if r.job_id is not None]
    with tenancy.all_tenants():
        jobs = {
            row.id: row
            for row in db.session.execute(
                select(Job.id, Job.status, Job.attempts, Job.error, Job.next_attempt_at).where(
                    Job.id.in_(job_ids)
                )
            )
        }
    # Read the runs again after their jobs: a run commits its counts with its job's success, so
    # a run that finished between the two reads shows finished, never a succeeded job over the
    # counts read before it (each statement sees its own snapshot).
    if runs:
        db.session.execute(
            select(MatchingRun)
            .where(MatchingRun.id.in_([r.id for r in runs]))
            .execution_options(populate_existing=True)
        ).all()
    out = []
    for run in runs:
        job = jobs.get(run.job_id) if run.job_id else None
        error, next_attempt_at = None, None
        if run.finished_at is not None:
            status = "succeeded"
        elif job is None:
            status, error = "failed", JOB_GONE
        else:
            status = RUN_STATUS.get(job.status, "queued")
            if status in ("retrying", "failed"):  # the error is only true of these
                error, next_attempt_at = job.error, job.next_attempt_at
        fields = {column.key: getattr(run, column.key) for column in MatchingRun.__table__.columns}
        out.append(
            {
                **fields,
                "status": status,
                "attempts": job.attempts if job else 0,
                "error": error,
                "next_attempt_at": next_attempt_at,
            }
        )
    return out


def present_one(run: MatchingRun) -> dict[str, Any]:
    return present([run])[0]
