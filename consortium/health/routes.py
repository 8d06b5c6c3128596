"""Liveness, readiness and Prometheus metrics for the platform that runs the service."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from sqlalchemy import text

from consortium.core.api import Blueprint, problem
from consortium.core.jobs import redis_connection
from consortium.core.metrics import render_metrics
from consortium.extensions import db

blp = Blueprint("health", __name__, description="Probes and metrics for operators.")


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.response(200, description="The process is up.")
    @blp.errors(500)
    def get(self) -> dict[str, str]:
        """Report that the process is alive (no dependencies checked)."""
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, description="The database and Redis answer.")
    @blp.errors(503)
    def get(self) -> Any:
        """Check the database and Redis; 503 names the part that failed."""
        checks: dict[str, str] = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            current_app.logger.warning("readiness: database check failed: %s", exc)
            checks["database"] = "unavailable"
        if current_app.config["JOBS_INLINE"]:
            checks["redis"] = "not used (jobs run in-process)"
        else:
            try:
                redis_connection(current_app).ping()
                checks["redis"] = "ok"
            except Exception as exc:
                current_app.logger.warning("readiness: redis check failed: %s", exc)
                checks["redis"] = "unavailable"
        failing = [name for name, state in checks.items() if state == "unavailable"]
        if failing:
            response = problem(503, f"Not ready: {', '.join(failing)} unavailable.")
            return response
        return {"status": "ok", "checks": checks}


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.response(200, description="Prometheus text exposition format.")
    @blp.errors(500)
    def get(self) -> Response:
        """Expose request counts, latencies and the job backlog in Prometheus format."""
        return render_metrics()
