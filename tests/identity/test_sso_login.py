"""Signing in through an organisation's provider, as a browser does, and everything refused."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from consortium.devidp.provider import Misbehaviour
from tests.api.helpers import assert_problem
from tests.conftest import ApiClient
from tests.factories import Tenant
from tests.identity.conftest import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    assert_login_refused,
    assert_no_session_cookie,
    email_of,
    scalar,
    set_cookies,
)
from tests.oidc import (
    LocalIdp,
    SessionClient,
    at_provider,
    configure_sso,
    follow_callback,
    sign_in,
    signed_in,
    start_login,
)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=urlencode({**_query(url), **changes})).geturl()


def _people(engine: Engine, tenant: Tenant) -> int:
    return int(
        scalar(engine, "SELECT count(*) FROM people WHERE organisation_id = :o", o=tenant.id)
    )


def _identities(engine: Engine) -> int:
    return int(scalar(engine, "SELECT count(*) FROM person_identities"))


def _session_person(browser: FlaskClient) -> dict[str, Any]:
    response = browser.get("/auth/session")
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json()["person"])


def _not_signed_in(browser: FlaskClient) -> None:
    assert_problem(browser.get("/auth/session"), 401)


# --- starting ------------------------------------------------------------------------------


def test_login_redirects_to_the_provider_with_pkce_state_and_nonce(
    client: FlaskClient, idp: LocalIdp, sso_a: dict[str, Any]
) -> None:
    response = start_login(client, "alpha-trust", "/programmes")
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == idp.issuer("a") + "/authorize"
    query = _query(location)
    assert query["response_type"] == "code"
    assert query["client_id"] == "consortium-alpha-trust"
    assert query["redirect_uri"] == "http://localhost/auth/sso/alpha-trust/callback"
    assert "openid" in query["scope"].split()
    assert query["code_challenge_method"] == "S256"
    # S256 of a verifier: 32 bytes, base64url without padding.
    assert len(base64.urlsafe_b64decode(query["code_challenge"] + "=")) == 32
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    assert response.headers["Cache-Control"] == "no-store"

    cookie = set_cookies(response)[LOGIN_COOKIE]
    assert "httponly" in cookie
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/auth/sso/alpha-trust/"
    assert "secure" not in cookie  # http in tests; see test_sessions for https
    # The login state is encrypted: neither the state nor the nonce can be read from it.
    assert query["state"] not in cookie["value"] and query["nonce"] not in cookie["value"]
    assert_no_session_cookie(response)

    # Every login gets its own state, nonce and PKCE challenge.
    other = _query(start_login(client, "alpha-trust").headers["Location"])
    for key in ("state", "nonce", "code_challenge"):
        assert other[key] != query[key]


def test_login_is_404_for_an_unknown_organisation_or_one_without_sso(
    client: FlaskClient, sso_a: dict[str, Any], tenant_b: Tenant
) -> None:
    for slug in ("no-such-organisation", tenant_b.organisation["slug"]):
        response = start_login(client, slug)
        assert_problem(response, 404)
        assert "Location" not in response.headers
        assert LOGIN_COOKIE not in set_cookies(response)


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example",
        "http://localhost/programmes",
        "/\\evil.example",
        "\\\\evil.example",
        "/programmes\\..\\evil",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "evil.example",
        "/\tevil",
        "/" + "a" * 2000,
    ],
)
def test_next_must_be_a_local_path(
    next_path: str, client: FlaskClient, sso_a: dict[str, Any]
) -> None:
    response = start_login(client, "alpha-trust", next_path)
    assert_problem(response, 422, field="next")
    assert "Location" not in response.headers
    assert LOGIN_COOKIE not in set_cookies(response)


@pytest.mark.parametrize(
    ("next_path", "location"),
    [(None, "/"), ("/programmes?tab=mine", "/programmes?tab=mine"), ("/a/b#c", "/a/b#c")],
)
def test_signing_in_returns_to_next(
    next_path: str | None,
    location: str,
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    response = sign_in(client, "alpha-trust", "robin", next_path)
    assert response.status_code == 302, response.get_json()
    assert response.headers["Location"] == location
    assert SESSION_COOKIE in set_cookies(response)


# --- who signs in ---------------------------------------------------------------------------


def test_the_first_sign_in_creates_the_person_and_later_ones_find_them_by_subject(
    app: Flask,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
) -> None:
    email = email_of(tenant_a, "kim.lee")
    idp.add_person("a", sub="subject-1", email=email, given_name="Kim", family_name="Lee")
    people_before = _people(owner_engine, tenant_a)

    first = signed_in(app, "alpha-trust", "subject-1")
    person = first.get("/auth/session").get_json()["person"]
    assert (person["email"], person["given_name"], person["family_name"]) == (
        email,
        "Kim",
        "Lee",
    )
    assert person["organisation_id"] == tenant_a.id
    assert _people(owner_engine, tenant_a) == people_before + 1
    listed = tenant_a.api.get(f"/api/v1/people/{person['id']}")
    assert listed.status_code == 200 and listed.get_json()["email"] == email
    assert (
        scalar(
            owner_engine,
            "SELECT issuer || ' ' || subject FROM person_identities WHERE person_id = :p",
            p=person["id"],
        )
        == f"{idp.issuer('a')} subject-1"
    )

    # The provider changes the email: still the same person, found by (issuer, subject).
    idp.people["a"][0]["email"] = email_of(tenant_a, "kim.lee-smith")
    again = signed_in(app, "alpha-trust", "subject-1")
    assert again.get("/auth/session").get_json()["person"]["id"] == person["id"]
    assert _people(owner_engine, tenant_a) == people_before + 1
    assert _identities(owner_engine) == 1


def test_the_email_can_come_from_userinfo(
    app: Flask, idp: LocalIdp, tenant_b: Tenant, sso_b: dict[str, Any]
) -> None:
    client = idp.providers["b"].clients["consortium-beta-police"]
    assert client.email_in_userinfo_only
    email = email_of(tenant_b, "jo.bloggs")
    idp.add_person("b", sub="b-1", email=email, given_name="Jo", family_name="Bloggs")
    browser = signed_in(app, "beta-police", "b-1")
    person = browser.get("/auth/session").get_json()["person"]
    assert (person["email"], person["given_name"], person["family_name"]) == (
        email,
        "Jo",
        "Bloggs",
    )
    assert person["organisation_id"] == tenant_b.id


def test_the_same_email_with_another_subject_takes_nothing_over(
    app: Flask,
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    email = email_of(tenant_a, "robin")
    idp.add_person("a", sub="original", email=email)
    owner = signed_in(app, "alpha-trust", "original")
    person = owner.get("/auth/session").get_json()["person"]

    idp.add_person("a", sub="impostor", email=email)  # a verified email, even
    response = sign_in(client, "alpha-trust", "impostor")
    assert_login_refused(response, 403, "email_taken", caplog)
    _not_signed_in(client)
    assert _identities(owner_engine) == 1
    assert owner.get("/auth/session").get_json()["person"]["id"] == person["id"]


def test_an_existing_staff_record_is_linked_when_the_email_is_verified(
    app: Flask,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
) -> None:
    people_before = _people(owner_engine, tenant_a)
    existing = tenant_a.person  # created by the organisation's API client
    idp.add_person("a", sub="sam", email=existing["email"].upper(), email_verified=True)
    browser = signed_in(app, "alpha-trust", "sam")
    assert browser.get("/auth/session").get_json()["person"]["id"] == existing["id"]
    assert _people(owner_engine, tenant_a) == people_before


def test_an_existing_staff_record_is_not_linked_to_an_unverified_email(
    app: Flask,
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people_before = _people(owner_engine, tenant_a)
    idp.add_person("a", sub="sam", email=tenant_a.person["email"], email_verified=False)
    response = sign_in(client, "alpha-trust", "sam")
    assert_login_refused(response, 403, "email_unverified", caplog)
    _not_signed_in(client)
    assert _identities(owner_engine) == 0
    assert _people(owner_engine, tenant_a) == people_before


def test_an_email_outside_the_organisations_domains_is_refused(
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people_before = _people(owner_engine, tenant_a)
    for sub, email in [
        ("outsider", "robin@evil.example"),
        ("lookalike", "robin@alpha-trust.example.org.evil.example"),
        ("subdomain", "robin@evil.alpha-trust.example.org"),
    ]:
        idp.add_person("a", sub=sub, email=email)
        response = sign_in(client, "alpha-trust", sub)
        assert_login_refused(response, 403, "email_domain", caplog)
    _not_signed_in(client)
    assert _people(owner_engine, tenant_a) == people_before
    assert _identities(owner_engine) == 0


def test_configured_email_domains_replace_the_organisations_own(
    app: Flask,
    client: FlaskClient,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = configure_sso(platform, idp, "a", tenant_a.organisation, email_domains=["nhs.net"])
    assert response.status_code == 200, response.get_json()
    idp.add_person("a", sub="own-domain", email=email_of(tenant_a, "robin"))
    idp.add_person("a", sub="nhs", email="kim.lee@nhs.net")
    assert_login_refused(sign_in(client, "alpha-trust", "own-domain"), 403, "email_domain", caplog)
    browser = signed_in(app, "alpha-trust", "nhs")
    assert browser.get("/auth/session").get_json()["person"]["email"] == "kim.lee@nhs.net"


def test_a_person_of_one_organisation_cannot_sign_in_to_another_on_the_same_issuer(
    app: Flask,
    client: FlaskClient,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Both organisations use issuer `a` and accept nhs.net addresses (a shared provider).
    for tenant in (tenant_a, tenant_b):
        response = configure_sso(platform, idp, "a", tenant.organisation, email_domains=["nhs.net"])
        assert response.status_code == 200, response.get_json()
    idp.add_person("a", sub="shared", email="robin@nhs.net")
    browser = signed_in(app, "alpha-trust", "shared")
    assert browser.get("/auth/session").get_json()["person"]["organisation_id"] == tenant_a.id
    people_b = _people(owner_engine, tenant_b)

    response = sign_in(client, "beta-police", "shared")
    assert response.status_code == 403, response.get_json()
    assert_login_refused(response, 403, "wrong_organisation", caplog)
    _not_signed_in(client)
    assert _people(owner_engine, tenant_b) == people_b


def test_a_deactivated_person_cannot_sign_in_and_their_sessions_stop(
    app: Flask,
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.add_person("a", sub="leaver", email=email_of(tenant_a, "leaver"))
    browser = signed_in(app, "alpha-trust", "leaver")
    person = browser.get("/auth/session").get_json()["person"]
    assert browser.get("/api/v1/organisations").status_code == 200

    url = f"/api/v1/people/{person['id']}"
    etag = tenant_a.api.get(url).headers["ETag"]
    changed = tenant_a.api.patch(url, json={"status": "inactive"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["status"] == "inactive"

    assert_problem(browser.get("/auth/session"), 401)
    assert_problem(browser.client.get("/api/v1/organisations"), 401)
    assert_login_refused(sign_in(client, "alpha-trust", "leaver"), 403, "deactivated", caplog)
    _not_signed_in(client)


def test_reactivating_a_person_does_not_revive_their_old_sessions(
    app: Flask, idp: LocalIdp, tenant_a: Tenant, sso_a: dict[str, Any]
) -> None:
    idp.add_person("a", sub="leaver", email=email_of(tenant_a, "leaver"))
    browser = signed_in(app, "alpha-trust", "leaver")
    url = f"/api/v1/people/{_person_id(browser)}"
    for status in ("inactive", "active"):
        etag = tenant_a.api.get(url).headers["ETag"]
        changed = tenant_a.api.patch(url, json={"status": status}, headers={"If-Match": etag})
        assert changed.status_code == 200, changed.get_json()
    assert_problem(browser.get("/auth/session"), 401)


# --- what the provider sends back ------------------------------------------------------------


def _callback_url(client: FlaskClient, login_hint: str, slug: str = "alpha-trust") -> str:
    started = start_login(client, slug)
    assert started.status_code == 302, started.get_json()
    return at_provider(started.headers["Location"], login_hint)


def test_a_tampered_state_is_refused(
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    url = _callback_url(client, "robin")
    state = _query(url)["state"]
    tampered = state[:-1] + ("A" if state[-1] != "A" else "B")
    assert_login_refused(
        follow_callback(client, _with_query(url, state=tampered)), 400, "state_mismatch", caplog
    )
    _not_signed_in(client)
    assert _identities(owner_engine) == 0

    # Without any state at all, too.
    url = _callback_url(client, "robin")
    parts = urlsplit(url)
    no_state = parts._replace(query=urlencode({"code": _query(url)["code"]})).geturl()
    assert_login_refused(follow_callback(client, no_state), 400, "state_mismatch", caplog)
    _not_signed_in(client)


def test_a_callback_without_the_login_cookie_is_refused(
    app: Flask,
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The login started in one browser; its callback URL is opened in another (login CSRF).
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    url = _callback_url(client, "robin")
    victim = app.test_client()
    assert_login_refused(follow_callback(victim, url), 400, "no_login_state", caplog)
    _not_signed_in(victim)
    assert _identities(owner_engine) == 0


def test_a_tampered_login_cookie_is_refused(
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    url = _callback_url(client, "robin")
    cookie = client.get_cookie(LOGIN_COOKIE, path="/auth/sso/alpha-trust/")
    assert cookie is not None
    flipped = cookie.value[:20] + ("A" if cookie.value[20] != "A" else "B") + cookie.value[21:]
    client.set_cookie(LOGIN_COOKIE, flipped, path="/auth/sso/alpha-trust/")
    assert_login_refused(follow_callback(client, url), 400, "login_state_invalid", caplog)
    _not_signed_in(client)


def test_a_login_cookie_of_another_organisation_is_refused(
    client: FlaskClient,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
    sso_a: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Both organisations use the same provider; a login started for alpha finishes at beta.
    response = configure_sso(
        platform, idp, "a", tenant_b.organisation, email_domains=["alpha-trust.example.org"]
    )
    assert response.status_code == 200
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    url = _callback_url(client, "robin")
    cookie = client.get_cookie(LOGIN_COOKIE, path="/auth/sso/alpha-trust/")
    assert cookie is not None
    client.set_cookie(LOGIN_COOKIE, cookie.value, path="/auth/sso/beta-police/")
    at_beta = urlsplit(url)._replace(path="/auth/sso/beta-police/callback").geturl()
    assert_login_refused(follow_callback(client, at_beta), 400, "configuration_changed", caplog)
    _not_signed_in(client)


def test_a_login_started_before_the_configuration_changed_is_refused(
    client: FlaskClient,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    url = _callback_url(client, "robin")
    again = configure_sso(platform, idp, "a", tenant_a.organisation)
    assert again.get_json()["version"] == sso_a["version"] + 1
    assert_login_refused(follow_callback(client, url), 400, "configuration_changed", caplog)
    _not_signed_in(client)


def test_a_callback_cannot_be_replayed(
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    url = _callback_url(client, "robin")
    first = follow_callback(client, url)
    assert first.status_code == 302
    # The login cookie was cleared with the success.
    assert set_cookies(first)[LOGIN_COOKIE]["value"] == ""
    assert_login_refused(follow_callback(client, url), 400, "no_login_state", caplog)
    assert client.get("/auth/session").status_code == 200  # the session itself carries on


def _expired() -> Misbehaviour:
    now = int(time.time())
    return Misbehaviour(id_token_claims={"exp": now - 3600, "iat": now - 7200})


ID_TOKEN_MISBEHAVIOURS: dict[str, Callable[[], Misbehaviour]] = {
    "wrong nonce": lambda: Misbehaviour(id_token_claims={"nonce": "wrong"}),
    "no nonce": lambda: Misbehaviour(drop_claims={"nonce"}),
    "another issuer": lambda: Misbehaviour(id_token_claims={"iss": "http://evil"}),
    "another audience": lambda: Misbehaviour(id_token_claims={"aud": "someone-else"}),
    "expired": _expired,
    "no expiry": lambda: Misbehaviour(drop_claims={"exp"}),
    "no subject": lambda: Misbehaviour(drop_claims={"sub"}),
    "forged signature": lambda: Misbehaviour(foreign_key=True),
    "alg none": lambda: Misbehaviour(unsigned=True),
}


@pytest.mark.parametrize("misbehaviour", list(ID_TOKEN_MISBEHAVIOURS))
def test_a_bad_id_token_is_refused(
    misbehaviour: str,
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    people_before = _people(owner_engine, tenant_a)
    idp.providers["a"].misbehaviour = ID_TOKEN_MISBEHAVIOURS[misbehaviour]()
    response = sign_in(client, "alpha-trust", "robin")
    assert_login_refused(response, 401, "id_token_invalid", caplog)
    _not_signed_in(client)
    assert _people(owner_engine, tenant_a) == people_before
    assert _identities(owner_engine) == 0

    # The same person signs in once the provider behaves.
    idp.providers["a"].misbehaviour = Misbehaviour()
    assert sign_in(client, "alpha-trust", "robin").status_code == 302


def test_an_expiry_within_the_leeway_is_accepted(
    client: FlaskClient, idp: LocalIdp, tenant_a: Tenant, sso_a: dict[str, Any]
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    idp.providers["a"].misbehaviour = Misbehaviour(id_token_claims={"exp": int(time.time()) - 5})
    assert sign_in(client, "alpha-trust", "robin").status_code == 302


def test_userinfo_about_another_subject_is_refused(
    client: FlaskClient,
    idp: LocalIdp,
    tenant_b: Tenant,
    sso_b: dict[str, Any],
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.add_person("b", sub="b-1", email=email_of(tenant_b, "jo"))
    idp.providers["b"].misbehaviour = Misbehaviour(userinfo_claims={"sub": "other"})
    assert_login_refused(
        sign_in(client, "beta-police", "b-1"), 401, "userinfo_sub_mismatch", caplog
    )
    _not_signed_in(client)
    assert _identities(owner_engine) == 0


def test_a_provider_error_is_refused(
    client: FlaskClient,
    idp: LocalIdp,
    sso_a: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = _callback_url(client, "nobody-the-provider-knows")
    assert _query(url)["error"] == "access_denied"
    body = assert_login_refused(follow_callback(client, url), 401, "provider_error", caplog)
    assert "access_denied" in body["detail"]
    _not_signed_in(client)


def test_signing_in_survives_the_providers_key_rotation(
    app: Flask, idp: LocalIdp, tenant_a: Tenant, sso_a: dict[str, Any]
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    first = signed_in(app, "alpha-trust", "robin")
    old_kid = idp.providers["a"].keys[0].kid
    new_kid = idp.providers["a"].rotate_keys().kid
    assert new_kid != old_kid
    second = signed_in(app, "alpha-trust", "robin")  # the token is signed with the new key
    assert _person_id(second) == _person_id(first)


def _person_id(browser: SessionClient) -> str:
    return str(browser.get("/auth/session").get_json()["person"]["id"])


def test_a_slug_the_database_cannot_hold_is_not_found(client: FlaskClient) -> None:
    response = client.get("/auth/sso/alpha%00trust/login")
    assert_problem(response, 404)


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"sub": "s" * 256}, id="subject-too-long"),
        pytest.param({"sub": "bad\x00subject"}, id="subject-with-nul"),
        pytest.param({"email": "a" * 250 + "@alpha-trust.example.org"}, id="email-too-long"),
    ],
)
def test_identifiers_that_cannot_be_stored_are_the_providers_fault(
    claims: dict[str, str],
    client: FlaskClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    sso_a: dict[str, Any],
    owner_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin"))
    people_before = _people(owner_engine, tenant_a)
    idp.providers["a"].misbehaviour = Misbehaviour(id_token_claims=claims)
    response = sign_in(client, "alpha-trust", "robin")
    assert_login_refused(response, 502, "bad_claims", caplog)
    assert _people(owner_engine, tenant_a) == people_before
    assert _identities(owner_engine) == 0


def test_names_the_database_cannot_hold_fall_back_to_the_email(
    app: Flask, idp: LocalIdp, tenant_a: Tenant, sso_a: dict[str, Any]
) -> None:
    email = email_of(tenant_a, "nul.name")
    idp.add_person("a", sub="nul-name", email=email, given_name="Ki\x00m", family_name="Lee")
    person = signed_in(app, "alpha-trust", "nul-name").get("/auth/session").get_json()["person"]
    assert (person["given_name"], person["family_name"]) == ("nul.name", "Lee")
