"""Alembic migrations: up, down and up again on an empty database; one head; they match the models."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, create_engine, inspect, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from consortium.cli import alembic_config
from consortium.consortia import service as consortia
from consortium.core.tenancy import TenantAware
from consortium.models import Base
from consortium.organisations import service as organisations
from tests.conftest import ADMIN_URL, _url

MODEL_TABLES = set(Base.metadata.tables)
TENANT_TABLES = {
    mapper.class_.__table__.name  # type: ignore[attr-defined]
    for mapper in Base.registry.mappers
    if issubclass(mapper.class_, TenantAware)
}
RLS_FUNCTIONS = {
    "app_organisation_id",
    "app_consortium_ids",
    "app_all_tenants",
    "app_coordinated_ids",
    "app_person_id",
}


@pytest.fixture
def empty_database(worker_id: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of this worker's own; dropped afterwards."""
    # The prefix keeps concurrent runs from different checkouts apart (as tests/conftest.py).
    name = f"{os.environ.get('TEST_DATABASE_PREFIX', 'consortium')}_migr_{worker_id}"
    admin = create_engine(
        _url(ADMIN_URL, database=make_url(ADMIN_URL).database or "postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _url(ADMIN_URL, database=name)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _rls(engine: Engine) -> tuple[dict[str, tuple[bool, bool]], set[str], set[str]]:
    """Per table (RLS enabled, forced); tables with a policy; the RLS helper functions."""
    with engine.connect() as c:
        flags = {
            r.relname: (r.relrowsecurity, r.relforcerowsecurity)
            for r in c.execute(
                text(
                    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                    "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
                )
            )
        }
        policies = {
            r[0]
            for r in c.execute(
                text("SELECT tablename FROM pg_policies WHERE schemaname = 'public'")
            )
        }
        functions = {
            r[0]
            for r in c.execute(
                text("SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace")
            )
        }
    return flags, policies, functions


def test_upgrade_downgrade_upgrade_on_an_empty_database(empty_database: str) -> None:
    config = alembic_config(empty_database)
    engine = create_engine(empty_database)
    try:
        command.upgrade(config, "head")
        assert _tables(engine) == MODEL_TABLES
        flags, policies, functions = _rls(engine)
        assert TENANT_TABLES, "no tenant-aware models found"
        for table in TENANT_TABLES:
            assert flags[table] == (True, True), (
                f"{table}: row-level security not enabled and forced"
            )
        assert policies == TENANT_TABLES  # every tenant table has a policy, and only those
        assert functions >= RLS_FUNCTIONS

        engine.dispose()
        command.downgrade(config, "base")
        assert _tables(engine) == set()
        flags, policies, functions = _rls(engine)
        assert policies == set()
        assert not RLS_FUNCTIONS & functions
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 0

        engine.dispose()
        command.upgrade(config, "head")
        assert _tables(engine) == MODEL_TABLES
        assert _rls(engine)[1] == TENANT_TABLES
    finally:
        engine.dispose()


def test_there_is_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = script.get_heads()
    assert len(heads) == 1, f"several heads {heads}: merge them (alembic merge)"
    # Every revision descends from one base: the history is a single line or merges back into one.
    assert len(script.get_bases()) == 1


def test_migrations_match_the_models(empty_database: str) -> None:
    command.upgrade(alembic_config(empty_database), "head")
    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], (
        "The models and migrations differ; add a migration "
        "(flask db revision --autogenerate -m '...'):\n" + "\n".join(map(str, differences))
    )


def test_upgrade_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    """`make run` migrates a new SQLite file: that must work (without the PostgreSQL-only RLS)."""
    url = f"sqlite:///{tmp_path / 'consortium.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    try:
        assert _tables(engine) == MODEL_TABLES
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert (
                context.get_current_revision()
                == ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            )
    finally:
        engine.dispose()


LEGACY_OWNER = "consortium_migration_owner"


@pytest.fixture
def database_owned_by_a_plain_role(worker_id: str) -> Iterator[str]:
    """A fresh database owned by a role that is neither superuser nor BYPASSRLS, as a managed
    PostgreSQL's owner is: FORCE ROW LEVEL SECURITY filters its own queries too."""
    name = f"{os.environ.get('TEST_DATABASE_PREFIX', 'consortium')}_owned_{worker_id}"
    admin = create_engine(
        _url(ADMIN_URL, database=make_url(ADMIN_URL).database or "postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not c.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": LEGACY_OWNER}
        ).first():
            with contextlib.suppress(ProgrammingError):  # another worker created it first
                c.execute(text(f"CREATE ROLE {LEGACY_OWNER} LOGIN NOSUPERUSER NOBYPASSRLS"))
        c.execute(text(f'CREATE DATABASE "{name}" OWNER {LEGACY_OWNER}'))
    try:
        yield _url(ADMIN_URL, database=name, username=LEGACY_OWNER)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _add_later_columns(url: str, model: type) -> list[str]:
    """Add (nullable) the mapped columns of `model` its table lacks; their names."""
    table = model.__table__  # type: ignore[attr-defined]
    owner = create_engine(url)
    try:
        present = {c["name"] for c in inspect(owner).get_columns(table.name)}
        missing = [c for c in table.columns if c.name not in present]
        with owner.begin() as c:
            for column in missing:
                kind = column.type.compile(dialect=owner.dialect)
                c.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
    finally:
        owner.dispose()
    return [column.name for column in missing]


def _drop_columns(url: str, model: type, names: list[str]) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    owner = create_engine(url)
    try:
        with owner.begin() as c:
            for name in names:
                c.execute(text(f"ALTER TABLE {table.name} DROP COLUMN {name}"))
    finally:
        owner.dispose()
def _row_as_of_then(model: Any, **values: Any) -> SimpleNamespace:
    """A row of `model` written with only the columns its table has at the revision the
    database is at (today's model may have more), the model's defaults filling the rest."""
    from consortium.extensions import db

    connection = db.session.connection()
    table = Table(model.__tablename__, MetaData(), autoload_with=connection)
    row = dict(values)
    for column in model.__table__.columns:
        if column.name in table.c and column.name not in row and column.default is not None:
            default = column.default
            row[column.name] = default.arg(None) if default.is_callable else default.arg
    connection.execute(table.insert().values(row))
    return SimpleNamespace(**row)


def test_sessions_booked_before_the_sessions_revision_keep_their_time(
    database_owned_by_a_plain_role: str,
) -> None:
    """77406371148a gives existing pairings their mentor's person, and existing sessions their
    two people and attendee rows, under forced row-level security, so visibility, the overlap
    rule, slots and calendar feeds see them."""
    from consortium import create_app
    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.matches.models import Match
    from consortium.people.models import Person
    from consortium.pool.models import MentorProfile
    from consortium.programmes.models import Programme
    from consortium.sessions.models import MentoringSession
    from tests.conftest import make_settings

    url = database_owned_by_a_plain_role
    config = alembic_config(url)
    # The last revision where a pairing's mentor person could be NULL (c3d8f1a2b6e4 forbids it).
    command.upgrade(config, "8b9f39e13f3c")
    # Columns later revisions add to matches (the ORM writes every mapped column): present
    # while the old rows are written, gone again before upgrading.
    later = _add_later_columns(url, Match)
    app = create_app(make_settings(url))
    now = datetime.now(UTC)
    with app.app_context(), tenancy.all_tenants():
        orgs = [
            organisations.create_organisation(
                name=f"Org {n}", slug=f"org-{n}", sector="health", email_domains=[]
            )
            for n in (1, 2)
        ]
        network = consortia.create_consortium(name="Network", slug="network")
        mentor, mentee = (
            _row_as_of_then(
                Person, organisation_id=o.id, given_name=n, family_name="X", email=f"{n}@x.org"
            )
            for o, n in zip(orgs, ("mona", "gail"), strict=True)
        )
        programme = _row_as_of_then(
            Programme,
            consortium_id=network.id,
            name="Programme",
            type="mentoring",
            opens_at=now,
            closes_at=now + timedelta(days=30),
            created_by="tests",
        )
        profile = MentorProfile(organisation_id=orgs[0].id, person_id=mentor.id, capacity=2)
        db.session.add(profile)
        db.session.flush()
        pair = {
            "consortium_id": network.id,
            "mentor_organisation_id": orgs[0].id,
            "mentee_organisation_id": orgs[1].id,
        }
        match = Match(
            **pair,
            programme_id=programme.id,
            mentor_profile_id=profile.id,
            mentee_id=mentee.id,
            mentor_person_id=None,  # as pairings proposed before 062c6fbcb38e were
            status="active",
        )
        db.session.add(match)
        db.session.flush()
        for hours, status in ((24, "scheduled"), (48, "cancelled")):
            db.session.add(
                MentoringSession(
                    **pair,
                    match_id=match.id,
                    mentee_id=mentee.id,
                    mentor_person_id=mentor.id,
                    mentor_profile_id=profile.id,
                    starts_at=now + timedelta(hours=hours),
                    ends_at=now + timedelta(hours=hours + 1),
                    status=status,
                )
            )
        db.session.commit()
        people = {mentor.id: "mentor", mentee.id: "mentee"}
    engine = app.extensions["consortium.db"]
    engine.dispose()
    _drop_columns(url, Match, later)
    command.downgrade(config, "062c6fbcb38e")  # the sessions as they were stored before
    command.upgrade(config, "head")

    owner = create_engine(url)
    try:
        with owner.begin() as c:
            c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            sessions = c.execute(
                text("SELECT id, status, mentee_id, mentor_person_id FROM mentoring_sessions")
            ).all()
            pairing_mentor = c.execute(text("SELECT mentor_person_id FROM matches")).scalar_one()
            attendees = c.execute(
                text("SELECT session_id, person_id, role, live FROM session_attendees")
            ).all()
    finally:
        owner.dispose()
    assert pairing_mentor == mentor.id
    assert {(s.mentee_id, s.mentor_person_id) for s in sessions} == {(mentee.id, mentor.id)}
    live = {s.id: s.status != "cancelled" for s in sessions}
    assert sorted((a.session_id, people[a.person_id], a.role, a.live) for a in attendees) == sorted(
        (session_id, role, role, is_live)
        for session_id, is_live in live.items()
        for role in ("mentor", "mentee")
    )


def test_sqlite_refuses_overlapping_sessions_of_a_person_too(tmp_path: Path) -> None:
    """The embedded default (`make run`) keeps the no-double-booking rule with triggers."""
    from sqlalchemy.exc import IntegrityError

    url = f"sqlite:///{tmp_path / 'consortium.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    row = (
        "INSERT INTO session_attendees (id, created_at, updated_at, consortium_id,"
        " mentor_organisation_id, mentee_organisation_id, session_id, person_id, role,"
        " starts_at, ends_at, live) VALUES (:id, '2027-01-01 00:00:00.000000',"
        " '2027-01-01 00:00:00.000000', 'c', 'o', 'o', :session, :person, 'mentor',"
        " :starts, :ends, :live)"
    )

    def attend(n: int, person: str, starts: str, ends: str, *, live: bool = True) -> None:
        with engine.begin() as c:  # foreign keys are off: the rows, not their parents, are tested
            c.execute(
                text(row),
                {
                    "id": f"a{n}",
                    "session": f"s{n}",
                    "person": person,
                    "starts": f"2027-03-01 {starts}:00.000000",
                    "ends": f"2027-03-01 {ends}:00.000000",
                    "live": live,
                },
            )

    try:
        attend(1, "mona", "10:00", "11:00")
        with pytest.raises(IntegrityError, match="ex_session_attendees_overlap"):
            attend(2, "mona", "10:30", "11:30")
        attend(3, "mona", "11:00", "12:00")  # back to back
        attend(4, "gail", "10:30", "11:30")  # another person
        attend(5, "mona", "10:15", "10:45", live=False)  # a cancelled session holds no time
        # Nor may a cancelled one be brought back over a live one.
        with (
            pytest.raises(IntegrityError, match="ex_session_attendees_overlap"),
            engine.begin() as c,
        ):
            c.execute(text("UPDATE session_attendees SET live = 1 WHERE id = 'a5'"))
    finally:
        engine.dispose()


def test_stored_responses_lose_the_client_secrets_written_before_c4a1f9e2d7b3(
    database_owned_by_a_plain_role: str,
) -> None:
    """c4a1f9e2d7b3 takes client_secret out of Idempotency-Key records stored before the app
    stopped storing it, under forced row-level security; the records and other bodies stay."""
    url = database_owned_by_a_plain_role
    config = alembic_config(url)
    command.upgrade(config, "c3d8f1a2b6e4")
    issued = '{"client_id": "cli_0a1b", "client_secret": "plaintext-secret-123", "id": "c1"}'
    person = '{"email": "ada@example.org", "id": "p1"}'
    row = (
        "INSERT INTO idempotency_keys (id, organisation_id, principal_key, key, request_hash, "
        "status_code, response_body, response_headers, created_at, updated_at) VALUES (:id, "
        "NULL, 'client:ops', :key, 'h', 201, :body, '{}', now(), now())"
    )
    owner = create_engine(url)
    try:
        with owner.begin() as c:
            c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            c.execute(
                text(row),
                {"id": "00000000-0000-0000-0000-000000000001", "key": "a", "body": issued},
            )
            c.execute(
                text(row),
                {"id": "00000000-0000-0000-0000-000000000002", "key": "b", "body": person},
            )
        owner.dispose()
        command.upgrade(config, "head")
        with owner.begin() as c:
            c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            bodies = dict(c.execute(text("SELECT key, response_body FROM idempotency_keys")).all())
    finally:
        owner.dispose()
    assert "plaintext-secret-123" not in bodies["a"]
    assert json.loads(bodies["a"]) == {"client_id": "cli_0a1b", "id": "c1"}
    assert bodies["b"] == person
