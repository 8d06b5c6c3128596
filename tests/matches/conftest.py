"""Shared setup for the pairing workflow tests, built on the pool tests' world (tests/pool).

The world (`world`): alpha-network has three members: tenant_a (alpha-trust, health), gamma
(fire) and delta (local authority); tenant_b (beta-police) belongs to nothing.
- the mentor, Mona, works for tenant_a; her profile is released to the network and vetted;
- the mentee, Gail, works for gamma and has applied to an open programme of the network;
- the coordinator, Cora, works for delta (a third organisation) and coordinates the network.
Other people (org admins, colleagues, another consortium's coordinator) are signed in only by
the tests that need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.api.helpers import get_ok
from tests.factories import Tenant, write_mentor_profile
from tests.identity.role_support import new_person
from tests.pool.conftest import (  # noqa: F401 - fixtures used by these tests
    Person,
    PoolWorld,
    delta,
    gamma,
    mail_jobs,
    pool,
)
from tests.programmes.support import apply, create_programme

MATCHES = "/api/v1/matches"
AUDIT = "/api/v1/audit-events"
STALE = '"0123456789abcdef0123456789abcdef01234567"'


def match_url(match: dict[str, Any] | str, suffix: str = "") -> str:
    match_id = match if isinstance(match, str) else match["id"]
    return f"{MATCHES}/{match_id}{suffix}"


def insert_profile(
    app: Flask,
    person_id: str,
    organisation_id: str,
    *,
    modalities: tuple[str, ...] = ("mentoring",),
    capacity: int = 2,
    vetting_status: str = "approved",
) -> str:
    """A mentor profile released to the network, written as the system (the pool's own tests
    cover creating, releasing and vetting one through the API)."""
    return write_mentor_profile(
        app,
        person_id,
        organisation_id,
        modalities=list(modalities),
        capacity=capacity,
        vetting_status=vetting_status,
    )


@dataclass
class MatchWorld:
    pool: PoolWorld
    mentor: Person
    mentee: Person
    coordinator: Person
    profile_id: str
    programme: dict[str, Any]
    application: dict[str, Any]
    _people: dict[str, Person] = field(default_factory=dict)

    @property
    def platform(self) -> Any:
        return self.pool.platform

    @property
    def app(self) -> Flask:
        return self.pool.app

    @property
    def network_id(self) -> str:
        return self.pool.network_id

    def person(self, key: str, tenant: Tenant, given_name: str, **roles: Any) -> Person:
        """A person signed in once per test, by key (e.g. "admin_a")."""
        if key not in self._people:
            self._people[key] = self.pool.sign_in(tenant, given_name, **roles)
        return self._people[key]

    @property
    def admin_a(self) -> Person:
        """An admin of the mentor's organisation."""
        return self.person("admin_a", self.pool.a, "Ada", org_admin=True)

    @property
    def admin_gamma(self) -> Person:
        """An admin of the mentee's organisation."""
        return self.person("admin_gamma", self.pool.gamma, "Gwen", org_admin=True)

    @property
    def colleague(self) -> Person:
        """A colleague of the mentee, neither party nor admin."""
        return self.person("colleague", self.pool.gamma, "Colin")

    def propose(self, caller: Any = None, **fields: Any) -> Any:
        body = {
            "application_id": self.application["id"],
            "mentor_profile_id": self.profile_id,
            **fields,
        }
        return (caller or self.coordinator).post(MATCHES, json=body)

    def proposal(self, caller: Any = None, **fields: Any) -> dict[str, Any]:
        response = self.propose(caller, **fields)
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def other_mentor(self, tenant: Tenant, **profile: Any) -> str:
        """A profile (released to the network) of a new staff member of `tenant`, who is not
        signed in; returns the profile id."""
        person = new_person(tenant, "mentor")
        return insert_profile(self.app, str(person["id"]), tenant.id, **profile)

    def two_key(self) -> None:
        path = f"/api/v1/consortia/{self.network_id}"
        etag = self.platform.get(path).headers["ETag"]
        response = self.platform.patch(
            path, json={"approval_policy": "coordinator_and_home_org"}, headers={"If-Match": etag}
        )
        assert response.status_code == 200, response.get_json()


def etag_of(caller: Any, match: dict[str, Any] | str) -> str:
    response = caller.get(match_url(match))
    assert response.status_code == 200, response.get_json()
    return str(response.headers["ETag"])


def act(
    caller: Any,
    match: dict[str, Any] | str,
    action: str,
    reason: str | None = None,
    *,
    etag: str | None = None,
    reader: Any = None,
) -> Any:
    """POST an action with the current ETag (read by `reader`, by default the caller)."""
    if etag is None:
        etag = etag_of(reader or caller, match)
    body = {"reason": reason} if reason is not None else None
    return caller.post(match_url(match, f"/{action}"), json=body, headers={"If-Match": etag})


def act_ok(caller: Any, match: dict[str, Any] | str, action: str, reason: str | None = None) -> Any:
    response = act(caller, match, action, reason)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def listed_ids(caller: Any, path: str = MATCHES, **query: Any) -> list[str]:
    return [item["id"] for item in get_ok(caller, path, query_string=query)]


def mail_to(owner_engine: Engine, person: Person) -> list[dict[str, Any]]:
    """The messages queued to a person: [{subject, body}], oldest first."""
    return [
        {"subject": job["arguments"]["subject"], "body": job["arguments"]["body"]}
        for job in mail_jobs(owner_engine, person.email)
    ]


def audit_rows(owner_engine: Engine, subject_id: str) -> list[dict[str, Any]]:
    """A subject's audit events as stored, oldest first (read as the owner)."""
    with owner_engine.connect() as c:
        rows = c.execute(
            text("SELECT * FROM audit_events WHERE subject_id = :s ORDER BY created_at, id"),
            {"s": subject_id},
        ).mappings()
        return [dict(r) for r in rows]


def load_of(owner_engine: Engine, profile_id: str) -> int:
    with owner_engine.connect() as c:
        return int(
            c.execute(
                text("SELECT active_load FROM mentor_profiles WHERE id = :p"), {"p": profile_id}
            ).scalar_one()
        )


@pytest.fixture
def world(pool: PoolWorld) -> MatchWorld:  # noqa: F811 - the fixture imported above
    mentor = pool.sign_in(pool.a, "Mona", "Mentor")
    mentee = pool.sign_in(pool.gamma, "Gail", "Mentee")
    coordinator = pool.sign_in(pool.delta, "Cora", "Coordinator", coordinator_of=[pool.network_id])
    profile_id = insert_profile(pool.app, mentor.id, pool.a.id)
    programme = create_programme(coordinator, pool.network_id, name="Leading Across Boundaries")
    application = apply(mentee, programme)
    return MatchWorld(pool, mentor, mentee, coordinator, profile_id, programme, application)
