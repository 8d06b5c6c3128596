"""Prometheus metrics: requests by route and status, and their latency."""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

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


def render_metrics() -> Response:
    # Under gunicorn with several workers, PROMETHEUS_MULTIPROC_DIR aggregates them.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
