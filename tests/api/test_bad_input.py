"""Bad input of every kind: a 4xx problem+json that says what is wrong, never a 500, no change."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.helpers import assert_problem, row_counts

PERSON = {"given_name": "Ada", "family_name": "Lovelace", "email": "ada.lovelace@alpha-trust.example.org"}
ORGANISATION = {"name": "Gamma Fire", "slug": "gamma-fire", "sector": "fire"}
NIL = "00000000-0000-0000-0000-000000000000"


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


@pytest.fixture
def actors(platform: Any, tenant_a: Any) -> dict[str, Any]:
    return {"platform": platform, "tenant": tenant_a.api}


class Unchanged:
    """Checks that a refused request added, removed or changed nothing."""

    def __init__(self, owner_engine: Any, tenant: Any) -> None:
        self.engine, self.tenant = owner_engine, tenant
        self.snapshot = self._state()

    def _state(self) -> tuple[Any, ...]:
        api = self.tenant.api
        return (
            row_counts(self.engine),
            api.get(f"/api/v1/people/{self.tenant.person['id']}").get_json(),
            api.get(f"/api/v1/organisations/{self.tenant.id}").get_json(),
        )

    def check(self) -> None:
        assert self._state() == self.snapshot


@pytest.fixture
def unchanged(owner_engine: Any, tenant_a: Any) -> Unchanged:
    return Unchanged(owner_engine, tenant_a)


def cases(params: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """(id, values) of pytest.param entries: run as subtests, one database setup per table."""
    return [(p.id, p.values) for p in params]


# (who, path, body, field named in `errors`)
CREATE_ERRORS = [
    pytest.param("tenant", "/api/v1/people", {**PERSON, "given_name": 123}, "given_name", id="int-for-string"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "given_name": ["Ada"]}, "given_name", id="list-for-string"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "organisation_id": NIL}, "organisation_id", id="mass-assign-organisation_id"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "id": str(uuid.uuid4())}, "id", id="mass-assign-id"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "roles": ["org_admin"]}, "roles", id="mass-assign-roles"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "status": "inactive"}, "status", id="dump-only-status"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "created_at": "2020-01-01T00:00:00Z"}, "created_at", id="dump-only-created_at"),
    pytest.param("tenant", "/api/v1/people", _without(PERSON, "email"), "email", id="missing-email"),
    pytest.param("tenant", "/api/v1/people", _without(PERSON, "given_name"), "given_name", id="missing-given_name"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "given_name": "x" * 10_000}, "given_name", id="huge-given_name"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "given_name": ""}, "given_name", id="empty-given_name"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "job_title": "x" * 201}, "job_title", id="long-job_title"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "seniority": 5.0}, "seniority", id="float-5.0-for-int"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "seniority": 5.5}, "seniority", id="float-5.5-for-int"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "seniority": True}, "seniority", id="bool-for-int"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "seniority": "5"}, "seniority", id="string-for-int"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "seniority": 10}, "seniority", id="int-out-of-range"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "seniority": 10**30}, "seniority", id="int-overflow"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "started_on": "2026-02-30"}, "started_on", id="impossible-date"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "started_on": "last spring"}, "started_on", id="text-for-date"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "started_on": 20260101}, "started_on", id="int-for-date"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "given_name": None}, "given_name", id="null-for-required"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "email": None}, "email", id="null-email"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "email": "not-an-email"}, "email", id="invalid-email"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "email": "a@" + "b" * 300 + ".org"}, "email", id="long-email"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "line_manager_id": "nope"}, "line_manager_id", id="malformed-uuid-field"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "line_manager_id": NIL}, "line_manager_id", id="unknown-line-manager"),
    pytest.param("tenant", "/api/v1/people", {**PERSON, "given_name": "A\u0000da"}, "given_name", id="nul-character"),
    pytest.param("tenant", "/api/v1/people", [PERSON], "(body)", id="array-for-object"),
    pytest.param("tenant", "/api/v1/people", "Ada", "(body)", id="string-for-object"),
    pytest.param("tenant", "/api/v1/people", 42, "(body)", id="number-for-object"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "name": 123}, "name", id="org-int-name"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "name": "x" * 10_000}, "name", id="org-huge-name"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "sector": "banking"}, "sector", id="invalid-enum"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "slug": "Gamma Fire"}, "slug", id="invalid-slug"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "slug": "-gamma"}, "slug", id="slug-leading-hyphen"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "slug": "g" * 64}, "slug", id="slug-too-long"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "ods_code": "rr8"}, "ods_code", id="invalid-ods-code"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "email_domains": "fire.gov.uk"}, "email_domains", id="string-for-list"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "email_domains": [{"a": 1}]}, "email_domains.0", id="object-in-list"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "email_domains": ["not a domain"]}, "email_domains.0", id="invalid-domain"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "email_domains": [f"d{i}.org" for i in range(21)]}, "email_domains", id="too-many-domains"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "id": str(uuid.uuid4())}, "id", id="org-mass-assign-id"),
    pytest.param("platform", "/api/v1/organisations", {**ORGANISATION, "status": "suspended"}, "status", id="org-dump-only-status"),
    pytest.param("platform", "/api/v1/organisations/{org}/api-clients", {"name": "x", "scopes": ["root"]}, "scopes.0", id="unknown-scope"),
    pytest.param("platform", "/api/v1/organisations/{org}/api-clients", {"name": "x", "scopes": []}, "scopes", id="no-scopes"),
    pytest.param("platform", "/api/v1/organisations/{org}/api-clients", {"name": "x", "scopes": "people:read"}, "scopes", id="string-for-scopes"),
]


def test_invalid_create_is_refused_naming_the_field(
    actors: dict[str, Any], tenant_a: Any, unchanged: Unchanged, subtests: Any
) -> None:
    for case, (who, path, body, field) in cases(CREATE_ERRORS):
        with subtests.test(case):
            response = actors[who].post(path.format(org=tenant_a.id), json=body)
            assert_problem(response, 422, field=field, location="json")
            unchanged.check()


def test_duplicate_slug_is_a_conflict_naming_the_field(platform: Any, tenant_a: Any, unchanged: Unchanged) -> None:
    response = platform.post("/api/v1/organisations", json={**ORGANISATION, "slug": tenant_a.organisation["slug"]})
    assert_problem(response, 409, field="slug")
    unchanged.check()


PATCH_ERRORS = [
    pytest.param({"organisation_id": NIL}, "organisation_id", id="mass-assign-organisation_id"),
    pytest.param({"id": NIL}, "id", id="mass-assign-id"),
    pytest.param({"roles": ["org_admin"]}, "roles", id="mass-assign-roles"),
    pytest.param({"given_name": None}, "given_name", id="null-for-non-nullable"),
    pytest.param({"given_name": "x" * 10_000}, "given_name", id="huge-string"),
    pytest.param({"seniority": 5.5}, "seniority", id="float-for-int"),
    pytest.param({"seniority": False}, "seniority", id="bool-for-int"),
    pytest.param({"status": "retired"}, "status", id="invalid-enum"),
    pytest.param({"email": "nope"}, "email", id="invalid-email"),
    pytest.param({"line_manager_id": "{person}"}, "line_manager_id", id="own-line-manager"),
]


def test_invalid_patch_is_refused_naming_the_field(tenant_a: Any, unchanged: Unchanged, subtests: Any) -> None:
    url = f"/api/v1/people/{tenant_a.person['id']}"
    etag = tenant_a.api.get(url).headers["ETag"]
    for case, (body, field) in cases(PATCH_ERRORS):
        with subtests.test(case):
            body = {k: (v.format(person=tenant_a.person["id"]) if isinstance(v, str) else v) for k, v in body.items()}
            response = tenant_a.api.patch(url, json=body, headers={"If-Match": etag})
            assert_problem(response, 422, field=field, location="json")
            unchanged.check()


QUERY_ERRORS = [
    pytest.param("tenant", "/api/v1/people?page_size=1000", "page_size", id="page_size-over-max"),
    pytest.param("tenant", "/api/v1/people?page_size=0", "page_size", id="page_size-zero"),
    pytest.param("tenant", "/api/v1/people?page=0", "page", id="page-zero"),
    pytest.param("tenant", "/api/v1/people?page=-1", "page", id="page-negative"),
    pytest.param("tenant", "/api/v1/people?page=abc", "page", id="page-not-int"),
    pytest.param("tenant", "/api/v1/people?page=1.5", "page", id="page-float"),
    pytest.param("tenant", "/api/v1/people?page_size=true", "page_size", id="page_size-bool"),
    pytest.param("tenant", "/api/v1/people?status=retired", "status", id="invalid-enum-filter"),
    pytest.param("tenant", "/api/v1/people?email=" + "a" * 300, "email", id="huge-filter"),
    pytest.param("tenant", "/api/v1/people?email=a%00b", "email", id="nul-in-filter"),
    pytest.param("platform", "/api/v1/organisations?sector=banking", "sector", id="org-invalid-enum-filter"),
    pytest.param("platform", "/api/v1/consortia?page_size=101", "page_size", id="consortia-page_size"),
    pytest.param("platform", "/api/v1/organisations/{org}/api-clients?page=0", "page", id="api-clients-page"),
]


def test_invalid_query_is_refused_naming_the_parameter(actors: dict[str, Any], tenant_a: Any, subtests: Any) -> None:
    for case, (who, path, field) in cases(QUERY_ERRORS):
        with subtests.test(case):
            response = actors[who].get(path.format(org=tenant_a.id))
            assert_problem(response, 422, field=field, location="query")


def test_a_page_far_past_the_end_is_empty_not_an_error(tenant_a: Any) -> None:
    response = tenant_a.api.get("/api/v1/people?page=99999999999999999999")
    assert response.status_code == 200
    assert response.get_json() == []


def _raw(api: Any, method: str, path: str, data: bytes | str, content_type: str) -> Any:
    return api.request(method, path, data=data, headers={"Content-Type": content_type})


RAW_ERRORS = [
    # (method, path, raw body, content type, status, field)
    pytest.param("POST", "/api/v1/people", b'{"given_name": "Ada",', "application/json", 400, None, id="bad-json"),
    pytest.param("POST", "/api/v1/people", b"\xff\xfe{}", "application/json", 400, None, id="not-utf8"),
    pytest.param("POST", "/api/v1/people", "[" * 100_000 + "]" * 100_000, "application/json", 400, None, id="json-nested-too-deep"),
    pytest.param("POST", "/api/v1/people", '{"given_name": "\\ud800", "family_name": "L", "email": "a@b.org"}', "application/json", 422, "given_name", id="lone-surrogate"),
    pytest.param("POST", "/api/v1/people", "given_name=Ada", "text/plain", 415, None, id="text-plain"),
    pytest.param("POST", "/api/v1/people", "given_name=Ada", "application/x-www-form-urlencoded", 415, None, id="form-encoded"),
    pytest.param("POST", "/api/v1/people", "<person/>", "application/xml", 415, None, id="xml"),
    pytest.param("PATCH", "/api/v1/people/{person}", "given_name=Ada", "text/plain", 415, None, id="patch-text-plain"),
    pytest.param("POST", "/api/v1/people", b'{"a": "' + b"x" * (1024 * 1024) + b'"}', "application/json", 413, None, id="over-1MiB"),
]


def test_unparseable_body_is_refused(tenant_a: Any, unchanged: Unchanged, subtests: Any) -> None:
    for case, (method, path, data, content_type, status, field) in cases(RAW_ERRORS):
        with subtests.test(case):
            response = _raw(tenant_a.api, method, path.format(person=tenant_a.person["id"]), data, content_type)
            assert_problem(response, status, field=field)
            unchanged.check()


NOT_FOUND = [
        ("GET", "/api/v1/people/not-a-uuid"),
        ("GET", "/api/v1/people/12345"),
        ("PATCH", "/api/v1/people/not-a-uuid"),
        ("GET", "/api/v1/organisations/" + NIL),
        ("GET", "/api/v1/organisations/" + NIL + "x"),
        ("GET", "/api/v1/jobs/zzz"),
        ("GET", "/api/v1/consortia/' OR 1=1 --"),
        ("GET", "/api/v1/nothing-here"),
        ("GET", "/nothing-here"),
        ("POST", "/api/v2/people"),
]


def test_unknown_or_malformed_paths_are_404_problems(tenant_a: Any, unchanged: Unchanged, subtests: Any) -> None:
    for method, path in NOT_FOUND:
        with subtests.test(f"{method} {path}"):
            response = tenant_a.api.request(method, path, json={})
            assert_problem(response, 404)
            unchanged.check()


NOT_ALLOWED = [
        ("DELETE", "/api/v1/people", {"GET", "POST"}),
        ("PUT", "/api/v1/people/{person}", {"GET", "PATCH"}),
        ("DELETE", "/api/v1/organisations/{org}", {"GET", "PATCH"}),
        ("GET", "/oauth/token", {"POST"}),
        ("POST", "/healthz", {"GET"}),
]


def test_wrong_method_is_405_problem_with_allow(tenant_a: Any, unchanged: Unchanged, subtests: Any) -> None:
    for method, path, allowed in NOT_ALLOWED:
        with subtests.test(f"{method} {path}"):
            response = tenant_a.api.request(method, path.format(person=tenant_a.person["id"], org=tenant_a.id), json={})
            assert_problem(response, 405)
            allow = {m.strip() for m in response.headers["Allow"].split(",")}
            assert allowed <= allow
            assert method not in allow
            unchanged.check()


def test_a_wrong_method_is_405_whatever_its_body(tenant_a: Any, unchanged: Unchanged) -> None:
    """No route takes PUT here: the 405 comes before any judgement of the body's media type."""
    response = tenant_a.api.request(
        "PUT", "/api/v1/people/import", data="given_name\nAda\n", content_type="text/csv"
    )
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"] and "PUT" not in response.headers["Allow"]
    unchanged.check()


def test_scim_search_advertises_only_its_own_methods(tenant_a: Any, unchanged: Unchanged) -> None:
    """/Users/.search is the search, not a User whose id is ".search"."""
    response = tenant_a.api.request("OPTIONS", "/scim/v2/Users/.search")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"OPTIONS", "POST"}
    assert tenant_a.api.get("/scim/v2/Users/.search").status_code == 405
    unchanged.check()


def test_if_match_is_an_entity_tag_or_it_is_missing(tenant_a: Any, unchanged: Unchanged) -> None:
    """The spec gives If-Match RFC 9110's form: what is not an entity-tag reads as no If-Match
    (428); a well-formed tag that is not the current one is stale (412)."""
    import re

    from consortium.core.api import IF_MATCH

    url = f"/api/v1/people/{tenant_a.person['id']}"
    for value, status in (("", 428), ("R.:dT$ !#NAnU", 428), ('"stale"', 412), ('W/"a", "b"', 412)):
        assert bool(re.fullmatch(IF_MATCH, value)) == (status == 412), value
        response = tenant_a.api.patch(url, json={"job_title": "Nurse"}, headers={"If-Match": value})
        assert_problem(response, status)
    current = tenant_a.api.get(url).headers["ETag"]
    assert re.fullmatch(IF_MATCH, current), current
    unchanged.check()


def test_a_sign_in_next_past_its_limit_is_refused_naming_it(tenant_a: Any) -> None:
    response = tenant_a.api.get(
        f"/auth/sso/{tenant_a.organisation['slug']}/login", query_string={"next": "/" + "é" * 500}
    )
    assert_problem(response, 422, field="next")
