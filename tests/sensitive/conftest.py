"""Fixtures for special-category data: a consortium of two tenants, its coordinator, signed-in
staff, and programmes with and without a positive-action rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from consortium.core import tenancy
from consortium.core.tenancy import Principal
from consortium.extensions import db
from tests.conftest import ApiClient
from tests.factories import Tenant
from tests.identity.role_support import make_consortium
from tests.oidc import LocalIdp, SessionClient, sign_in_as

POSITIVE_ACTION = {"attribute": "ethnicity", "values": ["asian", "black", "mixed", "other"]}


@dataclass
class Network:
    """A consortium with tenant_a and tenant_b as members, coordinated by a person of tenant_a."""

    app: Flask
    platform: ApiClient
    idp: LocalIdp
    a: Tenant
    b: Tenant
    consortium: dict[str, Any]
    coordinator: SessionClient

    def sign_in(
        self, email: str, *, tenant: Tenant | None = None, **roles: Any
    ) -> tuple[SessionClient, dict[str, Any]]:
        organisation = (tenant or self.a).organisation
        return sign_in_as(self.app, self.platform, self.idp, organisation, email, **roles)

    def programme(
        self,
        name: str = "Reciprocal Mentoring 2027",
        *,
        positive_action: dict[str, Any] | None = POSITIVE_ACTION,
        consortium_id: str | None = None,
    ) -> str:
        """A programme open now, created by the consortium's coordinator; returns its id."""
        return create_programme(
            self.coordinator,
            consortium_id or self.consortium["id"],
            name,
            positive_action=positive_action,
        )


def create_programme(
    coordinator: SessionClient,
    consortium_id: str,
    name: str,
    *,
    positive_action: dict[str, Any] | None,
    status: str = "open",
) -> str:
    """A programme taking applications now, created by `coordinator`; returns its id."""
    now = datetime.now(UTC)
    body = {
        "consortium_id": consortium_id,
        "name": name,
        "type": "career_progression",
        "status": status,
        "application_window": {
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
        },
        "rules": {"eligibility": {"positive_action": positive_action} if positive_action else {}},
    }
    response = coordinator.post("/api/v1/programmes", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def apply(browser: SessionClient, programme_id: str) -> Any:
    """Apply to the programme as the signed-in person."""
    goal = {
        "statement": "Lead a service-improvement project.",
        "success_measure": "Signed off by June.",
    }
    return browser.post(f"/api/v1/programmes/{programme_id}/applications", json={"goals": [goal]})


def add_application(
    app: Flask, programme_id: str, person: dict[str, Any], *, status: str = "open"
) -> None:
    """An application of `person` to the programme (through the ORM, for report set-ups)."""
    from consortium.programmes.models import Application, Programme

    with app.app_context(), tenancy.all_tenants():
        programme = db.session.get(Programme, uuid.UUID(programme_id))
        assert programme is not None
        db.session.add(
            Application(
                programme_id=programme.id,
                consortium_id=programme.consortium_id,
                organisation_id=uuid.UUID(str(person["organisation_id"])),
                person_id=uuid.UUID(str(person["id"])),
                status=status,
            )
        )
        db.session.commit()


def as_person(person: dict[str, Any], *consortium_ids: str) -> Principal:
    """The principal `person` runs as, a member of `consortium_ids` (roles do not matter here)."""
    return Principal(
        kind="person",
        id=uuid.UUID(str(person["id"])),
        organisation_id=uuid.UUID(str(person["organisation_id"])),
        consortium_ids=frozenset(uuid.UUID(c) for c in consortium_ids),
        roles=frozenset({"staff"}),
    )


def declare(app: Flask, person: dict[str, Any], **attributes: Any) -> None:
    """Declare `person`'s attributes through the service, acting as them (bulk set-ups)."""
    from consortium.sensitive import service

    with app.app_context(), tenancy.acting_as(as_person(person)):
        service.replace_my_attributes(attributes=attributes)
        db.session.commit()


def put_attributes(browser: SessionClient, body: dict[str, Any]) -> Any:
    """PUT the signed-in person's attributes with the current ETag."""
    etag = browser.get("/api/v1/me/sensitive-attributes").headers["ETag"]
    return browser.put("/api/v1/me/sensitive-attributes", json=body, headers={"If-Match": etag})


@pytest.fixture
def network(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, tenant_b: Tenant
) -> Network:
    consortium = make_consortium(platform, "north-network", tenant_a.id, tenant_b.id)
    coordinator, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "cora.coordinator@alpha-trust.example.org",
        coordinator_of=[consortium["id"]],
    )
    return Network(app, platform, idp, tenant_a, tenant_b, consortium, coordinator)


@pytest.fixture
def pat(network: Network) -> tuple[SessionClient, dict[str, Any]]:
    """A member of staff of tenant_a, signed in, with no role."""
    return network.sign_in("pat.person@alpha-trust.example.org")
