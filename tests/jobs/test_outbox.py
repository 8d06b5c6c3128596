"""The transactional outbox: what reaches RQ, what survives Redis and worker failures, and that
a job's effect commits exactly once."""

from __future__ import annotations

import os
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from rq import Queue
from rq.job import Job as RQJob
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from consortium.core import tenancy
from consortium.core.jobs import MAX_ATTEMPTS, Job, enqueue, execute, run_worker, summary, sweep
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
            timeout=90,  # a worker process takes 15 s just to start on a loaded 2-core machine
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
    assert row["status"] == "retrying"  # the attempt was lost: another is due now
    assert row["error"] == "Attempt 1: the worker running it stopped before it finished"
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


def reason(job_id: uuid.UUID, last_error: str, title: str = "The job tests.record_effect") -> str:
    return (
        f"{title} failed {MAX_ATTEMPTS} times (last error: {last_error}). Try again; if it "
        f"fails again, contact support quoting job {job_id}."
    )


def test_a_failing_job_reads_retrying_until_max_attempts_and_then_failed_with_a_reason(
    app: Flask, tenant_a: Tenant, owner_engine: Engine
) -> None:
    job_id = enqueue_effect(app, tenant_a, fail=True)  # inline: the first attempt runs on commit
    job_url = f"/api/v1/jobs/{job_id}"

    shown = tenant_a.api.get(job_url).get_json()
    assert (shown["status"], shown["attempts"]) == ("retrying", 1)
    assert shown["error"] == "DeliberateFailure: the handler failed on purpose"
    assert shown["next_attempt_at"] is None  # inline: no worker has scheduled it
    assert shown["finished_at"] is None

    for attempt in range(2, MAX_ATTEMPTS):
        assert execute(app, job_id) == "retrying"
        shown = tenant_a.api.get(job_url).get_json()
        assert (shown["status"], shown["attempts"]) == ("retrying", attempt)
    assert job_title(owner_engine, tenant_a.person["id"]) == ""  # no failure hook yet

    assert execute(app, job_id) == "failed"
    shown = tenant_a.api.get(job_url).get_json()
    assert (shown["status"], shown["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert shown["error"] == reason(job_id, "DeliberateFailure: the handler failed on purpose")
    assert shown["finished_at"] is not None
    assert (shown["result"], shown["next_attempt_at"]) == (None, None)

    # A failed job is final: another delivery does not run it (nor its failure hook again).
    assert execute(app, job_id) == "failed"
    assert job_row(owner_engine, job_id)["attempts"] == MAX_ATTEMPTS
    # Every attempt's write was rolled back with it; the hook's own transaction committed.
    assert job_title(owner_engine, tenant_a.person["id"]) == "!"


def test_a_failure_hook_that_fails_leaves_the_job_failed(
    app: Flask, tenant_a: Tenant, owner_engine: Engine
) -> None:
    job_id = enqueue_effect(app, tenant_a, fail=True, hook_fails=True)
    for _ in range(2, MAX_ATTEMPTS + 1):
        execute(app, job_id)

    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert row["error"] == reason(job_id, "DeliberateFailure: the handler failed on purpose")
    assert job_title(owner_engine, tenant_a.person["id"]) == ""  # the hook's write rolled back


def test_a_long_error_is_summed_up_in_one_short_line() -> None:
    error = summary(ValueError("first line " + "x" * 300 + "\n  File 'a.py', line 1\nmore"))
    assert error.startswith("ValueError: first line xxx") and error.endswith("…")
    assert len(error) == 200 and "\n" not in error
    assert summary(KeyError()) == "KeyError"


def test_a_failed_attempt_that_then_succeeds_clears_the_error(
    app: Flask, tenant_a: Tenant, owner_engine: Engine
) -> None:
    job_id = enqueue_effect(app, tenant_a, fail=True)
    assert job_row(owner_engine, job_id)["status"] == "retrying"
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
    assert (row["status"], row["attempts"]) == ("retrying", 1)
    assert row["error"].startswith("OperationalError: ")
    assert "\n" not in row["error"] and "[SQL:" not in row["error"]
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
    assert row["error"] == reason(job_id, "the worker running it stopped before it finished")
    assert effects(owner_engine, tenant_a) == 0
    assert job_title(owner_engine, tenant_a.person["id"]) == "!"  # its failure hook ran


# --- retrying and failed on real workers -------------------------------------------------------


@pytest.mark.slow
def test_a_job_that_fails_once_reads_retrying_on_a_real_worker_and_then_succeeds(
    redis_server: RedisServer,
    runtime_url: str,
    tenant_a: Tenant,
    owner_engine: Engine,
    tmp_path: Path,
) -> None:
    """RQ's Retry schedules the second attempt; until then the job says why and when."""
    app = rq_settings_app(runtime_url, redis_server.url, job_retry_intervals=(3, 3, 3))
    env = worker_env(runtime_url, redis_server.url)
    worker = None
    try:
        api = api_on(app, tenant_a)
        job_id = enqueue_effect(app, tenant_a, fail_times=1, runs=str(tmp_path / "runs"))
        job_url = f"/api/v1/jobs/{job_id}"

        output = run_burst_worker(env, TEST_WORKER)  # the first attempt; the retry waits 3 s
        shown = api.get(job_url).get_json()
        assert (shown["status"], shown["attempts"]) == ("retrying", 1), (shown, output)
        assert shown["error"] == "DeliberateFailure: the handler failed on purpose"
        assert "Traceback" in output and "Traceback" not in str(shown)  # the log has it
        due = datetime.fromisoformat(shown["next_attempt_at"])
        assert 0 < (due - datetime.fromisoformat(shown["started_at"])).total_seconds() < 60
        assert shown["finished_at"] is None
        assert sweep(app, stale_after=0) == 0  # RQ holds the scheduled retry: not sent twice

        worker = start_worker(env, tmp_path / "worker.log")  # its scheduler sends the retry
        wait_for(
            lambda: api.get(job_url).get_json()["status"] == "succeeded",
            timeout=60,
            what="the retry to succeed",
        )
        shown = api.get(job_url).get_json()
        assert (shown["attempts"], shown["error"], shown["next_attempt_at"]) == (2, None, None)
        assert effects(owner_engine, tenant_a) == 1
    finally:
        if worker is not None:
            stop_process_group(worker)
        app.extensions["consortium.db"].dispose()
        app.extensions["consortium.redis"].close()


@pytest.mark.slow
def test_a_job_that_always_fails_on_a_real_worker_reads_failed_with_what_to_do(
    redis_server: RedisServer, runtime_url: str, tenant_a: Tenant, owner_engine: Engine
) -> None:
    app = rq_settings_app(runtime_url, redis_server.url, job_retry_intervals=(0, 0, 0))
    try:
        job_id = enqueue_effect(app, tenant_a, fail=True)

        # No wait between attempts: RQ puts each retry straight back on the queue.
        output = run_burst_worker(worker_env(runtime_url, redis_server.url), TEST_WORKER)

        shown = api_on(app, tenant_a).get(f"/api/v1/jobs/{job_id}").get_json()
        assert (shown["status"], shown["attempts"]) == ("failed", MAX_ATTEMPTS), (shown, output)
        assert shown["error"] == reason(job_id, "DeliberateFailure: the handler failed on purpose")
        assert "Traceback" not in shown["error"]
        assert output.count("Traceback") >= MAX_ATTEMPTS  # every attempt's, in the log only
        assert job_title(owner_engine, tenant_a.person["id"]) == "!"  # the hook ran once
        assert sweep(app, stale_after=0) == 0  # final: nothing to re-send
    finally:
        app.extensions["consortium.db"].dispose()
        app.extensions["consortium.redis"].close()


def test_a_retrying_job_that_redis_lost_is_resent_by_the_sweeper_and_still_reads_retrying(
    rq_app: Flask, shared_redis: RedisServer, tenant_a: Tenant, owner_engine: Engine, tmp_path: Path
) -> None:
    job_id = enqueue_effect(rq_app, tenant_a, fail_times=1, runs=str(tmp_path / "runs"))
    with pytest.raises(RuntimeError, match="on purpose"):  # in RQ mode the failure goes to RQ
        execute(rq_app, job_id)
    assert job_row(owner_engine, job_id)["status"] == "retrying"

    shared_redis.client().flushall()  # Redis lost the retry
    assert sweep(rq_app, stale_after=0) == 1
    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"]) == ("retrying", 1)
    assert row["error"] == "DeliberateFailure: the handler failed on purpose"
    assert row["next_attempt_at"] is not None  # re-sent: due now
    assert sweep(rq_app, stale_after=0) == 0  # RQ holds it again

    run_worker(rq_app, burst=True)
    row = job_row(owner_engine, job_id)
    assert (row["status"], row["attempts"], row["error"]) == ("succeeded", 2, None)
    assert effects(owner_engine, tenant_a) == 1
