"""Shared setup for the mentor pool tests: a consortium of three member organisations, people
signed in through SSO with the roles they need, and helpers that drive the API as a client would.

The world (`pool`): tenant_a (alpha-trust, health) is the mentors' organisation; gamma (fire)
and delta (local authority) are fellow members of `network`; tenant_b (beta-police, police) is
not a member of anything. People are signed in lazily, so a test only pays for who it uses.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests import conftest as root
from tests.api.helpers import every_item, get_ok  # noqa: F401 - imported from here too
from tests.conftest import ApiClient
from tests.factories import Tenant, grant_roles
from tests.identity.role_support import make_consortium
from tests.oidc import LocalIdp, SessionClient, configure_sso, signed_in

PROFILES = "/api/v1/mentor-profiles"
PUBLIC_KEYS = {
    "id",
    "view",
    "person",
    "organisation",
    "modalities",
    "topics",
    "accreditation",
    "capacity_left",
}
PUBLIC_PERSON_KEYS = {"display_name", "job_title", "profession"}

_unique = itertools.count(1)


def url(profile: dict[str, Any] | str, suffix: str = "") -> str:
    profile_id = profile if isinstance(profile, str) else profile["id"]
    return f"{PROFILES}/{profile_id}{suffix}"


def today() -> date:
    return datetime.now(UTC).date()  # the service's calendar is UTC


def days(n: int) -> date:
    """Today plus n days (n may be negative)."""
    return today() + timedelta(days=n)


# --- people ----------------------------------------------------------------------------------


@dataclass
class Person:
    """Someone signed in through their organisation's SSO, with a cookie-session browser."""

    browser: SessionClient
    record: dict[str, Any]
    tenant: Tenant

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def email(self) -> str:
        return str(self.record["email"])

    @property
    def name(self) -> str:
        return f"{self.record['given_name']} {self.record['family_name']}"

    # The browser's verbs, so a Person can be used where an API client is.
    def get(self, path: str, **kw: Any) -> Any:
        return self.browser.get(path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.browser.post(path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.browser.patch(path, json=json, **kw)


@dataclass
class PoolWorld:
    app: Flask
    platform: ApiClient
    idp: LocalIdp
    a: Tenant
    b: Tenant
    gamma: Tenant
    delta: Tenant
    network: dict[str, Any]
    _sso: set[str] = field(default_factory=set)

    @property
    def network_id(self) -> str:
        return str(self.network["id"])

    def sign_in(
        self,
        tenant: Tenant,
        given_name: str,
        family_name: str | None = None,
        *,
        org_admin: bool = False,
        coordinator_of: Iterable[str] = (),
    ) -> Person:
        """A new person of `tenant` signed in through SSO (distinct names: decided_by etc.)."""
        family_name = family_name or f"Tester{next(_unique)}"
        organisation = tenant.organisation
        slug = organisation["slug"]
        if tenant.id not in self._sso:
            response = configure_sso(self.platform, self.idp, "a", organisation)
            assert response.status_code == 200, response.get_json()
            self._sso.add(tenant.id)
        email = f"{given_name.lower()}.{family_name.lower()}@{slug}.example.org"
        self.idp.add_person(
            "a",
            sub=f"{slug}|{email}",
            email=email,
            given_name=given_name,
            family_name=family_name,
        )
        browser = signed_in(self.app, slug, email)
        record = browser.get("/auth/session").get_json()["person"]
        grant_roles(
            self.platform,
            record["id"],
            admin_of=tenant.id if org_admin else None,
            coordinator_of=coordinator_of,
        )
        record = {**record, "email": email, "given_name": given_name, "family_name": family_name}
        return Person(browser=browser, record=record, tenant=tenant)

    def consortium(self, slug: str, *tenants: Tenant) -> dict[str, Any]:
        return make_consortium(self.platform, slug, *(t.id for t in tenants))


# Defined once in tests/conftest.py; still importable from here (tests/matches and the folders
# built on it import them with `pool`).
gamma = root.gamma
delta = root.delta


@pytest.fixture
def pool(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
    gamma: Tenant,
    delta: Tenant,
) -> PoolWorld:
    network = make_consortium(platform, "alpha-network", tenant_a.id, gamma.id, delta.id)
    return PoolWorld(app, platform, idp, tenant_a, tenant_b, gamma, delta, network)


@pytest.fixture
def mentor(pool: PoolWorld) -> Person:
    return pool.sign_in(pool.a, "Mona", "Mentor")


@pytest.fixture
def admin_a(pool: PoolWorld) -> Person:
    return pool.sign_in(pool.a, "Ada", "Admin", org_admin=True)


@pytest.fixture
def colleague(pool: PoolWorld) -> Person:
    return pool.sign_in(pool.a, "Colin", "Colleague")


@pytest.fixture
def gamma_staff(pool: PoolWorld) -> Person:
    return pool.sign_in(pool.gamma, "Gail", "Gamma")


@pytest.fixture
def coordinator(pool: PoolWorld) -> Person:
    """A person of gamma who coordinates the network."""
    return pool.sign_in(pool.gamma, "Cora", "Coordinator", coordinator_of=[pool.network_id])


# --- the API as a client drives it ---------------------------------------------------------


def profile_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"modalities": ["mentoring"], "topics": ["leadership"], "capacity": 2}
    body.update(fields)
    return body


def create_profile(caller: Any, **fields: Any) -> dict[str, Any]:
    response = caller.post(PROFILES, json=profile_body(**fields))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def patch_profile(caller: Any, profile: dict[str, Any] | str, changes: dict[str, Any]) -> Any:
    """PATCH with the current ETag (as the caller reads it); returns the response."""
    current = caller.get(url(profile))
    assert current.status_code == 200, current.get_json()
    return caller.patch(url(profile), json=changes, headers={"If-Match": current.headers["ETag"]})


def patch_ok(caller: Any, profile: dict[str, Any] | str, changes: dict[str, Any]) -> Any:
    response = patch_profile(caller, profile, changes)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def release(admin: Any, profile: dict[str, Any] | str) -> dict[str, Any]:
    response = admin.post(url(profile, "/release"))
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def vet(
    decider: Any,
    profile: dict[str, Any] | str,
    status: str = "approved",
    expires_on: date | None = None,
    note: str | None = None,
) -> Any:
    # expires_on and note are always sent (null when not wanted): leaving either out is a bug
    # of its own (test_vetting.py::test_optional_fields_may_be_left_out).
    if status == "approved" and expires_on is None:
        expires_on = days(365)
    body: dict[str, Any] = {
        "status": status,
        "expires_on": expires_on.isoformat() if expires_on else None,
        "note": note,
    }
    return decider.post(url(profile, "/vetting"), json=body)


def vet_ok(decider: Any, profile: dict[str, Any] | str, **kw: Any) -> dict[str, Any]:
    response = vet(decider, profile, **kw)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def listed(caller: Any, **query: Any) -> list[dict[str, Any]]:
    """Every profile the caller sees (all pages) for these filters."""
    return list(every_item(caller, PROFILES, **query, page_size=100))


def listed_ids(caller: Any, **query: Any) -> set[str]:
    return {p["id"] for p in listed(caller, **query)}


def set_limits(platform: ApiClient, consortium_id: str, **limits: int) -> dict[str, Any]:
    path = f"/api/v1/consortia/{consortium_id}"
    etag = platform.get(path).headers["ETag"]
    response = platform.patch(path, json=limits, headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


# --- rows as the owner sees them -----------------------------------------------------------


def mail_jobs(owner_engine: Engine, to: str) -> list[dict[str, Any]]:
    """The mail.send jobs addressed to `to`, oldest first (RLS hides nothing from the owner)."""
    with owner_engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT * FROM jobs WHERE name = 'mail.send' AND arguments->>'to' = :to"
                " ORDER BY created_at, id"
            ),
            {"to": to},
        ).mappings()
        return [dict(r) for r in rows]


def owner_scalar(owner_engine: Engine, sql: str, **params: Any) -> Any:
    with owner_engine.connect() as c:
        return c.execute(text(sql), params).scalar()


# --- coach care: pairings and sessions written as the matching engine would ---------------


@dataclass
class Load:
    """Pairings (by status) and sessions ((status, days ago)) to give a mentor."""

    matches: list[str] = field(default_factory=list)
    sessions: list[tuple[str, float]] = field(default_factory=list)


def give_load(
    app: Flask,
    profile: dict[str, Any],
    *,
    consortium_id: str,
    mentee: dict[str, Any],
    mentee_organisation_id: str,
    load: Load,
) -> None:
    """Insert a programme, matches and sessions for the profile via the ORM, recount its load
    (consortium.pool.care.recount_load) and commit."""
    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.matches.models import Match
    from consortium.pool import care
    from consortium.pool.models import MentorProfile
    from consortium.programmes.models import Programme
    from consortium.sessions.models import MentoringSession

    now = datetime.now(UTC)
    profile_id = uuid.UUID(profile["id"])
    mentor_organisation_id = uuid.UUID(profile["organisation"]["id"])
    consortium = uuid.UUID(consortium_id)
    with app.app_context(), tenancy.all_tenants():
        mentor = db.session.get(MentorProfile, profile_id)
        assert mentor is not None

        def pair(status: str) -> Match:
            # A programme per pairing: a mentee has one live pairing per programme.
            programme = Programme(
                consortium_id=consortium,
                name=f"Care programme {next(_unique)}",
                type="mentoring",
                opens_at=now - timedelta(days=200),
                closes_at=now + timedelta(days=200),
                created_by="tests",
            )
            db.session.add(programme)
            db.session.flush()
            match = Match(
                consortium_id=consortium,
                mentor_organisation_id=mentor_organisation_id,
                mentee_organisation_id=uuid.UUID(mentee_organisation_id),
                programme_id=programme.id,
                mentor_profile_id=profile_id,
                mentor_person_id=mentor.person_id,
                mentee_id=uuid.UUID(str(mentee["id"])),
                status=status,
            )
            db.session.add(match)
            return match

        for status in load.matches:
            pair(status)
        if load.sessions:
            holder = pair("completed")  # completed: holds no place, so the load is unchanged
            db.session.flush()
            for status, days_ago in load.sessions:
                starts = now - timedelta(days=days_ago)
                db.session.add(
                    MentoringSession(
                        consortium_id=consortium,
                        mentor_organisation_id=mentor_organisation_id,
                        mentee_organisation_id=uuid.UUID(mentee_organisation_id),
                        match_id=holder.id,
                        mentee_id=holder.mentee_id,
                        mentor_person_id=holder.mentor_person_id,
                        mentor_profile_id=profile_id,
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=1),
                        status=status,
                    )
                )
        db.session.flush()
        care.recount_load(profile_ids=[profile_id])
        db.session.commit()


@pytest.fixture
def freeze_pool_today(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set the date the pool service believes it is (consortium.pool.service.today())."""
    from consortium.pool import service

    def freeze(day: date) -> None:
        monkeypatch.setattr(service, "today", lambda: day)

    yield freeze
