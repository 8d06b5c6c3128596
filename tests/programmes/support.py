"""Building programmes, applications and mentor profiles the way clients do, for these tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.factories import Tenant, write_mentor_profile

PROGRAMMES = "/api/v1/programmes"


def now() -> datetime:
    return datetime.now(UTC)


def window(*, opens_in_days: float = -1, closes_in_days: float = 30) -> dict[str, str]:
    """An application window relative to now (open now by default)."""
    return {
        "opens_at": (now() + timedelta(days=opens_in_days)).isoformat(),
        "closes_at": (now() + timedelta(days=closes_in_days)).isoformat(),
    }


def programme_body(consortium_id: str, **fields: Any) -> dict[str, Any]:
    """A minimal valid programme: open now, taking applications."""
    return {
        "consortium_id": consortium_id,
        "name": "Leading Across Boundaries 2027",
        "type": "mentoring",
        "application_window": window(),
        "status": "open",
        **fields,
    }


def create_programme(caller: Any, consortium_id: str, **fields: Any) -> dict[str, Any]:
    response = caller.post(PROGRAMMES, json=programme_body(consortium_id, **fields))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def programme_url(programme: dict[str, Any]) -> str:
    return f"{PROGRAMMES}/{programme['id']}"


def applications_url(programme: dict[str, Any]) -> str:
    return f"{PROGRAMMES}/{programme['id']}/applications"


def application_body(**fields: Any) -> dict[str, Any]:
    return {
        "goals": [
            {
                "statement": "Lead my first service-improvement project.",
                "success_measure": "The plan is signed off by the board by June.",
            }
        ],
        **fields,
    }


def apply(browser: Any, programme: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = browser.post(applications_url(programme), json=application_body(**fields))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def patch_with_etag(caller: Any, url: str, change: dict[str, Any]) -> Any:
    etag = caller.get(url).headers["ETag"]
    return caller.patch(url, json=change, headers={"If-Match": etag})


def update_person(tenant: Tenant, person_id: str, **fields: Any) -> dict[str, Any]:
    """Change a staff record as the organisation's API client would (e.g. from HR data)."""
    response = patch_with_etag(tenant.api, f"/api/v1/people/{person_id}", fields)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def mentor_profile(
    app: Flask,
    person_id: str,
    organisation_id: str,
    *,
    shared_with_consortium: bool = True,
    status: str = "active",
) -> str:
    """A mentor profile written straight to the database (across tenants, as the system).

    Shared with the consortium and released when `shared_with_consortium`, else kept to the
    mentor's own organisation."""
    return write_mentor_profile(
        app,
        person_id,
        organisation_id,
        status=status,
        sharing_scope="consortium" if shared_with_consortium else "organisation",
        released_at=now() if shared_with_consortium else None,
        released_by="test",
    )
