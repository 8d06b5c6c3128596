"""Every change that matters writes an audit event, seen by those it concerns and nobody else:
release and vetting, role grants and removals, SSO configuration, API clients, matching runs
and exports (consent: tests/sensitive/test_consents.py). Each is made through the API, then
read back through GET /api/v1/audit-events as the readers who should and should not see it.

The world (tests/matches/conftest.py): Mona mentors for tenant_a, Gail of gamma applies, Cora
of delta coordinates the network of tenant_a, gamma and delta.
"""

from __future__ import annotations

import json
from typing import Any

from tests.matches.conftest import MatchWorld
from tests.pool.conftest import create_profile, release, vet_ok

EVENTS = "/api/v1/audit-events"


def events(caller: Any, **query: str) -> list[dict[str, Any]]:
    response = caller.get(EVENTS, query_string={"page_size": 100, **query})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())


def actions_about(caller: Any, subject_id: str) -> list[str]:
    return sorted(e["action"] for e in events(caller, subject_id=subject_id))


def test_release_and_vetting_are_recorded_for_the_mentors_organisation(
    world: MatchWorld,
) -> None:
    lena = world.pool.sign_in(world.pool.a, "Lena", "Lender")
    profile = create_profile(lena, sharing={"scope": "consortium"})
    release(world.admin_a, profile)
    vet_ok(world.admin_a, profile, note="DBS checked")
    [released] = events(world.admin_a, subject_id=profile["id"], action="profile.released")
    assert released["actor_name"] == world.admin_a.name
    assert released["organisation_id"] == world.pool.a.id
    [vetted] = events(world.admin_a, subject_id=profile["id"], action="profile.vetting_decided")
    assert vetted["data"]["status"] == "approved" and vetted["reason"] == "DBS checked"
    # Recorded as the admin who decided, though written on the organisation's behalf.
    assert vetted["actor_name"] == world.admin_a.name
    # Another organisation's admin reads nothing of it.
    assert actions_about(world.admin_gamma, profile["id"]) == []


def test_role_grants_and_removals_are_recorded(world: MatchWorld) -> None:
    admins = f"/api/v1/organisations/{world.pool.a.id}/admins"
    response = world.admin_a.post(admins, json={"person_id": world.mentor.id})
    assert response.status_code in (200, 201), response.get_json()
    response = world.admin_a.browser.request("DELETE", admins, json={"person_id": world.mentor.id})
    assert response.status_code == 204, response.get_json()
    granted = events(world.admin_a, subject_id=world.mentor.id)
    assert [(e["action"], e["data"]["role"]) for e in granted] == [
        ("role.removed", "org_admin"),
        ("role.granted", "org_admin"),
    ]
    assert all(e["actor_name"] == world.admin_a.name for e in granted)
    assert events(world.admin_gamma, subject_id=world.mentor.id) == []
    # Cora's coordinator role, granted when the world was built: her consortium's
    # coordinators see it.
    [coordinator] = events(world.coordinator, subject_id=world.coordinator.id)
    assert coordinator["action"] == "role.granted"
    assert coordinator["data"]["role"] == "coordinator"
    assert coordinator["consortium_id"] == world.network_id


def test_sso_configuration_and_api_clients_are_recorded_without_secrets(
    world: MatchWorld,
) -> None:
    organisation = world.pool.a.id
    [sso] = events(world.admin_a, subject_id=organisation, action="sso.configured")
    assert sso["data"]["issuer"] and sso["data"]["client_id"]
    response = world.admin_a.post(
        f"/api/v1/organisations/{organisation}/api-clients",
        json={"name": "HR feed", "scopes": ["people:read"]},
    )
    assert response.status_code == 201, response.get_json()
    client = response.get_json()
    [created] = events(world.admin_a, subject_id=client["id"])
    assert created["action"] == "api_client.created"
    assert created["data"]["client_id"] == client["client_id"]
    assert created["data"]["scopes"] == ["people:read"]
    trail = json.dumps(events(world.admin_a))
    assert client["client_secret"] not in trail
    assert "secret" not in json.dumps([sso["data"], created["data"]])
    assert events(world.admin_gamma, subject_id=client["id"]) == []


def test_matching_runs_are_recorded_for_the_consortiums_coordinators(world: MatchWorld) -> None:
    response = world.coordinator.post(
        f"/api/v1/programmes/{world.programme['id']}/matching-runs", json={}
    )
    assert response.status_code == 202, response.get_json()
    run = response.get_json()
    trail = events(world.coordinator, subject_id=run["id"])
    assert {e["action"] for e in trail} >= {"matching_run.started"}
    started = next(e for e in trail if e["action"] == "matching_run.started")
    assert started["actor_name"] == world.coordinator.name
    assert started["consortium_id"] == world.network_id
    # An organisation's admin does not read the consortium's brokering as such.
    assert events(world.admin_gamma, subject_id=run["id"]) == []


def test_an_export_is_recorded_for_the_organisation(world: MatchWorld) -> None:
    response = world.pool.a.api.post(f"/api/v1/organisations/{world.pool.a.id}/exports")
    assert response.status_code == 202, response.get_json()
    [exported] = events(world.admin_a, subject_id=world.pool.a.id, action="organisation.exported")
    assert exported["data"]["job_id"] == response.get_json()["id"]
    assert events(world.admin_gamma, action="organisation.exported") == []
