"""The transactional outbox: what reaches RQ, what survives Redis and worker failures, and that
a job's effect commits exactly once."""

from __future__ import annotations

import os
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from rq import Queue
from rq.job import Job as RQJob
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from consortium.core import tenancy
from consortium.core.jobs import MAX_ATTEMPTS, Job, enqueue, execute, run_worker, sweep
from consortium.extensions import db
from tests.factories import Tenant
from tests.jobs.conftest import api_on, as_organisation, enqueue_effect, rq_settings_app
from tests.jobs.support import (
    TEST_WORKER,
    RedisServer,
    job_count,
    job_row,
    job_title,
    run_burst_worker,
    start_worker,
    stop_process_group,
    wait_for,
    worker_env,
)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child of the (dead) worker is re-parented and reaped by init; until then a zombie.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def effects(owner_engine: Engine, tenant: Tenant) -> int:
    """How many runs of tests.record_effect committed their write to the tenant's person."""
    return job_title(owner_engine, tenant.person["id"]).count("+")


# --- enqueue and commit ------------------------------------------------------------------------


def test_a_rolled_back_transaction_enqueues_nothing(
    rq_app: Flask, shared_redis: RedisServer, tenant_a: Tenant, owner_engine: Engine
) -> None:
    redis = shared_redis.client()
    with rq_app.app_context(), tenancy.acting_as(as_organisation(tenant_a.id)):
        doomed = enqueue(
            db.session,
            "tests.record_effect",
            tenant_id=uuid.UUID(tenant_a.id),
            person_id=tenant_a.person["id"],
        )
        assert (
            db.session.scalar(select(func.count()).select_from(Job).where(Job.id == doomed.id)) == 1
        )
        db.session.rollback()

        # The same session goes on to commit another job: only that one is sent.
        kept = enqueue(
            db.session,
            "tests.record_effect",
            tenant_id=uuid.UUID(tenant_a.id),
            person_id=tenant_a.person["id"],
        )
        db.session.commit()

    assert job_row(owner_engine, doomed.id) is None
    assert not RQJob.exists(str(doomed.id), connection=redis)
    assert Queue("default", connection=redis).get_job_ids() == [str(kept.id)]
    assert job_count(owner_engine) == 1
    assert job_row(owner_engine, kept.id)["status"] == "enqueued"


def test_the_sweeper_leaves_a_job_rq_still_holds_and_resends_one_redis_lost(
    rq_app: Flask, shared_redis: RedisServer, tenant_a: Tenant, owner_engine: Engine
) -> None:
    redis = shared_redis.client()
    queue = Queue("default", connection=redis)
    job_id = enqueue_effect(rq_app, tenant_a)
    assert queue.get_job_ids() == [str(job_id)]

    assert sweep(rq_app, stale_after=0) == 0
    assert queue.get_job_ids() == [str(job_id)]  # not sent twice

    redis.flushall()  # Redis lost it (restart without persistence, eviction...)
    assert sweep(rq_app, stale_after=0) == 1
    assert queue.get_job_ids() == [str(job_id)]
    assert job_row(owner_engine, job_id)["status"] == "enqueued"


def test_an_in_process_worker_runs_queued_jobs_with_the_app_it_was_given(
    rq_app: Flask, shared_redis: RedisServer, tenant_a: Tenant, owner_engine: Engine
) -> None:
    job_id = enqueue_effect(rq_app, tenant_a)

    run_worker(rq_app, burst=True)  # outside any app context; RQ forks a work-horse per job

    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"]) == ("succeeded", 1)
    assert effects(owner_engine, tenant_a) == 1
    assert Queue("default", connection=shared_redis.client()).count == 0


# --- Redis and worker failures -----------------------------------------------------------------


@pytest.mark.slow
def test_a_job_requested_while_redis_is_down_runs_exactly_once_when_it_is_back(
    redis_server: RedisServer,
    runtime_url: str,
    tenant_a: Tenant,
    tenant_b: Tenant,
    owner_engine: Engine,
) -> None:
    app = rq_settings_app(runtime_url, redis_server.url)
    try:
        api = api_on(app, tenant_a)
        redis_server.stop()

        response = api.post(f"/api/v1/organisations/{tenant_a.id}/exports")
        assert response.status_code == 202, response.get_json()
        job_url = f"/api/v1/jobs/{response.get_json()['id']}"
        assert api.get(job_url).get_json()["status"] == "pending"

        # While Redis is still down the sweeper cannot send it, and loses nothing.
        assert sweep(app, stale_after=0) == 0
        assert api.get(job_url).get_json()["status"] == "pending"

        redis_server.start()
        assert sweep(app, stale_after=0) == 1
        assert api.get(job_url).get_json()["status"] == "enqueued"

        env = worker_env(runtime_url, redis_server.url)
        run_burst_worker(env)
        done = api.get(job_url).get_json()
        assert done["status"] == "succeeded", done
        assert done["attempts"] == 1
        assert done["result"]["organisation"]["id"] == tenant_a.id
        assert [p["id"] for p in done["result"]["people"]] == [tenant_a.person["id"]]

        # Sweeping and working again change nothing: it ran once.
        assert sweep(app, stale_after=0) == 0
        run_burst_worker(env)
        again = api.get(job_url).get_json()
        assert again["status"] == "succeeded"
        assert again["attempts"] == 1
        assert again["finished_at"] == done["finished_at"]
    finally:
        app.extensions["consortium.db"].dispose()
        app.extensions["consortium.redis"].close()


@pytest.mark.slow
def test_a_job_whose_worker_is_killed_mid_job_is_rerun_and_its_effect_happens_once(
    rq_app: Flask,
    shared_redis: RedisServer,
    runtime_url: str,
    tenant_a: Tenant,
    owner_engine: Engine,
    tmp_path: Path,
) -> None:
    reached, release = tmp_path / "reached", tmp_path / "release"
    job_id = enqueue_effect(rq_app, tenant_a, reached=str(reached), release=str(release))
    env = worker_env(runtime_url, shared_redis.url)

    worker = start_worker(env, tmp_path / "worker.log")
    horse: int | None = None
    try:
        wait_for(
            lambda: reached.exists() and job_row(owner_engine, job_id)["status"] == "running",
            what="the worker to be inside the job",
        )
        # The machine goes: the worker and its work-horse (RQ puts it in a process group of its
        # own) die at once, in the middle of the job, with its write made but not committed.
        horse = int(wait_for(reached.read_text, what="the work-horse's pid"))
        os.killpg(worker.pid, signal.SIGKILL)
        os.killpg(horse, signal.SIGKILL)
        worker.wait(timeout=10)
        wait_for(lambda: not pid_alive(horse), what="the work-horse to die")
    finally:
        stop_process_group(worker)
        if horse is not None and pid_alive(horse):
            os.killpg(horse, signal.SIGKILL)

    # Nothing of the killed run committed; the sweeper re-sends the abandoned job once its
    # database session is gone (until then the row is locked and skipped).
    wait_for(lambda: sweep(rq_app, stale_after=0) == 1, what="the sweeper to re-send the job")
    row = job_row(owner_engine, job_id)
    assert row["status"] == "enqueued"
    assert row["attempts"] == 1
    assert effects(owner_engine, tenant_a) == 0

    release.touch()
    run_burst_worker(env, TEST_WORKER)
    row = job_row(owner_engine, job_id)
    assert row["status"] == "succeeded", (row, (tmp_path / "worker.log").read_text())
    assert row["attempts"] == 2
    assert effects(owner_engine, tenant_a) == 1
    assert row["result"] == {"job_title": "+"}


# --- duplicate deliveries and failures ---------------------------------------------------------


def test_a_second_delivery_of_a_finished_job_does_not_run_it_again(
    rq_app: Flask, tenant_a: Tenant, owner_engine: Engine
) -> None:
    job_id = enqueue_effect(rq_app, tenant_a)  # sent to RQ; no worker has taken it

    assert execute(rq_app, job_id) == "succeeded"
    assert execute(rq_app, job_id) == "succeeded"

    row = job_row(owner_engine, job_id)
    assert row["status"] == "succeeded"
    assert row["attempts"] == 1
    assert effects(owner_engine, tenant_a) == 1


def test_a_delivery_while_another_executor_runs_the_job_does_not_run_it_twice(
    rq_app: Flask, tenant_a: Tenant, owner_engine: Engine, tmp_path: Path
) -> None:
    reached, release = tmp_path / "reached", tmp_path / "release"
    job_id = enqueue_effect(rq_app, tenant_a, reached=str(reached), release=str(release))

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(execute, rq_app, job_id)
        try:
            wait_for(reached.exists, what="the first executor to be inside the job")
            # (In a thread: were it to wait for the first executor, we still release the job.)
            assert pool.submit(execute, rq_app, job_id).result(timeout=20) == "busy"
            # Nor does the sweeper take a running job whose executor is alive for abandoned.
            assert sweep(rq_app, stale_after=0) == 0
            assert job_row(owner_engine, job_id)["status"] == "running"
        finally:
            release.touch()
        assert first.result(timeout=30) == "succeeded"

    assert execute(rq_app, job_id) == "succeeded"
    row = job_row(owner_engine, job_id)
    assert row["status"] == "succeeded"
    assert row["attempts"] == 1
    assert effects(owner_engine, tenant_a) == 1


def test_a_failing_job_is_retried_until_max_attempts_and_then_fails(
    app: Flask, tenant_a: Tenant, owner_engine: Engine
) -> None:
    job_id = enqueue_effect(app, tenant_a, fail=True)  # inline: the first attempt runs on commit

    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"]) == ("enqueued", 1)
    assert row["error"] == "DeliberateFailure: the handler failed on purpose"
    assert row["finished_at"] is None

    for attempt in range(2, MAX_ATTEMPTS):
        assert execute(app, job_id) == "enqueued"
        assert job_row(owner_engine, job_id)["attempts"] == attempt

    assert execute(app, job_id) == "failed"
    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert row["error"] == "DeliberateFailure: the handler failed on purpose"
    assert row["finished_at"] is not None
    assert row["result"] is None

    # A failed job is final: another delivery does not run it.
    assert execute(app, job_id) == "failed"
    assert job_row(owner_engine, job_id)["attempts"] == MAX_ATTEMPTS
    # Every attempt's write was rolled back with it.
    assert effects(owner_engine, tenant_a) == 0

    shown = tenant_a.api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert (shown["status"], shown["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert shown["error"] == "DeliberateFailure: the handler failed on purpose"


def test_a_failed_attempt_that_then_succeeds_clears_the_error(
    app: Flask, tenant_a: Tenant, owner_engine: Engine
) -> None:
    job_id = enqueue_effect(app, tenant_a, fail=True)
    assert job_row(owner_engine, job_id)["status"] == "enqueued"
    with app.app_context(), tenancy.all_tenants():  # the cause is fixed before the retry
        row = db.session.get(Job, job_id)
        row.arguments = {**row.arguments, "fail": False}
        db.session.commit()

    assert execute(app, job_id) == "succeeded"
    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"], row["error"]) == ("succeeded", 2, None)
    assert effects(owner_engine, tenant_a) == 1


def test_a_database_error_in_the_handler_is_a_failed_attempt_not_a_busy_row(
    app: Flask, tenant_a: Tenant, owner_engine: Engine
) -> None:
    """Only the lock that refuses to wait means "another executor has it"; a statement the
    database cancels inside the handler is recorded, retried and finally fails."""
    job_id = enqueue_effect(app, tenant_a, database_error=True)

    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"]) == ("enqueued", 1)
    assert row["error"].startswith("OperationalError")
    assert effects(owner_engine, tenant_a) == 0


def test_a_job_whose_workers_died_max_attempts_times_fails_instead_of_running_again(
    app: Flask, tenant_a: Tenant, owner_engine: Engine
) -> None:
    job_id = enqueue_effect(app, tenant_a, commit=False)  # rolled back: write the row by hand
    with app.app_context(), tenancy.all_tenants():
        db.session.add(
            Job(
                id=job_id,
                organisation_id=uuid.UUID(tenant_a.id),
                name="tests.record_effect",
                arguments={"person_id": tenant_a.person["id"]},
                status="running",  # its last worker was killed mid-job, every time
                attempts=MAX_ATTEMPTS,
                created_by="test",
            )
        )
        db.session.commit()

    assert execute(app, job_id) == "failed"
    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert row["error"] == f"gave up after {MAX_ATTEMPTS} attempts"
    assert effects(owner_engine, tenant_a) == 0
