"""SCIM fixtures: each tenant's HR system, an API client holding only the scope `scim`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Tenant, organisation_client

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim_a(platform: Any, tenant_a: Tenant) -> Any:
    """Tenant A's provisioning client (scope scim only)."""
    return organisation_client(platform, tenant_a.id, scopes=["scim"])


@pytest.fixture
def scim_b(platform: Any, tenant_b: Tenant) -> Any:
    """Tenant B's provisioning client (scope scim only)."""
    return organisation_client(platform, tenant_b.id, scopes=["scim"])


def user_body(user_name: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Amara", "familyName": "Okafor"},
    }
    body.update(fields)
    return body


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def assert_scim_error(response: Any, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """The response is a SCIM Error with `status` (and `scimType`, when given)."""
    body = response.get_json(force=True, silent=True)
    assert response.status_code == status, (response.status_code, body)
    assert response.mimetype == SCIM, response.headers
    assert isinstance(body, dict), response.get_data(as_text=True)
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert isinstance(body.get("detail"), str) and body["detail"]
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    return body
