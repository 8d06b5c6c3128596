"""Reports built by a job: POST .../{kind}/builds → 202, the build's progress, then its result
in any media type; in the tests' inline mode, and through a real RQ worker process."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.api.helpers import assert_problem
from tests.jobs.conftest import _rq_app, rq_app, shared_redis  # noqa: F401
from tests.jobs.support import RedisServer, run_burst_worker, worker_env
from tests.oidc import signed_in
from tests.reports.conftest import ReportsWorld, csv_rows, ok, png_size, svg_root


def start(caller: Any, rw: ReportsWorld, kind: str) -> dict[str, Any]:
    response = caller.post(rw.url(kind, "/builds"))
    assert response.status_code == 202, response.get_json()
    build: dict[str, Any] = response.get_json()
    assert response.headers["Location"].endswith(f"/{kind}/builds/{build['id']}")
    return build


def build_url(rw: ReportsWorld, build: dict[str, Any], suffix: str = "") -> str:
    return f"/api/v1/reports/consortia/{rw.network_id}/{build['kind']}/builds/{build['id']}{suffix}"


def test_a_build_runs_as_a_job_and_its_result_is_the_report_in_any_format(
    rw: ReportsWorld,
) -> None:
    coordinator = rw.sw.coordinator
    build = start(coordinator, rw, "coach-load")
    shown = ok(coordinator, build_url(rw, build)).get_json()
    assert shown["status"] == "succeeded"
    assert shown["progress"] == {"done": 4, "total": 4, "stage": "done"}
    assert shown["result_url"] == build_url(rw, build, "/result")
    assert shown["job_url"] == f"/api/v1/jobs/{build['id']}"
    # The built report is the report made now.
    built = ok(coordinator, shown["result_url"]).get_json()
    assert built == ok(coordinator, rw.url("coach-load")).get_json()
    assert [r["coach"] for r in csv_rows(ok(coordinator, shown["result_url"], "text/csv"))][
        -1
    ] == rw.sw.mentor.name
    assert png_size(ok(coordinator, shown["result_url"], "image/png").get_data()) == (800, 450)
    svg = ok(coordinator, shown["result_url"], "image/svg+xml").get_data()
    assert svg_root(svg).endswith("svg")


def test_a_build_is_seen_only_in_the_view_it_was_made_in(rw: ReportsWorld) -> None:
    coordinator, admin_gamma = rw.sw.coordinator, rw.sw.world.admin_gamma
    full = start(coordinator, rw, "flows")
    # A member may not fetch what a coordinator saw in full: no such build for them.
    assert_problem(admin_gamma.get(build_url(rw, full)), 404)
    assert_problem(admin_gamma.get(build_url(rw, full, "/result")), 404)
    # A member's own build: the member's view (others' small flows suppressed).
    own = start(admin_gamma, rw, "flows")
    body = ok(admin_gamma, build_url(rw, own, "/result")).get_json()
    assert {f["suppressed"] for f in body["flows"]} == {False, True}
    # The coordinator may read it; another member's admin may not.
    ok(coordinator, build_url(rw, own))
    assert_problem(rw.sw.world.admin_a.get(build_url(rw, own)), 404)
    # Its job, on /api/v1/jobs, shows its progress but not the report.
    job = ok(admin_gamma, f"/api/v1/jobs/{own['id']}").get_json()
    assert job["name"] == "reports.build" and job["status"] == "succeeded"
    assert job["progress"]["done"] == job["progress"]["total"] and job["result"] is None
    # Under another kind's path, or another consortium's, it does not exist.
    wrong_kind = f"/api/v1/reports/consortia/{rw.network_id}/utilisation/builds/{own['id']}"
    assert_problem(admin_gamma.get(wrong_kind), 404)


def test_who_may_build_a_report(rw: ReportsWorld) -> None:
    assert_problem(rw.sw.mentee.post(rw.url("flows", "/builds")), 403)
    outsider = rw.sw.world.person("admin_b", rw.sw.world.pool.b, "Bea", org_admin=True)
    assert_problem(outsider.post(rw.url("flows", "/builds")), 404)
    assert_problem(rw.sw.coordinator.post(rw.url("gossip", "/builds")), 404)
    response = rw.sw.coordinator.post(
        rw.url("flows", "/builds", **{"from": "2027-01-02", "to": "2027-01-01"})
    )
    assert_problem(response, 422, field="to", location="query")


def test_a_build_goes_through_a_real_worker(
    rw: ReportsWorld,
    rq_app: Flask,  # noqa: F811
    shared_redis: RedisServer,  # noqa: F811
    runtime_url: str,
) -> None:
    slug = rw.sw.world.pool.delta.organisation["slug"]
    coordinator = signed_in(rq_app, slug, rw.sw.coordinator.email)
    build = start(coordinator, rw, "utilisation")
    waiting = ok(coordinator, build_url(rw, build)).get_json()
    assert waiting["status"] == "enqueued" and waiting["result_url"] is None
    assert_problem(coordinator.get(build_url(rw, build, "/result")), 409)

    run_burst_worker(worker_env(runtime_url, shared_redis.url))

    done = ok(coordinator, build_url(rw, build)).get_json()
    assert done["status"] == "succeeded", done
    assert done["progress"] == {"done": 3, "total": 3, "stage": "done"}
    body = ok(coordinator, done["result_url"]).get_json()
    assert (body["mentors"], body["places"], body["taken"]) == (1, 2, 2)
    assert png_size(ok(coordinator, done["result_url"], "image/png").get_data()) == (800, 450)
