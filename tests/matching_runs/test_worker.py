"""A matching run as production runs it: queued in Redis, taken by a real RQ worker process."""

from __future__ import annotations

from flask import Flask

from tests.api.helpers import assert_problem
from tests.jobs.support import RedisServer, run_burst_worker, worker_env
from tests.matching_runs.conftest import MatchingWorld, get_run, runs_url, start_run
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
