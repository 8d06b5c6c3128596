"""JSON logs, one object per line, each with an ISO 8601 time (UTC offset) and, where there is
one, the request id and the tenant: the app's own lines and, through `GunicornLogger`,
gunicorn's (its access lines carry the request id the response sent)."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import g, has_request_context
from gunicorn import glogging
from pythonjsonlogger import json as jsonlogger

from consortium.core import tenancy

FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"levelname": "level", "asctime": "time", "name": "logger"}


class JsonFormatter(jsonlogger.JsonFormatter):
    """python-json-logger's formatter with the time as ISO 8601 in UTC, offset included."""

    def __init__(self) -> None:
        super().__init__(FIELDS, rename_fields=RENAMED)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")


class _RequestContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        principal = tenancy.current()
        record.principal = principal.key
        record.organisation_id = str(principal.organisation_id or "") or None
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure(level: str) -> None:
    """Send every logger's records to stdout as JSON (idempotent across app instances)."""
    root = logging.getLogger()
    root.setLevel(level)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if any(getattr(h, "_consortium", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_RequestContext())
    handler._consortium = True  # type: ignore[attr-defined]
    root.addHandler(handler)


class GunicornLogger(glogging.Logger):
    """gunicorn's error and access logs in the app's JSON (gunicorn.conf.py names this class).

    An access line has the request's method, path, status, duration and size as fields, and
    the request id from the response's X-Request-ID, which the app sets on every response.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        headers = {str(name).lower(): value for name, value in resp.headers}
        status = str(resp.status).split(None, 1)[0]
        method, path = environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", "")
        self.access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "request_id": headers.get("x-request-id"),
                "method": method,
                "path": path,
                "query": environ.get("QUERY_STRING") or None,
                "status": int(status) if status.isdigit() else status,
                "duration_ms": round(request_time.total_seconds() * 1000, 3),
                "bytes": getattr(resp, "sent", None),
                "remote_addr": environ.get("REMOTE_ADDR"),
                "user_agent": environ.get("HTTP_USER_AGENT"),
                "protocol": environ.get("SERVER_PROTOCOL"),
            },
        )
