"""The happy path of signing in through each kind of provider (the full suite is elsewhere)."""

from __future__ import annotations

from flask import Flask

from tests.conftest import ApiClient
from tests.factories import Tenant
from tests.oidc import LocalIdp, sign_in_as


def test_a_person_signs_in_and_an_org_admin_can_manage_staff(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    email = "robin.patel@alpha-trust.example.org"
    browser, person = sign_in_as(app, platform, idp, tenant_a.organisation, email, org_admin=True)
    assert person["email"] == email
    session = browser.get("/auth/session").get_json()
    assert {r["role"] for r in session["roles"]} == {"staff", "org_admin"}
    assert browser.get("/api/v1/people").status_code == 200
    created = browser.post(
        "/api/v1/people",
        json={"given_name": "A", "family_name": "B", "email": "a.b@alpha-trust.example.org"},
    )
    assert created.status_code == 201, created.get_json()


def test_email_only_in_userinfo_still_signs_in(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_b: Tenant
) -> None:
    email = "kim.lee@beta-police.example.org"
    browser, person = sign_in_as(app, platform, idp, tenant_b.organisation, email, provider="b")
    assert person["email"] == email
    assert browser.post("/auth/logout", headers={"X-CSRF-Token": ""}).status_code == 403
    assert browser.post("/auth/logout").status_code == 204
    assert browser.get("/auth/session").status_code == 401
