"""Fixtures for the background-job tests: an app in RQ mode on a private Redis, tenants' people."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

import tests.jobs.handlers  # noqa: F401  (registers tests.record_effect in this process)
from consortium import create_app
from consortium.core import tenancy
from consortium.core.jobs import Job, enqueue
from consortium.core.tenancy import Principal
from consortium.extensions import db
from tests.conftest import ApiClient, make_settings
from tests.factories import Tenant
from tests.jobs.support import RedisServer


@pytest.fixture(scope="session")
def shared_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One private redis-server per xdist worker, emptied before each test that uses it."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def rq_settings_app(runtime_url: str, redis_url: str, **overrides: Any) -> Flask:
    """The app as production runs it: jobs go to RQ; the sweeper re-sends at once."""
    return create_app(
        make_settings(
            runtime_url, jobs_inline=False, redis_url=redis_url, job_stale_after=0, **overrides
        )
    )


@pytest.fixture(scope="session")
def _rq_app(runtime_url: str, shared_redis: RedisServer) -> Flask:
    return rq_settings_app(runtime_url, shared_redis.url)


@pytest.fixture
def rq_app(_rq_app: Flask, shared_redis: RedisServer, owner_engine: Engine) -> Flask:
    with shared_redis.client() as c:
        c.flushall()
    return _rq_app


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server for one test (which may stop and restart it)."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def api_on(app: Flask, tenant: Tenant) -> ApiClient:
    """The tenant's API client, sending its token to `app` instead of the session app."""
    return ApiClient(app.test_client(), tenant.api.token)


def as_organisation(organisation_id: str | uuid.UUID) -> Principal:
    return Principal(kind="system", organisation_id=uuid.UUID(str(organisation_id)), name="test")


def enqueue_effect(
    app: Flask, tenant: Tenant, *, commit: bool = True, **arguments: Any
) -> uuid.UUID:
    """Enqueue tests.record_effect on tenant's person, as tenant, and commit (running it inline
    if `app` runs jobs inline, or pushing it to RQ if not)."""
    with app.app_context(), tenancy.acting_as(as_organisation(tenant.id)):
        row: Job = enqueue(
            db.session, "tests.record_effect", tenant_id=uuid.UUID(tenant.id),
            person_id=tenant.person["id"], **arguments,
        )
        job_id = row.id
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
    return job_id
