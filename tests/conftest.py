"""Test harness: a real PostgreSQL database per xdist worker, migrated with Alembic, used by the
app through a non-owner role so row-level security applies; real Redis for job tests.

Each test starts from empty tables (TRUNCATE as the owner), because much of what we test needs
real commits: RLS per transaction, the outbox after commit, idempotency races.
"""

from __future__ import annotations

import base64
import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
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


@pytest.fixture(scope="session")
def owner_url(database_name: str) -> Iterator[str]:
    """Create this worker's database and the runtime role; migrate to head as the owner."""
    from alembic import command

    admin = create_engine(
        _url(ADMIN_URL, database=make_url(ADMIN_URL).database or "postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{database_name}"'))
        exists = c.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
        ).first()
        if not exists:
            with contextlib.suppress(ProgrammingError):  # another xdist worker created it first
                c.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    url = _url(ADMIN_URL, database=database_name)
    command.upgrade(alembic_config(url), "head")
    grant_runtime_role(
        migration_url=url, runtime_url=_url(ADMIN_URL, database=database_name, username=APP_ROLE)
    )
    yield url
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


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Start every database test from empty tables (the signing key is kept: RSA is slow)."""
    if "owner_engine" not in request.fixturenames and "app" not in request.fixturenames:
        yield
        return
    engine: Engine = request.getfixturevalue("owner_engine")
    with engine.begin() as c:
        tables = [
            r[0]
            for r in c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            if r[0] not in KEEP_TABLES
        ]
        c.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
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
