"""What a list request costs the database: every statement one `GET /api/v1/people` with a
client-credentials bearer sends, counted by a SQLAlchemy listener, so the round trips cannot
creep back (issue 18) — and what the savings must not cost: a change to the client's
consortia still counts at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from tests.conftest import ApiClient
from tests.factories import Tenant, make_tenant

# The tenant settings (every app.* setting in one statement), the client with its
# organisation's status and consortia (one query), the page.
LIST_ROUND_TRIPS = 3
# The count behind X-Pagination, until keyset pagination replaces it (issue 18, item 2):
# then 0, and the list request takes LIST_ROUND_TRIPS.
PAGINATION_COUNT = 0


@contextmanager
def sent(app: Any) -> Iterator[dict[str, list[str]]]:
    """The statements the app's engine sends while the block runs, and its transactions."""
    from consortium.extensions import db

    with app.app_context():
        engine = db.engine
    seen: dict[str, list[str]] = {"statements": [], "transactions": []}

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen["statements"].append(sql)

    def begin(_conn: Any) -> None:
        seen["transactions"].append("BEGIN")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)


def _consortium(platform: ApiClient, slug: str, *members: Tenant) -> dict[str, Any]:
    created = platform.post("/api/v1/consortia", json={"name": slug.title(), "slug": slug})
    assert created.status_code == 201, created.get_json()
    for member in members:
        url = f"/api/v1/consortia/{created.get_json()['id']}/members"
        added = platform.post(url, json={"organisation_id": member.id})
        assert added.status_code == 201, added.get_json()
    return dict(created.get_json())


def _describe(statements: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:160] for s in statements)


def test_a_list_request_takes_three_round_trips_besides_the_count(
    app: Any, platform: ApiClient, tenant_a: Tenant
) -> None:
    _consortium(platform, "north-ics", tenant_a)
    assert tenant_a.api.get("/api/v1/people").status_code == 200
    with sent(app) as seen:
        response = tenant_a.api.get("/api/v1/people")
    assert response.status_code == 200
    assert [p["id"] for p in response.get_json()] == [tenant_a.person["id"]]
    statements = seen["statements"]
    assert len(statements) <= LIST_ROUND_TRIPS + PAGINATION_COUNT, _describe(statements)
    assert sum("set_config" in s for s in statements) == 1, _describe(statements)
    assert not any("signing_keys" in s for s in statements), "keys are read from the copy"
    assert seen["transactions"] == ["BEGIN"]


def test_a_platform_admins_list_request_takes_as_few(app: Any, platform: ApiClient) -> None:
    assert platform.get("/api/v1/people").status_code == 200
    with sent(app) as seen:
        assert platform.get("/api/v1/people").status_code == 200
    statements = seen["statements"]
    assert len(statements) <= LIST_ROUND_TRIPS + PAGINATION_COUNT, _describe(statements)
    assert sum("set_config" in s for s in statements) == 1, _describe(statements)


def test_a_consortium_joined_or_left_counts_at_once(
    platform: ApiClient, tenant_a: Tenant, tenant_b: Tenant, owner_engine: Any
) -> None:
    """The settings a request expects from the last one are a guess, never what it runs as."""
    first = _consortium(platform, "north-ics", tenant_a, tenant_b)

    def seen_by_a() -> set[str]:
        response = tenant_a.api.get("/api/v1/consortia")
        assert response.status_code == 200, response.get_json()
        return {c["id"] for c in response.get_json()}

    assert seen_by_a() == {first["id"]}
    second = _consortium(platform, "south-ics", tenant_a)
    assert seen_by_a() == {first["id"], second["id"]}
    with owner_engine.begin() as c:
        c.execute(
            text("DELETE FROM consortium_memberships WHERE organisation_id = :o"),
            {"o": tenant_a.id},
        )
    assert seen_by_a() == set()
    # The other member's client, whose organisation is still in the first, is unaffected.
    assert {c["id"] for c in tenant_b.api.get("/api/v1/consortia").get_json()} == {first["id"]}


def test_a_client_of_another_tenant_reads_its_own_rows_with_the_same_savings(
    app: Any, platform: ApiClient, tenant_a: Tenant
) -> None:
    other = make_tenant(platform, "gamma-fire", sector="fire")
    assert other.api.get("/api/v1/people").status_code == 200
    with sent(app) as seen:
        response = other.api.get("/api/v1/people")
    assert [p["id"] for p in response.get_json()] == [other.person["id"]]
    assert len(seen["statements"]) <= LIST_ROUND_TRIPS + PAGINATION_COUNT
