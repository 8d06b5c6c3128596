"""Org admins and coordinators, granted and taken away through the API, and what that changes.

Roles take effect on the person's very next request: the principal is rebuilt from the role
rows on every request, so nobody has to sign in again.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import ApiClient
from tests.factories import Tenant, create_organisation, organisation_client
from tests.identity.role_support import (
    add_admin,
    add_coordinator,
    admins_url,
    coordinators_url,
    deactivate,
    ids,
    make_consortium,
    new_person,
    problem_fields,
    session_roles,
)
from tests.oidc import LocalIdp, sign_in_as


def _role_rows(owner_engine: Engine, person_id: str) -> list[tuple[str, Any]]:
    with owner_engine.connect() as c:
        return [
            (r[0], r[1])
            for r in c.execute(
                text("SELECT role, consortium_id FROM role_assignments WHERE person_id = :p"),
                {"p": person_id},
            )
        ]


# --- organisation admins ----------------------------------------------------------------


def test_platform_makes_an_org_admin_who_can_at_once_add_another(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    browser, person = sign_in_as(
        app, platform, idp, tenant_a.organisation, "ann.admin@alpha-trust.example.org"
    )
    assert session_roles(browser) == {("staff", tenant_a.id, None)}
    assert browser.get(admins_url(tenant_a.id)).status_code == 403

    response = platform.post(admins_url(tenant_a.id), json={"person_id": person["id"]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == person["id"]
    assert response.get_json()["organisation_id"] == tenant_a.id

    # The same session, no new sign-in: the role is there on the next request.
    assert session_roles(browser) == {
        ("staff", tenant_a.id, None),
        ("org_admin", tenant_a.id, None),
    }
    assert "organisation:admin" in browser.get("/auth/session").get_json()["scopes"]
    assert ids(browser.get(admins_url(tenant_a.id))) == [person["id"]]

    response = browser.post(admins_url(tenant_a.id), json={"person_id": tenant_a.person["id"]})
    assert response.status_code == 201, response.get_json()
    assert sorted(ids(platform.get(admins_url(tenant_a.id)))) == sorted(
        [person["id"], tenant_a.person["id"]]
    )


def test_an_org_admin_cannot_see_or_manage_another_organisations_admins(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    add_admin(platform, tenant_b.id, tenant_b.person["id"])
    candidate = new_person(tenant_b)
    admin_a, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "ann.admin@alpha-trust.example.org",
        org_admin=True,
    )

    url = admins_url(tenant_b.id)
    for response in (
        admin_a.get(url),
        admin_a.post(url, json={"person_id": candidate["id"]}),
        admin_a.delete(url, json={"person_id": tenant_b.person["id"]}),
        # Even naming one of its own people does not turn the 404 into something else.
        admin_a.post(url, json={"person_id": tenant_a.person["id"]}),
    ):
        assert response.status_code == 404, response.get_json()
    assert ids(platform.get(url)) == [tenant_b.person["id"]]


def test_staff_may_not_see_or_manage_admins(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    add_admin(platform, tenant_a.id, tenant_a.person["id"])
    staff, me = sign_in_as(
        app, platform, idp, tenant_a.organisation, "sid.staff@alpha-trust.example.org"
    )
    url = admins_url(tenant_a.id)
    assert staff.get(url).status_code == 403
    assert staff.post(url, json={"person_id": me["id"]}).status_code == 403
    assert staff.delete(url, json={"person_id": tenant_a.person["id"]}).status_code == 403
    assert ids(platform.get(url)) == [tenant_a.person["id"]]
    assert session_roles(staff) == {("staff", tenant_a.id, None)}


@pytest.mark.parametrize("as_platform", [True, False], ids=["platform", "org-admin"])
def test_a_person_of_another_organisation_cannot_be_made_admin(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
    as_platform: bool,
) -> None:
    if as_platform:
        caller: Any = platform
    else:
        caller, _ = sign_in_as(
            app,
            platform,
            idp,
            tenant_a.organisation,
            "ann.admin@alpha-trust.example.org",
            org_admin=True,
        )
    before = ids(platform.get(admins_url(tenant_a.id)))
    for person_id in (tenant_b.person["id"], str(uuid.uuid4())):
        response = caller.post(admins_url(tenant_a.id), json={"person_id": person_id})
        assert response.status_code == 422, response.get_json()
        assert problem_fields(response) == {"person_id"}
    assert ids(platform.get(admins_url(tenant_a.id))) == before
    assert ids(platform.get(admins_url(tenant_b.id))) == []


def test_removing_an_admin_takes_the_role_away_at_once(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, owner_engine: Engine
) -> None:
    admin, person = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "ann.admin@alpha-trust.example.org",
        org_admin=True,
    )
    url = admins_url(tenant_a.id)
    assert admin.get(url).status_code == 200

    response = platform.delete(url, json={"person_id": person["id"]})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert _role_rows(owner_engine, person["id"]) == []
    assert session_roles(admin) == {("staff", tenant_a.id, None)}
    assert admin.get(url).status_code == 403
    assert admin.post(url, json={"person_id": person["id"]}).status_code == 403
    assert admin.get(f"/api/v1/organisations/{tenant_a.id}/api-clients").status_code == 403
    assert admin.get("/api/v1/people").status_code == 403
    assert ids(platform.get(url)) == []
    # Removing someone who is not (or no longer) an admin is a 404 that changes nothing.
    assert platform.delete(url, json={"person_id": person["id"]}).status_code == 404
    assert platform.delete(url, json={"person_id": tenant_a.person["id"]}).status_code == 404


def test_an_org_admin_may_remove_another_admin(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    add_admin(platform, tenant_a.id, tenant_a.person["id"])
    admin, person = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "ann.admin@alpha-trust.example.org",
        org_admin=True,
    )
    url = admins_url(tenant_a.id)
    response = admin.delete(url, json={"person_id": tenant_a.person["id"]})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert ids(admin.get(url)) == [person["id"]]


def test_adding_an_admin_twice_keeps_one_assignment(
    platform: ApiClient, tenant_a: Tenant, owner_engine: Engine
) -> None:
    url = admins_url(tenant_a.id)
    for _ in range(2):
        response = platform.post(url, json={"person_id": tenant_a.person["id"]})
        assert response.status_code == 201, response.get_json()
    assert ids(platform.get(url)) == [tenant_a.person["id"]]
    assert _role_rows(owner_engine, tenant_a.person["id"]) == [("org_admin", None)]


def test_a_deactivated_person_cannot_be_made_admin_or_coordinator(
    platform: ApiClient, tenant_a: Tenant
) -> None:
    consortium = make_consortium(platform, "alpha-network", tenant_a.id)
    person = new_person(tenant_a)
    deactivate(tenant_a, person)
    response = platform.post(admins_url(tenant_a.id), json={"person_id": person["id"]})
    assert response.status_code == 422, response.get_json()
    assert problem_fields(response) == {"person_id"}
    response = platform.post(coordinators_url(consortium["id"]), json={"person_id": person["id"]})
    assert response.status_code == 422, response.get_json()
    assert problem_fields(response) == {"person_id"}
    assert ids(platform.get(admins_url(tenant_a.id))) == []
    assert ids(platform.get(coordinators_url(consortium["id"]))) == []


def test_an_admin_who_is_deactivated_loses_their_session(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant
) -> None:
    admin, person = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "ann.admin@alpha-trust.example.org",
        org_admin=True,
    )
    deactivate(tenant_a, person)
    assert admin.get("/auth/session").status_code == 401
    assert admin.get(admins_url(tenant_a.id)).status_code == 401


def test_an_org_api_client_cannot_manage_admins(platform: ApiClient, tenant_a: Tenant) -> None:
    """organisation:admin comes only from a person's role; a client cannot even be granted it."""
    url = admins_url(tenant_a.id)
    assert tenant_a.api.get(url).status_code == 403
    assert tenant_a.api.post(url, json={"person_id": tenant_a.person["id"]}).status_code == 403
    response = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients",
        json={"name": "greedy", "scopes": ["organisation:admin"]},
    )
    assert response.status_code == 422, response.get_json()
    assert ids(platform.get(url)) == []


# --- coordinators -------------------------------------------------------------------------


@pytest.fixture
def gamma(platform: ApiClient) -> Tenant:
    """A third organisation, a fellow member of tenant_a's consortium."""
    organisation = create_organisation(platform, "gamma-fire", "fire")
    api = organisation_client(platform, organisation["id"])
    tenant = Tenant(organisation=organisation, api=api, person={})
    tenant.person = new_person(tenant, "gail")
    return tenant


@pytest.fixture
def network(
    platform: ApiClient, tenant_a: Tenant, gamma: Tenant, tenant_b: Tenant
) -> dict[str, Any]:
    """alpha-network: tenant_a and gamma are members, tenant_b is not."""
    return make_consortium(platform, "alpha-network", tenant_a.id, gamma.id)


def test_platform_makes_a_member_organisations_person_a_coordinator(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, network: dict[str, Any]
) -> None:
    browser, person = sign_in_as(
        app, platform, idp, tenant_a.organisation, "cat.coord@alpha-trust.example.org"
    )
    url = coordinators_url(network["id"])
    assert browser.post(url, json={"person_id": person["id"]}).status_code == 403

    response = platform.post(url, json={"person_id": person["id"]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == person["id"]
    assert ("coordinator", None, network["id"]) in session_roles(browser)
    assert "consortium:coordinate" in browser.get("/auth/session").get_json()["scopes"]
    assert ids(platform.get(url)) == [person["id"]]
    # Being a coordinator is not being an org admin.
    assert browser.get(admins_url(tenant_a.id)).status_code == 403


def test_a_person_of_a_non_member_organisation_cannot_be_coordinator(
    platform: ApiClient, tenant_b: Tenant, network: dict[str, Any]
) -> None:
    url = coordinators_url(network["id"])
    for person_id in (tenant_b.person["id"], str(uuid.uuid4())):
        response = platform.post(url, json={"person_id": person_id})
        assert response.status_code == 422, response.get_json()
        assert problem_fields(response) == {"person_id"}
    assert ids(platform.get(url)) == []


def test_a_coordinator_adds_and_removes_a_coordinator_from_another_member(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
    gamma: Tenant,
    network: dict[str, Any],
) -> None:
    coordinator, person = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "cat.coord@alpha-trust.example.org",
        coordinator_of=[network["id"]],
    )
    url = coordinators_url(network["id"])
    response = coordinator.post(url, json={"person_id": gamma.person["id"]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["organisation_id"] == gamma.id
    assert sorted(ids(coordinator.get(url))) == sorted([person["id"], gamma.person["id"]])
    # Not a person of a member organisation, even when a coordinator asks.
    response = coordinator.post(url, json={"person_id": tenant_b.person["id"]})
    assert response.status_code == 422, response.get_json()
    assert problem_fields(response) == {"person_id"}

    response = coordinator.delete(url, json={"person_id": gamma.person["id"]})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert ids(platform.get(url)) == [person["id"]]
    assert coordinator.delete(url, json={"person_id": gamma.person["id"]}).status_code == 404


def test_staff_who_do_not_coordinate_may_look_but_not_change(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    gamma: Tenant,
    network: dict[str, Any],
) -> None:
    add_coordinator(platform, network["id"], gamma.person["id"])
    staff, me = sign_in_as(
        app, platform, idp, tenant_a.organisation, "sid.staff@alpha-trust.example.org"
    )
    url = coordinators_url(network["id"])
    assert ids(staff.get(url)) == [gamma.person["id"]]  # member staff may see who coordinates
    assert staff.post(url, json={"person_id": me["id"]}).status_code == 403
    assert staff.delete(url, json={"person_id": gamma.person["id"]}).status_code == 403
    # An org admin is not a coordinator either.
    admin, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "ann.admin@alpha-trust.example.org",
        org_admin=True,
    )
    assert admin.post(url, json={"person_id": me["id"]}).status_code == 403
    assert ids(platform.get(url)) == [gamma.person["id"]]


def test_a_coordinator_of_another_consortium_may_not_change_this_one(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, network: dict[str, Any]
) -> None:
    """They hold consortium:coordinate and can see this consortium, but do not coordinate it."""
    other = make_consortium(platform, "alpha-other", tenant_a.id)
    coordinator, me = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "cat.coord@alpha-trust.example.org",
        coordinator_of=[other["id"]],
    )
    url = coordinators_url(network["id"])
    assert coordinator.get(url).status_code == 200
    response = coordinator.post(url, json={"person_id": me["id"]})
    assert response.status_code == 403, response.get_json()
    assert ids(platform.get(url)) == []


def test_an_organisation_outside_the_consortium_gets_not_found(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    tenant_a: Tenant,
    tenant_b: Tenant,
    network: dict[str, Any],
) -> None:
    add_coordinator(platform, network["id"], tenant_a.person["id"])
    url = coordinators_url(network["id"])
    beta_network = make_consortium(platform, "beta-network", tenant_b.id)
    # A coordinator of tenant_b's own consortium holds the scope, yet cannot see alpha-network.
    outsider, me = sign_in_as(
        app,
        platform,
        idp,
        tenant_b.organisation,
        "kim.lee@beta-police.example.org",
        coordinator_of=[beta_network["id"]],
    )
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, json={"person_id": me["id"]}).status_code == 404
    assert outsider.delete(url, json={"person_id": tenant_a.person["id"]}).status_code == 404
    assert tenant_b.api.get(url).status_code == 404
    admin_b, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_b.organisation,
        "bo.admin@beta-police.example.org",
        org_admin=True,
    )
    assert admin_b.get(url).status_code == 404
    assert ids(platform.get(url)) == [tenant_a.person["id"]]


def test_adding_a_coordinator_twice_keeps_one_assignment(
    platform: ApiClient, tenant_a: Tenant, network: dict[str, Any], owner_engine: Engine
) -> None:
    url = coordinators_url(network["id"])
    for _ in range(2):
        response = platform.post(url, json={"person_id": tenant_a.person["id"]})
        assert response.status_code == 201, response.get_json()
    assert ids(platform.get(url)) == [tenant_a.person["id"]]
    assert _role_rows(owner_engine, tenant_a.person["id"]) == [
        ("coordinator", uuid.UUID(network["id"]))
    ]


def test_one_person_may_coordinate_two_consortia_and_be_admin(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, network: dict[str, Any]
) -> None:
    other = make_consortium(platform, "alpha-other", tenant_a.id)
    browser, person = sign_in_as(
        app,
        platform,
        idp,
        tenant_a.organisation,
        "cat.coord@alpha-trust.example.org",
        org_admin=True,
        coordinator_of=[network["id"], other["id"]],
    )
    assert session_roles(browser) == {
        ("staff", tenant_a.id, None),
        ("org_admin", tenant_a.id, None),
        ("coordinator", None, network["id"]),
        ("coordinator", None, other["id"]),
    }
    response = platform.delete(coordinators_url(other["id"]), json={"person_id": person["id"]})
    assert response.status_code == 204
    assert session_roles(browser) == {
        ("staff", tenant_a.id, None),
        ("org_admin", tenant_a.id, None),
        ("coordinator", None, network["id"]),
    }
    assert (
        browser.post(coordinators_url(other["id"]), json={"person_id": person["id"]}).status_code
        == 403
    )


def test_an_unknown_organisation_or_consortium_is_not_found(
    platform: ApiClient, tenant_a: Tenant
) -> None:
    body = {"person_id": tenant_a.person["id"]}
    for url in (admins_url(str(uuid.uuid4())), coordinators_url(str(uuid.uuid4()))):
        assert platform.get(url).status_code == 404
        assert platform.post(url, json=body).status_code == 404
        assert platform.delete(url, json=body).status_code == 404


@pytest.mark.parametrize("role", ["org_admin", "coordinator"])
def test_the_same_grant_at_the_same_moment_is_still_idempotent(
    app: Flask, platform: ApiClient, tenant_a: Tenant, owner_engine: Engine, role: str
) -> None:
    """Concurrent identical grants race on the unique index: every one is a 201, one row."""
    if role == "org_admin":
        url = admins_url(tenant_a.id)
    else:
        url = coordinators_url(make_consortium(platform, "alpha-network", tenant_a.id)["id"])
    body = {"person_id": tenant_a.person["id"]}

    def grant(_: int) -> Any:
        try:
            return ApiClient(app.test_client(), platform.token).post(url, json=body).status_code
        except Exception as exc:  # TESTING propagates it: a 500 for a real client
            return repr(exc)[:200]

    for _ in range(3):
        platform.delete(url, json=body)
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(grant, range(8))) == [201] * 8
        assert [r for r, _ in _role_rows(owner_engine, tenant_a.person["id"])] == [role]
        assert ids(platform.get(url)) == [tenant_a.person["id"]]


def test_a_deactivated_coordinator_is_no_longer_listed(
    platform: ApiClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """Their role row stays (reactivation restores it), but members no longer see them."""
    network = make_consortium(platform, "listing-network", tenant_a.id, tenant_b.id)
    coordinator = new_person(tenant_a, "coord")
    add_coordinator(platform, network["id"], coordinator["id"])
    assert coordinator["id"] in ids(tenant_b.api.get(coordinators_url(network["id"])))

    deactivate(tenant_a, coordinator)
    assert coordinator["id"] not in ids(tenant_b.api.get(coordinators_url(network["id"])))
