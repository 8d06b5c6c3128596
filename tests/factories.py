"""Build tenants through the public API, as the platform and partners would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consortium.core.security import ORGANISATION_SCOPES


@dataclass
class Tenant:
    """An organisation, an API client of it holding every organisation scope, and a person."""

    organisation: dict[str, Any]
    api: Any  # tests.conftest.ApiClient
    person: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.organisation["id"])


def create_organisation(platform: Any, slug: str, sector: str = "health", **fields: Any) -> dict[str, Any]:
    body = {"name": slug.replace("-", " ").title(), "slug": slug, "sector": sector, "email_domains": [f"{slug}.example.org"], **fields}
    response = platform.post("/api/v1/organisations", json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def organisation_client(platform: Any, organisation_id: str, scopes: list[str] | None = None) -> Any:
    from tests.conftest import ApiClient, fetch_token

    response = platform.post(
        f"/api/v1/organisations/{organisation_id}/api-clients",
        json={"name": "partner system", "scopes": scopes or list(ORGANISATION_SCOPES)},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return ApiClient(platform.client, fetch_token(platform.client, body["client_id"], body["client_secret"]))


def create_person(api: Any, email: str, **fields: Any) -> dict[str, Any]:
    body = {"given_name": "Sam", "family_name": "Taylor", "email": email, **fields}
    response = api.post("/api/v1/people", json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def make_tenant(platform: Any, slug: str, sector: str = "health") -> Tenant:
    organisation = create_organisation(platform, slug, sector)
    api = organisation_client(platform, organisation["id"])
    person = create_person(api, f"sam.taylor@{slug}.example.org", seniority=5)
    return Tenant(organisation=organisation, api=api, person=person)
