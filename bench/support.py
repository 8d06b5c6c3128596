"""What every bench script needs: a throwaway migrated database, an app on it, bulk rows, and
statistics after a bulk load. Scripts import it as `bench.support` (the repository root on
sys.path).

On PostgreSQL the app connects as production's does: as a non-owner role without BYPASSRLS
(RUNTIME_ROLE, the one tests/conftest.py uses), so every FORCEd row-level security policy
applies and the planner plans around it; `measured_role` says so and refuses anything else.
The user BENCH_DATABASE_URL names (the server's own, usually a superuser, which would skip
RLS) only creates, migrates, analyses and drops the database."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
from flask import Flask
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from consortium import create_app
from consortium.cli import alembic_config, grant_runtime_role
from consortium.config import Settings, normalise_database_url
from consortium.core.db import Base, insert_rows
from consortium.extensions import db

RUNTIME_ROLE = "consortium_app"


@contextlib.contextmanager
def throwaway_database() -> Iterator[tuple[str, str]]:
    """A migrated database, dropped afterwards: on the PostgreSQL server BENCH_DATABASE_URL
    names (a unique name, so concurrent benches never meet), else a temporary SQLite file.
    Yields (the app's url, a description to print); on PostgreSQL the url is RUNTIME_ROLE's."""
    from alembic import command

    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            command.upgrade(alembic_config(url), "head")
            yield url, "SQLite (temporary file)"
        return
    server = normalise_database_url(server)
    name = f"consortium_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
        if not c.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": RUNTIME_ROLE}
        ).first():
            with contextlib.suppress(ProgrammingError):  # a concurrent test run made it first
                c.execute(text(f"CREATE ROLE {RUNTIME_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    owner = make_url(server).set(database=name)
    runtime = owner.set(username=RUNTIME_ROLE, password=None).render_as_string(hide_password=False)
    owner_url = owner.render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(owner_url), "head")
        grant_runtime_role(migration_url=owner_url, runtime_url=runtime)
        yield (
            runtime,
            (
                f"PostgreSQL ({name}, dropped afterwards) as the non-owner role {RUNTIME_ROLE} "
                "under FORCE ROW LEVEL SECURITY"
            ),
        )
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(url: str, secret_key: str = "bench-secret-key-that-is-long-enough-123") -> Flask:
    """The app on `url`, jobs inline, quiet logs (`secret_key`: a served app's, to sign its
    cookies)."""
    return create_app(
        Settings.from_env(
            {},
            env="test",
            database_url=url,
            jobs_inline=True,
            log_level="WARNING",
            secret_key=secret_key,
        )
    )


def analyse() -> None:
    """Gather planner statistics, as autovacuum would shortly after a bulk load: a live
    database has them, and without them the first queries on fresh tables plan blind."""
    if db.engine.dialect.name == "postgresql":
        # As the owner: ANALYZE skips the tables the runtime role does not own.
        owner = make_url(normalise_database_url(os.environ["BENCH_DATABASE_URL"]))
        engine = create_engine(owner.set(database=db.engine.url.database))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
        engine.dispose()
    else:
        with db.engine.begin() as c:
            c.execute(text("ANALYZE"))


def seeded_uuid(rng: np.random.Generator) -> uuid.UUID:
    """A random UUID from a seeded generator: the same data every run."""
    return uuid.UUID(bytes=rng.bytes(16), version=4)


def measured_role() -> str:
    """Who the app's connection is, in words; refuses a role that would skip row-level
    security (a superuser, BYPASSRLS, or the tables' owner), which would hide its cost."""
    if db.engine.dialect.name != "postgresql":
        return "SQLite (no row-level security)"
    with db.engine.connect() as c:
        role, superuser, bypass, owns = c.execute(
            text(
                "SELECT rolname, rolsuper, rolbypassrls, EXISTS (SELECT 1 FROM pg_tables"
                " WHERE schemaname = 'public' AND tableowner = rolname)"
                " FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
    if superuser or bypass or owns:
        raise SystemExit(
            f"the app connects as {role}, which skips row-level security (superuser: "
            f"{superuser}, BYPASSRLS: {bypass}, owns tables: {owns}); measure as {RUNTIME_ROLE}"
        )
    return f"{role} (not superuser, no BYPASSRLS, owns no table: row-level security applies)"


def add_rows(model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows in bulk (insert_rows), completed with the columns' defaults and now."""
    now = datetime.now(UTC)
    stamp = {"created_at": now, "updated_at": now}
    columns = [c for c in model.__table__.columns if c.key not in stamp]
    complete = []
    for row in rows:
        full = {**stamp, **row}
        for column in columns:
            if column.key in full:
                continue
            default = column.default
            if default is None and column.server_default is not None:
                continue  # the database fills it
            if default is None:
                full[column.key] = None
            elif default.is_callable:
                full[column.key] = default.arg(None)  # type: ignore[attr-defined]
            else:
                full[column.key] = default.arg  # type: ignore[attr-defined]
        complete.append(full)
    insert_rows(db.session, model, complete)
