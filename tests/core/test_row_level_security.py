"""The database alone stops a cross-tenant leak; and the ORM hook alone does too.

The first group connects with the application's runtime role directly (no Flask, no ORM hook,
no session events): only the PostgreSQL policies from the foundation migration stand between
one tenant and another. The second group runs the ORM with RLS switched off for the
transaction, so only the ORM hooks stand between them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from consortium.core import tenancy
from consortium.core.tenancy import Principal, TenancyViolation
from consortium.extensions import db
from consortium.people.models import Person
from tests.conftest import APP_ROLE
from tests.factories import Tenant, create_person

SET = "SELECT set_config(:name, :value, true)"


@pytest.fixture
def runtime_engine(runtime_url: str) -> Iterator[Engine]:
    engine = create_engine(runtime_url)
    yield engine
    engine.dispose()


@pytest.fixture
def people(tenant_a: Tenant, tenant_b: Tenant) -> dict[str, set[str]]:
    """Two people in each tenant, created through the API; ids by tenant."""
    second_a = create_person(tenant_a.api, "alex.jones@alpha-trust.example.org")
    second_b = create_person(tenant_b.api, "alex.jones@beta-police.example.org")
    return {
        "a": {tenant_a.person["id"], second_a["id"]},
        "b": {tenant_b.person["id"], second_b["id"]},
    }


def _set(connection: Connection, name: str, value: str) -> None:
    connection.execute(text(SET), {"name": name, "value": value})


def _people(connection: Connection) -> list[Any]:
    return list(connection.execute(text("SELECT id, organisation_id FROM people")))


# --- the database alone ----------------------------------------------------------------------


def test_the_organisation_setting_shows_only_that_organisations_people(
    runtime_engine: Engine, tenant_a: Tenant, tenant_b: Tenant, people: dict[str, set[str]]
) -> None:
    with runtime_engine.begin() as c:
        _set(c, "app.organisation_id", tenant_b.id)
        rows = _people(c)
    assert {str(r.id) for r in rows} == people["b"]
    assert {str(r.organisation_id) for r in rows} == {tenant_b.id}
    assert not {str(r.id) for r in rows} & people["a"]

    with runtime_engine.begin() as c:
        _set(c, "app.organisation_id", tenant_a.id)
        rows = _people(c)
    assert {str(r.id) for r in rows} == people["a"]


def test_an_aggregate_or_a_lookup_by_id_cannot_reach_another_tenant(
    runtime_engine: Engine, tenant_a: Tenant, tenant_b: Tenant, people: dict[str, set[str]]
) -> None:
    with runtime_engine.begin() as c:
        _set(c, "app.organisation_id", tenant_b.id)
        assert c.execute(text("SELECT count(*) FROM people")).scalar_one() == 2
        assert (
            c.execute(
                text("SELECT count(*) FROM people WHERE id = :id"), {"id": tenant_a.person["id"]}
            ).scalar_one()
            == 0
        )
        assert (
            c.execute(
                text("SELECT count(*) FROM people WHERE organisation_id = :o"), {"o": tenant_a.id}
            ).scalar_one()
            == 0
        )
        # Other tenant-owned tables and the organisations table itself are filtered too.
        orgs = {str(r[0]) for r in c.execute(text("SELECT id FROM organisations"))}
        assert orgs == {tenant_b.id}
        client_orgs = {
            str(r[0]) for r in c.execute(text("SELECT organisation_id FROM api_clients"))
        }
        assert client_orgs == {tenant_b.id}


def test_no_setting_at_all_means_no_rows(
    runtime_engine: Engine, people: dict[str, set[str]]
) -> None:
    with runtime_engine.begin() as c:
        assert _people(c) == []
        assert c.execute(text("SELECT count(*) FROM organisations")).scalar_one() == 0
        assert c.execute(text("SELECT count(*) FROM api_clients")).scalar_one() == 0


def test_an_empty_setting_means_no_rows(
    runtime_engine: Engine, tenant_b: Tenant, people: dict[str, set[str]]
) -> None:
    # A pooled connection that once ran SET LOCAL reads the setting back as '' afterwards.
    with runtime_engine.connect() as c:
        with c.begin():
            _set(c, "app.organisation_id", tenant_b.id)
            assert len(_people(c)) == 2
        with c.begin():
            assert (
                c.execute(text("SELECT current_setting('app.organisation_id', true)")).scalar()
                == ""
            )
            assert _people(c) == []
        with c.begin():
            _set(c, "app.organisation_id", "")
            _set(c, "app.all_tenants", "")
            _set(c, "app.consortium_ids", "")
            assert _people(c) == []


def test_all_tenants_on_shows_every_tenant(
    runtime_engine: Engine, people: dict[str, set[str]]
) -> None:
    with runtime_engine.begin() as c:
        _set(c, "app.all_tenants", "on")
        rows = _people(c)
    assert {str(r.id) for r in rows} == people["a"] | people["b"]


def test_all_tenants_needs_exactly_on(runtime_engine: Engine, people: dict[str, set[str]]) -> None:
    for value in ("true", "1", "yes", "ON "):
        with runtime_engine.begin() as c:
            _set(c, "app.all_tenants", value)
            assert _people(c) == [], value


def test_inserting_a_row_for_another_tenant_violates_the_policy(
    runtime_engine: Engine, tenant_a: Tenant, tenant_b: Tenant, people: dict[str, set[str]]
) -> None:
    with pytest.raises(DBAPIError, match="row-level security"), runtime_engine.begin() as c:
        _set(c, "app.organisation_id", tenant_b.id)
        c.execute(
            text(
                "INSERT INTO people (id, organisation_id, given_name, family_name, email,"
                " status, created_at, updated_at) VALUES (:id, :org, 'Eve', 'Intruder',"
                " 'eve@example.org', 'active', now(), now())"
            ),
            {"id": str(uuid.uuid4()), "org": tenant_a.id},
        )
    # Nothing was written: A still has exactly its own two people.
    listed = tenant_a.api.get("/api/v1/people").get_json()
    assert {p["id"] for p in listed} == people["a"]


def test_moving_own_row_to_another_tenant_violates_the_policy(
    runtime_engine: Engine, tenant_a: Tenant, tenant_b: Tenant, people: dict[str, set[str]]
) -> None:
    with pytest.raises(DBAPIError, match="row-level security"), runtime_engine.begin() as c:
        _set(c, "app.organisation_id", tenant_b.id)
        c.execute(
            text("UPDATE people SET organisation_id = :a WHERE id = :id"),
            {"a": tenant_a.id, "id": tenant_b.person["id"]},
        )
    assert tenant_b.api.get(f"/api/v1/people/{tenant_b.person['id']}").status_code == 200


def test_updating_or_deleting_another_tenants_row_affects_nothing(
    runtime_engine: Engine, tenant_a: Tenant, tenant_b: Tenant, people: dict[str, set[str]]
) -> None:
    before = tenant_a.api.get(f"/api/v1/people/{tenant_a.person['id']}").get_json()
    with runtime_engine.begin() as c:
        _set(c, "app.organisation_id", tenant_b.id)
        updated = c.execute(
            text("UPDATE people SET job_title = 'Hijacked' WHERE id = :id"),
            {"id": tenant_a.person["id"]},
        )
        assert updated.rowcount == 0
        everyone = c.execute(text("UPDATE people SET profession = 'hijacked'"))
        assert everyone.rowcount == 2  # only B's own two
        deleted = c.execute(
            text("DELETE FROM people WHERE organisation_id = :a"), {"a": tenant_a.id}
        )
        assert deleted.rowcount == 0
    after = tenant_a.api.get(f"/api/v1/people/{tenant_a.person['id']}").get_json()
    assert after == before
    assert after["job_title"] != "Hijacked"
    assert after["profession"] != "hijacked"


def test_organisations_may_not_write_consortia_or_memberships(
    runtime_engine: Engine, tenant_b: Tenant
) -> None:
    # Consortia and memberships are written only under app.all_tenants (the platform).
    with pytest.raises(DBAPIError, match="row-level security"), runtime_engine.begin() as c:
        _set(c, "app.organisation_id", tenant_b.id)
        c.execute(
            text(
                "INSERT INTO consortia (id, name, slug, approval_policy, created_at, updated_at)"
                " VALUES (:id, 'Rogue', 'rogue', 'coordinator', now(), now())"
            ),
            {"id": str(uuid.uuid4())},
        )


# Tables that hold no tenant's data: the schema version and the service's own signing keys.
NOT_TENANT_DATA = {"alembic_version", "signing_keys"}


def test_every_tenant_table_has_forced_row_level_security(runtime_engine: Engine) -> None:
    """Every table but the few that hold no tenant's data: a new table must opt in to RLS."""
    with runtime_engine.connect() as c:
        tables = c.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            )
        ).all()
        with_policy = {
            r[0]
            for r in c.execute(
                text("SELECT tablename FROM pg_policies WHERE schemaname = 'public'")
            )
        }
    names = {r.relname for r in tables}
    assert {
        "people",
        "api_clients",
        "jobs",
        "idempotency_keys",
        "role_assignments",
        "consortium_memberships",
        "organisations",
        "consortia",
        "mentor_profiles",
        "programmes",
        "applications",
        "sensitive_attributes",
        "consents",
        "matches",
    } <= names
    assert names >= NOT_TENANT_DATA
    for row in tables:
        if row.relname in NOT_TENANT_DATA:
            continue
        assert row.relrowsecurity, f"{row.relname}: row-level security is not enabled"
        assert row.relforcerowsecurity, f"{row.relname}: row-level security is not forced"
        assert row.relname in with_policy, f"{row.relname}: has no policy"


def test_the_runtime_role_owns_nothing_and_cannot_bypass_rls(runtime_engine: Engine) -> None:
    with runtime_engine.connect() as c:
        assert c.execute(text("SELECT current_user")).scalar_one() == APP_ROLE
        role = c.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owned = c.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"
            )
        ).all()
    assert role.rolsuper is False
    assert role.rolbypassrls is False
    assert owned == [], f"{APP_ROLE} owns {[r[0] for r in owned]}: owners can ALTER away the policy"


# --- the ORM hook alone ----------------------------------------------------------------------


def _rls_off() -> int:
    """Turn the policies off for the session's transaction, so only the ORM hooks filter.

    Returns how many people the database now shows (all of them), read past the ORM.
    """
    connection = db.session.connection()  # begins the transaction (after_begin sets the principal)
    connection.execute(text(SET), {"name": "app.all_tenants", "value": "on"})
    return int(connection.execute(text("SELECT count(*) FROM people")).scalar_one())


def test_the_orm_hook_alone_filters_reads(
    app: Flask, tenant_a: Tenant, tenant_b: Tenant, people: dict[str, set[str]]
) -> None:
    principal = Principal(kind="system", organisation_id=uuid.UUID(tenant_a.id))
    with app.app_context(), tenancy.acting_as(principal):
        assert _rls_off() == 4
        found = db.session.scalars(select(Person)).all()
        assert {str(p.id) for p in found} == people["a"]
        assert db.session.get(Person, uuid.UUID(tenant_b.person["id"])) is None
        by_id = db.session.scalar(
            select(Person).where(Person.id == uuid.UUID(tenant_b.person["id"]))
        )
        assert by_id is None
        db.session.rollback()


def test_the_orm_hook_alone_filters_bulk_updates(
    app: Flask, tenant_a: Tenant, tenant_b: Tenant, people: dict[str, set[str]]
) -> None:
    from sqlalchemy import update

    principal = Principal(kind="system", organisation_id=uuid.UUID(tenant_a.id))
    with app.app_context(), tenancy.acting_as(principal):
        assert _rls_off() == 4
        result = db.session.execute(
            update(Person).values(job_title="Hijacked").execution_options(synchronize_session=False)
        )
        assert result.rowcount == 2
        titles = (
            db.session.connection()
            .execute(text("SELECT organisation_id, job_title FROM people"))
            .all()
        )
        db.session.rollback()
    assert {str(o) for o, t in titles if t == "Hijacked"} == {tenant_a.id}


def test_the_flush_guard_refuses_a_row_for_another_tenant(
    app: Flask, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    principal = Principal(kind="system", organisation_id=uuid.UUID(tenant_a.id))
    with app.app_context(), tenancy.acting_as(principal):
        assert _rls_off() == 2
        db.session.add(
            Person(
                organisation_id=uuid.UUID(tenant_b.id),
                given_name="Eve",
                family_name="Intruder",
                email="eve@beta-police.example.org",
            )
        )
        with pytest.raises(TenancyViolation):
            db.session.flush()
        db.session.rollback()
    listed = tenant_b.api.get("/api/v1/people").get_json()
    assert [p["id"] for p in listed] == [tenant_b.person["id"]]


def test_the_flush_guard_allows_a_row_for_the_principals_own_tenant(
    app: Flask, tenant_a: Tenant
) -> None:
    # The control for the test above: the same write for A's own organisation flushes.
    principal = Principal(kind="system", organisation_id=uuid.UUID(tenant_a.id))
    with app.app_context(), tenancy.acting_as(principal):
        db.session.add(
            Person(
                organisation_id=uuid.UUID(tenant_a.id),
                given_name="Ada",
                family_name="Own",
                email="ada@alpha-trust.example.org",
            )
        )
        db.session.flush()
        db.session.rollback()
