"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

PROBLEM = "application/problem+json"
COUNTED_TABLES = ("organisations", "people", "api_clients", "consortia", "idempotency_keys", "jobs")


def assert_problem(
    response: Any, status: int, *, field: str | None = None, location: str | None = None
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status`; with `field`, an error names it."""
    body = response.get_json(force=True, silent=True)
    assert response.status_code == status, (response.status_code, body)
    assert response.mimetype == PROBLEM, response.headers
    assert isinstance(body, dict), response.get_data(as_text=True)
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        errors = body.get("errors")
        assert isinstance(errors, list) and errors, body
        named = [e for e in errors if e["field"] == field]
        assert named, f"no error names {field!r}: {errors}"
        assert all(isinstance(e["detail"], str) and e["detail"] for e in named)
        if location is not None:
            assert {e["location"] for e in named} == {location}, named
    return body


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, read as the owner (row-level security does not hide any)."""
    with engine.connect() as c:
        return {t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in COUNTED_TABLES}
