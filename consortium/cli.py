"""Server commands: `flask --app wsgi db|worker|scheduler|jobs|secrets|seed|openapi ...`."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine, make_url, text

from consortium.config import Settings
from consortium.core.rotation import BATCH_SIZE

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

db_cli = AppGroup("db", help="Database schema (Alembic).")
seed_cli = AppGroup("seed", help="Demo data for development.")
secrets_cli = AppGroup(
    "secrets", help="Secrets at rest after a SECRET_KEY rotation (README: rotating SECRET_KEY)."
)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def grant_runtime_role(*, migration_url: str, runtime_url: str) -> str | None:
    """Give the app's role what it needs and nothing more; return the role granted to."""
    runtime, owner = make_url(runtime_url), make_url(migration_url)
    if runtime.get_backend_name() != "postgresql" or runtime.username == owner.username:
        return None
    engine = create_engine(migration_url)
    with engine.begin() as connection:
        role = connection.dialect.identifier_preparer.quote(runtime.username or "")
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        ):
            connection.execute(text(statement))
    engine.dispose()
    return runtime.username


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate to REVISION (default: head) as MIGRATION_DATABASE_URL, then grant the app role."""
    settings = _settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    command.upgrade(alembic_config(settings.migration_database_url), revision)
    role = grant_runtime_role(
        migration_url=settings.migration_database_url, runtime_url=settings.database_url
    )
    if role:
        click.echo(f"Granted table access to the application role {role}.")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Migrate down to REVISION (default: one step; 'base' for an empty database)."""
    command.downgrade(alembic_config(_settings().migration_database_url), revision)


@db_cli.command("current")
def current() -> None:
    """Show the database's revision."""
    command.current(alembic_config(_settings().migration_database_url))


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True)
def revision(message: str, autogenerate: bool) -> None:
    """Create a new migration file."""
    command.revision(
        alembic_config(_settings().migration_database_url),
        message=message,
        autogenerate=autogenerate,
    )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker (with RQ's scheduler for retries) on REDIS_URL."""
    from consortium.core.jobs import run_worker

    run_worker(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]


@click.command("scheduler")
def scheduler() -> None:
    """Run the periodic-job scheduler (one per deployment)."""
    from consortium.core.jobs import run_scheduler

    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]


jobs_group = AppGroup("jobs", help="Background job maintenance.")


@jobs_group.command("sweep")
def sweep() -> None:
    """Re-send jobs Redis never took or a dead worker abandoned."""
    from consortium.core.jobs import sweep as sweep_jobs

    click.echo(f"Re-sent {sweep_jobs(current_app._get_current_object())} job(s).")  # type: ignore[attr-defined]


@secrets_cli.command("reencrypt")
@click.option(
    "--batch-size",
    default=BATCH_SIZE,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Values re-encrypted per job (one transaction each).",
)
def reencrypt(batch_size: int) -> None:
    """Queue the re-encryption of every stored secret under the current SECRET_KEY."""
    from consortium.core import rotation, tenancy
    from consortium.extensions import db

    with tenancy.all_tenants():
        job = rotation.start(batch_size=batch_size)
        db.session.commit()  # with JOBS_INLINE the whole chain has run when this returns
    click.echo(
        f"Queued job {job.id}: re-encrypts {batch_size} values per batch, each batch queueing "
        "the next. `flask --app wsgi secrets check` shows what is left."
    )


@secrets_cli.command("check")
def check() -> None:
    """Count stored secrets by key; exit 1 while any needs a previous key (or none opens it)."""
    from consortium.core import rotation, tenancy
    from consortium.extensions import db

    with tenancy.all_tenants():
        columns = rotation.census()
        db.session.rollback()
    width = max(len(c.column) for c in columns)
    for c in columns:
        click.echo(
            f"{c.column:<{width}}  {c.current} under SECRET_KEY, {c.previous} under a previous "
            f"key, {c.unreadable} under no configured key"
        )
    previous = sum(c.previous for c in columns)
    unreadable = sum(c.unreadable for c in columns)
    if unreadable:
        raise click.ClickException(
            f"{unreadable} value(s) open under no configured key: put the key they were written "
            "under in SECRET_KEY_PREVIOUS, then run `flask --app wsgi secrets reencrypt`."
        )
    if previous:
        raise click.ClickException(
            f"{previous} value(s) still need a previous key: run `flask --app wsgi secrets "
            "reencrypt` (or wait for it to finish) before dropping SECRET_KEY_PREVIOUS."
        )
    click.echo("Every stored secret is under SECRET_KEY: SECRET_KEY_PREVIOUS may go.")


@click.command("openapi")
def openapi() -> None:
    """Write openapi/openapi.json from the running code."""
    from consortium.openapi import write_spec

    click.echo(f"Wrote {write_spec(current_app._get_current_object())}")  # type: ignore[attr-defined]


@seed_cli.command("demo")
def seed_demo() -> None:
    """Create the demo consortia, organisations and people (again: changes nothing)."""
    from consortium.demo.seed import seed

    if _settings().is_production:
        raise click.ClickException("The demo seed is for development only.")
    summary = seed()
    click.echo(summary)


jobs_cli = (worker, scheduler, jobs_group, openapi)
