"""A matching run as production runs it: queued in Redis, taken by a real RQ worker process."""

from __future__ import annotations

from flask import Flask

from consortium.core.jobs import MAX_ATTEMPTS
from tests.api.helpers import assert_problem
from tests.jobs.conftest import rq_settings_app
from tests.jobs.support import RedisServer, run_burst_worker, worker_env
from tests.matching_runs.conftest import MatchingWorld, get_run, runs_url, start_run
from tests.matching_runs.test_runs import FLOAT_ERROR, break_weights
from tests.oidc import signed_in


def test_a_run_goes_through_a_real_worker_one_at_a_time(
    world: MatchingWorld, rq_app: Flask, shared_redis: RedisServer, runtime_url: str
) -> None:
    programme = world.programme()
    world.mentor(world.beta, "Priya")
    world.mentor(world.gamma, "Gita")
    world.apply(world.alpha, "Ann", programme)
    world.apply(world.beta, "Ben", programme)
    coordinator = signed_in(rq_app, "alpha-trust", "cora.coordinator@alpha-trust.example.org")

    run = start_run(coordinator, programme)
    assert get_run(coordinator, programme, run)["status"] == "queued"
    second = coordinator.post(runs_url(programme))
    assert_problem(second, 409)
    assert run["id"] in second.get_json()["detail"]

    run_burst_worker(worker_env(runtime_url, shared_redis.url))

    done = get_run(coordinator, programme, run)
    assert done["status"] == "succeeded", done
    assert done["counts"]["proposed"] == 2 and done["attempts"] == 1
    assert len(world.proposals(programme)) == 2
    # Finished: the next run may start (and finds nobody left to pair).
    assert get_run(coordinator, programme, start_run(coordinator, programme))["status"] == "queued"


def test_a_run_that_keeps_failing_on_a_real_worker_reads_failed_and_the_coordinator_is_told(
    world: MatchingWorld, shared_redis: RedisServer, runtime_url: str
) -> None:
    from tests.pool.conftest import mail_jobs

    programme = world.programme(name="Reverse mentoring 2027")
    world.mentor(world.beta, "Priya")
    world.apply(world.alpha, "Ann", programme)
    break_weights(world)
    with shared_redis.client() as c:
        c.flushall()
    # Retries without waiting, so the worker makes every attempt before it stops.
    app = rq_settings_app(runtime_url, shared_redis.url, job_retry_intervals=(0, 0, 0))
    try:
        coordinator = signed_in(app, "alpha-trust", "cora.coordinator@alpha-trust.example.org")
        run = start_run(coordinator, programme)
        assert get_run(coordinator, programme, run)["status"] == "queued"

        output = run_burst_worker(worker_env(runtime_url, shared_redis.url))

        shown = get_run(coordinator, programme, run)
        assert (shown["status"], shown["attempts"]) == ("failed", MAX_ATTEMPTS), (shown, output)
        assert shown["error"] == (
            f"The matching run failed {MAX_ATTEMPTS} times (last error: {FLOAT_ERROR}). Try "
            f"again; if it fails again, contact support quoting job {run['job_id']}."
        )
        assert "Traceback" in output and "Traceback" not in shown["error"]
        assert world.proposals(programme) == []
        # The failure hook's mail went through the outbox to the same worker, and was sent.
        (told,) = mail_jobs(world.owner, "cora.coordinator@alpha-trust.example.org")
        assert told["status"] == "succeeded"
        assert told["arguments"]["subject"] == "Matching run failed: Reverse mentoring 2027"
        assert shown["error"] in told["arguments"]["body"]
    finally:
        app.extensions["consortium.db"].dispose()
        app.extensions["consortium.redis"].close()
