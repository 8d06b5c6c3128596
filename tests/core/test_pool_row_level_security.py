"""The pool's policies, with the database alone: the runtime role, no Flask, no ORM hook.

A released profile crosses tenants only to the consortia or organisations it is shared with;
applications reach coordinators only of their own consortium; special-category rows reach
nobody but the person.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from tests.factories import Tenant, create_organisation, create_person
from tests.identity.role_support import make_consortium

SET = "SELECT set_config(:name, :value, true)"


@pytest.fixture
def runtime_engine(runtime_url: str) -> Iterator[Engine]:
    engine = create_engine(runtime_url)
    yield engine
    engine.dispose()


def _as(c: Connection, **settings: str) -> None:
    names = ("organisation_id", "consortium_ids", "coordinated_ids", "person_id", "all_tenants")
    for name in names:
        c.execute(text(SET), {"name": f"app.{name}", "value": settings.get(name, "")})


def _ids(c: Connection, table: str) -> set[str]:
    return {str(r[0]) for r in c.execute(text(f"SELECT id FROM {table}"))}


@pytest.fixture
def pool(platform: Any, tenant_a: Tenant, tenant_b: Tenant) -> dict[str, Any]:
    """tenant_a and gamma in one network (tenant_b outside), and four profiles of tenant_a:
    organisation-only, consortium unreleased, consortium released, named gamma released."""
    gamma = create_organisation(platform, "gamma-fire", "fire")
    network = make_consortium(platform, "network", tenant_a.id, gamma["id"])
    profiles = {}
    for name, sharing, release in (
        ("own", {"scope": "organisation"}, False),
        ("unreleased", {"scope": "consortium"}, False),
        ("consortium", {"scope": "consortium"}, True),
        ("named", {"scope": "organisations", "organisation_ids": [gamma["id"]]}, True),
    ):
        person = create_person(tenant_a.api, f"{name}@alpha-trust.example.org")
        response = tenant_a.api.post(
            "/api/v1/mentor-profiles",
            json={"person_id": person["id"], "modalities": ["mentoring"], "sharing": sharing},
        )
        assert response.status_code == 201, response.get_json()
        profiles[name] = response.get_json()["id"]
        if release:
            response = platform.post(f"/api/v1/mentor-profiles/{profiles[name]}/release")
            assert response.status_code == 200, response.get_json()
    return {"gamma": gamma, "network": network, "profiles": profiles}


def test_profiles_cross_only_to_whom_they_are_released_and_shared(
    runtime_engine: Engine, pool: dict[str, Any], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    profiles, network = pool["profiles"], str(pool["network"]["id"])
    with runtime_engine.begin() as c:
        _as(c, organisation_id=tenant_a.id, consortium_ids=network)
        assert _ids(c, "mentor_profiles") == set(profiles.values())
        _as(c, organisation_id=pool["gamma"]["id"], consortium_ids=network)
        assert _ids(c, "mentor_profiles") == {profiles["consortium"], profiles["named"]}
        # gamma's organisation without its consortia still sees what names it.
        _as(c, organisation_id=pool["gamma"]["id"])
        assert _ids(c, "mentor_profiles") == {profiles["named"]}
        # Claiming the network's id without being gamma reaches only the consortium share.
        _as(c, organisation_id=tenant_b.id, consortium_ids=network)
        assert _ids(c, "mentor_profiles") == {profiles["consortium"]}
        _as(c, organisation_id=tenant_b.id)
        assert _ids(c, "mentor_profiles") == set()
        _as(c)
        assert _ids(c, "mentor_profiles") == set()


def test_another_organisation_cannot_write_a_shared_profile(
    runtime_engine: Engine, owner_engine: Engine, pool: dict[str, Any]
) -> None:
    profiles, network = pool["profiles"], str(pool["network"]["id"])
    # Visible to gamma, so UPDATE finds the row, but WITH CHECK (the owner's organisation
    # only) refuses the new version; DELETE is filtered by the same policy and refused too.
    with pytest.raises(DBAPIError, match="row-level security"), runtime_engine.begin() as c:
        _as(c, organisation_id=pool["gamma"]["id"], consortium_ids=network)
        c.execute(
            text("UPDATE mentor_profiles SET bio = 'Hijacked' WHERE id = :id"),
            {"id": profiles["consortium"]},
        )
    with owner_engine.connect() as c:
        bio = c.execute(
            text("SELECT bio FROM mentor_profiles WHERE id = :id"), {"id": profiles["consortium"]}
        ).scalar_one()
    assert bio != "Hijacked"


def test_applications_reach_only_their_consortiums_coordinators(
    runtime_engine: Engine,
    owner_engine: Engine,
    pool: dict[str, Any],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    network = str(pool["network"]["id"])
    programme_id, application_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    with owner_engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO programmes (id, consortium_id, name, description, type, status,"
                " cross_organisation_required, sessions_min, sessions_max, cadence_days,"
                " seniority_direction, vetting_required, eligibility, opens_at, closes_at,"
                " matching_mode, created_by, created_at, updated_at) VALUES (:id, :c, 'P', '',"
                " 'mentoring', 'open', true, 3, 6, 30, 'any', true, '{}', :o, :e, 'optimal',"
                " 'test', :o, :o)"
            ),
            {"id": programme_id, "c": network, "o": now, "e": now + timedelta(days=9)},
        )
        c.execute(
            text(
                "INSERT INTO applications (id, programme_id, consortium_id, organisation_id,"
                " person_id, goals, topics, preferences, shortlist, status, created_at,"
                " updated_at) VALUES (:id, :p, :c, :org, :person, '[]', '[]', '{}', '[]',"
                " 'open', :now, :now)"
            ),
            {
                "id": application_id,
                "p": programme_id,
                "c": network,
                "org": tenant_a.id,
                "person": tenant_a.person["id"],
                "now": now,
            },
        )
    with runtime_engine.begin() as c:
        _as(c, organisation_id=pool["gamma"]["id"], consortium_ids=network)
        assert _ids(c, "programmes") == {programme_id}
        assert _ids(c, "applications") == set()  # a member, not a coordinator
        _as(c, organisation_id=pool["gamma"]["id"], consortium_ids=network, coordinated_ids=network)
        assert _ids(c, "applications") == {application_id}
        _as(c, organisation_id=tenant_a.id)
        assert _ids(c, "applications") == {application_id}
        assert _ids(c, "programmes") == set()  # no consortia claimed
        _as(c, organisation_id=tenant_b.id)
        assert _ids(c, "applications") == set()


def test_special_category_rows_reach_the_person_alone(
    runtime_engine: Engine, owner_engine: Engine, tenant_a: Tenant
) -> None:
    person = tenant_a.person["id"]
    colleague = create_person(tenant_a.api, "colleague@alpha-trust.example.org")["id"]
    now = datetime.now(UTC)
    with owner_engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO sensitive_attributes (id, organisation_id, person_id, ciphertext,"
                " created_at, updated_at) VALUES (:id, :org, :person, 'x', :now, :now)"
            ),
            {"id": str(uuid.uuid4()), "org": tenant_a.id, "person": person, "now": now},
        )
    with runtime_engine.begin() as c:
        _as(c, organisation_id=tenant_a.id, person_id=person)
        assert len(_ids(c, "sensitive_attributes")) == 1
        # Their organisation (an admin, a client) and a colleague see nothing.
        _as(c, organisation_id=tenant_a.id)
        assert _ids(c, "sensitive_attributes") == set()
        _as(c, organisation_id=tenant_a.id, person_id=colleague)
        assert _ids(c, "sensitive_attributes") == set()
