"""A consortium of two member employers (alpha-trust, beta-police), a coordinator from the first,
and an employer outside it (gamma-fire)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ApiClient
from tests.factories import Tenant
from tests.identity.role_support import make_consortium
from tests.oidc import LocalIdp, sign_in_as


@dataclass
class Network:
    app: Flask
    platform: ApiClient
    idp: LocalIdp
    a: Tenant
    b: Tenant
    c: Tenant  # not a member
    consortium: dict[str, Any]
    coordinator: Any  # a person of alpha-trust who coordinates the consortium
    coordinator_person: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.consortium["id"])

    def person(self, tenant: Tenant, local: str, **roles: Any) -> tuple[Any, dict[str, Any]]:
        """A person of `tenant` signed in through SSO (with org_admin= / coordinator_of=)."""
        email = f"{local}@{tenant.organisation['slug']}.example.org"
        return sign_in_as(self.app, self.platform, self.idp, tenant.organisation, email, **roles)


@pytest.fixture
def tenant_c(gamma: Tenant) -> Tenant:
    """The employer outside the consortium: gamma-fire (tests/conftest.py)."""
    return gamma


@pytest.fixture
def network(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
    tenant_c: Tenant,
) -> Network:
    consortium = make_consortium(platform, "north-network", tenant_a.id, tenant_b.id)
    coordinator, person = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "cora.coordinator@alpha-trust.example.org",
        coordinator_of=[consortium["id"]],
    )
    return Network(
        app=app,
        platform=platform,
        idp=idp,
        a=tenant_a,
        b=tenant_b,
        c=tenant_c,
        consortium=consortium,
        coordinator=coordinator,
        coordinator_person=person,
    )
