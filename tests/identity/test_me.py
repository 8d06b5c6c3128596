"""GET /api/v1/me: who the caller is; and a person reading their own staff record."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.api.helpers import assert_problem
from tests.conftest import ApiClient
from tests.factories import Tenant, organisation_client
from tests.identity.role_support import make_consortium
from tests.oidc import LocalIdp, sign_in_as
from tests.programmes.support import (
    apply,
    create_programme,
    patch_with_etag,
    update_person,
)

ME = "/api/v1/me"


def _organisation(tenant: Tenant) -> dict[str, Any]:
    o = tenant.organisation
    return {"id": o["id"], "name": o["name"], "slug": o["slug"], "sector": o["sector"]}


def test_a_signed_in_person_sees_who_they_are_and_where_their_records_are(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    network = make_consortium(platform, "north-network", tenant_a.id, tenant_b.id)
    browser, person = sign_in_as(
        app, platform, idp, tenant_a.organisation, "robin.patel@alpha-trust.example.org"
    )
    update_person(tenant_a, person["id"], job_title="Ward Manager", profession="nursing")
    response = browser.post("/api/v1/mentor-profiles", json={"modalities": ["coaching"]})
    assert response.status_code == 201, response.get_json()
    profile = response.get_json()
    first = create_programme(platform, network["id"], name="First Programme")
    second = create_programme(platform, network["id"], name="Second Programme")
    withdrawn = apply(browser, first)
    assert (
        browser.post(
            f"/api/v1/programmes/{first['id']}/applications/{withdrawn['id']}/withdraw"
        ).status_code
        == 200
    )
    current = apply(browser, second)
    # A colleague's profile and application are theirs, not Robin's.
    colleague, _ = sign_in_as(
        app, platform, idp, tenant_a.organisation, "cole.league@alpha-trust.example.org"
    )
    assert (
        colleague.post("/api/v1/mentor-profiles", json={"modalities": ["mentoring"]}).status_code
        == 201
    )
    apply(colleague, second)

    response = browser.get(ME)

    assert response.status_code == 200, response.get_json()
    me = response.get_json()
    assert me["kind"] == "person"
    assert me["id"] == person["id"]
    assert me["name"] == "Robin Patel"
    assert me["person"] == {
        "id": person["id"],
        "display_name": "Robin Patel",
        "given_name": "Robin",
        "family_name": "Patel",
        "email": "robin.patel@alpha-trust.example.org",
        "job_title": "Ward Manager",
        "profession": "nursing",
    }
    assert me["organisation_id"] == tenant_a.id
    assert me["organisation"] == _organisation(tenant_a)
    assert me["consortium_ids"] == [network["id"]]
    assert me["roles"] == [{"role": "staff", "organisation_id": tenant_a.id, "consortium_id": None}]
    assert me["client"] is None
    assert me["links"] == {
        "staff_record": f"/api/v1/people/{person['id']}",
        "mentor_profiles": [f"/api/v1/mentor-profiles/{profile['id']}"],
        "applications": [  # newest first, the withdrawn one too
            f"/api/v1/programmes/{second['id']}/applications/{current['id']}",
            f"/api/v1/programmes/{first['id']}/applications/{withdrawn['id']}",
        ],
    }
    # Every link answers the person themself with that record.
    links = me["links"]
    record = browser.get(links["staff_record"])
    assert record.status_code == 200 and record.get_json()["id"] == person["id"]
    expected = [profile["id"], current["id"], withdrawn["id"]]
    for url, record_id in zip(
        links["mentor_profiles"] + links["applications"], expected, strict=True
    ):
        got = browser.get(url)
        assert got.status_code == 200, (url, got.get_json())
        assert got.get_json()["id"] == record_id


def test_an_admin_and_coordinator_sees_each_role_and_its_consortium(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    north = make_consortium(platform, "north-network", tenant_a.id, tenant_b.id)
    south = make_consortium(platform, "south-network", tenant_a.id)
    browser, person = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "ann.admin@alpha-trust.example.org",
        org_admin=True,
        coordinator_of=[north["id"]],
    )

    me = browser.get(ME).get_json()

    assert sorted(me["consortium_ids"]) == sorted([north["id"], south["id"]])
    assert sorted(me["roles"], key=lambda r: r["role"]) == [
        {"role": "coordinator", "organisation_id": None, "consortium_id": north["id"]},
        {"role": "org_admin", "organisation_id": tenant_a.id, "consortium_id": None},
        {"role": "staff", "organisation_id": tenant_a.id, "consortium_id": None},
    ]
    assert {"organisation:admin", "consortium:coordinate"} <= set(me["scopes"])
    assert me["links"] == {
        "staff_record": f"/api/v1/people/{person['id']}",
        "mentor_profiles": [],
        "applications": [],
    }


def test_an_api_client_sees_itself_its_organisation_and_scopes(
    platform: ApiClient, tenant_a: Tenant
) -> None:
    api = organisation_client(platform, tenant_a.id, scopes=["people:read", "pool:read"])

    me = api.get(ME).get_json()

    assert me["kind"] == "client"
    assert me["name"] == "partner system"
    assert me["organisation_id"] == tenant_a.id
    assert me["organisation"] == _organisation(tenant_a)
    assert me["scopes"] == ["people:read", "pool:read"]
    assert me["roles"] == []
    assert me["person"] is None and me["links"] is None
    client = me["client"]
    assert client["id"] == me["id"]
    assert client["name"] == "partner system"
    assert client["client_id"].startswith("cli_")
    assert client["organisation_id"] == tenant_a.id
    assert client["scopes"] == ["people:read", "pool:read"]
    assert client["status"] == "active"
    assert "client_secret" not in client and "secret_hash" not in client


def test_a_platform_client_has_no_organisation(platform: ApiClient) -> None:
    me = platform.get(ME).get_json()

    assert me["kind"] == "client"
    assert me["organisation_id"] is None and me["organisation"] is None
    assert me["client"]["name"] == "ops" and me["client"]["organisation_id"] is None
    assert me["scopes"] == ["platform:admin"]


def test_a_person_reads_their_own_staff_record_but_no_colleagues(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    browser, person = sign_in_as(
        app, platform, idp, tenant_a.organisation, "robin.patel@alpha-trust.example.org"
    )
    url = f"/api/v1/people/{person['id']}"

    own = browser.get(url)

    assert own.status_code == 200, own.get_json()
    # The same record, and ETag, their organisation's client sees.
    as_client = tenant_a.api.get(url)
    assert own.get_json() == as_client.get_json()
    assert own.headers["ETag"] == as_client.headers["ETag"]
    # Reading is all: changing it still needs people:write.
    assert_problem(patch_with_etag(browser, url, {"job_title": "Chief Executive"}), 403)
    assert tenant_a.api.get(url).get_json()["job_title"] is None
    # A colleague's record and another organisation's are refused as before (no lookup).
    assert_problem(browser.get(f"/api/v1/people/{tenant_a.person['id']}"), 403)
    assert_problem(browser.get(f"/api/v1/people/{tenant_b.person['id']}"), 403)
    # An API client without people:read has no record of its own.
    api = organisation_client(platform, tenant_a.id, scopes=["pool:read"])
    assert_problem(api.get(url), 403)
