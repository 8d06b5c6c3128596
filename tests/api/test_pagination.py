"""Lists page by cursor (keyset): every row once in the list's order, a Link to the next page,
no count unless asked for, and a cursor good only for the list, filters and caller it came from.
The deprecated page numbers work as before."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import event, text

from consortium.core import pagination
from tests.api.helpers import assert_problem, every_item, next_link, pages
from tests.factories import create_person

PEOPLE = "/api/v1/people"


def _meta(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.headers["X-Pagination"]))


def _staff(tenant: Any, count: int) -> list[dict[str, Any]]:
    """`count` more staff records of the tenant; all of its records, as created."""
    for i in range(count):
        create_person(tenant.api, f"person{i}@{tenant.organisation['slug']}.example.org")
    return every_item(tenant.api, PEOPLE, page_size=100)


def _in_list_order(people: list[dict[str, Any]]) -> list[str]:
    """Ids by (created_at, id), worked out here rather than by the database."""
    key = {p["id"]: (datetime.fromisoformat(p["created_at"]), uuid.UUID(p["id"])) for p in people}
    return sorted(key, key=key.__getitem__)


def test_a_walk_by_cursor_gives_every_row_once_in_order_ties_included(
    tenant_a: Any, owner_engine: Any
) -> None:
    people = _staff(tenant_a, 10)
    assert len(people) == 11
    # Five records created in the same instant, across the page boundaries: the id decides.
    tied = [p["id"] for p in people[2:7]]
    with owner_engine.begin() as c:
        c.execute(
            text("UPDATE people SET created_at = :at WHERE id = ANY(:ids)"),
            {"at": people[2]["created_at"], "ids": [uuid.UUID(i) for i in tied]},
        )
    listed = tenant_a.api.get(PEOPLE, query_string={"page_size": 100}).get_json()
    assert len({p["created_at"] for p in listed}) == 11 - 4  # five share one instant
    expected = _in_list_order(listed)

    walked = pages(tenant_a.api, PEOPLE, page_size=3)
    assert [len(r.get_json()) for r in walked] == [3, 3, 3, 2]
    assert [p["id"] for r in walked for p in r.get_json()] == expected
    for response in walked[:-1]:
        meta = _meta(response)
        assert meta == {"page_size": 3, "has_more": True, "next_cursor": meta["next_cursor"]}
        link = next_link(response)
        assert link is not None and link.startswith("http://localhost/api/v1/people?")
        assert parse_qs(urlsplit(link).query) == {
            "page_size": ["3"],
            "cursor": [meta["next_cursor"]],
        }
    assert _meta(walked[-1]) == {"page_size": 3, "has_more": False}  # and no count
    assert "Link" not in walked[-1].headers


def test_rows_removed_or_added_mid_walk_shift_nothing(tenant_a: Any, owner_engine: Any) -> None:
    """Unlike an offset, a cursor continues after the last row seen, whatever changed before."""
    people = _staff(tenant_a, 5)  # six in all
    first = tenant_a.api.get(PEOPLE, query_string={"page_size": 3})
    seen = [p["id"] for p in first.get_json()]
    with owner_engine.begin() as c:
        c.execute(text("DELETE FROM people WHERE id = :id"), {"id": uuid.UUID(seen[0])})
    added = create_person(tenant_a.api, "late@alpha-trust.example.org")
    rest = [p["id"] for p in every_item(tenant_a.api, next_link(first) or "")]
    assert seen + rest == [p["id"] for p in people] + [added["id"]]


def test_the_next_link_keeps_the_filters_and_page_size(tenant_a: Any, owner_engine: Any) -> None:
    _staff(tenant_a, 4)
    inactive = create_person(tenant_a.api, "gone@alpha-trust.example.org")
    with owner_engine.begin() as c:
        c.execute(text("UPDATE people SET status = 'inactive' WHERE id = :id"), {"id": uuid.UUID(inactive["id"])})
    first = tenant_a.api.get(PEOPLE, query_string={"status": "active", "page_size": 2, "count": "exact"})
    assert _meta(first)["total"] == 5
    query = parse_qs(urlsplit(next_link(first) or "").query)
    assert query["status"] == ["active"] and query["page_size"] == ["2"]
    assert "count" not in query  # a recount is asked for, not carried along
    listed = every_item(tenant_a.api, PEOPLE, status="active", page_size=2)
    assert len(listed) == 5 and inactive["id"] not in {p["id"] for p in listed}


def test_count_exact_counts_the_whole_list_up_to_a_cap(
    tenant_a: Any, tenant_b: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _staff(tenant_a, 6)  # seven; tenant_b's one is not counted
    first = tenant_a.api.get(PEOPLE, query_string={"page_size": 2, "count": "exact"})
    assert _meta(first)["total"] == 7 and _meta(first)["total_capped"] is False
    later = tenant_a.api.get(f"{next_link(first)}&count=exact")
    assert _meta(later)["total"] == 7  # the whole list's, not what is left
    assert "total" not in _meta(tenant_a.api.get(PEOPLE))

    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    capped = _meta(tenant_a.api.get(PEOPLE, query_string={"count": "exact"}))
    assert (capped["total"], capped["total_capped"]) == (4, True)  # "4+"
    assert_problem(tenant_a.api.get(PEOPLE, query_string={"count": "estimate"}), 422, field="count", location="query")


def test_page_size_defaults_to_20_and_is_at_most_100(tenant_a: Any) -> None:
    _staff(tenant_a, 20)
    response = tenant_a.api.get(PEOPLE)
    assert len(response.get_json()) == 20 and _meta(response)["has_more"] is True
    assert len(tenant_a.api.get(PEOPLE, query_string={"page_size": 100}).get_json()) == 21
    for size in (0, 101, "many"):
        assert_problem(
            tenant_a.api.get(PEOPLE, query_string={"page_size": size}), 422, field="page_size", location="query"
        )


def _a_cursor(tenant: Any, path: str = PEOPLE, **query: Any) -> str:
    response = tenant.api.get(path, query_string={"page_size": 1, **query})
    cursor = _meta(response).get("next_cursor")
    assert cursor, response.get_json()
    return str(cursor)


def test_a_cursor_that_was_not_issued_is_a_400_naming_it(tenant_a: Any) -> None:
    _staff(tenant_a, 2)
    cursor = _a_cursor(tenant_a)
    payload, _, signature = cursor.rpartition(".")
    # The first character: the last one's low bits are base64 padding, and A<->B may not alter
    # the signature at all.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged = URLSafeSerializer("not-the-secret", salt="consortium.pagination.cursor").dumps(
        {"k": ["t:2000-01-01T00:00:00+00:00", "u:" + "0" * 32], "l": "x"}
    )
    for bad in (
        f"{payload}.{flipped}",  # altered
        cursor[: len(cursor) // 2],  # cut short
        "not-a-cursor",
        "",
        "x" * 5000,
        forged,  # the right shape, signed by someone else
    ):
        response = tenant_a.api.get(PEOPLE, query_string={"cursor": bad})
        body = assert_problem(response, 400, field="cursor", location="query")
        assert "Start again without cursor" in body["errors"][0]["detail"]
    both = tenant_a.api.get(PEOPLE, query_string={"cursor": cursor, "page": 2})
    assert_problem(both, 400, field="cursor", location="query")
    assert tenant_a.api.get(PEOPLE, query_string={"cursor": cursor}).status_code == 200


def test_a_cursor_works_only_for_its_list_filters_and_caller(
    platform: Any, tenant_a: Any, tenant_b: Any
) -> None:
    _staff(tenant_a, 2)
    _staff(tenant_b, 2)
    cursor = _a_cursor(tenant_a)
    mine = tenant_a.api.get(PEOPLE, query_string={"cursor": cursor, "page_size": 1})
    assert mine.status_code == 200 and len(mine.get_json()) == 1

    elsewhere = [
        (tenant_b.api, PEOPLE, {}),  # another tenant: not a row of anyone's
        (platform, PEOPLE, {}),  # another caller of the same list
        (tenant_a.api, PEOPLE, {"status": "active"}),  # other filters
        (tenant_a.api, "/api/v1/mentor-profiles", {}),  # another list
        (platform, f"/api/v1/organisations/{tenant_a.id}/api-clients", {}),
    ]
    for caller, path, query in elsewhere:
        response = caller.get(path, query_string={**query, "cursor": cursor})
        body = assert_problem(response, 400, field="cursor", location="query")
        assert "another list" in body["errors"][0]["detail"]
        assert "example.org" not in json.dumps(body)  # no row of anyone's

    # A list a service builds (a consortium's members) binds its cursor the same way.
    for slug in ("north", "south"):
        network = platform.post("/api/v1/consortia", json={"name": slug.title(), "slug": slug})
        assert network.status_code == 201, network.get_json()
        for tenant in (tenant_a, tenant_b):
            added = platform.post(
                f"/api/v1/consortia/{network.get_json()['id']}/members",
                json={"organisation_id": tenant.id},
            )
            assert added.status_code == 201, added.get_json()
    north, south = (c["id"] for c in platform.get("/api/v1/consortia").get_json())
    members = pages(platform, f"/api/v1/consortia/{north}/members", page_size=1)
    assert [m["organisation"]["slug"] for r in members for m in r.get_json()] == [
        "alpha-trust",
        "beta-police",
    ]
    member_cursor = _meta(members[0])["next_cursor"]
    assert_problem(
        platform.get(f"/api/v1/consortia/{south}/members", query_string={"cursor": member_cursor}),
        400,
        field="cursor",
    )


def test_organisations_page_by_name_and_list_only_what_the_caller_sees(
    platform: Any, tenant_a: Any, tenant_b: Any
) -> None:
    walked = pages(platform, "/api/v1/organisations", page_size=1, count="exact")
    assert [o["slug"] for r in walked for o in r.get_json()] == ["alpha-trust", "beta-police"]
    assert _meta(walked[0])["total"] == 2
    own = tenant_a.api.get("/api/v1/organisations", query_string={"count": "exact"})
    assert [o["slug"] for o in own.get_json()] == ["alpha-trust"] and _meta(own)["total"] == 1


def test_page_numbers_still_work_as_before(tenant_a: Any) -> None:
    """Deprecated, kept for existing clients: ?page= pages by offset with the old totals."""
    people = _staff(tenant_a, 6)
    created = [p["id"] for p in people]
    first = tenant_a.api.get(PEOPLE, query_string={"page_size": 3, "page": 1})
    assert _meta(first) == {
        "total": 7,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 1,
        "next_page": 2,
    }
    assert "Link" not in first.headers
    listed = [
        p["id"]
        for n in (1, 2, 3)
        for p in tenant_a.api.get(PEOPLE, query_string={"page_size": 3, "page": n}).get_json()
    ]
    assert listed == created
    beyond = tenant_a.api.get(PEOPLE, query_string={"page_size": 3, "page": 4})
    assert beyond.status_code == 200 and beyond.get_json() == []
    assert _meta(beyond)["total"] == 7


def test_the_spec_documents_cursor_pagination(app: Any) -> None:
    from consortium.openapi import spec_json

    spec = json.loads(spec_json(app))
    operation = spec["paths"]["/api/v1/people"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"cursor", "page_size", "count", "page"} <= set(parameters)
    assert parameters["page"].get("deprecated") is True
    assert parameters["count"]["schema"]["enum"] == ["exact"]
    assert set(operation["responses"]["200"]["headers"]) == {"X-Pagination", "Link"}
    assert "400" in operation["responses"]
    metadata = spec["components"]["schemas"]["PaginationMetadata"]["properties"]
    assert {"page_size", "has_more", "next_cursor", "total", "total_capped"} <= set(metadata)


def test_the_served_x_pagination_is_the_json_the_spec_documents(app: Any, tenant_a: Any) -> None:
    """The header's value is a JSON object, so the spec gives it as application/json content
    (a header `schema` would mean OpenAPI's `simple` style, page_size,20,has_more,true)."""
    import jsonschema

    from consortium.openapi import spec_json

    spec = json.loads(spec_json(app))
    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header
    schema = header["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/PaginationMetadata"}
    resolved = {**spec["components"]["schemas"]["PaginationMetadata"], "components": spec["components"]}
    _staff(tenant_a, 2)
    for query in ({"page_size": 1}, {"page_size": 1, "count": "exact"}, {"page": 2, "page_size": 1}):
        response = tenant_a.api.get(PEOPLE, query_string=query)
        assert response.status_code == 200, response.get_json()
        jsonschema.validate(_meta(response), resolved)


def test_a_deep_page_is_an_index_range_scan(app: Any, tenant_a: Any, owner_engine: Any) -> None:
    """Under row-level security as the app's role: the staff list's page reads its index from
    the cursor on, in order (no sort, no offset), however deep."""
    with owner_engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO people (id, created_at, updated_at, organisation_id, given_name,"
                " family_name, email, status) SELECT gen_random_uuid(),"
                " now() - n * interval '1 second', now(), :org, 'Given', 'Family',"
                " 'bulk' || n || '@alpha-trust.example.org', 'active'"
                " FROM generate_series(1, 5000) AS n"
            ),
            {"org": uuid.UUID(tenant_a.id)},
        )
        c.execute(text("ANALYZE people"))
    cursor = _meta(tenant_a.api.get(PEOPLE, query_string={"page_size": 100}))["next_cursor"]
    for _ in range(20):  # some way in
        cursor = _meta(tenant_a.api.get(PEOPLE, query_string={"page_size": 100, "cursor": cursor}))["next_cursor"]

    plans: list[str] = []

    def explain(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("SELECT people.") and "LIMIT" in statement and not plans:
            plans.append("")  # once, and not for the EXPLAIN itself
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans[0] = "\n".join(r[0] for r in rows)

    engine = app.extensions["consortium.db"]
    event.listen(engine, "after_cursor_execute", explain)
    try:
        page = tenant_a.api.get(PEOPLE, query_string={"page_size": 20, "cursor": cursor})
    finally:
        event.remove(engine, "after_cursor_execute", explain)
    assert page.status_code == 200 and len(page.get_json()) == 20
    plan = plans[0]
    assert "Index Scan using ix_people_organisation_id_created_at_id" in plan, plan
    assert "ROW(created_at, id) >" in plan, plan  # the cursor is an index condition
    assert "Sort" not in plan, plan
