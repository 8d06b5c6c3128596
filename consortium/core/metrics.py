"""Prometheus metrics: requests by route and status, their latency, and the job outbox."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError

from consortium.core import jobs
from consortium.core.db import utcnow

log = logging.getLogger(__name__)

REQUESTS = Counter("consortium_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("consortium_http_request_seconds", "HTTP request latency", ["method", "route"])


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.started_at = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        if "started_at" in g:
            LATENCY.labels(request.method, route).observe(time.perf_counter() - g.started_at)
        return response


class JobsCollector:
    """The outbox as the database holds it, read at each scrape (the same from every worker)."""

    def collect(self) -> Iterator[Metric]:
        try:
            backlog = jobs.backlog()
        except SQLAlchemyError as exc:  # /readyz reports the database; the rest still renders
            from consortium.extensions import db

            db.session.rollback()
            log.warning("metrics: the job figures could not be read: %s", exc)
            return
        counts = GaugeMetricFamily(
            "consortium_jobs",
            "Jobs by type and status (all but succeeded): pending is the outbox not yet handed "
            "to Redis, enqueued waits for a worker, retrying waits for its next attempt.",
            labels=["type", "status"],
        )
        oldest = GaugeMetricFamily(
            "consortium_jobs_oldest_seconds",
            "Seconds the longest-waiting job of the type has been in the status (unfinished).",
            labels=["type", "status"],
        )
        found = {(b.name, b.status): b for b in backlog}
        now = utcnow()
        for name in sorted({*jobs.job_names(), *(b.name for b in backlog)}):
            for status in jobs.COUNTED:
                row = found.get((name, status))
                counts.add_metric([name, status], row.count if row else 0)
                if row and status in jobs.UNFINISHED:
                    oldest.add_metric([name, status], max(0.0, (now - row.since).total_seconds()))
        yield counts
        yield oldest


def render_metrics() -> Response:
    # Under gunicorn with several workers, PROMETHEUS_MULTIPROC_DIR aggregates them.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    figures = CollectorRegistry(auto_describe=False)
    figures.register(JobsCollector())
    body = generate_latest(registry) + generate_latest(figures)
    # CONTENT_TYPE_LATEST carries its charset already (mimetype= would add a second one).
    return Response(body, content_type=CONTENT_TYPE_LATEST)
