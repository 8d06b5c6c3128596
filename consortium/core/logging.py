"""JSON logs, one object per line, each carrying the request id and the tenant."""

from __future__ import annotations

import logging
import sys

from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter

from consortium.core import tenancy


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
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "asctime": "time", "name": "logger"},
        )
    )
    handler.addFilter(_RequestContext())
    handler._consortium = True  # type: ignore[attr-defined]
    root.addHandler(handler)
