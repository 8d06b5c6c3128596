"""Assertions shared by the API tests."""

from __future__ import annotations

import re
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


def get_ok(caller: Any, path: str, **kw: Any) -> Any:
    """GET `path`, which must answer 200; its JSON body."""
    response = caller.get(path, **kw)
    assert response.status_code == 200, (path, response.get_json())
    return response.get_json()


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, read as the owner (row-level security does not hide any)."""
    with engine.connect() as c:
        return {
            t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in COUNTED_TABLES
        }


_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def next_link(response: Any) -> str | None:
    """The URL of the Link header's rel="next" (RFC 8288), if any."""
    found = _NEXT.search(response.headers.get("Link", ""))
    return found.group(1) if found else None


def pages(caller: Any, path: str, **query: Any) -> list[Any]:
    """Every page of a list, following rel="next" links from the first, as a client would."""
    responses = [caller.get(path, query_string=query) if query else caller.get(path)]
    while True:
        assert responses[-1].status_code == 200, responses[-1].get_json()
        url = next_link(responses[-1])
        if url is None:
            return responses
        assert len(responses) < 1000, "the next links go round in circles"
        responses.append(caller.get(url))


def every_item(caller: Any, path: str, **query: Any) -> list[Any]:
    """Every item of a list, all pages."""
    return [item for page in pages(caller, path, **query) for item in page.get_json()]
