"""Consortium reports made now, or built by a job and fetched when done.

A build is a job ("reports.build") whose arguments say which report, over which period, and
in whose view (access.Viewer): its result is the report as that reader may see it, so only a
reader of the same view (or a coordinator) may fetch it; everyone else is told it does not
exist. The job's own result on /api/v1/jobs/{id} is left to the platform (result_scope).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from consortium.core import tenancy
from consortium.core.errors import Conflict, Invalid, NotFound
from consortium.core.jobs import Job, enqueue, progress_of
from consortium.extensions import db
from consortium.reciprocity.service import default_period
from consortium.reports.access import Viewer, viewer_for
from consortium.reports.facts import Period
from consortium.reports.kinds import KINDS, Kind

BUILD_JOB = "reports.build"


def kind_named(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(f"No report {name!r}: the reports are " + ", ".join(KINDS) + ".")
    return kind


def period_of(start: date | None, end: date | None) -> Period:
    default_start, default_end = default_period()
    end = end or default_end
    if start is None:
        start = end - (default_end - default_start)
    elif start > end:  # `to` left to default (today): the schema could not compare them
        raise Invalid(f"from ({start}) is after to ({end}, today unless given).", field="from")
    return Period(start=start, end=end)


def report(
    *, kind: Kind, consortium_id: uuid.UUID, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """The report as data, as the caller may see it (see access)."""
    viewer = viewer_for(consortium_id)
    return kind.build(consortium_id=consortium_id, period=period_of(start, end), viewer=viewer)


def start_build(
    *, kind: Kind, consortium_id: uuid.UUID, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """Queue a build of the report in the caller's view; returns the build."""
    viewer = viewer_for(consortium_id)
    period = period_of(start, end)
    principal = tenancy.current()
    job = enqueue(
        db.session,
        BUILD_JOB,
        tenant_id=principal.organisation_id,
        kind=kind.name,
        consortium_id=str(consortium_id),
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        view=viewer.key,
    )
    return _build(job)


def run_build(*, kind: str, consortium_id: str, start: str, end: str, view: str) -> dict[str, Any]:
    """The job's work: the report in the view it was asked in, as the API shows it."""
    chosen = kind_named(kind)
    body = chosen.build(
        consortium_id=uuid.UUID(consortium_id),
        period=Period(date.fromisoformat(start), date.fromisoformat(end)),
        viewer=Viewer.from_key(view),
    )
    return {"report": chosen.schema().dump(body)}


def get_build(*, kind: Kind, consortium_id: uuid.UUID, build_id: uuid.UUID) -> dict[str, Any]:
    return _build(_build_job(kind, consortium_id, build_id))


def build_result(*, kind: Kind, consortium_id: uuid.UUID, build_id: uuid.UUID) -> dict[str, Any]:
    """The built report (as JSON data), or Conflict while it is not ready."""
    job = _build_job(kind, consortium_id, build_id)
    if job.status != "succeeded" or not job.result:
        state = "has failed: start another" if job.status == "failed" else "is not ready yet"
        raise Conflict(f"Build {job.id} {state} (status {job.status}).")
    body: dict[str, Any] = job.result["report"]
    return body


def _build_job(kind: Kind, consortium_id: uuid.UUID, build_id: uuid.UUID) -> Job:
    viewer = viewer_for(consortium_id)
    # The job row belongs to whoever asked (another member's coordinator may read it).
    with tenancy.all_tenants():
        job = db.session.scalar(select(Job).where(Job.id == build_id, Job.name == BUILD_JOB))
    arguments = job.arguments if job is not None else {}
    if (
        job is None
        or arguments.get("consortium_id") != str(consortium_id)
        or arguments.get("kind") != kind.name
        or not viewer.covers(Viewer.from_key(arguments["view"]))
    ):
        raise NotFound(f"No {kind.name} report build {build_id} in consortium {consortium_id}.")
    return job


def _build(job: Job) -> dict[str, Any]:
    a = job.arguments
    base = f"/api/v1/reports/consortia/{a['consortium_id']}/{a['kind']}/builds/{job.id}"
    return {
        "id": job.id,
        "kind": a["kind"],
        "consortium_id": a["consortium_id"],
        "start": date.fromisoformat(a["start"]),
        "end": date.fromisoformat(a["end"]),
        "status": job.status,
        "progress": progress_of(job),
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "job_url": f"/api/v1/jobs/{job.id}",
        "result_url": f"{base}/result" if job.status == "succeeded" else None,
    }
