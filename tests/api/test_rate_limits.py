"""Rate limits through the HTTP API, counted in real Redis: per API client, per signed-in person,
per address otherwise; failed client authentications at /oauth/token; the probes exempt.

The tenants are set up through the suite's app (generous limits); each test then calls an app
built on the same database with tight limits of its own and a Redis key prefix of its own, so
parallel runs and other tests never share a count.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from consortium import create_app
from consortium.config import Settings
from consortium.identity import sessions
from tests.api.helpers import assert_problem
from tests.conftest import REDIS_URL, make_settings
from tests.factories import Tenant, organisation_client
from tests.oidc import LocalIdp, sign_in_as

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@pytest.fixture
def limited(runtime_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps with the given rate-limit settings, counting in Redis under a fresh prefix;
    their keys are removed afterwards."""
    prefix = f"consortium-limits-{uuid.uuid4().hex}"
    built: list[Flask] = []

    def build(**limits: Any) -> Flask:
        values: dict[str, Any] = {
            "ratelimit_storage_url": REDIS_URL,
            "ratelimit_key_prefix": prefix,
            **limits,
        }
        app = create_app(make_settings(runtime_url, **values))
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["consortium.db"].dispose()
    redis = Redis.from_url(REDIS_URL)
    keys = list(redis.scan_iter(match=f"*{prefix}*"))
    if keys:
        redis.delete(*keys)


def _keys_in_redis(prefix_of: Flask) -> list[bytes]:
    prefix = prefix_of.config["SETTINGS"].ratelimit_key_prefix
    return list(Redis.from_url(REDIS_URL).scan_iter(match=f"*{prefix}*"))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _token_request(client: FlaskClient, client_id: str, secret: str) -> Any:
    return client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=_basic(client_id, secret)
    )


def _assert_refused(response: Any, *, names: str) -> dict[str, Any]:
    """A 429 problem with Retry-After (whole seconds, within the window) and the limit's headers."""
    body = assert_problem(response, 429)
    assert names in body["detail"], body["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert 0 <= retry_after <= 3600
    for name in RATE_HEADERS:
        assert name in response.headers, response.headers
    assert response.headers["X-RateLimit-Remaining"] == "0"
    return body


def _issued_client(platform: Any, organisation_id: str) -> tuple[str, str]:
    response = platform.post(
        f"/api/v1/organisations/{organisation_id}/api-clients",
        json={"name": "partner system", "scopes": ["people:read"]},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return body["client_id"], body["client_secret"]


# --- across the API: per caller ---------------------------------------------------------------


def test_each_api_client_has_its_own_limit(
    limited: Callable[..., Flask], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    app = limited(ratelimit_client="3 per minute")
    web = app.test_client()
    first, second = _bearer(tenant_a.api.token), _bearer(tenant_b.api.token)
    for remaining in ("2", "1", "0"):
        response = web.get("/api/v1/people", headers=first)
        assert response.status_code == 200, response.get_json()
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == remaining
        assert "Retry-After" not in response.headers  # only a refusal says when to retry
    # Across routes: the limit is the client's, not one endpoint's.
    refused = web.get("/api/v1/me", headers=first)
    _assert_refused(refused, names="This API client")
    assert refused.headers["X-RateLimit-Limit"] == "3"
    # Another client from the same address is counted apart.
    assert web.get("/api/v1/people", headers=second).status_code == 200
    # The counts are in Redis, under this app's prefix.
    assert _keys_in_redis(app)


def test_a_refused_request_changes_nothing(
    limited: Callable[..., Flask], tenant_a: Tenant, owner_engine: Any
) -> None:
    app = limited(ratelimit_client="1 per minute")
    web = app.test_client()
    assert web.get("/api/v1/me", headers=_bearer(tenant_a.api.token)).status_code == 200
    response = web.post(
        "/api/v1/people",
        json={
            "given_name": "Ann",
            "family_name": "Lee",
            "email": "ann.lee@alpha-trust.example.org",
        },
        headers=_bearer(tenant_a.api.token),
    )
    _assert_refused(response, names="This API client")
    people = tenant_a.api.get("/api/v1/people").get_json()
    assert "ann.lee@alpha-trust.example.org" not in {p["email"] for p in people}


def test_each_signed_in_person_has_their_own_limit(
    limited: Callable[..., Flask], app: Flask, platform: Any, idp: LocalIdp, tenant_a: Tenant
) -> None:
    one, _ = sign_in_as(app, platform, idp, tenant_a.organisation, "one@alpha-trust.example.org")
    two, _ = sign_in_as(app, platform, idp, tenant_a.organisation, "two@alpha-trust.example.org")
    with app.app_context():
        cookie = sessions.cookie_name()
    tight = limited(ratelimit_person="2 per minute", ratelimit_anonymous="50 per minute")
    browsers = {}
    for browser in (one, two):
        # The same browser (its session cookie), talking to the tightly limited app.
        browsers[browser] = tight.test_client()
        browsers[browser].set_cookie(cookie, browser.client.get_cookie(cookie).value)  # type: ignore[union-attr]

    def as_(browser: Any, path: str = "/api/v1/me") -> Any:
        return browsers[browser].get(path)

    assert [as_(one).status_code for _ in range(2)] == [200, 200]
    _assert_refused(as_(one, "/auth/session"), names="You have sent")
    # The other person, and anonymous callers from the same address, are counted apart.
    assert as_(two).status_code == 200
    anonymous = tight.test_client().get("/.well-known/jwks.json")
    assert anonymous.status_code == 200
    assert anonymous.headers["X-RateLimit-Limit"] == "50"


def test_anonymous_callers_are_limited_by_address(limited: Callable[..., Flask]) -> None:
    web = limited(ratelimit_anonymous="2 per minute").test_client()
    here = {"REMOTE_ADDR": "192.0.2.10"}
    there = {"REMOTE_ADDR": "192.0.2.20"}
    assert [web.get("/.well-known/jwks.json", environ_base=here).status_code for _ in range(2)] == [
        200,
        200,
    ]
    _assert_refused(web.get("/.well-known/jwks.json", environ_base=here), names="This address")
    assert web.get("/.well-known/jwks.json", environ_base=there).status_code == 200


def test_probes_are_never_limited(limited: Callable[..., Flask]) -> None:
    web = limited(ratelimit_anonymous="1 per minute").test_client()
    for _ in range(5):
        for path in ("/healthz", "/readyz", "/metrics"):
            response = web.get(path)
            assert response.status_code == 200, (path, response.get_data(as_text=True)[:200])
            assert not set(RATE_HEADERS) & set(response.headers.keys()), path
    # The same caller is limited elsewhere.
    assert web.get("/.well-known/jwks.json").status_code == 200
    assert web.get("/.well-known/jwks.json").status_code == 429


def test_limits_come_from_the_environment(runtime_url: str, limited: Callable[..., Flask]) -> None:
    env = {
        "RATELIMIT_ANONYMOUS": "2 per minute;10 per hour",
        "RATELIMIT_CLIENT": "7/second",
        "RATELIMIT_TOKEN_FAILURES_PER_CLIENT": "4 per 5 minutes",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_KEY_PREFIX": "from-env",
    }
    settings = Settings.from_env(env)
    assert settings.ratelimit_anonymous == "2 per minute;10 per hour"
    assert settings.ratelimit_client == "7/second"
    assert settings.ratelimit_token_failures_per_client == "4 per 5 minutes"
    assert settings.ratelimit_strategy == "moving-window"
    assert settings.ratelimit_key_prefix == "from-env"
    # The development default counts in memory; with a worker (jobs on Redis) in Redis.
    assert settings.ratelimit_storage_url == "memory://"
    assert Settings.from_env({"JOBS_INLINE": "0"}).ratelimit_storage_url == Settings().redis_url
    # An app built from them applies them.
    web = limited(
        ratelimit_anonymous=settings.ratelimit_anonymous,
        ratelimit_strategy=settings.ratelimit_strategy,
    ).test_client()
    statuses = [web.get("/.well-known/jwks.json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_limits_can_be_switched_off(limited: Callable[..., Flask]) -> None:
    assert Settings.from_env({"RATELIMIT_ENABLED": "false"}).ratelimit_enabled is False
    assert Settings.from_env({}).ratelimit_enabled is True
    web = limited(ratelimit_enabled=False, ratelimit_anonymous="1 per minute").test_client()
    for _ in range(3):
        response = web.get("/.well-known/jwks.json")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


def test_a_redis_that_does_not_answer_falls_back_to_counting_in_memory(
    limited: Callable[..., Flask],
) -> None:
    web = limited(
        ratelimit_storage_url="redis://127.0.0.1:1/0", ratelimit_anonymous="2 per minute"
    ).test_client()
    statuses = [web.get("/.well-known/jwks.json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # served, and still limited


# --- /oauth/token: guessed client secrets -------------------------------------------------------


def test_guessing_a_client_secret_is_refused_until_the_window_passes(
    limited: Callable[..., Flask], platform: Any, tenant_a: Tenant
) -> None:
    client_id, secret = _issued_client(platform, tenant_a.id)
    app = limited(
        ratelimit_token_failures_per_client="3 per 3 seconds",
        ratelimit_token_failures_per_address="100 per minute",
    )
    web = app.test_client()
    # Right secrets are not failures: they count for nothing here.
    for _ in range(4):
        assert _token_request(web, client_id, secret).status_code == 200
    for _ in range(3):
        wrong = _token_request(web, client_id, "not-the-secret")
        assert wrong.status_code == 401
        assert wrong.get_json()["error"] == "invalid_client"
    refused = _token_request(web, client_id, "not-the-secret")
    body = _assert_refused(refused, names="for this client_id")
    assert "3 per 3 seconds" in body["detail"]
    # The right secret now is refused too, or guessing would pay.
    right = _token_request(web, client_id, secret)
    _assert_refused(right, names="for this client_id")
    # Other clients are not locked out by the guesses at this one.
    other_id, other_secret = _issued_client(platform, tenant_a.id)
    assert _token_request(web, other_id, other_secret).status_code == 200
    # Once the window has passed, the right secret works again.
    time.sleep(int(right.headers["Retry-After"]) + 1.1)
    assert _token_request(web, client_id, secret).status_code == 200


def test_guessing_from_one_address_is_refused_across_client_ids(
    limited: Callable[..., Flask], platform: Any, tenant_a: Tenant
) -> None:
    client_id, secret = _issued_client(platform, tenant_a.id)
    web = limited(
        ratelimit_token_failures_per_client="100 per minute",
        ratelimit_token_failures_per_address="3 per minute",
    ).test_client()
    attacker = {"REMOTE_ADDR": "198.51.100.7"}
    for guess in range(3):
        response = web.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=_basic(f"made-up-{guess}", "guess"),
            environ_base=attacker,
        )
        assert response.status_code == 401
    refused = web.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(client_id, secret),
        environ_base=attacker,
    )
    _assert_refused(refused, names="from this address")
    # The client itself, calling from its own address, is not locked out.
    assert _token_request(web, client_id, secret).status_code == 200


def test_client_secret_post_guesses_count_for_their_client_id(
    limited: Callable[..., Flask], platform: Any, tenant_a: Tenant
) -> None:
    client_id, secret = _issued_client(platform, tenant_a.id)
    web = limited(ratelimit_token_failures_per_client="2 per minute").test_client()
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"}
    assert [web.post("/oauth/token", data=form).status_code for _ in range(2)] == [401, 401]
    _assert_refused(_token_request(web, client_id, secret), names="for this client_id")


def test_the_default_test_limits_are_on(app: Flask, client: FlaskClient) -> None:
    """The suite's own app limits too (generously), so a test meets what production runs."""
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert int(response.headers["X-RateLimit-Limit"]) >= 10000


def test_an_organisation_client_counts_as_itself_not_its_platform(
    limited: Callable[..., Flask], platform: Any, tenant_a: Tenant
) -> None:
    partner = organisation_client(platform, tenant_a.id, ["people:read"])
    web = limited(ratelimit_client="1 per minute").test_client()
    assert web.get("/api/v1/people", headers=_bearer(partner.token)).status_code == 200
    assert web.get("/api/v1/people", headers=_bearer(partner.token)).status_code == 429
    assert web.get("/api/v1/organisations", headers=_bearer(platform.token)).status_code == 200


def test_scim_refusals_are_scim_errors(limited: Callable[..., Flask], tenant_a: Tenant) -> None:
    """SCIM clients read RFC 7644 errors everywhere under /scim/v2, a 429 too."""
    web = limited(ratelimit_client="1 per minute").test_client()
    assert web.get("/scim/v2/Users", headers=_bearer(tenant_a.api.token)).status_code == 200
    refused = web.get("/scim/v2/Users", headers=_bearer(tenant_a.api.token))
    assert refused.status_code == 429
    assert refused.mimetype == "application/scim+json"
    assert refused.get_json()["status"] == "429"
    assert "Retry-After" in refused.headers


def test_the_address_is_the_peer_unless_proxies_are_trusted(limited: Callable[..., Flask]) -> None:
    forged = [{"X-Forwarded-For": f"203.0.113.{n}"} for n in range(3)]
    # No proxy trusted (the default): a caller cannot pick a fresh address per request.
    direct = limited(ratelimit_anonymous="2 per minute").test_client()
    assert [direct.get("/.well-known/jwks.json", headers=h).status_code for h in forged] == [
        200,
        200,
        429,
    ]
    # Behind one proxy, its X-Forwarded-For names the caller: each address is counted apart.
    proxied = limited(ratelimit_anonymous="1 per minute", trusted_proxy_hops=1).test_client()
    assert [proxied.get("/.well-known/jwks.json", headers=h).status_code for h in forged] == [
        200,
        200,
        200,
    ]
    assert proxied.get("/.well-known/jwks.json", headers=forged[0]).status_code == 429


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"RATELIMIT_CLIENT": "lots"}, "RATELIMIT_CLIENT"),
        ({"RATELIMIT_TOKEN_FAILURES_PER_ADDRESS": ""}, "RATELIMIT_TOKEN_FAILURES_PER_ADDRESS"),
        ({"RATELIMIT_STRATEGY": "leaky-bucket"}, "RATELIMIT_STRATEGY"),
        ({"TRUSTED_PROXY_HOPS": "-1"}, "TRUSTED_PROXY_HOPS"),
        (
            {
                "CONSORTIUM_ENV": "production",
                "SECRET_KEY": "a-production-secret-key-that-is-comfortably-over-32-chars",
                "RATELIMIT_STORAGE_URL": "memory://",
            },
            "RATELIMIT_STORAGE_URL",
        ),
    ],
)
def test_limit_settings_that_do_not_read_stop_the_service(env: dict[str, str], names: str) -> None:
    from consortium.config import ConfigError

    with pytest.raises(ConfigError, match=names):
        Settings.from_env(env)
