"""A local OpenID provider on a loopback port, and signing people in through it like a browser.

Two issuers run on one server: `a` puts the email in the ID token; `b`, like some real
providers, only in userinfo. Tests turn `provider.misbehaviour` to make either one misbehave.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from consortium.devidp.provider import Client, Misbehaviour, Provider, blueprint
from tests.factories import grant_roles

CSRF_HEADER = "X-CSRF-Token"


class LocalIdp:
    """The server and its two providers; `reset()` between tests."""

    def __init__(self) -> None:
        self.app = Flask("local-idp")
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.people: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
        self.providers: dict[str, Provider] = {}
        for name in ("a", "b"):
            provider = Provider(f"{self.base_url}/{name}", self._people_of(name))
            self.app.register_blueprint(
                blueprint(provider, name=f"idp_{name}", url_prefix=f"/{name}")
            )
            self.providers[name] = provider
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _people_of(self, name: str) -> Any:
        return lambda _client_id: self.people[name]

    def reset(self) -> None:
        for name, provider in self.providers.items():
            provider.clients.clear()
            provider.misbehaviour = Misbehaviour()
            self.people[name].clear()

    def stop(self) -> None:
        self.server.shutdown()

    def issuer(self, name: str) -> str:
        return self.providers[name].issuer

    def add_person(
        self,
        name: str,
        *,
        sub: str,
        email: str,
        given_name: str = "Robin",
        family_name: str = "Patel",
        email_verified: bool = True,
    ) -> dict[str, Any]:
        person = {
            "sub": sub,
            "email": email,
            "email_verified": email_verified,
            "given_name": given_name,
            "family_name": family_name,
        }
        self.people[name].append(person)
        return person

    def register_client(
        self, name: str, slug: str, *, email_in_userinfo_only: bool = False
    ) -> Client:
        return self.providers[name].add_client(
            Client(
                client_id=f"consortium-{slug}",
                client_secret=f"secret-for-{slug}",
                redirect_uris=[f"http://localhost/auth/sso/{slug}/callback"],
                email_in_userinfo_only=email_in_userinfo_only,
            )
        )


def configure_sso(
    admin: Any, idp: LocalIdp, name: str, organisation: dict[str, Any], **fields: Any
) -> Any:
    """Register the organisation at provider `name` and PUT its SSO settings as `admin`."""
    client = idp.register_client(name, organisation["slug"], email_in_userinfo_only=name == "b")
    body = {
        "issuer": idp.issuer(name),
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        **fields,
    }
    return admin.put(f"/api/v1/organisations/{organisation['id']}/sso", json=body)


def start_login(client: FlaskClient, slug: str, next_path: str | None = None) -> Any:
    query = {"next": next_path} if next_path is not None else {}
    return client.get(f"/auth/sso/{slug}/login", query_string=query)


def at_provider(authorization_url: str, login_hint: str) -> str:
    """The browser at the provider: the person picks themselves; returns the callback URL."""
    response = requests.get(
        authorization_url, params={"login_hint": login_hint}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 302, response.text
    return str(response.headers["Location"])


def follow_callback(client: FlaskClient, callback_url: str) -> Any:
    parts = urlsplit(callback_url)
    return client.get(parts.path, query_string=parts.query)


def sign_in(client: FlaskClient, slug: str, login_hint: str, next_path: str | None = None) -> Any:
    """The whole browser round trip; returns the callback's response."""
    started = start_login(client, slug, next_path)
    assert started.status_code == 302, started.get_json()
    return follow_callback(client, at_provider(started.headers["Location"], login_hint))


class SessionClient:
    """A browser signed in as one person: its own cookie jar, and the CSRF header it must send."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._csrf: tuple[Any, str] | None = None  # (the cookies it was read under, the token)

    @property
    def csrf_token(self) -> str:
        # The token is a function of the session cookie: read it again only when the cookies
        # changed (a sign-in, a sign-out, an expiry), not before every unsafe request.
        jar = getattr(self.client, "_cookies", None)
        cookies = tuple(sorted((c.key, c.value) for c in jar.values())) if jar else None
        if cookies is None or self._csrf is None or self._csrf[0] != cookies:
            response = self.client.get("/auth/session")
            assert response.status_code == 200, response.get_json()
            self._csrf = (cookies, str(response.get_json()["csrf_token"]))
        return self._csrf[1]

    def _headers(self, method: str, headers: dict[str, str] | None) -> dict[str, str]:
        out = {}
        if method not in {"GET", "HEAD", "OPTIONS"}:
            out[CSRF_HEADER] = self.csrf_token
        out.update(headers or {})
        return out

    def request(self, method: str, path: str, **kw: Any) -> Any:
        headers = self._headers(method.upper(), kw.pop("headers", None))
        return self.client.open(path, method=method.upper(), headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


def signed_in(app: Flask, slug: str, login_hint: str) -> SessionClient:
    """A fresh browser, signed in as the person `login_hint` names at the org's provider."""
    client = app.test_client()
    response = sign_in(client, slug, login_hint)
    assert response.status_code == 302, response.get_json()
    return SessionClient(client)


def local_idp_server() -> Iterator[LocalIdp]:
    idp = LocalIdp()
    try:
        yield idp
    finally:
        idp.stop()


def sign_in_as(
    app: Flask,
    platform: Any,
    idp: LocalIdp,
    organisation: dict[str, Any],
    email: str,
    *,
    provider: str = "a",
    org_admin: bool = False,
    coordinator_of: list[str] = (),  # type: ignore[assignment]
) -> tuple[SessionClient, dict[str, Any]]:
    """A person of `organisation` signed in through SSO (configured on first use), with roles."""
    if platform.get(f"/api/v1/organisations/{organisation['id']}/sso").status_code == 404:
        response = configure_sso(platform, idp, provider, organisation)
        assert response.status_code == 200, response.get_json()
    else:
        provider = next(
            n for n, p in idp.providers.items() if organisation["slug"] in str(list(p.clients))
        )
    idp.add_person(provider, sub=f"{organisation['slug']}|{email}", email=email)
    browser = signed_in(app, organisation["slug"], email)
    person = browser.get("/auth/session").get_json()["person"]
    grant_roles(
        platform,
        person["id"],
        admin_of=organisation["id"] if org_admin else None,
        coordinator_of=coordinator_of,
    )
    return browser, person
