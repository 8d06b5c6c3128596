"""Matching on any consortium a coordinator can build through the API, run by a real worker.

Each example is a random consortium (random_world.py) made through the HTTP API, then a
matching run started by its coordinator, queued through the outbox into Redis and taken by a
real RQ worker process on PostgreSQL as the application role. Whatever the world, the run
succeeds; its proposals break no hard constraint (judged by the plan's own reading of them, not
the engine's); capacity holds; optimal mode's total equals an independent OR-Tools CP-SAT
model on the same candidate graph; stable mode leaves no blocking pair; every mentee left
unmatched has a reason. A second run over what is left succeeds too.

Bounded: HYPOTHESIS_MAX_EXAMPLES (30 by default) examples, derandomised in CI so a red run
names its failing example again.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

from consortium.core import tenancy
from consortium.extensions import db
from consortium.matching import engine, solve
from consortium.matching.load import load
from consortium.matching.scoring import integer_weights
from consortium.programmes.models import Programme
from tests.conftest import ApiClient
from tests.jobs.support import (
    FLASK_WORKER,
    RedisServer,
    start_worker,
    stop_process_group,
    wait_for,
    worker_env,
)
from tests.matching_runs import random_world
from tests.matching_runs.random_world import Plan, World
from tests.oidc import LocalIdp, signed_in

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "30"))


@pytest.fixture
def worker(
    rq_app: Flask, shared_redis: RedisServer, runtime_url: str, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running `flask worker` on the private Redis, as the application role."""
    log = tmp_path / "worker.log"
    process = start_worker(worker_env(runtime_url, shared_redis.url), log, FLASK_WORKER)
    yield process
    stop_process_group(process)
    if process.returncode not in (0, -9, None):
        print(log.read_text())


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(plan=random_world.plans())
def test_matching_holds_on_random_consortia_built_through_the_api(
    plan: Plan,
    app: Flask,
    rq_app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    worker: subprocess.Popen[bytes],
) -> None:
    _matching_holds(plan, app, rq_app, platform, idp, worker)


@settings(
    max_examples=max(1, MAX_EXAMPLES // 3),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(plan=random_world.plans_with_pairing_rules())
def test_switched_on_pairing_rules_hold_on_random_consortia(
    plan: Plan,
    app: Flask,
    rq_app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    worker: subprocess.Popen[bytes],
) -> None:
    """The same checks on worlds whose programme switches on at least one of issue 17's rules
    (a different discipline, outside the immediate system, a mentor seniority floor): no
    proposal breaks one, and the candidate graph is what the plan's reading of them allows."""
    assert plan.different_discipline or plan.outside_system or plan.mentor_seniority_min
    _matching_holds(plan, app, rq_app, platform, idp, worker)


def _matching_holds(
    plan: Plan,
    app: Flask,
    rq_app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    worker: subprocess.Popen[bytes],
) -> None:
    world = random_world.build(plan, app=app, platform=platform, idp=idp)
    coordinator = signed_in(rq_app, world.coordinator_slug, world.coordinator_email)
    places = {m.profile["id"]: m.plan.capacity for m in world.mentors}
    seen: set[str] = set()

    for round_ in (1, 2):
        graph, weights, problem = _candidate_graph(app, world)
        expected = {
            (a.application["id"], m.profile["id"])
            for a in world.applicants
            for m in world.mentors
            if a.application["id"] in graph.open_applications
            and random_world.allowed(world, a, m, places)
        }
        assert graph.pairs == expected, (
            f"round {round_}: the candidate graph is not what the rules allow"
        )

        run = _run_to_the_end(coordinator, world, worker)
        assert run["status"] == "succeeded", run
        proposals = _proposals(coordinator, world, seen)
        assert run["counts"]["proposed"] == len(proposals), run

        for application_id, profile_id in proposals:
            assert (application_id, profile_id) in expected, "a proposal breaks a hard constraint"
        for profile_id in places:
            taken = sum(1 for _, p in proposals if p == profile_id)
            assert taken <= places[profile_id], "a mentor was given more mentees than places"
            places[profile_id] -= taken
        mentees = [a for a, _ in proposals]
        assert len(mentees) == len(set(mentees)), "a mentee was proposed twice"

        chosen = graph.chosen(proposals)
        if plan.mode == "optimal":
            assert int(weights[chosen].sum()) == _cp_sat_optimum(graph, weights, problem)
        else:
            left = problem.mentors.capacity_left
            assert (
                solve.blocking_pairs(
                    graph.rows,
                    graph.columns,
                    graph.total,
                    graph.ranks,
                    left,
                    chosen,
                    problem.mentees.count,
                )
                == []
            )

        unmatched = {u["application_id"]: u for u in run["unmatched"]}
        assert set(unmatched) == graph.open_applications - set(mentees)
        assert all(u["reason"].strip() for u in unmatched.values()), unmatched


class _Graph:
    """The candidate graph the worker will see, computed in this process before the run."""

    def __init__(self, problem: Any, outcome: engine.Outcome) -> None:
        self.rows, self.columns = outcome.graph.rows, outcome.graph.columns
        self.total = outcome.scores.total
        self.ranks = engine.shortlist_ranks(problem, self.rows, self.columns)
        applications = [str(a) for a in problem.mentees.application_ids]
        profiles = [str(p) for p in problem.mentors.profile_ids]
        self.open_applications = set(applications)
        self.edge = {
            (applications[r], profiles[c]): e
            for e, (r, c) in enumerate(zip(self.rows.tolist(), self.columns.tolist(), strict=True))
        }
        self.pairs = set(self.edge)

    def chosen(self, proposals: list[tuple[str, str]]) -> np.ndarray:
        out = np.zeros(len(self.rows), dtype=bool)
        out[[self.edge[p] for p in proposals]] = True
        return out


def _candidate_graph(app: Flask, world: World) -> tuple[_Graph, np.ndarray, Any]:
    with app.app_context(), tenancy.all_tenants():
        programme = db.session.get(Programme, uuid.UUID(world.programme["id"]))
        problem = load(programme)
        outcome = engine.run(problem)
        db.session.rollback()
    return _Graph(problem, outcome), integer_weights(outcome.scores.total), problem


def _cp_sat_optimum(graph: _Graph, weights: np.ndarray, problem: Any) -> int:
    """The best total by an independent model: CP-SAT over the same pairs and places."""
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{e}") for e in range(len(graph.rows))]
    for row in set(graph.rows.tolist()):
        model.add(sum(x[e] for e in np.flatnonzero(graph.rows == row)) <= 1)
    left = problem.mentors.capacity_left
    for column in set(graph.columns.tolist()):
        model.add(sum(x[e] for e in np.flatnonzero(graph.columns == column)) <= int(left[column]))
    model.maximize(sum(int(w) * v for w, v in zip(weights.tolist(), x, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


def _run_to_the_end(
    coordinator: Any, world: World, worker: subprocess.Popen[bytes]
) -> dict[str, Any]:
    url = f"/api/v1/programmes/{world.programme['id']}/matching-runs"
    response = coordinator.post(url)
    assert response.status_code == 202, response.get_json()
    run_url = f"{url}/{response.get_json()['id']}"

    def finished() -> dict[str, Any] | None:
        assert worker.poll() is None, "the worker died"
        body = coordinator.get(run_url).get_json()
        return body if body["status"] in ("succeeded", "failed") else None

    return wait_for(finished, timeout=60, what="the matching run to finish")


def _proposals(coordinator: Any, world: World, seen: set[str]) -> list[tuple[str, str]]:
    """(application id, mentor profile id) of the programme's proposals not `seen` before, as
    the coordinator lists them (each applicant has one application in the programme)."""
    application_of = {a.person["id"]: a.application["id"] for a in world.applicants}
    out: list[tuple[str, str]] = []
    page = 1
    while True:
        response = coordinator.get(
            "/api/v1/matches",
            query_string={"programme_id": world.programme["id"], "page": page, "page_size": 100},
        )
        assert response.status_code == 200, response.get_json()
        batch = response.get_json()
        for m in batch:
            if m["id"] not in seen:
                seen.add(m["id"])
                assert m["status"] == "proposed"
                out.append((application_of[m["mentee"]["person_id"]], m["mentor"]["profile_id"]))
        if len(batch) < 100:
            return out
        page += 1


def _mentors(n: int) -> tuple[random_world.MentorPlan, ...]:
    plain = random_world.MentorPlan(
        capacity=1,
        scope="consortium",
        named=(),
        released=True,
        vetted=True,
        paused=False,
        modalities=("mentoring",),
        seniority=6,
    )
    return (plain,) * n


def _applicants(n: int) -> tuple[random_world.ApplicantPlan, ...]:
    plain = random_world.ApplicantPlan(
        seniority=4, manager=None, avoid=(), shortlist=0, is_mentor=None
    )
    return (plain,) * n


@pytest.mark.parametrize(
    "plan",
    [
        pytest.param(
            # As reported: a trust, a police force and a council; six mentors released by two of
            # them, capacity 1; four staff of two organisations apply; optimal mode.
            Plan(
                organisations=(
                    random_world.OrganisationPlan("health", _mentors(3), _applicants(2)),
                    random_world.OrganisationPlan("police", _mentors(3), ()),
                    random_world.OrganisationPlan("local_authority", (), _applicants(2)),
                ),
                mode="optimal",
                cross_organisation=True,
                seniority_direction="any",
                vetting_required=True,
            ),
            id="three-organisations-as-reported",
        ),
        pytest.param(
            # Nobody has applied yet: the run finds nothing to do (this crashed the worker).
            Plan(
                organisations=(
                    random_world.OrganisationPlan("health", _mentors(2), ()),
                    random_world.OrganisationPlan("police", (), ()),
                ),
                mode="stable",
                cross_organisation=True,
                seniority_direction="any",
                vetting_required=True,
            ),
            id="no-applicants",
        ),
    ],
)
def test_ordinary_consortia_match_on_a_real_worker(
    plan: Plan,
    app: Flask,
    rq_app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    worker: subprocess.Popen[bytes],
) -> None:
    world = random_world.build(plan, app=app, platform=platform, idp=idp)
    coordinator = signed_in(rq_app, world.coordinator_slug, world.coordinator_email)
    run = _run_to_the_end(coordinator, world, worker)
    assert run["status"] == "succeeded", run
    assert run["attempts"] == 1
    proposals = _proposals(coordinator, world, set())
    applicants = len(world.applicants)
    assert run["counts"]["proposed"] == len(proposals) == applicants
    assert run["unmatched"] == []
    # Capacity 1 each: no mentor twice; nobody paired within their own organisation.
    assert len({profile for _, profile in proposals}) == applicants
    organisation_of = {m.profile["id"]: m.organisation for m in world.mentors}
    applicant_of = {a.application["id"]: a.organisation for a in world.applicants}
    assert all(organisation_of[p] != applicant_of[a] for a, p in proposals)
