"""Background jobs through a transactional outbox.

`enqueue()` writes a Job row in the caller's transaction. After that transaction commits, the
row is pushed to RQ with the row's id as the RQ job id (or, with JOBS_INLINE, run in-process).
A rolled-back transaction pushes nothing. If Redis does not take the push, the row stays
`pending` and the sweeper re-sends it; a job whose worker died stays `running` with no lock on
its row, and the sweeper re-sends that too.

What a person reads: a failed attempt leaves the job `retrying` with a one-line summary of the
error and when the next attempt is due; after MAX_ATTEMPTS it is `failed` with a reason to act
on, and the job type's `on_failure` hook runs. Tracebacks go to the log only.

Exactly-once effects: the executor holds `SELECT ... FOR UPDATE` on the job row while the
handler runs, and marks the row `succeeded` in the same transaction as the handler's writes.
A second delivery either waits for that lock and then sees `succeeded`, or finds it free
because the first executor died and its writes were rolled back with it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, Worker, get_current_job
from rq.cron import CronScheduler
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from rq.job import JobStatus as RQStatus
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, event, select
from sqlalchemy import func as sql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from consortium.config import JOB_ATTEMPTS
from consortium.core import tenancy
from consortium.core.db import Base, Entity, utcnow
from consortium.core.tenancy import OrganisationOwned, Principal

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = JOB_ATTEMPTS
QUEUES = ("default", "maintenance")
# pending → enqueued → running → succeeded | retrying (→ running …) | failed
STATUSES = ("pending", "enqueued", "running", "retrying", "succeeded", "failed")
UNFINISHED = ("pending", "enqueued", "running", "retrying")
SUMMARY_LENGTH = 200


class Job(Entity, OrganisationOwned, Base):
    """The outbox row and the job's visible state. No organisation: caused by the platform."""

    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint(f"status IN {STATUSES!r}", name="status"),)

    organisation_id: Mapped[uuid.UUID | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str] = mapped_column(String(32), default="default")
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # STATUSES
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    result: Mapped[dict[str, Any] | None]
    # How far it got, {done, total, stage}, as the handler last reported it (see `progress`).
    progress: Mapped[dict[str, Any] | None]
    # retrying: the last attempt's error in one line; failed: the reason, with what to do next.
    error: Mapped[str | None] = mapped_column(Text)
    # retrying: when RQ will make the next attempt (None: not known, e.g. jobs run inline).
    next_attempt_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


Handler = Callable[..., dict[str, Any] | None]
# Called with the failed job's row (its arguments, its `error` reason) once it has failed for good.
FailureHook = Callable[[Job], None]


@dataclass(frozen=True)
class JobType:
    name: str
    queue: str
    handler: Handler
    # The scope a caller needs to read the job's result (e.g. staff records in an export);
    # without it they see the job's status only.
    result_scope: str | None = None
    # How a failure reason names the job to a person ("The matching run").
    title: str | None = None
    on_failure: FailureHook | None = None
    # A batch over tens of thousands of rows: run without the cyclic garbage collector.
    bulk: bool = False


_registry: dict[str, JobType] = {}


def job(
    name: str,
    *,
    queue: str = "default",
    result_scope: str | None = None,
    title: str | None = None,
    on_failure: FailureHook | None = None,
    bulk: bool = False,
) -> Callable[[Handler], Handler]:
    """Register `handler(**arguments) -> result` as the job `name`. It must be idempotent.

    `on_failure(job)` runs once the job has failed its last attempt, in a transaction of its
    own after the failure is recorded, as the job's tenant (e.g. to tell someone by mail).
    `bulk` jobs run with the cyclic garbage collector paused (see `_collector_paused`).
    """

    def decorator(handler: Handler) -> Handler:
        if name in _registry and _registry[name].handler is not handler:
            raise RuntimeError(f"job {name!r} registered twice")
        _registry[name] = JobType(
            name=name,
            queue=queue,
            handler=handler,
            result_scope=result_scope,
            title=title,
            on_failure=on_failure,
            bulk=bulk,
        )
        return handler

    return decorator


def result_scope(name: str) -> str | None:
    """The scope needed to read job `name`'s result (None: its status readers may)."""
    job_type = _registry.get(name)
    return job_type.result_scope if job_type else None


def enqueue(session: Any, name: str, *, tenant_id: uuid.UUID | None, **arguments: Any) -> Job:
    """Write job `name` to the outbox in the current transaction; it runs after commit.

    The job runs as `tenant_id`'s organisation (None: as the platform, seeing every tenant).
    A caller may queue a platform job (e.g. a coordinator's matching run, which reads every
    member's pool); writing that row is the one thing done across tenants here.
    """
    job_type = _registry[name]
    principal = tenancy.current()
    row = Job(
        organisation_id=tenant_id,
        name=name,
        queue=job_type.queue,
        arguments=arguments,
        created_by=principal.key,
    )
    if tenant_id is None and not principal.all_tenants:
        session.flush()  # the caller's own pending rows are checked as the caller
        with tenancy.all_tenants():  # then only the platform job's row is written as such
            session.add(row)
            session.flush()
    else:
        session.add(row)
        session.flush()
    session.info.setdefault("consortium.jobs", set()).add(row.id)
    return row


# --- after commit: push to RQ, or run inline -------------------------------------------------


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    ids = session.info.pop("consortium.jobs", None)
    if not ids or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["JOBS_INLINE"]:
        for job_id in sorted(ids):
            run_inline(app, job_id)
    else:
        push(app, sorted(ids))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("consortium.jobs", None)


def redis_connection(app: Flask) -> Redis:
    conn: Redis = app.extensions["consortium.redis"]
    return conn


def _rq_enqueue(app: Flask, job_id: uuid.UUID, queue: str) -> None:
    Queue(queue, connection=redis_connection(app)).enqueue(
        run_job,
        str(job_id),
        job_id=str(job_id),
        retry=Retry(max=MAX_ATTEMPTS - 1, interval=app.config["JOB_RETRY_INTERVALS"]),
        job_timeout=app.config["JOB_TIMEOUT"],
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def push(app: Flask, ids: list[uuid.UUID]) -> int:
    """Hand committed outbox rows to RQ; what Redis refuses stays pending for the sweeper."""
    from consortium.extensions import db

    pushed = []
    with app.app_context(), tenancy.all_tenants():
        session = db.session
        rows = session.scalars(select(Job).where(Job.id.in_(ids), Job.status == "pending")).all()
        for row in rows:
            try:
                _rq_enqueue(app, row.id, row.queue)
            except RedisError as exc:
                log.warning("job %s left pending: Redis did not take it (%s)", row.id, exc)
                continue
            row.status, row.enqueued_at = "enqueued", utcnow()
            pushed.append(row.id)
        session.commit()
    return len(pushed)


def run_inline(app: Flask, job_id: uuid.UUID) -> None:
    """Development and tests: run the job now, in its own app context and transaction."""
    try:
        execute(app, job_id)
    except Exception:
        log.exception("inline job %s failed", job_id)


# --- execution -------------------------------------------------------------------------------


def run_job(job_id: str) -> None:
    """The RQ entry point: a plain function of the outbox id."""
    execute(_worker_app(), uuid.UUID(job_id))


def execute(app: Flask, job_id: uuid.UUID) -> str:
    """Run one outbox job at most once to success; return the status it ends in."""
    from consortium.extensions import db

    with app.app_context():
        session = db.session
        # Claim: count the attempt and show `running`, unless another executor holds the row.
        with tenancy.all_tenants():
            row = session.scalar(_lock(job_id, nowait=False, skip_locked=True))
            if row is None:
                session.rollback()
                return "busy"
            if row.status in ("succeeded", "failed"):
                session.rollback()
                return row.status
            owner = _job_principal(row)
            job_type = _registry.get(row.name)
            if row.attempts >= MAX_ATTEMPTS:  # earlier attempts died with their worker
                _fail(row, row.error or WORKER_STOPPED)
                session.commit()
                _after_failure(session, job_id, job_type, owner)
                return "failed"
            row.status, row.started_at, row.attempts = "running", utcnow(), row.attempts + 1
            row.error = row.next_attempt_at = None
            arguments = dict(row.arguments)
            session.commit()

        # Run: the handler's writes and `succeeded` commit together, under the job's tenant.
        with tenancy.acting_as(owner):
            try:
                row = session.scalar(_lock(job_id, nowait=True))
            except OperationalError:
                session.rollback()
                return "busy"  # NOWAIT: another executor took the row between our two steps
            try:
                if row is None or row.status == "succeeded":
                    session.rollback()
                    return "succeeded"
                if job_type is None:
                    raise LookupError(f"no handler registered for job {row.name!r}")
                with (
                    _collector_paused() if job_type.bulk else contextlib.nullcontext(),
                    _reporting_progress(app, job_id) as reported,
                ):
                    result = job_type.handler(**arguments)
                row.status, row.result, row.finished_at = "succeeded", result, utcnow()
                if reported:
                    row.progress = reported[-1]
                session.commit()
                return "succeeded"
            except Exception as exc:  # a database error in the handler too: a failed attempt
                session.rollback()
                failure = exc
        status = _record_failure(session, job_id, failure)
        if status == "failed":
            _after_failure(session, job_id, job_type, owner)
        if not current_app.config["JOBS_INLINE"]:
            raise failure  # RQ's Retry schedules the next attempt (or records the last)
        return status


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector. A batch that reads tens of thousands of rows
    allocates millions of small objects, and each allocation burst triggers full collections
    that walk the whole heap (a third of a 10k matching run's load phase). Its garbage is
    acyclic and freed by reference counting; any cycles it leaves go at the next collection."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- progress --------------------------------------------------------------------------------

# The running job's row is locked (and its writes uncommitted) until it finishes, so progress
# goes to Redis while it runs; the last value is kept on the row when it succeeds.
PROGRESS_TTL = 24 * 3600
_running: ContextVar[tuple[Flask, uuid.UUID, list[dict[str, Any]]] | None] = ContextVar(
    "consortium_running_job", default=None
)


@contextlib.contextmanager
def _reporting_progress(app: Flask, job_id: uuid.UUID) -> Iterator[list[dict[str, Any]]]:
    reported: list[dict[str, Any]] = []
    token = _running.set((app, job_id, reported))
    try:
        yield reported
    finally:
        _running.reset(token)


def _progress_key(job_id: uuid.UUID) -> str:
    return f"consortium:job-progress:{job_id}"


def progress(done: int, total: int, *, stage: str | None = None) -> None:
    """Report how far the running job has got (shown on /api/v1/jobs/{id} while it runs).

    Outside a job (e.g. a report built synchronously) it does nothing. Best effort: a Redis
    that does not answer loses the figure, never the job.
    """
    running = _running.get()
    if running is None:
        return
    app, job_id, reported = running
    value = {"done": done, "total": total, "stage": stage}
    reported.append(value)
    try:
        redis_connection(app).set(_progress_key(job_id), json.dumps(value), ex=PROGRESS_TTL)
    except RedisError as exc:
        log.warning("progress of job %s not recorded: %s", job_id, exc)


def progress_of(row: Job) -> dict[str, Any] | None:
    """The job's progress as last reported: from Redis while unfinished, then from the row."""
    if row.status not in UNFINISHED or not has_app_context():
        return row.progress
    try:
        stored = redis_connection(current_app).get(_progress_key(row.id))
    except RedisError:
        return row.progress
    if not stored:
        return row.progress
    value: dict[str, Any] = json.loads(stored)
    return value


def _lock(job_id: uuid.UUID, *, nowait: bool, skip_locked: bool = False) -> Any:
    return (
        select(Job)
        .where(Job.id == job_id)
        .with_for_update(nowait=nowait, skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


def _job_principal(row: Job) -> Principal:
    if row.organisation_id is None:
        return tenancy.SYSTEM
    return Principal(kind="system", organisation_id=row.organisation_id, name=f"job:{row.name}")


WORKER_STOPPED = "the worker running it stopped before it finished"


def summary(exc: BaseException) -> str:
    """The error in one line a person can read: its type and its message's first line."""
    lines = str(exc).strip().splitlines()
    message = " ".join(lines[0].split()) if lines else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def failure_reason(row: Job, last_error: str) -> str:
    """Why the job failed for good, and what to do about it."""
    job_type = _registry.get(row.name)
    title = job_type.title if job_type and job_type.title else f"The job {row.name}"
    times = "once" if row.attempts == 1 else f"{row.attempts} times"
    return (
        f"{title} failed {times} (last error: {last_error}). Try again; if it fails again, "
        f"contact support quoting job {row.id}."
    )


def _fail(row: Job, last_error: str) -> None:
    row.status, row.finished_at, row.next_attempt_at = "failed", utcnow(), None
    row.error = failure_reason(row, last_error)


def _record_failure(session: Any, job_id: uuid.UUID, exc: Exception) -> str:
    """Record a failed attempt: `retrying` with the error's summary, or `failed` at the last."""
    with tenancy.all_tenants():
        row = session.get(Job, job_id, populate_existing=True)
        assert row is not None
        attempt = row.attempts
        if attempt >= MAX_ATTEMPTS:
            _fail(row, summary(exc))
        else:
            row.status, row.error = "retrying", summary(exc)
            row.next_attempt_at = _next_attempt_at()
        status = row.status
        session.commit()
    if status == "failed":
        log.error("job %s failed for good on attempt %d", job_id, attempt, exc_info=exc)
    else:
        log.warning("job %s attempt %d failed; to be retried", job_id, attempt, exc_info=exc)
    return status


def _next_attempt_at() -> datetime | None:
    """When RQ's Retry will run this job again (None outside an RQ worker: not known)."""
    current = get_current_job()
    if current is None or not current.retries_left:
        return None
    return utcnow() + timedelta(seconds=current.get_retry_interval())


def _after_failure(
    session: Any, job_id: uuid.UUID, job_type: JobType | None, owner: Principal
) -> None:
    """Run the job type's failure hook in its own transaction; its own failure is only logged."""
    if job_type is None or job_type.on_failure is None:
        return
    with tenancy.acting_as(owner):
        try:
            row = session.get(Job, job_id, populate_existing=True)
            assert row is not None
            job_type.on_failure(row)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("the failure hook of job %s (%s) failed", job_id, job_type.name)


# --- the sweeper -----------------------------------------------------------------------------


def sweep(app: Flask, *, stale_after: int | None = None) -> int:
    """Re-send what Redis never took and what a dead worker abandoned; return how many."""
    from consortium.extensions import db

    stale_after = app.config["JOB_STALE_AFTER"] if stale_after is None else stale_after
    cutoff = utcnow() - timedelta(seconds=stale_after)
    resent = 0
    with app.app_context(), tenancy.all_tenants():
        session = db.session
        rows = session.scalars(
            select(Job)
            .where(Job.status.in_(UNFINISHED), Job.updated_at <= cutoff)
            .order_by(Job.created_at)
            .limit(500)
            # A running job's executor holds its row lock; skipping locked rows skips live ones.
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            if row.status in ("enqueued", "retrying") and _rq_holds(app, row.id):
                continue
            if app.config["JOBS_INLINE"]:
                continue
            try:
                _rq_enqueue(app, row.id, row.queue)
            except RedisError as exc:
                log.warning("sweeper could not re-send job %s: %s", row.id, exc)
                break
            if row.status == "running":  # the attempt was lost with its worker
                log.warning("job %s was abandoned by its worker; re-sent", row.id)
                row.status, row.error = "retrying", f"Attempt {row.attempts}: {WORKER_STOPPED}"
            elif row.status != "retrying":  # a retry stays one, due now
                row.status = "enqueued"
            row.next_attempt_at = utcnow() if row.status == "retrying" else None
            row.enqueued_at = utcnow()
            resent += 1
        session.commit()
    return resent


def _rq_holds(app: Flask, job_id: uuid.UUID) -> bool:
    """Whether RQ still has this job waiting or scheduled (a retry counts)."""
    try:
        status = RQJob.fetch(str(job_id), connection=redis_connection(app)).get_status()
    except NoSuchJobError:
        return False
    return status in (RQStatus.QUEUED, RQStatus.SCHEDULED, RQStatus.DEFERRED, RQStatus.STARTED)


def sweep_outbox() -> int:
    """RQ entry point for the scheduler's periodic sweep."""
    return sweep(_worker_app())


# --- figures for /metrics ------------------------------------------------------------------

# What /metrics counts: every status but `succeeded` (that one only grows; counting it would
# scan the table at every scrape).
COUNTED = (*UNFINISHED, "failed")


@dataclass(frozen=True)
class Backlog:
    """How many jobs of one type are in one status, and since when the longest-waiting one is."""

    name: str
    status: str
    count: int
    # The oldest `updated_at` among them: every change of status writes it.
    since: datetime


def backlog() -> list[Backlog]:
    """Jobs not yet succeeded, by type and status (all tenants: an operator's figures)."""
    from consortium.extensions import db

    with tenancy.all_tenants():
        rows = db.session.execute(
            select(Job.name, Job.status, sql.count(), sql.min(Job.updated_at))
            .where(Job.status.in_(COUNTED))
            .group_by(Job.name, Job.status)
        ).all()
    return [Backlog(name, status, count, since) for name, status, count, since in rows]


def job_names() -> list[str]:
    """Every registered job type."""
    return sorted(_registry)


# --- worker and scheduler processes ---------------------------------------------------------

_worker_apps: dict[int, Flask] = {}


def _worker_app() -> Flask:
    """The app for this process; a forked work-horse gets fresh database connections."""
    pid = os.getpid()
    if pid not in _worker_apps:
        if has_app_context():
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        elif _worker_apps:  # a work-horse forked by run_worker(app): that app, not a new one
            app = next(iter(_worker_apps.values()))
        else:
            from consortium import create_app

            app = create_app()
        app.extensions["consortium.db"].dispose(close=False)
        _worker_apps[pid] = app
    return _worker_apps[pid]


def run_worker(app: Flask, *, burst: bool = False, queues: tuple[str, ...] = QUEUES) -> bool:
    """Run an RQ worker (with RQ's scheduler for retries) on this app's Redis."""
    _worker_apps[os.getpid()] = app
    connection = redis_connection(app)
    worker = Worker([Queue(q, connection=connection) for q in queues], connection=connection)
    return bool(
        worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
    )


def purge_idempotency_keys() -> int:
    """RQ entry point: drop idempotency records past their lifetime."""
    from consortium.core.idempotency import purge_expired

    return in_worker_app(
        lambda: purge_expired(older_than=timedelta(seconds=current_app.config["IDEMPOTENCY_TTL"]))
    )


# Periodic jobs, declared as data: (function, queue, interval in seconds). Domains add theirs
# with `periodic` when their jobs module is imported (see create_app's _register_jobs).
PERIODIC: list[tuple[Callable[[], Any], str, int]] = [
    (sweep_outbox, "maintenance", 30),
    (purge_idempotency_keys, "maintenance", 3600),
]


def periodic(
    *, every: int, queue: str = "maintenance"
) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """Have the scheduler call this module-level function every `every` seconds.

    RQ imports it by name in a worker, so it takes no arguments and opens its own app context
    (see `in_worker_app`).
    """

    def decorator(func: Callable[[], T]) -> Callable[[], T]:
        if all(f is not func for f, _, _ in PERIODIC):
            PERIODIC.append((func, queue, every))
        return func

    return decorator


def in_worker_app(work: Callable[[], T]) -> T:
    """Run `work` in this worker process's app context (a periodic job's body)."""
    with _worker_app().app_context():
        return work()


def run_scheduler(app: Flask) -> None:
    """Enqueue the periodic jobs on their intervals (one scheduler process per deployment)."""
    scheduler = CronScheduler(
        connection=redis_connection(app), logging_level=app.config["LOG_LEVEL"]
    )
    for func, queue, interval in PERIODIC:
        scheduler.register(func, queue, interval=interval)
    scheduler.start()
