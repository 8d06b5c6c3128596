"""The test builders: tenants, people and roles through the public API, as the platform and
partners would, and the few rows written straight to the database where the API that makes them
is another folder's subject."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask

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


def create_organisation(
    platform: Any, slug: str, sector: str = "health", **fields: Any
) -> dict[str, Any]:
    body = {
        "name": slug.replace("-", " ").title(),
        "slug": slug,
        "sector": sector,
        "email_domains": [f"{slug}.example.org"],
        **fields,
    }
    response = platform.post("/api/v1/organisations", json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def organisation_client(
    platform: Any, organisation_id: str, scopes: list[str] | None = None
) -> Any:
    from tests.conftest import ApiClient, fetch_token

    response = platform.post(
        f"/api/v1/organisations/{organisation_id}/api-clients",
        json={"name": "partner system", "scopes": scopes or list(ORGANISATION_SCOPES)},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return ApiClient(
        platform.client, fetch_token(platform.client, body["client_id"], body["client_secret"])
    )


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


def grant_roles(
    platform: Any,
    person_id: str,
    *,
    admin_of: str | None = None,
    coordinator_of: Iterable[str] = (),
) -> None:
    """Make a person an admin of organisation `admin_of` and a coordinator of these consortia,
    as the platform does."""
    if admin_of is not None:
        response = platform.post(
            f"/api/v1/organisations/{admin_of}/admins", json={"person_id": person_id}
        )
        assert response.status_code == 201, response.get_json()
    for consortium_id in coordinator_of:
        response = platform.post(
            f"/api/v1/consortia/{consortium_id}/coordinators", json={"person_id": person_id}
        )
        assert response.status_code == 201, response.get_json()


def write_mentor_profile(app: Flask, person_id: str, organisation_id: str, **values: Any) -> str:
    """A mentor profile written straight to the database as the system; returns its id.

    By default it is active, vetted, and released to the mentor's consortia: the tests that
    need one as a given, not as the thing under test (tests/pool drives the profile API)."""
    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.pool.models import MentorProfile

    fields: dict[str, Any] = {
        "modalities": ["mentoring"],
        "topics": ["leadership"],
        "capacity": 2,
        "status": "active",
        "vetting_status": "approved",
        "sharing_scope": "consortium",
        "released_at": datetime.now(UTC),
        "released_by": "tests",
        **values,
    }
    with app.app_context(), tenancy.all_tenants():
        profile = MentorProfile(
            id=uuid.uuid4(),
            organisation_id=uuid.UUID(organisation_id),
            person_id=uuid.UUID(person_id),
            **fields,
        )
        db.session.add(profile)
        db.session.commit()
        return str(profile.id)


def write_pairing(
    app: Flask,
    *,
    programme: dict[str, Any],
    mentor_id: str,
    mentor_organisation_id: str,
    mentee_id: str,
    mentee_organisation_id: str,
    status: str = "active",
) -> str:
    """A pairing written straight to the database as the system, with the mentor's profile
    (written too if they have none); returns its id. For tests that need a pairing as a given
    (tests/matches drives the workflow that makes one)."""
    from sqlalchemy import select

    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.matches.models import Match
    from consortium.pool.models import MentorProfile

    with app.app_context(), tenancy.all_tenants():
        existing = db.session.scalar(
            select(MentorProfile.id).where(MentorProfile.person_id == uuid.UUID(mentor_id))
        )
    profile_id = (
        str(existing)
        if existing
        else write_mentor_profile(
            app, mentor_id, mentor_organisation_id, modalities=["reverse_mentoring", "mentoring"]
        )
    )
    with app.app_context(), tenancy.all_tenants():
        match = Match(
            id=uuid.uuid4(),
            consortium_id=uuid.UUID(str(programme["consortium_id"])),
            programme_id=uuid.UUID(str(programme["id"])),
            mentor_profile_id=uuid.UUID(profile_id),
            mentor_person_id=uuid.UUID(mentor_id),
            mentor_organisation_id=uuid.UUID(mentor_organisation_id),
            mentee_id=uuid.UUID(mentee_id),
            mentee_organisation_id=uuid.UUID(mentee_organisation_id),
            status=status,
            origin="manual",
            reasons=["Written by the tests."],
            activated_at=datetime.now(UTC) if status != "approved" else None,
        )
        db.session.add(match)
        db.session.commit()
        return str(match.id)
