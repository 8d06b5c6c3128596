"""What every bench script needs: a throwaway migrated database, an app on it, and statistics
after a bulk load. Scripts import it as `bench.support` (the repository root on sys.path)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator

import numpy as np
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from consortium import create_app
from consortium.cli import alembic_config, grant_runtime_role
from consortium.config import Settings, normalise_database_url
from consortium.extensions import db


@contextlib.contextmanager
def throwaway_database() -> Iterator[tuple[str, str]]:
    """A migrated database, dropped afterwards: on the PostgreSQL server BENCH_DATABASE_URL
    names, else a temporary SQLite file. Yields (url, a description to print)."""
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
    owner = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(owner), "head")
        grant_runtime_role(migration_url=owner, runtime_url=owner)
        yield owner, f"PostgreSQL ({name}, dropped afterwards)"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(url: str) -> Flask:
    """The app on `url`, jobs inline, quiet logs."""
    return create_app(
        Settings.from_env(
            {},
            env="test",
            database_url=url,
            jobs_inline=True,
            log_level="WARNING",
            secret_key="bench-secret-key-that-is-long-enough-123",
        )
    )


def analyse() -> None:
    """Gather planner statistics, as autovacuum would shortly after a bulk load: a live
    database has them, and without them the first queries on fresh tables plan blind."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as c:
            c.execute(text("ANALYZE"))


def seeded_uuid(rng: np.random.Generator) -> uuid.UUID:
    """A random UUID from a seeded generator: the same data every run."""
    return uuid.UUID(bytes=rng.bytes(16), version=4)
