"""The keys that verify access tokens come from the process's copy, and rotation is honoured:
a key added since (by another process, straight into the table) verifies at once, and a key
taken out stops verifying once the copy is older than its maximum age."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import text

from consortium.core.security import encrypt
from tests.api.helpers import assert_problem
from tests.conftest import ApiClient
from tests.factories import Tenant


@pytest.fixture
def add_key(app: Any, owner_engine: Any) -> Iterator[Callable[[], RSAKey]]:
    """Write a signing key to the table, as a rotation by another process would (retired, so
    the service goes on signing with its own); removed afterwards."""
    kids: list[str] = []

    def add() -> RSAKey:
        kid = f"rotated-{uuid.uuid4().hex[:8]}"
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
        with app.app_context():
            private = encrypt(key.as_pem(private=True).decode())
        with owner_engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO signing_keys (id, kid, algorithm, private_key_encrypted,"
                    " public_jwk, status, created_at, updated_at) VALUES (:id, :kid, 'RS256',"
                    " :private, CAST(:public AS jsonb), 'retired', now(), now())"
                ),
                {
                    "id": uuid.uuid4(),
                    "kid": kid,
                    "private": private,
                    "public": json.dumps(key.as_dict(private=False)),
                },
            )
        kids.append(kid)
        return key

    yield add
    with owner_engine.begin() as c:
        c.execute(text("DELETE FROM signing_keys WHERE kid = ANY(:kids)"), {"kids": kids})


def _token(key: RSAKey, tenant: Tenant, client_id: str) -> str:
    now = int(time.time())
    claims = {
        "iss": "http://localhost",
        "aud": "http://localhost/api/v1",
        "sub": client_id,
        "client_id": client_id,
        "organisation_id": tenant.id,
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "scope": "people:read",
    }
    return jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": key.kid}, claims, key)


@pytest.fixture
def client_id(platform: ApiClient, tenant_a: Tenant) -> str:
    response = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients",
        json={"name": "rotation tests", "scopes": ["people:read"]},
    )
    assert response.status_code == 201
    return str(response.get_json()["client_id"])


def test_a_key_added_since_the_copy_was_read_verifies_at_once(
    client: Any, tenant_a: Tenant, client_id: str, add_key: Callable[[], RSAKey]
) -> None:
    assert tenant_a.api.get("/api/v1/people").status_code == 200  # the copy is read
    api = ApiClient(client, _token(add_key(), tenant_a, client_id))
    response = api.get("/api/v1/people")
    assert response.status_code == 200, response.get_json()
    assert [p["id"] for p in response.get_json()] == [tenant_a.person["id"]]


def test_a_key_taken_out_stops_verifying_once_the_copy_is_old(
    app: Any,
    client: Any,
    tenant_a: Tenant,
    client_id: str,
    add_key: Callable[[], RSAKey],
    owner_engine: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = add_key()
    api = ApiClient(client, _token(key, tenant_a, client_id))
    assert api.get("/api/v1/people").status_code == 200
    with owner_engine.begin() as c:
        c.execute(text("DELETE FROM signing_keys WHERE kid = :kid"), {"kid": key.kid})
    monkeypatch.setattr(app.extensions["consortium.verification_keys"], "max_age", 0.0)
    assert_problem(api.get("/api/v1/people"), 401)
    # The service's own keys still verify after the copy is read again.
    assert tenant_a.api.get("/api/v1/people").status_code == 200
