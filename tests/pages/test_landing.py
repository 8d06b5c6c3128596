"""The landing page: for nobody, how to sign in; for a signed-in person, who they are and
where to go. Signing in without `next` lands there."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Flask

from tests.conftest import ApiClient
from tests.factories import Tenant
from tests.identity.role_support import make_consortium
from tests.oidc import LocalIdp, configure_sso, sign_in, sign_in_as
from tests.pages.support import page
from tests.programmes.support import create_programme


def test_signed_out_the_landing_page_offers_sign_in(app: Flask) -> None:
    client = app.test_client()
    shown = page(client.get("/"))
    assert shown.headings[0] == (1, "Sign in to Consortium")
    assert {"organisation"} <= {i.get("name") for i in shown.inputs}
    assert "/docs" in shown.links
    # Outside development the organisations are not listed: that would name every tenant.
    assert not any(link.startswith("/auth/sso/") for link in shown.links)
    # A `next` on this site is carried into the form; one elsewhere is dropped.
    carried = page(client.get("/", query_string={"next": "/programmes"}))
    assert {"type": "hidden", "name": "next", "value": "/programmes"} in carried.inputs
    dropped = page(client.get("/", query_string={"next": "https://evil.example/"}))
    assert not any(i.get("name") == "next" for i in dropped.inputs)


def test_the_sign_in_form_goes_to_the_organisations_provider(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    assert configure_sso(platform, idp, "a", tenant_a.organisation).status_code == 200
    client = app.test_client()
    slug = tenant_a.organisation["slug"]
    response = client.get(
        "/sign-in", query_string={"organisation": f" {slug.upper()} ", "next": "/x"}
    )
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/auth/sso/{slug}/login"
    assert parse_qs(target.query) == {"next": ["/x"]}
    unknown = page(client.get("/sign-in", query_string={"organisation": "nowhere"}), 404)
    assert "No organisation called “nowhere” offers sign-in here" in unknown.words
    assert client.get("/sign-in").headers["Location"] == "/"


def test_signing_in_without_next_lands_on_a_page_naming_who_you_are(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    assert configure_sso(platform, idp, "a", tenant_a.organisation).status_code == 200
    email = "robin.patel@alpha-trust.example.org"
    idp.add_person("a", sub="robin", email=email, given_name="Robin", family_name="Patel")
    client = app.test_client()
    response = sign_in(client, tenant_a.organisation["slug"], email)
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    shown = page(client.get("/"))
    person = client.get("/api/v1/me").get_json()
    assert shown.headings[0] == (1, "Signed in as Robin Patel")
    assert email in shown.words and tenant_a.organisation["name"] in shown.words
    assert "Staff of " + tenant_a.organisation["name"] in shown.words
    assert "You are in no pairing yet." in shown.words
    assert {"/docs", "/api/v1/me", f"/api/v1/people/{person['id']}"} <= set(shown.links)
    # The staff-record link answers the person (the links are their own).
    assert client.get(f"/api/v1/people/{person['id']}").status_code == 200


def test_an_org_admin_and_coordinator_sees_their_roles_and_programmes(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    network = make_consortium(platform, "alpha-network", tenant_a.id, tenant_b.id)
    browser, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "cat.coord@alpha-trust.example.org",
        org_admin=True,
        coordinator_of=[network["id"]],
    )
    programme = create_programme(browser, network["id"], name="Leading Across Boundaries")
    shown = page(browser.get("/"))
    assert f"Organisation admin of {tenant_a.organisation['name']}" in shown.words
    assert f"Coordinator of {network['name']}" in shown.words
    assert (2, "Programmes you coordinate") in shown.headings
    assert f"http://localhost/programmes/{programme['id']}" in shown.links
