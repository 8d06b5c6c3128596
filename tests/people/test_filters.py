"""GET /api/v1/people filters: search, seniority (exact and range), with the existing ones."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import assert_problem
from tests.factories import Tenant, create_person

DOMAIN = "alpha-trust.example.org"


@pytest.fixture
def staff(tenant_a: Tenant) -> dict[str, str]:
    """A few of tenant_a's staff (plus the factory's Sam Taylor, seniority 5): name → id."""
    api = tenant_a.api
    rows = [
        ("Amara", "Okafor", f"amara.okafor@{DOMAIN}", "Director of Nursing", "nursing", 9),
        ("Tom", "Reid", f"tom_reid@{DOMAIN}", "Ward Manager", "nursing", 7),
        ("Tomas", "Oakes", f"tomxreid@{DOMAIN}", "100% Pharmacist", "pharmacy", 6),
        ("Priya", "Shah", f"priya.shah@{DOMAIN}", "Back\\Office Lead", "admin", 3),
        ("Lee", "Wong", f"lee.wong@{DOMAIN}", None, None, None),
    ]
    return {
        given: create_person(
            api, email, given_name=given, family_name=family, job_title=title,
            profession=profession, seniority=seniority,
        )["id"]
        for given, family, email, title, profession, seniority in rows
    } | {"Sam": tenant_a.person["id"]}


def names(api: Any, query: str) -> list[str]:
    response = api.get(f"/api/v1/people?{query}")
    assert response.status_code == 200, response.get_json()
    return [p["given_name"] for p in response.get_json()]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=tom", ["Tom", "Tomas"]),  # given name, case-insensitive, a substring
        ("search=OKAF", ["Amara"]),  # family name
        ("search=oak", ["Tomas"]),  # "Oakes"; "Okafor" has no "oak"
        ("search=priya.shah@", ["Priya"]),  # email
        ("search=ward%20manager", ["Tom"]),  # job title
        ("search=%20%20nursing%20", ["Amara"]),  # surrounding spaces ignored; job title only
        ("search=nobody", []),
    ],
)
def test_search_matches_names_email_and_job_title(
    tenant_a: Tenant, staff: dict[str, str], query: str, expected: list[str]
) -> None:
    assert names(tenant_a.api, query) == expected


def test_search_wildcards_match_themselves(tenant_a: Tenant, staff: dict[str, str]) -> None:
    api = tenant_a.api
    # Unescaped, "%" would match everyone and "_" any character ("tomxreid").
    assert names(api, "search=%25") == ["Tomas"]
    assert names(api, "search=tom_reid") == ["Tom"]
    assert names(api, "search=_") == ["Tom"]
    assert names(api, "search=100%25%20p") == ["Tomas"]
    assert names(api, "search=%5C") == ["Priya"]  # a backslash, the escape character itself
    assert names(api, "search=back%5Coffice") == ["Priya"]


def test_seniority_exact_and_range(tenant_a: Tenant, staff: dict[str, str]) -> None:
    api = tenant_a.api
    assert names(api, "seniority=7") == ["Tom"]
    assert names(api, "seniority=1") == []
    assert names(api, "seniority_min=6") == ["Amara", "Tom", "Tomas"]
    assert names(api, "seniority_max=5") == ["Sam", "Priya"]
    assert names(api, "seniority_min=5&seniority_max=7") == ["Sam", "Tom", "Tomas"]
    assert names(api, "seniority_min=6&seniority_max=6") == ["Tomas"]


def test_filters_combine(tenant_a: Tenant, staff: dict[str, str]) -> None:
    api = tenant_a.api
    assert names(api, "search=tom&profession=nursing") == ["Tom"]
    assert names(api, "search=tom&seniority=6") == ["Tomas"]
    assert names(api, "profession=nursing&seniority_min=8") == ["Amara"]
    assert names(api, f"search=reid&email=tom_reid@{DOMAIN}") == ["Tom"]
    assert names(api, "search=tom&status=inactive") == []


def test_search_sees_only_the_callers_organisation(
    tenant_a: Tenant, tenant_b: Tenant, staff: dict[str, str]
) -> None:
    create_person(tenant_b.api, "tom.other@beta-police.example.org", given_name="Tom", seniority=7)
    assert names(tenant_b.api, "search=tom") == ["Tom"]
    assert names(tenant_b.api, "seniority=7") == ["Tom"]
    assert names(tenant_a.api, "search=tom.other") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("seniority=10", "seniority"),
        ("seniority=0", "seniority"),
        ("seniority=senior", "seniority"),
        ("seniority=5.5", "seniority"),
        ("seniority_min=10", "seniority_min"),
        ("seniority_max=0", "seniority_max"),
        ("seniority_min=7&seniority_max=3", "seniority_max"),
        ("search=", "search"),
        ("search=" + "x" * 201, "search"),
        ("search=a%00b", "search"),
    ],
)
def test_invalid_filters_are_refused_naming_the_parameter(
    tenant_a: Tenant, query: str, field: str
) -> None:
    assert_problem(tenant_a.api.get(f"/api/v1/people?{query}"), 422, field=field, location="query")
