"""/metrics as Prometheus scrapes it: one charset in its Content-Type, and the job outbox
(jobs by type and status, and how long the longest-waiting one has waited)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import Engine

from consortium.core.jobs import MAX_ATTEMPTS, execute
from tests.factories import Tenant
from tests.jobs.conftest import enqueue_effect, rq_settings_app
from tests.jobs.handlers import RECORD_EFFECT
from tests.jobs.support import free_port


def scrape(client: FlaskClient) -> dict[tuple[str, str, str], float]:
    """{(metric, type, status): value} of the job families."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, sample.labels["type"], sample.labels["status"]): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        if family.name.startswith("consortium_jobs")
        for sample in family.samples
    }


def test_the_content_type_names_its_charset_once(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    assert response.headers["Content-Type"].count("charset") == 1


def test_metrics_show_the_outbox_by_job_type_and_status(
    app: Flask, rq_app: Flask, runtime_url: str, tenant_a: Tenant, owner_engine: Engine, client: FlaskClient
) -> None:
    # Pending: Redis was down when the job was written, so it is still in the outbox.
    redis_down = rq_settings_app(runtime_url, f"redis://127.0.0.1:{free_port()}/0")
    try:
        pending = enqueue_effect(redis_down, tenant_a)
    finally:
        redis_down.extensions["consortium.db"].dispose()
    enqueue_effect(rq_app, tenant_a)  # enqueued: Redis took it; no worker runs here
    enqueue_effect(app, tenant_a, fail=True)  # retrying: its first (inline) attempt failed
    failed = enqueue_effect(app, tenant_a, fail=True)
    for _ in range(2, MAX_ATTEMPTS + 1):
        execute(app, failed)
    enqueue_effect(app, tenant_a)  # succeeded: not counted
    with owner_engine.begin() as c:  # the pending job has waited ten minutes
        c.execute(
            text("UPDATE jobs SET updated_at = now() - interval '600 seconds' WHERE id = :id"),
            {"id": pending},
        )

    figures = scrape(client)
    counts = {status: figures[("consortium_jobs", RECORD_EFFECT, status)] for status in ("pending", "enqueued", "running", "retrying", "failed")}
    assert counts == {"pending": 1, "enqueued": 1, "running": 0, "retrying": 1, "failed": 1}
    assert 600 <= figures[("consortium_jobs_oldest_seconds", RECORD_EFFECT, "pending")] < 660
    assert figures[("consortium_jobs_oldest_seconds", RECORD_EFFECT, "enqueued")] < 60
    # Finished and absent statuses have no age; every job type is listed, idle ones at 0.
    assert ("consortium_jobs_oldest_seconds", RECORD_EFFECT, "failed") not in figures
    assert ("consortium_jobs_oldest_seconds", RECORD_EFFECT, "running") not in figures
    assert figures[("consortium_jobs", "matching.run", "pending")] == 0
