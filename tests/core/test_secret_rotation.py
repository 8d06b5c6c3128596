"""Rotating SECRET_KEY: what was encrypted or signed under the old key still reads while it is
SECRET_KEY_PREVIOUS; the re-encryption job moves every stored secret onto the new key, after
which the old key can go; without the old key, reads fail with a clear 503, never a stack."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from consortium.core import rotation, security, tenancy
from consortium.core.db import Base
from consortium.extensions import db
from tests.api.helpers import assert_problem
from tests.conftest import ApiClient, fetch_token
from tests.factories import Tenant
from tests.identity.conftest import SESSION_COOKIE, session_cookie_value
from tests.oidc import CSRF_HEADER, LocalIdp, SessionClient, sign_in_as, start_login

KEY_B = "rotated-secret-key-b-0123456789abcdefghijklmnopqrstuvwxyz"
ATTRIBUTES = "/api/v1/me/sensitive-attributes"
# Every stored secret: signing keys, SSO client secrets, special-category data, busy-feed URLs
# (a calendar's secret), calendar-feed tokens, webhook signing secrets.
ENCRYPTED_COLUMNS = [
    "busy_feeds.url_encrypted",
    "calendar_feeds.token_encrypted",
    "personal_exports.bundle_encrypted",
    "sensitive_attributes.ciphertext",
    "signing_keys.private_key_encrypted",
    "sso_configurations.client_secret_encrypted",
    "webhook_endpoints.secret_encrypted",
]

UseKeys = Callable[..., None]


@pytest.fixture
def use_keys(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[UseKeys]:
    """Set SECRET_KEY and SECRET_KEY_PREVIOUS as an operator's redeploy would."""
    original = app.config["SECRET_KEY"]
    used: set[str] = set()

    def use(current: str, *previous: str) -> None:
        used.add(current)
        monkeypatch.setitem(app.config, "SECRET_KEY", current)
        monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", list(previous))

    yield use
    # The signing keys outlive a test (conftest.KEEP_TABLES): move them back under the suite's key.
    use(original, *(used - {original}))
    with app.app_context(), tenancy.all_tenants():
        rotation.start()
        db.session.commit()


@dataclass
class Written:
    """What a tenant and a person wrote under the first key."""

    browser: SessionClient
    attributes: dict[str, Any]
    calendar_url: str
    csrf_token: str
    client_id: str
    client_secret: str


@pytest.fixture
def written(app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant) -> Written:
    # Signing in configures the organisation's SSO (its client secret stored encrypted).
    browser, _ = sign_in_as(app, platform, idp, tenant_a.organisation, "pat@alpha-trust.example.org")
    etag = browser.get(ATTRIBUTES).headers["ETag"]
    put = browser.put(ATTRIBUTES, json={"ethnicity": "mixed", "disability": False}, headers={"If-Match": etag})
    assert put.status_code == 200, put.get_json()
    calendar = browser.get("/api/v1/me/calendar")
    assert calendar.status_code == 200, calendar.get_json()
    with app.app_context(), tenancy.all_tenants():
        from consortium.identity import service

        issued = service.create_client(name="rotation ops", scopes=["platform:admin"], organisation_id=None)
        db.session.commit()
        client_id, client_secret = issued.client.client_id, issued.client_secret
    fetch_token(app.test_client(), client_id, client_secret)  # the signing key exists
    return Written(
        browser=browser,
        attributes=put.get_json(),
        calendar_url=calendar.get_json()["url"],
        csrf_token=browser.csrf_token,
        client_id=client_id,
        client_secret=client_secret,
    )


def secrets_cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["secrets", *args])


def census(app: Flask) -> dict[str, tuple[int, int, int]]:
    with app.app_context(), tenancy.all_tenants():
        return {c.column: (c.current, c.previous, c.unreadable) for c in rotation.census()}


def test_every_encrypted_column_is_marked_for_the_job(app: Flask) -> None:  # app: models mapped
    marked = [c.name for c in rotation.encrypted_columns()]
    assert marked == ENCRYPTED_COLUMNS
    # A new column holding ciphertext that forgets the mark would be left under an old key.
    named_like_ciphertext = sorted(
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.name.endswith("_encrypted") or column.name == "ciphertext"
    )
    assert named_like_ciphertext == marked


def test_what_the_old_key_wrote_reads_while_it_is_the_previous_key(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, written: Written, use_keys: UseKeys
) -> None:
    old_key = app.config["SECRET_KEY"]
    use_keys(KEY_B, old_key)

    browser = written.browser
    # The session cookie signed under the old key still signs the person in; the CSRF token
    # they were given before the rotation still counts.
    assert browser.get(ATTRIBUTES).get_json() == written.attributes
    assert browser.get("/api/v1/me/calendar").get_json()["url"] == written.calendar_url
    etag = browser.get(ATTRIBUTES).headers["ETag"]
    put = browser.put(
        ATTRIBUTES,
        json={"ethnicity": "asian"},
        headers={"If-Match": etag, CSRF_HEADER: written.csrf_token},
    )
    assert put.status_code == 200, put.get_json()
    # The SSO client secret decrypts: another person signs in; the signing key signs tokens.
    sign_in_as(app, platform, idp, tenant_a.organisation, "alex@alpha-trust.example.org")
    fetch_token(app.test_client(), written.client_id, written.client_secret)

    counts = census(app)
    assert counts["sensitive_attributes.ciphertext"] == (1, 0, 0)  # rewritten under the new key
    assert counts["sso_configurations.client_secret_encrypted"] == (0, 1, 0)
    assert counts["calendar_feeds.token_encrypted"] == (0, 1, 0)
    checked = secrets_cli(app, "check")
    assert checked.exit_code == 1
    assert "still need a previous key" in checked.output


def test_after_re_encryption_the_old_key_can_go(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, written: Written, use_keys: UseKeys
) -> None:
    use_keys(KEY_B, app.config["SECRET_KEY"])
    # Batches of two: a chain of jobs, each queueing the next, all succeeded.
    chain = _chain(platform, _queued_job(secrets_cli(app, "reencrypt", "--batch-size", "2")))
    assert len(chain) >= 3
    assert all(job["status"] == "succeeded" for job in chain)
    stored = sum(sum(v) for v in census(app).values())
    assert sum(job["result"]["reencrypted"] for job in chain) == stored
    assert all(previous == unreadable == 0 for _, previous, unreadable in census(app).values())
    checked = secrets_cli(app, "check")
    assert checked.exit_code == 0, checked.output
    assert "SECRET_KEY_PREVIOUS may go" in checked.output

    use_keys(KEY_B)  # the old key is gone
    # A session cookie signed under it no longer counts (documented): the person signs in again.
    assert written.browser.client.get("/auth/session").status_code == 401
    browser, _ = sign_in_as(app, platform, idp, tenant_a.organisation, "pat@alpha-trust.example.org")
    read = browser.get(ATTRIBUTES)
    assert read.status_code == 200, read.get_json()
    # The same values, and updated_at untouched: re-encryption is not a change anyone made.
    assert read.get_json() == written.attributes
    assert browser.get("/api/v1/me/calendar").get_json()["url"] == written.calendar_url
    fetch_token(app.test_client(), written.client_id, written.client_secret)

    # Running it again changes nothing.
    rerun = _chain(platform, _queued_job(secrets_cli(app, "reencrypt")))
    assert [job["result"]["reencrypted"] for job in rerun] == [0]
    assert rerun[0]["result"]["already_current"] == stored


def test_without_the_old_key_reads_fail_clearly(
    app: Flask,
    platform: ApiClient,
    tenant_a: Tenant,
    written: Written,
    use_keys: UseKeys,
    caplog: pytest.LogCaptureFixture,
) -> None:
    old_key = app.config["SECRET_KEY"]
    use_keys(KEY_B)  # rotated, but the old key was not kept as the previous one

    def assert_clear(response: Any) -> None:
        body = assert_problem(response, 503)
        assert "encryption key was changed" in body["detail"]
        assert "Traceback" not in response.get_data(as_text=True)

    with caplog.at_level(logging.ERROR, logger="consortium.core.security"):
        # Issuing a token needs the signing key; signing in needs the SSO client secret.
        basic = {"Authorization": "Basic " + _basic(written.client_id, written.client_secret)}
        assert_clear(app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic))
        assert_clear(start_login(app.test_client(), tenant_a.organisation["slug"]))
        # A person signed in after the rotation reads their special-category data.
        token = URLSafeTimedSerializer(old_key, salt="consortium.session").loads(session_cookie_value(written.browser))
        browser = app.test_client()
        browser.set_cookie(SESSION_COOKIE, URLSafeTimedSerializer(KEY_B, salt="consortium.session").dumps(token))
        assert_clear(browser.get(ATTRIBUTES))
    # The operators' side says what to do.
    assert any("SECRET_KEY_PREVIOUS" in r.getMessage() for r in caplog.records)

    checked = secrets_cli(app, "check")
    assert checked.exit_code == 1
    assert "under no configured key" in checked.output
    # The job refuses too, naming the column and the fix, rather than losing the value.
    job = platform.get(f"/api/v1/jobs/{_queued_job(secrets_cli(app, 'reencrypt'))}").get_json()
    assert job["status"] in ("retrying", "failed"), job
    assert "decrypts under none of the configured keys" in job["error"]
    assert "SECRET_KEY_PREVIOUS" in job["error"]
    assert census(app)["sensitive_attributes.ciphertext"] == (0, 0, 1)


def test_a_value_written_under_the_old_key_rotates_once(app: Flask, use_keys: UseKeys) -> None:
    with app.app_context():
        old = security.encrypt("a calendar's secret URL")
        use_keys(KEY_B, app.config["SECRET_KEY"])
        moved = security.reencrypt(old)
        assert moved is not None and moved != old
        assert security.reencrypt(moved) is None  # already under SECRET_KEY
        assert security.key_of(old) == 1 and security.key_of(moved) == 0
        use_keys(KEY_B)
        assert security.decrypt(moved) == "a calendar's secret URL"
        with pytest.raises(security.SecretUnreadable):
            security.decrypt(old)


def _basic(client_id: str, secret: str) -> str:
    return base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _queued_job(result: Any) -> str:
    """The job id `flask secrets reencrypt` printed."""
    assert result.exit_code == 0, result.output
    found = re.search(r"Queued job ([0-9a-f-]{36})", result.output)
    assert found, result.output
    return found.group(1)


def _chain(platform: ApiClient, job_id: str) -> list[dict[str, Any]]:
    """The re-encryption jobs from `job_id` on, following each one's next_job_id."""
    jobs: list[dict[str, Any]] = []
    next_id: str | None = job_id
    while next_id:
        response = platform.get(f"/api/v1/jobs/{next_id}")
        assert response.status_code == 200, response.get_json()
        jobs.append(response.get_json())
        next_id = (jobs[-1].get("result") or {}).get("next_job_id")
    return jobs
