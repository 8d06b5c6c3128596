"""Browser sessions: the cookie, rotation, CSRF, logout, idle and absolute expiry, roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.engine import Engine

from consortium import create_app
from tests.api.helpers import assert_problem
from tests.conftest import ApiClient, make_settings
from tests.factories import Tenant
from tests.identity.conftest import (
    LOGIN_COOKIE,
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    email_of,
    execute,
    scalar,
    session_cookie_value,
    set_cookies,
)
from tests.oidc import CSRF_HEADER, LocalIdp, at_provider, sign_in, sign_in_as, signed_in


def _person_body(tenant: Tenant, local: str) -> dict[str, str]:
    return {"given_name": "New", "family_name": "Starter", "email": email_of(tenant, local)}


def _people_with_email(engine: Engine, email: str) -> int:
    return int(scalar(engine, "SELECT count(*) FROM people WHERE email = :e", e=email))


def _live_sessions(engine: Engine) -> int:
    return int(scalar(engine, "SELECT count(*) FROM login_sessions WHERE ended_at IS NULL"))


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _replay(app: Flask, cookie_value: str) -> Any:
    """A fresh browser presenting `cookie_value` as its session cookie."""
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, cookie_value)
    return client


@pytest.fixture
def robin(idp: LocalIdp, tenant_a: Tenant, sso_a: dict[str, Any]) -> str:
    """A person of tenant_a at provider `a`; the login hint that signs them in."""
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    return "robin"


# --- the cookie -------------------------------------------------------------------------


def test_the_session_cookie_and_what_the_session_shows(
    app: Flask, idp: LocalIdp, tenant_a: Tenant, robin: str, owner_engine: Engine
) -> None:
    client = app.test_client()
    response = sign_in(client, "alpha-trust", robin)
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    cookies = set_cookies(response)
    cookie = cookies[SESSION_COOKIE]
    assert "httponly" in cookie
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert "secure" not in cookie  # PUBLIC_BASE_URL is http here
    assert "domain" not in cookie
    assert cookie["max-age"] == str(app.config["SESSION_MAX_AGE"])
    # Signed (token.timestamp.signature), and the stored hash is not the cookie's token.
    assert cookie["value"].count(".") == 2
    stored = scalar(owner_engine, "SELECT token_hash FROM login_sessions")
    assert stored and stored not in cookie["value"]
    assert cookies[LOGIN_COOKIE]["value"] == ""  # the login's state is forgotten

    session = client.get("/auth/session")
    assert session.status_code == 200
    body = session.get_json()
    assert body["person"]["email"] == email_of(tenant_a, "robin")
    assert body["person"]["organisation_id"] == tenant_a.id
    assert body["organisation"]["id"] == tenant_a.id
    assert body["organisation"]["slug"] == "alpha-trust"
    assert body["roles"] == [
        {"role": "staff", "organisation_id": tenant_a.id, "consortium_id": None}
    ]
    assert body["scopes"] == ["organisation:read", "pool:read", "pool:write"]
    assert re.fullmatch(r"[0-9a-f]{64}", body["csrf_token"])
    now = datetime.now(UTC)
    max_age = timedelta(seconds=app.config["SESSION_MAX_AGE"])
    idle = timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"])
    assert abs(_time(body["expires_at"]) - (now + max_age)) < timedelta(minutes=1)
    assert abs(_time(body["idle_expires_at"]) - (now + idle)) < timedelta(minutes=1)
    # The same session gives the same CSRF token.
    assert client.get("/auth/session").get_json()["csrf_token"] == body["csrf_token"]


def test_an_org_admins_session_lists_the_role(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    admin, person = sign_in_as(
        app, platform, idp, tenant_a.organisation, email_of(tenant_a, "ada"), org_admin=True
    )
    body = admin.get("/auth/session").get_json()
    assert body["person"]["id"] == person["id"]
    assert {r["role"] for r in body["roles"]} == {"staff", "org_admin"}
    assert "organisation:admin" in body["scopes"] and "people:write" in body["scopes"]


def test_https_makes_the_cookies_secure_and_host_only(
    runtime_url: str, idp: LocalIdp, tenant_a: Tenant, robin: str
) -> None:
    base = "https://consortium.example"
    secure = create_app(make_settings(runtime_url, public_base_url=base))
    callback = f"{base}/auth/sso/alpha-trust/callback"
    idp.providers["a"].clients["consortium-alpha-trust"].redirect_uris.append(callback)
    browser = secure.test_client()

    started = browser.get("/auth/sso/alpha-trust/login", base_url=base)
    assert started.status_code == 302, started.get_json()
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    assert query["redirect_uri"] == [callback]
    login_cookie = set_cookies(started)[LOGIN_COOKIE]
    assert "secure" in login_cookie and "httponly" in login_cookie
    assert login_cookie["samesite"] == "Lax"

    back = urlsplit(at_provider(started.headers["Location"], robin))
    assert f"{back.scheme}://{back.netloc}{back.path}" == callback
    done = browser.get(back.path, query_string=back.query, base_url=base)
    assert done.status_code == 302, done.get_json()
    cookies = set_cookies(done)
    assert SESSION_COOKIE not in cookies
    cookie = cookies[SECURE_SESSION_COOKIE]
    assert "secure" in cookie and "httponly" in cookie
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert "domain" not in cookie  # __Host-: host-only
    assert browser.get("/auth/session", base_url=base).status_code == 200

    # Only the __Host- name counts there.
    other = secure.test_client()
    other.set_cookie(SESSION_COOKIE, cookie["value"], domain="consortium.example")
    assert_problem(other.get("/auth/session", base_url=base), 401)

    logout = browser.post(
        "/auth/logout",
        base_url=base,
        headers={CSRF_HEADER: browser.get("/auth/session", base_url=base).get_json()["csrf_token"]},
    )
    assert logout.status_code == 204
    cleared = set_cookies(logout)[SECURE_SESSION_COOKIE]
    assert cleared["value"] == "" and "secure" in cleared and cleared["path"] == "/"


def test_a_small_max_age_and_idle_timeout_apply(
    runtime_url: str, idp: LocalIdp, robin: str, owner_engine: Engine
) -> None:
    short = create_app(make_settings(runtime_url, session_idle_timeout=60, session_max_age=120))
    browser = short.test_client()
    response = sign_in(browser, "alpha-trust", robin)
    assert set_cookies(response)[SESSION_COOKIE]["max-age"] == "120"
    lifetime = scalar(owner_engine, "SELECT expires_at - created_at FROM login_sessions")
    assert abs(lifetime - timedelta(seconds=120)) < timedelta(seconds=5)
    body = browser.get("/auth/session").get_json()
    now = datetime.now(UTC)
    assert abs(_time(body["idle_expires_at"]) - (now + timedelta(seconds=60))) < timedelta(
        seconds=10
    )
    execute(owner_engine, "UPDATE login_sessions SET last_seen_at = now() - interval '61 seconds'")
    assert_problem(browser.get("/auth/session"), 401)


# --- rotation, logout, expiry -------------------------------------------------------------


def test_each_login_rotates_the_session(
    app: Flask, idp: LocalIdp, tenant_a: Tenant, robin: str, owner_engine: Engine
) -> None:
    browser = signed_in(app, "alpha-trust", robin)
    first_cookie = session_cookie_value(browser)
    first_csrf = browser.csrf_token
    person_id = browser.get("/auth/session").get_json()["person"]["id"]

    again = sign_in(browser.client, "alpha-trust", robin)
    assert again.status_code == 302
    second_cookie = session_cookie_value(browser)
    assert second_cookie != first_cookie
    assert browser.csrf_token != first_csrf
    assert browser.get("/auth/session").get_json()["person"]["id"] == person_id
    assert_problem(_replay(app, first_cookie).get("/auth/session"), 401)
    assert _live_sessions(owner_engine) == 1

    # Someone else signing in at the same browser ends the first person's session too.
    idp.add_person("a", sub="kim", email=email_of(tenant_a, "kim"))
    assert sign_in(browser.client, "alpha-trust", "kim").status_code == 302
    assert browser.get("/auth/session").get_json()["person"]["email"] == email_of(tenant_a, "kim")
    assert_problem(_replay(app, second_cookie).get("/auth/session"), 401)
    assert _live_sessions(owner_engine) == 1


def test_logout_ends_the_session(
    app: Flask, robin: str, owner_engine: Engine, tenant_a: Tenant
) -> None:
    browser = signed_in(app, "alpha-trust", robin)
    other_browser = signed_in(app, "alpha-trust", robin)
    cookie = session_cookie_value(browser)

    response = browser.post("/auth/logout")
    assert response.status_code == 204
    cleared = set_cookies(response)[SESSION_COOKIE]
    assert cleared["value"] == "" and cleared["path"] == "/"
    assert cleared.get("max-age") == "0" or "1970" in cleared.get("expires", "")
    assert_problem(browser.get("/auth/session"), 401)
    # The old cookie, replayed: the session is over on the server, not just in the browser.
    replayed = _replay(app, cookie)
    assert_problem(replayed.get("/auth/session"), 401)
    assert_problem(replayed.get("/api/v1/organisations"), 401)
    assert (
        scalar(owner_engine, "SELECT count(*) FROM login_sessions WHERE ended_at IS NOT NULL") == 1
    )
    # The person's other browser is another session.
    assert other_browser.get("/auth/session").status_code == 200


def test_an_idle_session_ends(app: Flask, robin: str, owner_engine: Engine) -> None:
    browser = signed_in(app, "alpha-trust", robin)
    idle = app.config["SESSION_IDLE_TIMEOUT"]

    # Used within the idle timeout: still signed in, and the use counts as activity.
    execute(
        owner_engine,
        "UPDATE login_sessions SET last_seen_at = now() - make_interval(secs => :s)",
        s=idle - 120,
    )
    assert browser.get("/auth/session").status_code == 200
    assert scalar(
        owner_engine, "SELECT now() - last_seen_at < interval '1 minute' FROM login_sessions"
    )

    execute(
        owner_engine,
        "UPDATE login_sessions SET last_seen_at = now() - make_interval(secs => :s)",
        s=idle + 1,
    )
    assert_problem(browser.get("/auth/session"), 401)
    assert_problem(browser.client.get("/api/v1/organisations"), 401)
    # Being refused does not revive it.
    assert_problem(browser.get("/auth/session"), 401)


def test_a_session_ends_at_its_absolute_expiry_however_busy(
    app: Flask, robin: str, owner_engine: Engine
) -> None:
    browser = signed_in(app, "alpha-trust", robin)
    expires = scalar(owner_engine, "SELECT expires_at FROM login_sessions")
    execute(owner_engine, "UPDATE login_sessions SET last_seen_at = now() - interval '5 minutes'")
    assert browser.get("/auth/session").status_code == 200
    assert scalar(owner_engine, "SELECT expires_at FROM login_sessions") == expires  # not slid

    execute(owner_engine, "UPDATE login_sessions SET expires_at = now() - interval '1 second'")
    assert_problem(browser.get("/auth/session"), 401)
    assert_problem(browser.client.get("/api/v1/organisations"), 401)


def test_a_tampered_cookie_is_not_signed_in(app: Flask, robin: str, tenant_a: Tenant) -> None:
    browser = signed_in(app, "alpha-trust", robin)
    value = session_cookie_value(browser)
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="consortium.session")
    token = serializer.loads(value)
    assert isinstance(token, str)

    def flip(s: str, i: int) -> str:
        return s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1 :]

    variants = {
        "garbage": "not-a-session",
        "only dots": "..",
        "flipped signature": flip(value, len(value) - 10),
        "flipped token": flip(value, 5),
        "the raw token": token,
        "a well-signed unknown token": serializer.dumps("x" * 43),
        "a well-signed non-string": serializer.dumps({"token": token}),
        "a well-signed list": serializer.dumps([token]),
        "signed with another key": URLSafeTimedSerializer(
            "another-secret-key", salt="consortium.session"
        ).dumps(token),
        "another salt": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps(token),
        "very long": "A" * 3000,
    }
    for name, forged in variants.items():
        client = _replay(app, forged)
        response = client.get("/auth/session")
        assert response.status_code == 401, (name, response.status_code, response.get_json())
        assert_problem(response, 401)
        post = client.post("/api/v1/people", json=_person_body(tenant_a, "forged"))
        assert post.status_code == 401, (name, post.status_code)
    assert browser.get("/auth/session").status_code == 200  # the real one still works


# --- CSRF and roles ---------------------------------------------------------------------------


def test_unsafe_cookie_requests_need_the_sessions_csrf_token(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    owner_engine: Engine,
) -> None:
    admin, _ = sign_in_as(
        app, platform, idp, tenant_a.organisation, email_of(tenant_a, "ada"), org_admin=True
    )
    other, _ = sign_in_as(
        app, platform, idp, tenant_a.organisation, email_of(tenant_a, "bo"), org_admin=True
    )
    body = _person_body(tenant_a, "new.starter")
    raw = admin.client  # the browser without the helper that adds the header
    for headers in ({}, {CSRF_HEADER: ""}, {CSRF_HEADER: "wrong"}, {CSRF_HEADER: other.csrf_token}):
        refused = raw.post("/api/v1/people", json=body, headers=headers)
        problem = assert_problem(refused, 403)
        assert CSRF_HEADER in problem["detail"]
    # A cross-site form post is refused too (the API takes only JSON, and there is no token).
    assert raw.post("/api/v1/people", data=body).status_code in {403, 415}
    assert _people_with_email(owner_engine, body["email"]) == 0

    # PATCH and DELETE too; nothing changes.
    url = f"/api/v1/people/{tenant_a.person['id']}"
    before = tenant_a.api.get(url)
    etag = before.headers["ETag"]
    assert_problem(raw.patch(url, json={"job_title": "Hacked"}, headers={"If-Match": etag}), 403)
    assert_problem(
        raw.delete(f"/api/v1/organisations/{tenant_a.id}/admins", json={"person_id": "x"}), 403
    )
    assert tenant_a.api.get(url).get_json() == before.get_json()
    # Logout is unsafe too: a forged logout (even a cross-site form) leaves the session alone.
    assert_problem(raw.post("/auth/logout"), 403)
    assert_problem(raw.post("/auth/logout", data={"x": "1"}), 403)
    assert raw.get("/auth/session").status_code == 200

    created = admin.post("/api/v1/people", json=body)  # with the session's token
    assert created.status_code == 201, created.get_json()
    assert _people_with_email(owner_engine, body["email"]) == 1


def test_bearer_requests_need_no_csrf_token(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, owner_engine: Engine
) -> None:
    # Even from a browser holding a session cookie, the bearer token is what counts.
    staff, _ = sign_in_as(app, platform, idp, tenant_a.organisation, email_of(tenant_a, "bo"))
    body = _person_body(tenant_a, "via.api")
    response = staff.client.post(
        "/api/v1/people", json=body, headers={"Authorization": f"Bearer {tenant_a.api.token}"}
    )
    assert response.status_code == 201, response.get_json()
    assert _people_with_email(owner_engine, body["email"]) == 1


def test_staff_cannot_create_people_but_an_org_admin_can(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, owner_engine: Engine
) -> None:
    staff, _ = sign_in_as(app, platform, idp, tenant_a.organisation, email_of(tenant_a, "bo"))
    admin, _ = sign_in_as(
        app, platform, idp, tenant_a.organisation, email_of(tenant_a, "ada"), org_admin=True
    )
    body = _person_body(tenant_a, "new.starter")
    assert_problem(staff.post("/api/v1/people", json=body), 403)
    assert _people_with_email(owner_engine, body["email"]) == 0

    created = admin.post("/api/v1/people", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["organisation_id"] == tenant_a.id
    assert tenant_a.api.get(f"/api/v1/people/{created.get_json()['id']}").status_code == 200
