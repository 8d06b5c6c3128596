"""GET /api/v1/mentor-profiles filters and paging: every filter narrows what the caller may see,
never widens it; pages cover every visible profile exactly once, oldest first.

The pool is built through the organisations' API clients (staff records and profiles for them)
and the platform (release, vetting), so only the viewers need an SSO sign-in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.helpers import assert_problem, pages
from tests.factories import Tenant
from tests.identity.role_support import new_person
from tests.pool.conftest import (
    PROFILES,
    Load,
    Person,
    PoolWorld,
    give_load,
    listed_ids,
    patch_ok,
    profile_body,
    release,
    vet_ok,
)


def offer(tenant: Tenant, stem: str, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new staff record of `tenant` and a profile for them, made by the tenant's API client."""
    person = new_person(tenant, stem)
    response = tenant.api.post(PROFILES, json=profile_body(person_id=person["id"], **fields))
    assert response.status_code == 201, response.get_json()
    return person, dict(response.get_json())


@dataclass
class Pool:
    world: PoolWorld
    gamma_staff: Person
    coordinator: Person
    p: dict[str, dict[str, Any]]  # profiles by name
    people: dict[str, dict[str, Any]]  # their staff records

    def ids(self, *names: str) -> set[str]:
        return {self.p[n]["id"] for n in names}


@pytest.fixture
def filled(pool: PoolWorld) -> Pool:
    """Six profiles, made in this order:
    a_qi      tenant_a  mentoring+coaching, Quality Improvement, ICF PCC, consortium, released,
              vetted
    a_lead    tenant_a  reverse_mentoring, leadership, EMCC practitioner, consortium, released;
              full (capacity 1, one active pairing)
    a_home    tenant_a  mentoring, Leadership, no accreditation, organisation only
    g_coach   gamma     coaching, quality-improvement + Change Management, EMCC
              master_practitioner, consortium, released, vetted
    g_named   gamma     supervision, ethics, AC senior_practitioner, shared with tenant_a by name,
              released
    d_paused  delta     mentoring, consortium, released, paused by request
    """
    consortium = {"scope": "consortium"}
    made = {
        "a_qi": offer(
            pool.a,
            "quinn",
            modalities=["mentoring", "coaching"],
            topics=["Quality Improvement"],
            accreditation={"body": "ICF", "level": "PCC"},
            sharing=consortium,
        ),
        "a_lead": offer(
            pool.a,
            "lee",
            modalities=["reverse_mentoring"],
            topics=["leadership"],
            accreditation={"body": "EMCC", "level": "practitioner"},
            capacity=1,
            sharing=consortium,
        ),
        "a_home": offer(pool.a, "hana", topics=["Leadership"]),
        "g_coach": offer(
            pool.gamma,
            "cole",
            modalities=["coaching"],
            topics=["quality-improvement", "Change Management"],
            accreditation={"body": "EMCC", "level": "master_practitioner"},
            sharing=consortium,
        ),
        "g_named": offer(
            pool.gamma,
            "nell",
            modalities=["supervision"],
            topics=["ethics"],
            accreditation={"body": "AC", "level": "senior_practitioner"},
            sharing={"scope": "organisations", "organisation_ids": [pool.a.id]},
        ),
        "d_paused": offer(pool.delta, "paz", sharing=consortium, status="paused"),
    }
    p = {name: profile for name, (_, profile) in made.items()}
    for name in ("a_qi", "a_lead", "g_coach", "g_named", "d_paused"):
        release(pool.platform, p[name])
    for name in ("a_qi", "g_coach"):
        vet_ok(pool.platform, p[name])
    give_load(
        pool.app,
        p["a_lead"],
        consortium_id=pool.network_id,
        mentee=pool.gamma.person,
        mentee_organisation_id=pool.gamma.id,
        load=Load(matches=["active"]),
    )
    return Pool(
        world=pool,
        gamma_staff=pool.sign_in(pool.gamma, "Gail", "Gamma"),
        coordinator=pool.sign_in(
            pool.gamma, "Cora", "Coordinator", coordinator_of=[pool.network_id]
        ),
        p=p,
        people={name: person for name, (person, _) in made.items()},
    )


# (query, profiles tenant_a sees)
FILTERS: list[tuple[dict[str, str], set[str]]] = [
    ({}, {"a_qi", "a_lead", "a_home", "g_coach", "g_named"}),
    ({"modality": "coaching"}, {"a_qi", "g_coach"}),
    ({"modality": "reverse_mentoring"}, {"a_lead"}),
    ({"modality": "supervision"}, {"g_named"}),
    ({"modality": "team_coaching"}, set()),
    ({"topic": "Quality Improvement"}, {"a_qi", "g_coach"}),
    ({"topic": "quality-improvement"}, {"a_qi", "g_coach"}),
    ({"topic": "  QUALITY   improvement "}, {"a_qi", "g_coach"}),
    ({"topic": "change management"}, {"g_coach"}),
    ({"topic": "leadership"}, {"a_lead", "a_home"}),
    ({"topic": "quality"}, set()),  # whole tags only
    ({"sector": "health"}, {"a_qi", "a_lead", "a_home"}),
    ({"sector": "fire"}, {"g_coach", "g_named"}),
    ({"sector": "local_authority"}, set()),  # delta's profile is paused
    ({"sector": "police"}, set()),
    ({"accreditation_level": "foundation"}, {"a_qi", "a_lead", "g_coach", "g_named"}),
    ({"accreditation_level": "practitioner"}, {"a_qi", "a_lead", "g_coach", "g_named"}),
    # ICF PCC counts as senior_practitioner (so does AC senior_practitioner).
    ({"accreditation_level": "senior_practitioner"}, {"a_qi", "g_coach", "g_named"}),
    ({"accreditation_level": "master_practitioner"}, {"g_coach"}),
    ({"has_capacity": "true"}, {"a_qi", "a_home", "g_coach", "g_named"}),
    ({"has_capacity": "false"}, {"a_lead"}),
    ({"status": "active"}, {"a_qi", "a_lead", "a_home", "g_coach", "g_named"}),
    ({"status": "paused"}, set()),
    ({"vetting_status": "approved"}, {"a_qi", "g_coach"}),
    ({"vetting_status": "pending"}, {"a_lead", "a_home", "g_named"}),
    ({"modality": "coaching", "sector": "fire"}, {"g_coach"}),
    ({"topic": "leadership", "has_capacity": "true"}, {"a_home"}),
]


def test_filters(filled: Pool, subtests: Any) -> None:
    w = filled.world
    for query, expected in FILTERS:
        with subtests.test(msg="tenant_a", query=query):
            assert listed_ids(w.a.api, **query) == filled.ids(*expected)

    with subtests.test(msg="organisation_id"):
        assert listed_ids(w.a.api, organisation_id=w.a.id) == filled.ids("a_qi", "a_lead", "a_home")
        assert listed_ids(w.a.api, organisation_id=w.gamma.id) == filled.ids("g_coach", "g_named")
        assert listed_ids(filled.gamma_staff, organisation_id=w.a.id) == filled.ids(
            "a_qi", "a_lead"
        )
    with subtests.test(msg="consortium_id"):
        # The consortium's pool: released and shared with the consortium (not by name).
        assert listed_ids(w.a.api, consortium_id=w.network_id) == filled.ids(
            "a_qi", "a_lead", "g_coach"
        )
        assert listed_ids(w.platform, consortium_id=w.network_id) == filled.ids(
            "a_qi", "a_lead", "g_coach", "d_paused"
        )
        assert listed_ids(w.platform, consortium_id=w.network_id, status="paused") == filled.ids(
            "d_paused"
        )
    with subtests.test(msg="person_id"):
        lee, hana = filled.people["a_lead"]["id"], filled.people["a_home"]["id"]
        assert listed_ids(filled.gamma_staff, person_id=lee) == filled.ids("a_lead")
        assert listed_ids(w.a.api, person_id=hana) == filled.ids("a_home")
        assert listed_ids(filled.gamma_staff, person_id=hana) == set()

    with subtests.test(msg="unfiltered, by caller"):
        assert listed_ids(w.platform) == filled.ids(*filled.p)
        # gamma staff: its own two and tenant_a's released ones; delta's paused one left the pool.
        assert listed_ids(filled.gamma_staff) == filled.ids("a_qi", "a_lead", "g_coach", "g_named")
        # The coordinator still sees the paused profile.
        assert listed_ids(filled.coordinator) == filled.ids(
            "a_qi", "a_lead", "g_coach", "g_named", "d_paused"
        )

    with subtests.test(msg="filters never widen"):
        outsider = w.sign_in(w.b, "Otto", "Outsider")
        for caller in (w.b.api, outsider):
            assert listed_ids(caller) == set()
            assert listed_ids(caller, organisation_id=w.a.id) == set()
            assert listed_ids(caller, consortium_id=w.network_id) == set()
            assert listed_ids(caller, person_id=filled.people["a_qi"]["id"]) == set()
            assert listed_ids(caller, sector="health") == set()
            assert listed_ids(caller, topic="quality improvement") == set()
        gamma = filled.gamma_staff
        assert filled.p["a_home"]["id"] not in listed_ids(gamma, topic="leadership")
        assert listed_ids(gamma, person_id=filled.people["a_home"]["id"]) == set()
        assert listed_ids(gamma, organisation_id=w.delta.id) == set()
        assert listed_ids(gamma, status="paused") == set()
        assert listed_ids(gamma, consortium_id=w.network_id) == filled.ids(
            "a_qi", "a_lead", "g_coach"
        )

    with subtests.test(msg="a withdrawn release leaves the consortium pool"):
        patch_ok(
            w.a.api,
            filled.p["a_qi"],
            {"sharing": {"scope": "organisations", "organisation_ids": [w.gamma.id]}},
        )
        assert listed_ids(w.a.api, consortium_id=w.network_id) == filled.ids("a_lead", "g_coach")
        assert filled.p["a_qi"]["id"] not in listed_ids(filled.gamma_staff)


BAD_FILTERS: list[dict[str, str]] = [
    {"modality": "juggling"},
    {"sector": "retail"},
    {"accreditation_level": "PCC"},  # filters take the common scale, not ICF's names
    {"has_capacity": "maybe"},
    {"organisation_id": "not-a-uuid"},
    {"consortium_id": "42"},
    {"person_id": "x"},
    {"status": "sleeping"},
    {"vetting_status": "ok"},
    {"topic": "x" * 41},
]


def test_bad_filters_are_422(tenant_a: Tenant, subtests: Any) -> None:
    for query in BAD_FILTERS:
        with subtests.test(msg=str(query)):
            response = tenant_a.api.get(PROFILES, query_string=query)
            assert_problem(response, 422, field=next(iter(query)), location="query")


def test_pages_cover_every_profile_once_in_a_stable_order(pool: PoolWorld) -> None:
    made = [offer(pool.a, f"page{n}")[1]["id"] for n in range(4)]
    made += [
        offer(pool.gamma, f"page{n}", sharing={"scope": "consortium"})[1]["id"] for n in (4, 5)
    ]
    for profile_id in made[4:]:
        release(pool.platform, profile_id)
    made += [offer(pool.a, "page6")[1]["id"]]

    for caller, expected in ((pool.platform, made), (pool.a.api, made)):
        everything = [p["id"] for p in caller.get(PROFILES).get_json()]
        assert everything == expected  # oldest first
        walked = pages(caller, PROFILES, page_size=2)
        assert [len(r.get_json()) for r in walked] == [2, 2, 2, 1]
        seen = [p["id"] for r in walked for p in r.get_json()]
        assert seen == expected  # every profile once, in the same order
        counted = caller.get(PROFILES, query_string={"count": "exact"})
        assert json.loads(counted.headers["X-Pagination"])["total"] == len(expected)
    # gamma's API client sees its two and none of tenant_a's unreleased ones.
    assert [p["id"] for p in pool.gamma.api.get(PROFILES).get_json()] == made[4:6]
    # Page size is capped at 100; a page past the end is empty.
    assert_problem(pool.platform.get(PROFILES, query_string={"page_size": 101}), 422)
    assert pool.platform.get(PROFILES, query_string={"page": 99}).get_json() == []
