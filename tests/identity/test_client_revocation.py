"""An org admin revokes an API client: its tokens stop at once, the token endpoint refuses it,
it stays listed as revoked, and the revocation is an audit event.

The world (tests/matches/conftest.py): admin_a administers tenant_a; admin_gamma another
member; Mona (the mentor) is tenant_a staff with no role.
"""

from __future__ import annotations

import base64
from typing import Any

from flask.testing import FlaskClient

from tests.api.helpers import assert_problem
from tests.conftest import ApiClient, fetch_token
from tests.matches.conftest import MatchWorld, delta, gamma, pool, world  # noqa: F401

CLIENTS = "/api/v1/organisations/{}/api-clients"


def _new_client(w: MatchWorld) -> dict[str, Any]:
    response = w.admin_a.post(
        CLIENTS.format(w.pool.a.id), json={"name": "ESR feed", "scopes": ["people:read"]}
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _revoke(caller: Any, organisation_id: str, client_id: str) -> Any:
    return caller.post(f"{CLIENTS.format(organisation_id)}/{client_id}/revoke")


def _token_request(http: FlaskClient, client: dict[str, Any]) -> Any:
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
    return http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )


def test_a_revoked_client_stops_at_once_and_gets_no_new_token(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
    client: FlaskClient,
) -> None:
    issued = _new_client(world)
    partner = ApiClient(client, fetch_token(client, issued["client_id"], issued["client_secret"]))
    assert partner.get("/api/v1/people").status_code == 200

    response = _revoke(world.admin_a, world.pool.a.id, issued["id"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "revoked"
    # The token it already holds stops working now, not at its expiry.
    assert_problem(partner.get("/api/v1/people"), 401)
    refused = _token_request(client, issued)
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_client"
    listed = {
        c["id"]: c["status"] for c in world.admin_a.get(CLIENTS.format(world.pool.a.id)).get_json()
    }
    assert listed[issued["id"]] == "revoked"
    # Once is enough; the trail says who did it.
    assert_problem(_revoke(world.admin_a, world.pool.a.id, issued["id"]), 409)
    [event] = world.admin_a.get(
        "/api/v1/audit-events", query_string={"action": "api_client.revoked"}
    ).get_json()
    assert event["subject_id"] == issued["id"] and event["actor_name"] == world.admin_a.name


def test_only_the_organisations_admins_revoke_its_clients(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
    client: FlaskClient,
) -> None:
    issued = _new_client(world)
    # Another organisation's admin: not even there, by its own organisation's path or this one.
    assert_problem(_revoke(world.admin_gamma, world.pool.a.id, issued["id"]), 404)
    assert_problem(_revoke(world.admin_gamma, world.pool.gamma.id, issued["id"]), 404)
    # Staff without the admin role, and the organisation's own client: refused.
    assert_problem(_revoke(world.mentor, world.pool.a.id, issued["id"]), 403)
    assert_problem(_revoke(world.pool.a.api, world.pool.a.id, issued["id"]), 403)
    # Still working.
    assert _token_request(client, issued).status_code == 200
