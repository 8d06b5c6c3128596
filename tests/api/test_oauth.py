"""OAuth 2.0 client credentials, RFC 9068 access tokens, and what the API does with bad ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from jsonschema import Draft202012Validator
from sqlalchemy import text

from consortium.core.security import ORGANISATION_SCOPES
from consortium.openapi import spec_json
from tests.api.helpers import assert_problem, row_counts
from tests.conftest import ApiClient, fetch_token
from tests.factories import organisation_client

ISSUER = "http://localhost"
AUDIENCE = "http://localhost/api/v1"


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _b64(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _segment(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


@pytest.fixture
def credentials(platform: Any, tenant_a: Any) -> dict[str, Any]:
    """A new API client of tenant A holding every organisation scope: {client_id, client_secret, ...}."""
    response = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients",
        json={"name": "token tests", "scopes": list(ORGANISATION_SCOPES)},
    )
    assert response.status_code == 201
    return dict(response.get_json())


@pytest.fixture(scope="module")
def token_spec(app: Any) -> dict[str, Any]:
    """The spec's POST /oauth/token operation and its components, as the app generates them."""
    spec = json.loads(spec_json(app))
    return {"operation": spec["paths"]["/oauth/token"]["post"], "components": spec["components"]}


def assert_oauth_error(
    response: Any, status: int, error: str, token_spec: dict[str, Any]
) -> dict[str, Any]:
    """An RFC 6749 §5.2 error with `status` and `error`, in the media type and schema that the
    spec documents for that status of POST /oauth/token."""
    body = response.get_json(force=True, silent=True)
    assert response.status_code == status, (response.status_code, body)
    documented = token_spec["operation"]["responses"][str(status)]["content"]
    assert response.mimetype in documented, (response.mimetype, list(documented))
    ref = documented[response.mimetype]["schema"]["$ref"]
    schema = token_spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    Draft202012Validator(schema).validate(body)
    assert body["error"] == error
    assert "access_token" not in body
    assert response.headers.get("Cache-Control") == "no-store"
    return dict(body)


def _token_response(client: Any, credentials: dict[str, Any], **data: str) -> Any:
    form = {"grant_type": "client_credentials", **data}
    return client.post(
        "/oauth/token",
        data=form,
        headers=_basic(credentials["client_id"], credentials["client_secret"]),
    )


# The token endpoint --------------------------------------------------------------------------


def test_client_credentials_issue_a_verifiable_rfc9068_token(
    client: Any, credentials: dict[str, Any], tenant_a: Any
) -> None:
    response = _token_response(client, credentials)
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == set(ORGANISATION_SCOPES)
    token = body["access_token"]

    header = _segment(token, 0)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    assert all("d" not in k and "p" not in k for k in jwks["keys"])  # public halves only

    verified = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    claims = verified.claims
    for claim in ("iss", "aud", "client_id", "sub", "exp", "iat", "jti"):
        assert claim in claims, claim
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["client_id"] == credentials["client_id"]
    assert claims["organisation_id"] == tenant_a.id
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 60
    assert set(claims["scope"].split()) == set(ORGANISATION_SCOPES)

    # Each token is unique, and it works at the API.
    other = _token_response(client, credentials).get_json()["access_token"]
    assert jwt.decode(other, KeySet.import_key_set(jwks)).claims["jti"] != claims["jti"]
    me = ApiClient(client, token).get("/api/v1/me")
    assert me.status_code == 200
    assert me.get_json()["organisation_id"] == tenant_a.id


def test_client_secret_post_is_accepted(client: Any, credentials: dict[str, Any]) -> None:
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            **{k: credentials[k] for k in ("client_id", "client_secret")},
        },
    )
    assert response.status_code == 200
    assert response.get_json()["access_token"]


def test_parameters_the_token_endpoint_does_not_know_are_ignored_as_documented(
    app: Any, client: Any, credentials: dict[str, Any]
) -> None:
    """RFC 6749 §3.2: unrecognised parameters are ignored, so the spec's TokenRequest allows
    them (the fuzz test sent one and was, rightly, given a token)."""
    spec = json.loads(spec_json(app))
    assert spec["components"]["schemas"]["TokenRequest"]["additionalProperties"] is True
    response = _token_response(client, credentials, **{"x-unknown": "42"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["access_token"]


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param(lambda c: _basic(c["client_id"], "wrong-secret"), id="wrong-secret"),
        pytest.param(lambda c: _basic("cli_unknown", c["client_secret"]), id="unknown-client"),
        pytest.param(lambda c: _basic(c["client_id"], ""), id="empty-secret"),
        pytest.param(lambda c: _basic("cli_\u0000", "x"), id="nul-in-client-id"),
        pytest.param(lambda c: {"Authorization": "Basic !!!not-base64"}, id="malformed-basic"),
        pytest.param(lambda c: {}, id="no-credentials"),
    ],
)
def test_bad_client_credentials_are_invalid_client(
    client: Any, credentials: dict[str, Any], auth: Any, token_spec: dict[str, Any]
) -> None:
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=auth(credentials)
    )
    assert_oauth_error(response, 401, "invalid_client", token_spec)


@pytest.mark.parametrize(
    "grant_type",
    ["password", "authorization_code", "urn:ietf:params:oauth:grant-type:jwt-bearer", ""],
)
def test_unknown_grant_type_is_refused(
    client: Any, credentials: dict[str, Any], grant_type: str, token_spec: dict[str, Any]
) -> None:
    response = _token_response(client, credentials, grant_type=grant_type)
    assert_oauth_error(response, 400, "unsupported_grant_type", token_spec)


def test_asking_for_some_of_the_clients_scopes_grants_exactly_those(
    client: Any, credentials: dict[str, Any]
) -> None:
    response = _token_response(client, credentials, scope="people:read")
    assert response.status_code == 200
    token = response.get_json()["access_token"]
    assert response.get_json()["scope"] == "people:read"
    assert _segment(token, 1)["scope"] == "people:read"
    api = ApiClient(client, token)
    assert api.get("/api/v1/me").get_json()["scopes"] == ["people:read"]
    assert api.get("/api/v1/people").status_code == 200
    assert_problem(
        api.post(
            "/api/v1/people", json={"given_name": "A", "family_name": "B", "email": "a@b.org"}
        ),
        403,
    )


@pytest.mark.parametrize(
    ("scope", "named"),
    [
        pytest.param("people:read", "people:read", id="the-only-scope-asked-for"),
        pytest.param("organisation:read people:read", "people:read", id="one-of-two"),
        pytest.param("platform:admin", "platform:admin", id="platform-admin"),
        pytest.param('root "\\ \u00e9', "3 unknown scope(s)", id="unknown-non-ascii"),
    ],
)
def test_a_scope_the_client_lacks_is_invalid_scope(
    platform: Any,
    tenant_a: Any,
    client: Any,
    token_spec: dict[str, Any],
    scope: str,
    named: str,
) -> None:
    """RFC 6749 §5.2: not a token with the scope silently dropped (that was an empty one)."""
    response = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients",
        json={"name": "org reader", "scopes": ["organisation:read"]},
    )
    assert response.status_code == 201
    reader = response.get_json()
    refused = _token_response(client, reader, scope=scope)
    body = assert_oauth_error(refused, 400, "invalid_scope", token_spec)
    assert named in body["error_description"]
    assert "organisation:read" in body["error_description"]  # what it may ask for
    # The scope it holds is still granted, asked for or not.
    for asked in ({"scope": "organisation:read"}, {}):
        granted = _token_response(client, reader, **asked)
        assert granted.status_code == 200
        assert granted.get_json()["scope"] == "organisation:read"


def test_a_revoked_client_cannot_get_or_use_tokens(
    client: Any, credentials: dict[str, Any], owner_engine: Any, token_spec: dict[str, Any]
) -> None:
    token = _token_response(client, credentials).get_json()["access_token"]
    api = ApiClient(client, token)
    assert api.get("/api/v1/me").status_code == 200
    with owner_engine.begin() as c:
        c.execute(
            text("UPDATE api_clients SET status = 'revoked' WHERE client_id = :c"),
            {"c": credentials["client_id"]},
        )
    response = api.get("/api/v1/me")
    assert_problem(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    assert_oauth_error(_token_response(client, credentials), 401, "invalid_client", token_spec)


def test_a_scope_removed_from_the_client_stops_working_at_once(
    client: Any, credentials: dict[str, Any], owner_engine: Any
) -> None:
    api = ApiClient(client, _token_response(client, credentials).get_json()["access_token"])
    assert api.get("/api/v1/people").status_code == 200
    with owner_engine.begin() as c:
        c.execute(
            text("UPDATE api_clients SET scopes = CAST(:s AS jsonb) WHERE client_id = :c"),
            {"s": json.dumps(["organisation:read"]), "c": credentials["client_id"]},
        )
    assert_problem(api.get("/api/v1/people"), 403)
    assert api.get("/api/v1/organisations").status_code == 200


# Tokens the API must refuse ------------------------------------------------------------------


@pytest.fixture
def signing_key(app: Any, credentials: dict[str, Any]) -> RSAKey:
    from consortium.identity import keys

    with app.app_context():
        return keys.signing_key()


def _claims(credentials: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": credentials["client_id"],
        "client_id": credentials["client_id"],
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "scope": "people:read organisation:read",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(key: Any, claims: dict[str, Any], **header: Any) -> str:
    head = {"alg": "RS256", "typ": "at+jwt", "kid": key.kid, **header}
    return jwt.encode({k: v for k, v in head.items() if v is not None}, claims, key)


def test_a_token_crafted_with_the_service_key_is_accepted(
    client: Any, credentials: dict[str, Any], signing_key: RSAKey
) -> None:
    """The control for the refusals below: they differ from this token in one respect each."""
    token = _sign(signing_key, _claims(credentials))
    response = ApiClient(client, token).get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["scopes"] == ["organisation:read", "people:read"]


def _forged(name: str, key: RSAKey, credentials: dict[str, Any]) -> str:
    valid = _sign(key, _claims(credentials))
    head, payload, signature = valid.split(".")
    now = int(time.time())
    if name == "alg-none":
        return ".".join([_b64({"alg": "none", "typ": "at+jwt", "kid": key.kid}), payload, ""])
    if name == "alg-none-with-signature":
        return ".".join(
            [_b64({"alg": "none", "typ": "at+jwt", "kid": key.kid}), payload, signature]
        )
    if name == "tampered-signature":
        flipped = "A" if signature[10] != "A" else "B"
        return ".".join([head, payload, signature[:10] + flipped + signature[11:]])
    if name == "tampered-claims":
        claims = _claims(credentials, scope="people:read people:write platform:admin")
        return ".".join([head, _b64(claims), signature])
    if name == "no-signature":
        return ".".join([head, payload, ""])
    if name == "expired":
        return _sign(key, _claims(credentials, iat=now - 7200, exp=now - 3600))
    if name == "wrong-audience":
        return _sign(key, _claims(credentials, aud="https://elsewhere.example/api"))
    if name == "wrong-issuer":
        return _sign(key, _claims(credentials, iss="https://evil.example"))
    if name == "missing-jti":
        return _sign(key, _claims(credentials, jti=None))
    if name == "missing-client_id":
        return _sign(key, _claims(credentials, client_id=None))
    if name == "unknown-client":
        return _sign(key, _claims(credentials, client_id="cli_nobody", sub="cli_nobody"))
    if name == "not-at+jwt":
        return _sign(key, _claims(credentials), typ="JWT")
    if name == "other-rsa-key-same-kid":
        other = RSAKey.generate_key(2048, parameters={"kid": key.kid})
        return _sign(other, _claims(credentials))
    if name == "hs256-with-public-key":
        # Algorithm confusion: an HMAC keyed with the (public) PEM the verifier holds.
        signing_input = ".".join([_b64({"alg": "HS256", "typ": "at+jwt", "kid": key.kid}), payload])
        mac = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"
    if name == "unknown-kid":
        return _sign(key, _claims(credentials), kid="no-such-key")
    if name == "claims-not-object":
        return ".".join([head, _b64([1, 2, 3]), signature])
    if name == "garbage":
        return "not.a.jwt"
    if name == "two-parts":
        return f"{head}.{payload}"
    raise AssertionError(name)


FORGERIES = [
    "alg-none",
    "alg-none-with-signature",
    "tampered-signature",
    "tampered-claims",
    "no-signature",
    "expired",
    "wrong-audience",
    "wrong-issuer",
    "missing-jti",
    "missing-client_id",
    "unknown-client",
    "not-at+jwt",
    "other-rsa-key-same-kid",
    "hs256-with-public-key",
    "unknown-kid",
    "claims-not-object",
    "garbage",
    "two-parts",
]


def test_bad_tokens_are_401_invalid_token(
    client: Any, credentials: dict[str, Any], signing_key: RSAKey, subtests: Any
) -> None:
    for name in FORGERIES:
        with subtests.test(name):
            token = _forged(name, signing_key, credentials)
            response = ApiClient(client, token).get("/api/v1/people")
            assert_problem(response, 401)
            assert "invalid_token" in response.headers.get("WWW-Authenticate", ""), response.headers


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Token abc", "Bearer", "Bearer    ", "bearerabc", "Digest username=x"],
)
def test_a_non_bearer_authorization_is_401(client: Any, tenant_a: Any, authorization: str) -> None:
    response = client.get("/api/v1/people", headers={"Authorization": authorization})
    assert_problem(response, 401)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/people"),
        ("POST", "/api/v1/people"),
        ("GET", "/api/v1/organisations"),
        ("POST", "/api/v1/organisations"),
        ("GET", "/api/v1/consortia"),
    ],
)
def test_no_token_on_a_protected_route_is_401(
    anonymous: Any, owner_engine: Any, method: str, path: str
) -> None:
    before = row_counts(owner_engine)
    body = {"given_name": "A", "family_name": "B", "email": "a@b.org"} if method == "POST" else None
    assert_problem(anonymous.request(method, path, json=body), 401)
    assert row_counts(owner_engine) == before


def test_a_token_without_the_scope_is_403(platform: Any, tenant_a: Any, owner_engine: Any) -> None:
    reader = organisation_client(platform, tenant_a.id, scopes=["people:read"])
    assert reader.get("/api/v1/people").status_code == 200
    before = row_counts(owner_engine)
    assert_problem(
        reader.post(
            "/api/v1/people", json={"given_name": "A", "family_name": "B", "email": "a@b.org"}
        ),
        403,
    )
    assert_problem(
        reader.post("/api/v1/organisations", json={"name": "X", "slug": "x", "sector": "fire"}), 403
    )
    assert_problem(reader.get(f"/api/v1/organisations/{tenant_a.id}/api-clients"), 403)
    assert_problem(tenant_a.api.post("/api/v1/consortia", json={"name": "X", "slug": "x"}), 403)
    assert row_counts(owner_engine) == before


# Creating clients ----------------------------------------------------------------------------


def test_cli_creates_a_platform_client_that_works(app: Any, client: Any) -> None:
    result = app.test_cli_runner().invoke(
        args=["platform", "create-client", "--name", "ops", "--scope", "platform:admin"]
    )
    assert result.exit_code == 0, result.output
    issued = json.loads(result.stdout)
    assert set(issued) == {"client_id", "client_secret"}
    token = fetch_token(client, issued["client_id"], issued["client_secret"])
    api = ApiClient(client, token)
    me = api.get("/api/v1/me").get_json()
    assert me["scopes"] == ["platform:admin"] and me["organisation_id"] is None
    assert (
        api.post(
            "/api/v1/organisations", json={"name": "Ops Org", "slug": "ops-org", "sector": "other"}
        ).status_code
        == 201
    )


def test_cli_refuses_an_unknown_scope_clearly(app: Any, owner_engine: Any) -> None:
    before = row_counts(owner_engine)
    result = app.test_cli_runner().invoke(
        args=["platform", "create-client", "--name", "ops", "--scope", "root"]
    )
    assert result.exit_code != 0
    assert "Unknown or not allowed scope(s): root" in result.output
    assert "Traceback" not in result.output
    assert row_counts(owner_engine) == before


def test_an_organisation_client_cannot_be_granted_platform_admin(
    platform: Any, tenant_a: Any, owner_engine: Any
) -> None:
    before = row_counts(owner_engine)
    response = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients",
        json={"name": "sneaky", "scopes": ["people:read", "platform:admin"]},
    )
    body = assert_problem(response, 422, field="scopes")
    assert "platform:admin" in body["detail"]
    assert row_counts(owner_engine) == before


def test_client_secrets_are_shown_once(
    platform: Any, tenant_a: Any, credentials: dict[str, Any]
) -> None:
    listed = platform.get(f"/api/v1/organisations/{tenant_a.id}/api-clients").get_json()
    assert credentials["client_id"] in {c["client_id"] for c in listed}
    assert all("client_secret" not in c and "secret_hash" not in c for c in listed)


def test_a_suspended_organisations_clients_stop_at_once(platform: Any, client: Any) -> None:
    """Its tokens stop working and it gets no new ones; resuming it lets them back in."""
    from tests.factories import create_organisation

    organisation = create_organisation(platform, "suspend-me", "fire")
    response = platform.post(
        f"/api/v1/organisations/{organisation['id']}/api-clients",
        json={"name": "hr feed", "scopes": ["people:read"]},
    )
    assert response.status_code == 201, response.get_json()
    credentials = response.get_json()
    token = fetch_token(client, credentials["client_id"], credentials["client_secret"])
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/people", headers=bearer).status_code == 200

    def set_status(status: str) -> None:
        url = f"/api/v1/organisations/{organisation['id']}"
        etag = platform.get(url).headers["ETag"]
        response = platform.patch(url, json={"status": status}, headers={"If-Match": etag})
        assert response.status_code == 200, response.get_json()

    set_status("suspended")
    assert client.get("/api/v1/people", headers=bearer).status_code == 401
    basic = base64.b64encode(
        f"{credentials['client_id']}:{credentials['client_secret']}".encode()
    ).decode()
    refused = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert refused.status_code in (400, 401)
    assert refused.get_json()["error"] == "invalid_client"

    set_status("active")
    assert client.get("/api/v1/people", headers=bearer).status_code == 200
