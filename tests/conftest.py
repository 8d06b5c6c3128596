"""Test harness: a real PostgreSQL database per xdist worker, migrated with Alembic, used by the
app through a non-owner role so row-level security applies; real Redis for job tests.

Each test starts from empty tables (DELETE as the owner), because much of what we test needs
real commits: RLS per transaction, the outbox after commit, idempotency races.

Speed, without changing what a test sees: the schema is migrated once per run into a template
database that each xdist worker clones (CREATE DATABASE ... TEMPLATE); the test databases do
not wait for the WAL flush at commit (synchronous_commit off: durability across a crash of the
server is no test's business); and emptying the tables DELETEs in foreign-key order, which on
tables this small costs milliseconds where TRUNCATE (a new file per table) cost about a second.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import graphlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ProgrammingError

from consortium import create_app
from consortium.cli import alembic_config, grant_runtime_role
from consortium.config import RATE_LIMITS, Settings

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
APP_ROLE = "consortium_app"
# Rate limits stay on in tests, high enough that no test meets one by chance (a test of the
# limits builds an app with tight ones: tests/api/test_rate_limits.py); counts that reach
# Redis (apps whose jobs go to a worker) are kept apart from other runs' by the prefix.
GENEROUS_LIMIT = "100000 per minute"
RATE_LIMIT_PREFIX = f"consortium-test-{uuid.uuid4().hex[:12]}"
KEEP_TABLES = {"alembic_version", "signing_keys"}


def _url(base: str, *, database: str, username: str | None = None) -> str:
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1)).set(database=database)
    if username:
        url = url.set(username=username, password=None)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_name(worker_id: str) -> str:
    # TEST_DATABASE_PREFIX keeps concurrent runs from different checkouts apart.
    return f"{os.environ.get('TEST_DATABASE_PREFIX', 'consortium_test')}_{worker_id}"


def _admin_engine() -> Engine:
    return create_engine(
        _url(ADMIN_URL, database=make_url(ADMIN_URL).database or "postgres"),
        isolation_level="AUTOCOMMIT",
    )


def _create_database(admin: Engine, name: str, *, template: str | None = None) -> None:
    """(Re)create `name`, empty or as a copy of `template`, and the runtime role if missing."""
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(
            text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        )
        # A database's settings are not copied from its template: set them on each.
        c.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        exists = c.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
        ).first()
        if not exists:
            with contextlib.suppress(ProgrammingError):  # another xdist worker created it first
                c.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))


def _migrate(name: str) -> None:
    """Migrate `name` to head as the owner and grant the runtime role."""
    from alembic import command

    url = _url(ADMIN_URL, database=name)
    command.upgrade(alembic_config(url), "head")
    grant_runtime_role(
        migration_url=url, runtime_url=_url(ADMIN_URL, database=name, username=APP_ROLE)
    )


def _migrated_template(admin: Engine, run_dir: Path, prefix: str) -> str:
    """This run's migrated template database, made by whichever xdist worker comes first."""
    template = f"{prefix}_template"
    with (run_dir / f"{template}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait here while the first migrates
        done = run_dir / f"{template}.done"
        if not done.exists():  # run_dir is this run's: a template left by an older run is redone
            _create_database(admin, template)
            _migrate(template)
            done.touch()
    return template


@pytest.fixture(scope="session")
def owner_url(
    database_name: str, worker_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Create this worker's database and the runtime role, migrated to head as the owner.

    Under xdist the workers clone one template migrated once per run; alone, the database is
    migrated directly."""
    admin = _admin_engine()
    if worker_id == "master":
        _create_database(admin, database_name)
        _migrate(database_name)
    else:
        prefix = os.environ.get("TEST_DATABASE_PREFIX", "consortium_test")
        run_dir = tmp_path_factory.getbasetemp().parent  # shared by this run's workers
        _create_database(admin, database_name, template=_migrated_template(admin, run_dir, prefix))
    yield _url(ADMIN_URL, database=database_name)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def runtime_url(owner_url: str) -> str:
    return _url(owner_url, database=make_url(owner_url).database or "", username=APP_ROLE)


@pytest.fixture(scope="session")
def owner_engine(owner_url: str) -> Iterator[Engine]:
    engine = create_engine(owner_url)
    yield engine
    engine.dispose()


def make_settings(runtime_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": runtime_url,
        "redis_url": REDIS_URL,
        "secret_key": "test-secret-key-that-is-long-enough-for-production-checks",
        "public_base_url": "http://localhost",
        "jobs_inline": True,
        "log_level": "WARNING",
        "ratelimit_key_prefix": RATE_LIMIT_PREFIX,
        **dict.fromkeys(RATE_LIMITS, GENEROUS_LIMIT),
        # The tests' identity providers listen on a loopback port (tests/oidc.py); webhooks
        # and busy feeds keep the guard on unless a test lifts it. (Production refuses it.)
        "sso_allow_private_networks": overrides.get("env", "test") != "production",
    }
    values.update(overrides)
    return Settings.from_env({}, **values)


@pytest.fixture(scope="session")
def app(runtime_url: str) -> Flask:
    return create_app(make_settings(runtime_url))


def _deletion_order(connection: Connection) -> list[str]:
    """The tables to empty, each after every table that references it."""
    tables = {
        r[0]
        for r in connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
    } - KEEP_TABLES
    referenced_by: dict[str, set[str]] = {t: set() for t in tables}
    references = connection.execute(
        text(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        )
    )
    for child, parent in references:
        if child != parent and child in tables and parent in tables:
            referenced_by[parent].add(child)  # the child's rows go first
    return list(graphlib.TopologicalSorter(referenced_by).static_order())


@pytest.fixture(scope="session")
def _emptying_sql(owner_engine: Engine) -> str:
    with owner_engine.connect() as c:
        order = _deletion_order(c)
    # all_tenants: the policies let the owner see every row even if it is not a superuser.
    return "; ".join(
        ["SELECT set_config('app.all_tenants', 'on', true)", *(f"DELETE FROM {t}" for t in order)]
    )


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Start every database test from empty tables (the signing key is kept: RSA is slow)."""
    if "owner_engine" not in request.fixturenames and "app" not in request.fixturenames:
        yield
        return
    engine: Engine = request.getfixturevalue("owner_engine")
    with engine.begin() as c:
        c.exec_driver_sql(request.getfixturevalue("_emptying_sql"))
    yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class ApiClient:
    """A test client that sends a bearer token and JSON, as a partner system would."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        out.update(headers or {})
        return out

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(
            path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(
            path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(
            path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def request(self, method: str, path: str, **kw: Any) -> Any:
        return self.client.open(
            path, method=method, headers=self._headers(kw.pop("headers", None)), **kw
        )


def fetch_token(
    client: FlaskClient, client_id: str, client_secret: str, scope: str | None = None
) -> str:
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = client.post("/oauth/token", data=data, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["access_token"])


@pytest.fixture
def platform(app: Flask, client: FlaskClient) -> ApiClient:
    """A platform admin, created the way an operator does (the service function behind the CLI)."""
    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.identity import service

    with app.app_context(), tenancy.all_tenants():
        issued = service.create_client(name="ops", scopes=["platform:admin"], organisation_id=None)
        db.session.commit()
        client_id, secret = issued.client.client_id, issued.client_secret
    return ApiClient(client, fetch_token(client, client_id, secret))


@pytest.fixture
def anonymous(client: FlaskClient) -> ApiClient:
    return ApiClient(client, None)


from tests.factories import Tenant, make_tenant  # noqa: E402
from tests.oidc import LocalIdp, local_idp_server  # noqa: E402


@pytest.fixture(scope="session")
def _idp_server() -> Iterator[LocalIdp]:
    yield from local_idp_server()


@pytest.fixture
def idp(_idp_server: LocalIdp) -> LocalIdp:
    """Two local OpenID providers on a loopback port, with no clients or people yet."""
    _idp_server.reset()
    return _idp_server


@pytest.fixture
def tenant_a(platform: ApiClient) -> Tenant:
    return make_tenant(platform, "alpha-trust", sector="health")


@pytest.fixture
def tenant_b(platform: ApiClient) -> Tenant:
    return make_tenant(platform, "beta-police", sector="police")


@pytest.fixture
def gamma(platform: ApiClient) -> Tenant:
    """A third employer (gamma-fire, fire), for worlds that need one."""
    return make_tenant(platform, "gamma-fire", sector="fire")


@pytest.fixture
def delta(platform: ApiClient) -> Tenant:
    """A fourth employer (delta-council, local authority)."""
    return make_tenant(platform, "delta-council", sector="local_authority")
