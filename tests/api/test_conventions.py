"""The API's conventions: ETag/If-Match, Idempotency-Key, X-Request-ID, probes (pagination:
test_pagination.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from tests.api.helpers import assert_problem, row_counts


def _people_with_email(owner_engine: Any, email: str) -> int:
    with owner_engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM people WHERE email = :e"), {"e": email}).scalar_one())


# ETag / If-Match -----------------------------------------------------------------------------


@pytest.fixture(params=["person", "organisation"])
def resource(request: pytest.FixtureRequest, platform: Any, tenant_a: Any) -> tuple[Any, str, dict[str, Any]]:
    """(client allowed to change it, its URL, a valid change)."""
    if request.param == "person":
        return tenant_a.api, f"/api/v1/people/{tenant_a.person['id']}", {"job_title": "Matron"}
    return platform, f"/api/v1/organisations/{tenant_a.id}", {"name": "Alpha Trust Renamed"}


def test_changes_need_the_current_etag(resource: tuple[Any, str, dict[str, Any]]) -> None:
    api, url, change = resource
    got = api.get(url)
    etag = got.headers.get("ETag")
    assert got.status_code == 200 and etag

    # The same representation gives the same ETag, and If-None-Match can use it.
    assert api.get(url).headers["ETag"] == etag
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 304

    assert_problem(api.patch(url, json=change), 428)
    assert api.get(url).get_json() == got.get_json()

    stale = '"0123456789abcdef0123456789abcdef"'
    assert_problem(api.patch(url, json=change, headers={"If-Match": stale}), 412)
    assert api.get(url).get_json() == got.get_json()

    changed = api.patch(url, json=change, headers={"If-Match": etag})
    assert changed.status_code == 200
    new_etag = changed.headers.get("ETag")
    assert new_etag and new_etag != etag
    assert api.get(url).headers["ETag"] == new_etag
    for field, value in change.items():
        assert changed.get_json()[field] == value

    # The ETag read before the change is now stale: a lost update is refused.
    assert_problem(api.patch(url, json={k: v + " again" for k, v in change.items()}, headers={"If-Match": etag}), 412)
    assert api.get(url).get_json() == changed.get_json()


# Idempotency-Key -----------------------------------------------------------------------------


PERSON = {"given_name": "Ida", "family_name": "Lovelace", "email": "ida@alpha-trust.example.org"}


def test_same_key_and_body_replays_the_first_response(tenant_a: Any, owner_engine: Any) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = tenant_a.api.post("/api/v1/people", json=PERSON, headers=headers)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    before = row_counts(owner_engine)

    again = tenant_a.api.post("/api/v1/people", json=PERSON, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.mimetype == "application/json"
    assert again.get_json() == first.get_json()
    assert row_counts(owner_engine) == before
    assert _people_with_email(owner_engine, PERSON["email"]) == 1


def test_same_key_with_another_body_is_refused(tenant_a: Any, owner_engine: Any) -> None:
    headers = {"Idempotency-Key": "create-ida"}
    assert tenant_a.api.post("/api/v1/people", json=PERSON, headers=headers).status_code == 201
    before = row_counts(owner_engine)
    other = {**PERSON, "email": "someone.else@alpha-trust.example.org"}
    response = tenant_a.api.post("/api/v1/people", json=other, headers=headers)
    assert_problem(response, 422, field="Idempotency-Key")
    assert row_counts(owner_engine) == before
    assert _people_with_email(owner_engine, other["email"]) == 0


def test_principals_use_the_same_key_independently(tenant_a: Any, tenant_b: Any, platform: Any) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    a = tenant_a.api.post("/api/v1/people", json=PERSON, headers=headers)
    b = tenant_b.api.post("/api/v1/people", json=PERSON, headers=headers)
    assert a.status_code == b.status_code == 201
    assert "Idempotent-Replayed" not in b.headers
    assert a.get_json()["id"] != b.get_json()["id"]
    assert a.get_json()["organisation_id"] == tenant_a.id
    assert b.get_json()["organisation_id"] == tenant_b.id
    # The platform, too, has its own key space (and another path).
    org = platform.post("/api/v1/organisations", json={"name": "G", "slug": "gamma", "sector": "fire"}, headers=headers)
    assert org.status_code == 201 and "Idempotent-Replayed" not in org.headers


@pytest.mark.parametrize(("key", "status"), [("k" * 255, 201), ("k" * 256, 422), ("", 422)])
def test_key_length_is_limited(tenant_a: Any, owner_engine: Any, key: str, status: int) -> None:
    before = row_counts(owner_engine)
    response = tenant_a.api.post("/api/v1/people", json=PERSON, headers={"Idempotency-Key": key})
    if status == 422:
        assert_problem(response, 422, field="Idempotency-Key")
        assert row_counts(owner_engine) == before
    else:
        assert response.status_code == 201
        assert row_counts(owner_engine)["people"] == before["people"] + 1


def test_a_refused_request_does_not_use_up_its_key(tenant_a: Any) -> None:
    headers = {"Idempotency-Key": "retry-after-fix"}
    bad = tenant_a.api.post("/api/v1/people", json={**PERSON, "seniority": 99}, headers=headers)
    assert_problem(bad, 422, field="seniority")
    good = tenant_a.api.post("/api/v1/people", json=PERSON, headers=headers)
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good.headers


def test_without_a_key_each_post_creates(tenant_a: Any) -> None:
    assert tenant_a.api.post("/api/v1/people", json=PERSON).status_code == 201
    # The second is a new creation attempt, refused because the email is taken.
    assert_problem(tenant_a.api.post("/api/v1/people", json=PERSON), 409, field="email")


# X-Request-ID --------------------------------------------------------------------------------


def test_request_id_is_echoed(client: Any) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "trace-abc-123"})
    assert response.headers["X-Request-ID"] == "trace-abc-123"


@pytest.mark.parametrize("supplied", [None, "", "x" * 65])
def test_request_id_is_generated_when_missing_or_unusable(client: Any, supplied: str | None) -> None:
    headers = {"X-Request-ID": supplied} if supplied is not None else {}
    response = client.get("/healthz", headers=headers)
    generated = response.headers["X-Request-ID"]
    assert str(uuid.UUID(generated)) == generated
    assert client.get("/healthz").headers["X-Request-ID"] != generated


def test_problems_carry_the_request_id(anonymous: Any) -> None:
    response = anonymous.get("/api/v1/people", headers={"X-Request-ID": "req-42"})
    body = assert_problem(response, 401)
    assert body["request_id"] == "req-42" == response.headers["X-Request-ID"]


# Probes --------------------------------------------------------------------------------------


def test_liveness(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_checks_the_database(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
