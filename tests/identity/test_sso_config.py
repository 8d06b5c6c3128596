"""PUT/GET /api/v1/organisations/{id}/sso: who may set it, discovery, and the write-only secret."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.conftest import ApiClient
from tests.factories import Tenant
from tests.identity.conftest import FakeWeb, email_of, record_text, scalar, unused_port
from tests.oidc import LocalIdp, configure_sso, sign_in, sign_in_as

NIL = "00000000-0000-0000-0000-000000000000"


def _url(tenant: Tenant) -> str:
    return f"/api/v1/organisations/{tenant.id}/sso"


def _body(idp: LocalIdp, tenant: Tenant, secret: str, **fields: Any) -> dict[str, Any]:
    return {
        "issuer": idp.issuer("a"),
        "client_id": f"consortium-{tenant.organisation['slug']}",
        "client_secret": secret,
        **fields,
    }


def _stored_row(owner_engine: Engine, tenant: Tenant) -> str:
    """The whole sso_configurations row of the organisation, as text."""
    return str(
        scalar(
            owner_engine,
            "SELECT t::text FROM sso_configurations t WHERE organisation_id = :o",
            o=tenant.id,
        )
    )


def test_the_platform_admin_sets_sso_and_the_secret_is_write_only(
    platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, owner_engine: Engine
) -> None:
    idp.register_client("a", tenant_a.organisation["slug"])
    secret = "first-very-secret-value-1234"
    put = platform.put(_url(tenant_a), json=_body(idp, tenant_a, secret))
    assert put.status_code == 200, put.get_json()
    body = put.get_json()
    assert body["issuer"] == idp.issuer("a")
    assert body["client_id"] == "consortium-alpha-trust"
    assert body["organisation_id"] == tenant_a.id
    assert body["email_domains"] == []
    assert body["version"] == 1
    assert body["redirect_uri"] == "http://localhost/auth/sso/alpha-trust/callback"
    assert body["discovered_at"]
    assert "client_secret" not in body
    assert secret not in put.get_data(as_text=True)

    got = platform.get(_url(tenant_a))
    assert got.status_code == 200
    assert got.get_json() == body
    assert secret not in got.get_data(as_text=True)

    # Stored encrypted: the plaintext is nowhere in the row; the discovery document is kept.
    row = _stored_row(owner_engine, tenant_a)
    assert secret not in row
    assert scalar(
        owner_engine,
        "SELECT provider_metadata->>'authorization_endpoint' FROM sso_configurations",
    ) == (idp.issuer("a") + "/authorize")

    # A new PUT replaces everything and bumps the version.
    second = "second-very-secret-value-5678"
    again = platform.put(
        _url(tenant_a),
        json=_body(idp, tenant_a, second, email_domains=["Alpha-Trust.example.org", "nhs.net"]),
    )
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["version"] == 2
    assert again.get_json()["email_domains"] == ["alpha-trust.example.org", "nhs.net"]
    assert "client_secret" not in again.get_json()
    assert platform.get(_url(tenant_a)).get_json()["version"] == 2
    new_row = _stored_row(owner_engine, tenant_a)
    assert second not in new_row and secret not in new_row
    assert scalar(owner_engine, "SELECT count(*) FROM sso_configurations") == 1


def test_the_secret_is_never_logged(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    response = configure_sso(platform, idp, "a", tenant_a.organisation)
    assert response.status_code == 200, response.get_json()
    secret = idp.providers["a"].clients["consortium-alpha-trust"].client_secret
    idp.add_person("a", sub="robin", email=email_of(tenant_a, "robin.patel"))
    browser = app.test_client()
    # The secret is used at the token endpoint during this login.
    assert sign_in(browser, "alpha-trust", "robin").status_code == 302
    assert browser.get("/auth/session").status_code == 200
    assert caplog.records, "nothing was logged at all: the check below would prove nothing"
    assert any(getattr(r, "org_slug", None) == "alpha-trust" for r in caplog.records)
    leaked = [r for r in caplog.records if secret in record_text(r)]
    assert not leaked, [record_text(r) for r in leaked]


def test_only_the_organisations_admins_may_see_or_change_it(
    app: Flask,
    platform: ApiClient,
    anonymous: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    admin, _ = sign_in_as(
        app, platform, idp, tenant_a.organisation, email_of(tenant_a, "ada"), org_admin=True
    )
    staff, _ = sign_in_as(app, platform, idp, tenant_a.organisation, email_of(tenant_a, "bo"))
    response = configure_sso(platform, idp, "b", tenant_b.organisation)
    assert response.status_code == 200
    before_a = platform.get(_url(tenant_a)).get_json()
    before_b = platform.get(_url(tenant_b)).get_json()

    # The org admin, through their session, may change their own organisation's SSO...
    changed = admin.put(_url(tenant_a), json=_body(idp, tenant_a, "admin-chosen-secret"))
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["version"] == before_a["version"] + 1
    assert admin.get(_url(tenant_a)).status_code == 200

    # ...but another organisation's does not even exist for them.
    assert_problem(admin.get(_url(tenant_b)), 404)
    assert_problem(admin.put(_url(tenant_b), json=_body(idp, tenant_b, "x")), 404)

    # Staff, the organisation's API client (no organisation:admin) and nobody: refused.
    assert_problem(staff.get(_url(tenant_a)), 403)
    assert_problem(staff.put(_url(tenant_a), json=_body(idp, tenant_a, "staff-secret")), 403)
    assert_problem(tenant_a.api.put(_url(tenant_a), json=_body(idp, tenant_a, "api-secret")), 403)
    assert_problem(anonymous.get(_url(tenant_a)), 401)
    assert_problem(anonymous.put(_url(tenant_a), json=_body(idp, tenant_a, "anon-secret")), 401)

    assert platform.get(_url(tenant_a)).get_json()["version"] == before_a["version"] + 1
    assert platform.get(_url(tenant_b)).get_json() == before_b


def _bad_issuer(kind: str, idp: LocalIdp, web: FakeWeb) -> str:
    discovery = "/.well-known/openid-configuration"
    if kind == "unreachable port":
        return f"http://127.0.0.1:{unused_port()}/idp"
    if kind == "404":
        return f"{web.base_url}/nothing-here"
    if kind == "not JSON":
        web.routes["/html" + discovery] = (200, "text/html", "<html><body>Sign in</body></html>")
        return f"{web.base_url}/html"
    if kind == "another issuer":
        metadata = {**idp.providers["a"].metadata(), "issuer": "http://evil.example"}
        web.routes["/liar" + discovery] = (200, "application/json", json.dumps(metadata))
        return f"{web.base_url}/liar"
    if kind == "issuer differs by a slash":
        return idp.issuer("a") + "/"
    if kind == "only unsigned or symmetric tokens":
        metadata = {
            **idp.providers["a"].metadata(),
            "issuer": f"{web.base_url}/weak",
            "id_token_signing_alg_values_supported": ["none", "HS256"],
        }
        web.routes["/weak" + discovery] = (200, "application/json", json.dumps(metadata))
        return f"{web.base_url}/weak"
    if kind == "no jwks_uri":
        metadata = {**idp.providers["a"].metadata(), "issuer": f"{web.base_url}/nokeys"}
        del metadata["jwks_uri"]
        web.routes["/nokeys" + discovery] = (200, "application/json", json.dumps(metadata))
        return f"{web.base_url}/nokeys"
    raise AssertionError(kind)


BAD_ISSUERS = [
    "unreachable port",
    "404",
    "not JSON",
    "another issuer",
    "issuer differs by a slash",
    "only unsigned or symmetric tokens",
    "no jwks_uri",
]


@pytest.mark.parametrize("kind", BAD_ISSUERS)
def test_a_bad_issuer_is_refused_naming_the_field(
    kind: str,
    platform: ApiClient,
    idp: LocalIdp,
    fake_web: FakeWeb,
    tenant_a: Tenant,
    owner_engine: Engine,
) -> None:
    issuer = _bad_issuer(kind, idp, fake_web)
    response = platform.put(_url(tenant_a), json=_body(idp, tenant_a, "s3cr3t", issuer=issuer))
    assert_problem(response, 422, field="issuer")
    assert "s3cr3t" not in response.get_data(as_text=True)
    assert_problem(platform.get(_url(tenant_a)), 404)
    assert scalar(owner_engine, "SELECT count(*) FROM sso_configurations") == 0


def test_a_bad_issuer_leaves_the_working_configuration_alone(
    platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, sso_a: dict[str, Any]
) -> None:
    response = platform.put(
        _url(tenant_a),
        json=_body(idp, tenant_a, "other", issuer=f"http://127.0.0.1:{unused_port()}"),
    )
    assert_problem(response, 422, field="issuer")
    assert platform.get(_url(tenant_a)).get_json() == sso_a


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client_secret": None}, "client_secret"),
        ({"client_secret": ""}, "client_secret"),
        ({"client_id": None}, "client_id"),
        ({"issuer": "not a url"}, "issuer"),
        ({"issuer": "ftp://idp.example"}, "issuer"),
    ],
)
def test_an_incomplete_body_is_refused(
    change: dict[str, Any],
    field: str,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    owner_engine: Engine,
) -> None:
    body = {**_body(idp, tenant_a, "s3cr3t"), **change}
    body = {k: v for k, v in body.items() if v is not None}
    assert_problem(platform.put(_url(tenant_a), json=body), 422, field=field)
    assert scalar(owner_engine, "SELECT count(*) FROM sso_configurations") == 0


def test_an_unknown_organisation_is_404(
    platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    url = f"/api/v1/organisations/{NIL}/sso"
    assert_problem(platform.put(url, json=_body(idp, tenant_a, "s3cr3t")), 404)
    assert_problem(platform.get(url), 404)
