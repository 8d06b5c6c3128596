"""A consortium of three employers for matching runs: a coordinator, mentors and applicants.

alpha-trust (health), beta-police (police) and gamma-fire (fire) form `north-network`; the
coordinator works for alpha-trust. Mentors are staff records with profiles written straight to
the database (their API is the pool's tests' business); applicants sign in and apply through
the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests import conftest as root
from tests.conftest import ApiClient
from tests.factories import Tenant, create_person, write_mentor_profile
from tests.identity.role_support import make_consortium

# Fixtures for RQ mode (a private redis-server per xdist worker) from the job tests.
from tests.jobs.conftest import _rq_app, rq_app, shared_redis  # noqa: F401
from tests.oidc import LocalIdp, sign_in_as
from tests.programmes.support import apply, create_programme, now


@dataclass
class MatchingWorld:
    app: Flask
    platform: ApiClient
    idp: LocalIdp
    owner: Engine
    alpha: Tenant
    beta: Tenant
    gamma: Tenant
    consortium: dict[str, Any]
    coordinator: Any
    _people: int = field(default=0)

    @property
    def consortium_id(self) -> str:
        return str(self.consortium["id"])

    def programme(self, **fields: Any) -> dict[str, Any]:
        return create_programme(self.coordinator, self.consortium_id, **fields)

    def staff(self, tenant: Tenant, name: str, **fields: Any) -> dict[str, Any]:
        """A staff record made by the employer's HR feed (its API client)."""
        self._people += 1
        email = f"{name.lower()}{self._people}@{tenant.organisation['slug']}.example.org"
        return create_person(tenant.api, email, given_name=name, family_name="Test", **fields)

    def mentor(
        self,
        tenant: Tenant,
        name: str,
        *,
        person: dict[str, Any] | None = None,
        seniority: int | None = 6,
        **profile: Any,
    ) -> str:
        """A released, vetted mentor profile shared with the consortium; returns its id."""
        person = person or self.staff(tenant, name, seniority=seniority)
        values: dict[str, Any] = {
            "bio": "",
            "vetting_expires_on": (now() + timedelta(days=365)).date(),
            "released_at": now(),
            "released_by": "test",
            **profile,
        }
        return write_mentor_profile(self.app, person["id"], tenant.id, **values)

    def applicant(self, tenant: Tenant, name: str, **person: Any) -> tuple[Any, dict[str, Any]]:
        """A person of `tenant` signed in through SSO (their staff record made first)."""
        record = self.staff(tenant, name, **person)
        browser, _ = sign_in_as(
            self.app, self.platform, self.idp, tenant.organisation, record["email"]
        )
        return browser, record

    def apply(
        self, tenant: Tenant, name: str, programme: dict[str, Any], **application: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A signed-in applicant's application; returns (application, staff record)."""
        browser, record = self.applicant(tenant, name, seniority=application.pop("seniority", 4))
        return apply(browser, programme, **application), record

    def proposals(self, programme: dict[str, Any]) -> list[dict[str, Any]]:
        """The programme's matches as the database holds them (owner: no tenancy)."""
        with self.owner.connect() as c:
            rows = c.execute(
                text(
                    "SELECT * FROM matches WHERE programme_id = :p ORDER BY mentee_id, created_at"
                ),
                {"p": programme["id"]},
            ).mappings()
            return [dict(r) for r in rows]


# Defined once in tests/conftest.py; still importable from here (tests/pages imports it).
gamma = root.gamma


@pytest.fixture
def world(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    owner_engine: Engine,
    tenant_a: Tenant,
    tenant_b: Tenant,
    gamma: Tenant,
) -> MatchingWorld:
    consortium = make_consortium(platform, "north-network", tenant_a.id, tenant_b.id, gamma.id)
    coordinator, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "cora.coordinator@alpha-trust.example.org",
        coordinator_of=[consortium["id"]],
    )
    return MatchingWorld(
        app, platform, idp, owner_engine, tenant_a, tenant_b, gamma, consortium, coordinator
    )


def runs_url(programme: dict[str, Any]) -> str:
    return f"/api/v1/programmes/{programme['id']}/matching-runs"


def start_run(caller: Any, programme: dict[str, Any]) -> dict[str, Any]:
    response = caller.post(runs_url(programme))
    assert response.status_code == 202, response.get_json()
    return dict(response.get_json())


def get_run(caller: Any, programme: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    response = caller.get(f"{runs_url(programme)}/{run['id']}")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())
