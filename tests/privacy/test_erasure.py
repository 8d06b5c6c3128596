"""Erasure: an organisation admin erases a person; afterwards no text column of any table
holds their name or email, while pairings, sessions and the ledger keep their numbers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.privacy.conftest import FAMILY, FULL_NAME, Life

TEXT_TYPES = ("text", "character varying", "json", "jsonb")


def erasure_url(organisation_id: str, person_id: str) -> str:
    return f"/api/v1/organisations/{organisation_id}/people/{person_id}/erasure"


def traces(owner_engine: Engine, needles: list[str]) -> list[tuple[str, str, int]]:
    """Every (table, column, rows) whose text holds any needle, case-insensitively."""
    found = []
    with owner_engine.begin() as c:
        c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        columns = c.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND data_type = ANY(:types)"
                " ORDER BY table_name, column_name"
            ),
            {"types": list(TEXT_TYPES)},
        ).all()
        assert len(columns) > 50  # the scan really covers the schema
        for table, column in columns:
            hits = c.execute(
                text(
                    f'SELECT count(*) FROM "{table}"'
                    f' WHERE lower("{column}"::text) LIKE ANY(:patterns)'
                ),
                {"patterns": [f"%{n.lower()}%" for n in needles]},
            ).scalar_one()
            if hits:
                found.append((table, column, hits))
    return found


def count(owner_engine: Engine, sql: str, **params: Any) -> int:
    with owner_engine.begin() as c:
        c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return int(c.execute(text(sql), params).scalar_one())


def test_erasure_leaves_no_trace_of_name_or_email(life: Life, owner_engine: Engine) -> None:
    subject = life.subject
    needles = [subject.email, FULL_NAME, FAMILY]
    # Before: the person is all over the database (the scan finds them).
    before = {table for table, _, _ in traces(owner_engine, needles)}
    mentioned = {"people", "applications", "session_notes", "mentor_profiles", "cpd_entries"}
    mentioned |= {"session_feedback", "pairing_evaluations"}
    assert mentioned | {"audit_events", "match_goals"} <= before
    ledger = count(owner_engine, "SELECT count(*) FROM reciprocity_entries")
    sessions = count(owner_engine, "SELECT count(*) FROM mentoring_sessions")
    assert ledger == 1 and sessions == 1

    response = life.admin.post(erasure_url(subject.tenant.id, subject.id))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["person_id"] == subject.id
    assert body["removed"]["person_identities"] == 1
    assert body["removed"]["session_notes"] == 2

    assert traces(owner_engine, needles) == []
    # The numbers stay: the ledger's hours, the session, the pairing (now of an erased person).
    assert count(owner_engine, "SELECT count(*) FROM reciprocity_entries") == ledger
    assert count(owner_engine, "SELECT count(*) FROM mentoring_sessions") == sessions
    match = life.sw.coordinator.get(f"/api/v1/matches/{life.sw.match['id']}")
    assert match.status_code == 200
    # Identities, feeds, availability, consents and declared attributes are gone.
    for table, column in (
        ("person_identities", "person_id"),
        ("login_sessions", "person_id"),
        ("calendar_feeds", "person_id"),
        ("consents", "person_id"),
        ("sensitive_attributes", "person_id"),
    ):
        sql = f"SELECT count(*) FROM {table} WHERE {column} = :p"
        assert count(owner_engine, sql, p=subject.id) == 0, table
    paused = "SELECT status || ':' || paused_reason FROM mentor_profiles WHERE id = :p"
    with owner_engine.begin() as c:
        assert c.execute(text(paused), {"p": life.own_profile_id}).scalar_one() == "paused:erased"
    rules = "SELECT count(*) FROM availability_rules WHERE profile_id = :p"
    assert count(owner_engine, rules, p=life.own_profile_id) == 0
    # Their signed-in session ended with them.
    assert subject.get("/api/v1/me").status_code == 401
    # The staff record remains, pseudonymised, for the counts that point at it.
    record = life.admin.get(f"/api/v1/people/{subject.id}").get_json()
    assert (record["given_name"], record["family_name"]) == ("Erased", "Person")
    assert record["status"] == "inactive"
    # The audit trail records the erasure, with nothing personal in it.
    events = life.admin.get(f"/api/v1/audit-events?subject_id={subject.id}").get_json()
    erased = [e for e in events if e["action"] == "person.erased"]
    assert len(erased) == 1
    assert subject.email not in str(erased) and FAMILY not in str(erased)
    # Erasing again is a conflict, not a second pass.
    assert_problem(life.admin.post(erasure_url(subject.tenant.id, subject.id)), 409)


def test_only_the_persons_own_admins_may_erase(life: Life) -> None:
    subject, world = life.subject, life.world
    url = erasure_url(subject.tenant.id, subject.id)
    # Another member's admin (same consortium) and an unrelated tenant's admin: 404.
    assert_problem(world.admin_a.post(url), 404)
    assert_problem(world.admin_a.post(erasure_url(world.pool.a.id, subject.id)), 404)
    other = world.pool.sign_in(world.pool.b, "Bea", "Admin", org_admin=True)
    assert_problem(other.post(url), 404)
    assert_problem(other.post(erasure_url(world.pool.b.id, subject.id)), 404)
    # Neither the person, nor their mentor or coordinator, may (no admin role): 403.
    for caller in (subject, life.mentor, life.sw.coordinator):
        assert_problem(caller.post(url), 403)
    # An admin cannot erase themselves.
    assert_problem(life.admin.post(erasure_url(subject.tenant.id, life.admin.id)), 409)
    assert subject.get("/api/v1/me").status_code == 200


def test_the_app_role_cannot_use_the_audit_function_on_someone_not_erased(
    life: Life, runtime_url: str
) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(runtime_url)
    try:
        with engine.begin() as c:
            c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            try:
                with c.begin_nested():
                    c.execute(
                        text("SELECT app_pseudonymise_audit(:p, ARRAY['x'], 'x')"),
                        {"p": life.subject.id},
                    )
            except DBAPIError as exc:
                assert "is not erased" in str(exc)
            else:
                raise AssertionError("the function rewrote the audit of a person not erased")
            # Nor can it update an audit event directly: no policy allows it.
            c.execute(text("UPDATE audit_events SET actor_name = 'x'"))
            changed = c.execute(
                text("SELECT count(*) FROM audit_events WHERE actor_name = 'x'")
            ).scalar_one()
            assert changed == 0
    finally:
        engine.dispose()
