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
from flask import Flask
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import Connection, Engine

from consortium.core import tenancy
from consortium.core.tenancy import Principal
from consortium.extensions import db
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
    # Visible to gamma, but the write policy (the owner's organisation only) keeps UPDATE and
    # DELETE away from it: nothing is changed.
    with runtime_engine.begin() as c:
        _as(c, organisation_id=pool["gamma"]["id"], consortium_ids=network)
        assert profiles["consortium"] in _ids(c, "mentor_profiles")
        changed = c.execute(
            text("UPDATE mentor_profiles SET bio = 'Hijacked' WHERE id = :id"),
            {"id": profiles["consortium"]},
        ).rowcount
        assert changed == 0
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


# --- rows a tenant may read but not write ------------------------------------------------------

# table → the id column of a row gamma sees (shared with it, or its consortium's) but must not
# change: only the platform writes consortia and memberships, only tenant_a its profiles.
READ_ONLY_FOR_GAMMA = ("consortia", "consortium_memberships", "mentor_profiles")


def _read_only_rows(owner_engine: Engine, pool: dict[str, Any]) -> dict[str, str]:
    network = str(pool["network"]["id"])
    with owner_engine.connect() as c:
        membership = c.execute(
            text(
                "SELECT id FROM consortium_memberships WHERE consortium_id = :c"
                " AND organisation_id <> :gamma"
            ),
            {"c": network, "gamma": pool["gamma"]["id"]},
        ).scalar_one()
    return {
        "consortia": network,
        "consortium_memberships": str(membership),
        "mentor_profiles": pool["profiles"]["consortium"],
    }


@pytest.mark.parametrize("table", READ_ONLY_FOR_GAMMA)
def test_a_row_shared_for_reading_cannot_be_deleted_by_the_reader(
    runtime_engine: Engine, owner_engine: Engine, pool: dict[str, Any], table: str
) -> None:
    row_id = _read_only_rows(owner_engine, pool)[table]
    network = str(pool["network"]["id"])
    with runtime_engine.begin() as c:
        _as(c, organisation_id=pool["gamma"]["id"], consortium_ids=network)
        assert row_id in _ids(c, table)  # gamma sees it...
        deleted = c.execute(
            text(f"DELETE FROM {table} WHERE id = :id"),
            {"id": row_id},
        ).rowcount
        assert deleted == 0  # ...and deletes nothing
    with owner_engine.connect() as c:
        assert row_id in _ids(c, table)


@pytest.mark.parametrize("model_name", ["Consortium", "ConsortiumMembership", "MentorProfile"])
def test_the_orm_hook_alone_keeps_bulk_deletes_to_rows_the_tenant_writes(
    app: Flask, owner_engine: Engine, pool: dict[str, Any], model_name: str
) -> None:
    from consortium import models

    model = getattr(models, model_name)
    table = model.__tablename__
    row_id = uuid.UUID(_read_only_rows(owner_engine, pool)[table])
    principal = Principal(
        kind="system",
        organisation_id=uuid.UUID(pool["gamma"]["id"]),
        consortium_ids=frozenset({uuid.UUID(str(pool["network"]["id"]))}),
    )
    with app.app_context(), tenancy.acting_as(principal):
        connection = db.session.connection()
        connection.execute(text(SET), {"name": "app.all_tenants", "value": "on"})  # RLS off
        assert db.session.scalar(select(model.id).where(model.id == row_id)) == row_id
        result = db.session.execute(
            delete(model).where(model.id == row_id).execution_options(synchronize_session=False)
        )
        assert result.rowcount == 0
        db.session.rollback()
