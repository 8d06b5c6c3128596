"""Shared pieces of the SSO and session tests: cookies, log records, configured organisations."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from tests.api.helpers import assert_problem
from tests.conftest import ApiClient
from tests.factories import Tenant
from tests.oidc import LocalIdp, configure_sso

SESSION_COOKIE = "consortium_session"
SECURE_SESSION_COOKIE = "__Host-consortium_session"
LOGIN_COOKIE = "consortium_sso"


# --- cookies -----------------------------------------------------------------------------


def set_cookies(response: Any) -> dict[str, dict[str, str]]:
    """The response's Set-Cookie headers: {name: {"value": ..., attribute (lower case): value}}."""
    cookies: dict[str, dict[str, str]] = {}
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = first.partition("=")
        parsed = {"value": value}
        for attribute in attributes:
            key, _, attribute_value = attribute.partition("=")
            parsed[key.lower()] = attribute_value
        cookies[name] = parsed
    return cookies


def assert_no_session_cookie(response: Any) -> None:
    names = set(set_cookies(response))
    assert not names & {SESSION_COOKIE, SECURE_SESSION_COOKIE}, response.headers


def session_cookie_value(browser: Any) -> str:
    """The session cookie in a test client's (or SessionClient's) cookie jar."""
    client = getattr(browser, "client", browser)
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "the browser holds no session cookie"
    return str(cookie.value)


# --- logs ------------------------------------------------------------------------------


def login_failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.getMessage() == "sso login failed"
    ]


def assert_login_refused(
    response: Any, status: int, reason: str, caplog: pytest.LogCaptureFixture
) -> dict[str, Any]:
    """A refused sign-in: problem+json, no session cookie, one warning naming the reason."""
    body = assert_problem(response, status)
    assert_no_session_cookie(response)
    assert "Location" not in response.headers
    failures = login_failures(caplog)
    assert [getattr(r, "reason", None) for r in failures] == [reason], [
        r.__dict__ for r in failures
    ]
    caplog.clear()
    return body


def record_text(record: logging.LogRecord) -> str:
    """Everything a log record could write out: its message and every extra attribute."""
    return record.getMessage() + " " + " ".join(repr(v) for v in record.__dict__.values())


# --- database --------------------------------------------------------------------------


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    """One value read as the owner (row-level security hides nothing)."""
    with engine.connect() as c:
        return c.execute(text(sql), params).scalar()


def execute(engine: Engine, sql: str, **params: Any) -> None:
    with engine.begin() as c:
        c.execute(text(sql), params)


# --- organisations with SSO -------------------------------------------------------------


def email_of(tenant: Tenant, local: str) -> str:
    return f"{local}@{tenant.organisation['slug']}.example.org"


@pytest.fixture
def sso_a(platform: ApiClient, idp: LocalIdp, tenant_a: Tenant) -> dict[str, Any]:
    """tenant_a signs in through provider `a` (email in the ID token)."""
    response = configure_sso(platform, idp, "a", tenant_a.organisation)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


@pytest.fixture
def sso_b(platform: ApiClient, idp: LocalIdp, tenant_b: Tenant) -> dict[str, Any]:
    """tenant_b signs in through provider `b` (email only in userinfo)."""
    response = configure_sso(platform, idp, "b", tenant_b.organisation)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


# --- a web server that answers whatever a test wants ------------------------------------------


class FakeWeb:
    """Serves `routes[path] = (status, content type, body)` on a loopback port; 404 otherwise."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, str]] = {}
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        status, content_type, body = self.routes.get(
            environ["PATH_INFO"], (404, "text/plain", "not found")
        )
        start_response(f"{status} Whatever", [("Content-Type", content_type)])
        return [body.encode()]


@pytest.fixture(scope="session")
def _fake_web_server() -> Iterator[FakeWeb]:
    web = FakeWeb()
    yield web
    web.server.shutdown()


@pytest.fixture
def fake_web(_fake_web_server: FakeWeb) -> FakeWeb:
    _fake_web_server.routes.clear()
    return _fake_web_server


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
