"""The provider: discovery, JWKS, authorize (code + PKCE S256), token and userinfo endpoints.

State (clients, codes, access tokens, keys) lives in memory: one process, development and
tests only. `Misbehaviour` holds the knobs tests turn to check that the relying party refuses
what a broken or malicious provider might send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey

from consortium import devidp  # noqa: F401  (refuses to load in production)

CODE_TTL = 60
TOKEN_TTL = 300
ID_TOKEN_TTL = 300


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    # Like some real providers: the ID token carries only `sub`; email comes from userinfo.
    email_in_userinfo_only: bool = False


@dataclass
class Misbehaviour:
    """What the provider does wrong on purpose (tests only)."""

    id_token_claims: dict[str, Any] = field(default_factory=dict)  # override or add claims
    drop_claims: set[str] = field(default_factory=set)
    unsigned: bool = False  # alg "none"
    foreign_key: bool = False  # signed by a key not in the JWKS, under a known kid
    userinfo_claims: dict[str, Any] = field(default_factory=dict)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    """One issuer with its clients and people; `people(client_id)` lists who may sign in."""

    def __init__(self, issuer: str, people: Callable[[str], list[dict[str, Any]]]) -> None:
        self.issuer = issuer.rstrip("/")
        self.people = people
        self.clients: dict[str, Client] = {}
        self.misbehaviour = Misbehaviour()
        self._codes: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.keys: list[RSAKey] = []
        self.rotate_keys()

    # --- set-up -----------------------------------------------------------------------

    def add_client(self, client: Client) -> Client:
        self.clients[client.client_id] = client
        return client

    def find_client(self, client_id: str) -> Client | None:
        return self.clients.get(client_id)

    def rotate_keys(self) -> RSAKey:
        """Sign with a new key from now on; the JWKS publishes only the new one."""
        key = RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
        )
        self.keys = [key]
        return key

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "given_name", "family_name"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.as_dict(private=False) for k in self.keys]}

    # --- the protocol -----------------------------------------------------------------

    def authorize(self, args: dict[str, str], subject: str) -> str:
        """Issue a code for `subject`; returns where to send the browser."""
        client = self.find_client(args["client_id"])
        assert client is not None  # checked by the endpoint
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {
                "client_id": client.client_id,
                "redirect_uri": args["redirect_uri"],
                "subject": subject,
                "nonce": args.get("nonce"),
                "code_challenge": args["code_challenge"],
                "expires": time.time() + CODE_TTL,
            }
        query = {"code": code}
        if "state" in args:
            query["state"] = args["state"]
        return f"{args['redirect_uri']}?{urlencode(query)}"

    def exchange(self, form: dict[str, str], client: Client) -> dict[str, Any]:
        """The token response for a code, or raise ValueError(error code)."""
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use
        if (
            grant is None
            or grant["expires"] < time.time()
            or grant["client_id"] != client.client_id
        ):
            raise ValueError("invalid_grant")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            raise ValueError("invalid_grant")
        verifier = form.get("code_verifier", "")
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        if not verifier or not hmac.compare_digest(challenge, grant["code_challenge"]):
            raise ValueError("invalid_grant")
        person = self._person(client.client_id, grant["subject"])
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = {
                "client_id": client.client_id,
                "subject": grant["subject"],
                "expires": time.time() + TOKEN_TTL,
            }
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL,
            "id_token": self.id_token(client, person, nonce=grant["nonce"]),
        }

    def id_token(self, client: Client, person: dict[str, Any], *, nonce: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person["sub"],
            "aud": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_TTL,
            "auth_time": now,
        }
        if nonce:
            claims["nonce"] = nonce
        if not client.email_in_userinfo_only:
            claims.update({k: v for k, v in person.items() if k != "sub"})
        claims.update(self.misbehaviour.id_token_claims)
        for name in self.misbehaviour.drop_claims:
            claims.pop(name, None)
        key = self.keys[0]
        if self.misbehaviour.unsigned:
            header = _b64(json.dumps({"alg": "none", "kid": key.kid}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        if self.misbehaviour.foreign_key:
            key = RSAKey.generate_key(2048, parameters={"kid": str(key.kid), "alg": "RS256"})
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)

    def userinfo(self, access_token: str) -> dict[str, Any] | None:
        with self._lock:
            grant = self._tokens.get(access_token)
        if grant is None or grant["expires"] < time.time():
            return None
        info = dict(self._person(grant["client_id"], grant["subject"]))
        info.update(self.misbehaviour.userinfo_claims)
        return info

    def authenticate_client(self, form: dict[str, str], authorization: Any) -> Client | None:
        """client_secret_basic or client_secret_post."""
        if authorization is not None and authorization.type == "basic":
            client_id, secret = authorization.username or "", authorization.password or ""
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        client = self.find_client(client_id)
        if client is None or not hmac.compare_digest(client.client_secret, secret):
            return None
        return client

    def _person(self, client_id: str, subject: str) -> dict[str, Any]:
        for person in self.people(client_id):
            if person["sub"] == subject:
                return person
        raise ValueError("invalid_grant")


def blueprint(provider: Provider, name: str = "devidp", url_prefix: str = "") -> Blueprint:
    """The provider's HTTP endpoints, mountable in any Flask app."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix)

    @bp.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        return jsonify(provider.metadata())

    @bp.get("/jwks")
    def jwks() -> Response:
        return jsonify(provider.jwks())

    @bp.get("/authorize")
    def authorize() -> Any:
        args = request.args.to_dict()
        client = provider.find_client(args.get("client_id", ""))
        if client is None or args.get("redirect_uri") not in client.redirect_uris:
            return Response("Unknown client or redirect_uri.", status=400)
        problems = []
        if args.get("response_type") != "code":
            problems.append("response_type must be code")
        if "openid" not in args.get("scope", "").split():
            problems.append("scope must include openid")
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            problems.append("PKCE with S256 is required")
        if problems:
            return Response("; ".join(problems), status=400)
        people = provider.people(client.client_id)
        # login_hint (OpenID Connect Core §3.1.2.1) picks the person without the chooser page.
        hint = args.get("login_hint")
        if hint:
            chosen = next((p for p in people if hint in (p["sub"], p.get("email"))), None)
            if chosen is None:
                query = {"error": "access_denied", "state": args.get("state", "")}
                return redirect(f"{args['redirect_uri']}?{urlencode(query)}")
            return redirect(provider.authorize(args, chosen["sub"]))
        rows = "".join(
            f'<li><a href="?{escape(urlencode({**args, "login_hint": p["sub"]}))}">'
            f"{escape(p.get('given_name', ''))} {escape(p.get('family_name', ''))}</a> "
            f"&lt;{escape(p.get('email', ''))}&gt;</li>"
            for p in people
        )
        return Response(
            # A page people use (make run's second click): a language, a viewport, landmarks.
            '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Development sign-in</title></head><body><main>"
            "<h1>Development identity provider</h1>"
            "<p>Not for production. Sign in as:</p>"
            f"<ul>{rows or '<li>nobody: run flask seed demo</li>'}</ul></main></body></html>",
            mimetype="text/html",
        )

    @bp.post("/token")
    def token() -> Any:
        form = request.form.to_dict()
        client = provider.authenticate_client(form, request.authorization)
        if client is None:
            return jsonify(error="invalid_client"), 401
        if form.get("grant_type") != "authorization_code":
            return jsonify(error="unsupported_grant_type"), 400
        try:
            body = provider.exchange(form, client)
        except ValueError as exc:
            return jsonify(error=str(exc)), 400
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.route("/userinfo", methods=["GET", "POST"])
    def userinfo() -> Any:
        scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
        info = provider.userinfo(access_token) if scheme.lower() == "bearer" else None
        if info is None:
            return jsonify(error="invalid_token"), 401
        return jsonify(info)

    return bp
