"""Helpers for the role tests: consortia, extra staff records, and role assignments via HTTP."""

from __future__ import annotations

from typing import Any

from tests.factories import Tenant, create_person


def admins_url(organisation_id: str) -> str:
    return f"/api/v1/organisations/{organisation_id}/admins"


def coordinators_url(consortium_id: str) -> str:
    return f"/api/v1/consortia/{consortium_id}/coordinators"


def make_consortium(platform: Any, slug: str, *organisation_ids: str) -> dict[str, Any]:
    """A consortium (as the platform) with these member organisations."""
    name = slug.replace("-", " ").title()
    response = platform.post("/api/v1/consortia", json={"name": name, "slug": slug})
    assert response.status_code == 201, response.get_json()
    consortium = dict(response.get_json())
    for organisation_id in organisation_ids:
        response = platform.post(
            f"/api/v1/consortia/{consortium['id']}/members",
            json={"organisation_id": organisation_id},
        )
        assert response.status_code == 201, response.get_json()
    return consortium


_counter = iter(range(1, 10**9))


def new_person(tenant: Tenant, stem: str = "extra", **fields: Any) -> dict[str, Any]:
    """A fresh staff record of `tenant`, created by its API client."""
    slug = tenant.organisation["slug"]
    return create_person(
        tenant.api,
        f"{stem}.{next(_counter)}@{slug}.example.org",
        family_name=f"{stem.title()}{next(_counter)}",
        **fields,
    )


def deactivate(tenant: Tenant, person: dict[str, Any]) -> None:
    url = f"/api/v1/people/{person['id']}"
    etag = tenant.api.get(url).headers["ETag"]
    response = tenant.api.patch(url, json={"status": "inactive"}, headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()


def add_admin(platform: Any, organisation_id: str, person_id: str) -> None:
    response = platform.post(admins_url(organisation_id), json={"person_id": person_id})
    assert response.status_code == 201, response.get_json()


def add_coordinator(platform: Any, consortium_id: str, person_id: str) -> None:
    response = platform.post(coordinators_url(consortium_id), json={"person_id": person_id})
    assert response.status_code == 201, response.get_json()


def session_roles(browser: Any) -> set[tuple[str, str | None, str | None]]:
    """(role, organisation_id, consortium_id) of the signed-in person, from /auth/session."""
    response = browser.get("/auth/session")
    assert response.status_code == 200, response.get_json()
    return {
        (r["role"], r["organisation_id"], r["consortium_id"]) for r in response.get_json()["roles"]
    }


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [p["id"] for p in response.get_json()]


def problem_fields(response: Any) -> set[str]:
    return {e.get("field") for e in (response.get_json() or {}).get("errors", [])}
