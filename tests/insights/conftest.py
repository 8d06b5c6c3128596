"""Shared setup for the reverse mentoring insights tests, on the pool tests' world.

The world (`iw`): alpha-network (tenant_a, gamma, delta; tenant_b belongs to nothing) runs a
reverse mentoring programme. Its junior mentors work for tenant_a and are signed in on demand
(`iw.junior(n)`); each is paired (active, written straight to the database) with a senior
mentee of gamma by default, or of delta. Cora (delta) coordinates the network; Gwen is
gamma's org admin — its sponsor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from tests.api.helpers import get_ok
from tests.factories import Tenant, write_pairing
from tests.identity.role_support import new_person
from tests.pool.conftest import (  # noqa: F401 - fixtures used by these tests
    Person,
    PoolWorld,
    delta,
    gamma,
    pool,
)
from tests.programmes.support import create_programme

ENTRIES = "/api/v1/insight-entries"


def entry_url(entry: dict[str, Any] | str) -> str:
    return f"{ENTRIES}/{entry if isinstance(entry, str) else entry['id']}"


@dataclass
class InsightWorld:
    pool: PoolWorld
    coordinator: Person
    programme: dict[str, Any]
    _juniors: dict[int, Person] = field(default_factory=dict)
    _pairings: dict[tuple[int, str], str] = field(default_factory=dict)
    _people: dict[str, Person] = field(default_factory=dict)

    @property
    def app(self) -> Flask:
        return self.pool.app

    @property
    def gamma(self) -> Tenant:
        return self.pool.gamma

    @property
    def delta(self) -> Tenant:
        return self.pool.delta

    @property
    def report_url(self) -> str:
        return f"/api/v1/programmes/{self.programme['id']}/insights"

    @property
    def rounds_url(self) -> str:
        return f"/api/v1/programmes/{self.programme['id']}/insight-rounds"

    def person(self, key: str, tenant: Tenant, given_name: str, **roles: Any) -> Person:
        if key not in self._people:
            self._people[key] = self.pool.sign_in(tenant, given_name, **roles)
        return self._people[key]

    @property
    def sponsor(self) -> Person:
        """gamma's org admin: the sponsor of gamma's senior mentees."""
        return self.person("sponsor", self.gamma, "Gwen", org_admin=True)

    @property
    def delta_sponsor(self) -> Person:
        return self.person("delta_sponsor", self.delta, "Dev", org_admin=True)

    @property
    def gamma_staff(self) -> Person:
        return self.person("gamma_staff", self.gamma, "Gil")

    @property
    def admin_b(self) -> Person:
        return self.person("admin_b", self.pool.b, "Bo", org_admin=True)

    def junior(self, n: int) -> Person:
        """Junior mentor number n, of tenant_a."""
        if n not in self._juniors:
            self._juniors[n] = self.pool.sign_in(self.pool.a, "Jo", f"Junior{n}")
        return self._juniors[n]

    def pairing(
        self,
        n: int,
        tenant: Tenant | None = None,
        *,
        status: str = "active",
        programme: dict[str, Any] | None = None,
    ) -> str:
        """Junior n's pairing with a new senior of `tenant` (gamma by default): its id."""
        tenant = tenant or self.gamma
        programme = programme or self.programme
        key = (n, f"{tenant.id}:{programme['id']}:{status}")
        if key not in self._pairings:
            senior = new_person(tenant, "senior", seniority=8)
            self._pairings[key] = write_pairing(
                self.app,
                programme=programme,
                mentor_id=self.junior(n).id,
                mentor_organisation_id=self.pool.a.id,
                mentee_id=str(senior["id"]),
                mentee_organisation_id=tenant.id,
                status=status,
            )
        return self._pairings[key]

    def write(
        self,
        n: int,
        theme: str = "culture",
        comment: str | None = None,
        sentiment: int = 3,
        tenant: Tenant | None = None,
    ) -> dict[str, Any]:
        """Junior n writes about their senior's organisation; the new entry."""
        response = self.junior(n).post(
            ENTRIES,
            json={
                "match_id": self.pairing(n, tenant),
                "theme": theme,
                "sentiment": sentiment,
                "comment": comment or f"Comment {n} on {theme}.",
            },
        )
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def publish(self, caller: Any = None) -> Any:
        return (caller or self.coordinator).post(self.rounds_url)

    def published(self, caller: Any = None) -> dict[str, Any]:
        response = self.publish(caller)
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def report(self, caller: Any = None, **query: Any) -> dict[str, Any]:
        return dict(get_ok(caller or self.coordinator, self.report_url, query_string=query))


@pytest.fixture
def iw(pool: PoolWorld) -> InsightWorld:  # noqa: F811 - the fixture imported above
    coordinator = pool.sign_in(pool.delta, "Cora", "Coordinator", coordinator_of=[pool.network_id])
    programme = create_programme(
        coordinator, pool.network_id, name="Reverse Mentoring 2027", type="reverse_mentoring"
    )
    return InsightWorld(pool, coordinator, programme)
