"""/scim/v2/Users as an organisation's HR system uses it: provisioning, lookup, changes, removal."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import text

from tests.api.helpers import row_counts
from tests.factories import organisation_client
from tests.scim.conftest import SCIM, assert_scim_error, patch_body, user_body

USERS = "/scim/v2/Users"


def _create(api: Any, user_name: str, **fields: Any) -> dict[str, Any]:
    response = api.post(USERS, json=user_body(user_name, **fields))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _filter(api: Any, expression: str, **params: str) -> Any:
    query = "&".join([f"filter={quote(expression)}", *(f"{k}={v}" for k, v in params.items())])
    return api.get(f"{USERS}?{query}")


def _person_row(owner_engine: Any, person_id: str) -> Any:
    with owner_engine.connect() as c:
        return c.execute(
            text("SELECT email, status, external_id, job_title FROM people WHERE id = :id"),
            {"id": person_id},
        ).one_or_none()


# Create and read -----------------------------------------------------------------------------


def test_create_then_get_a_user(scim_a: Any, tenant_a: Any) -> None:
    response = scim_a.post(
        USERS,
        json=user_body(
            "Amara.Okafor@Alpha-Trust.example.org", title="Ward Manager", externalId="ESR-1"
        ),
        headers={"Content-Type": SCIM},
    )
    assert response.status_code == 201, response.get_json()
    assert response.mimetype == SCIM
    user = response.get_json()
    assert user["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]
    assert user["userName"] == "amara.okafor@alpha-trust.example.org"  # stored lower-cased
    assert user["name"] == {"givenName": "Amara", "familyName": "Okafor"}
    assert user["title"] == "Ward Manager"
    assert user["externalId"] == "ESR-1"
    assert user["active"] is True  # left out: a new member of staff is active
    assert user["emails"] == [{"value": user["userName"], "type": "work", "primary": True}]
    meta = user["meta"]
    assert meta["resourceType"] == "User"
    assert meta["location"] == f"http://localhost{USERS}/{user['id']}"
    assert response.headers["Location"] == meta["location"]
    assert response.headers["ETag"] == meta["version"]
    assert meta["created"] and meta["lastModified"]

    got = scim_a.get(f"{USERS}/{user['id']}")
    assert got.status_code == 200 and got.mimetype == SCIM
    assert got.get_json() == user
    assert got.headers["ETag"] == meta["version"]
    assert (
        scim_a.get(f"{USERS}/{user['id']}", headers={"If-None-Match": meta["version"]}).status_code
        == 304
    )

    # The same person through the staff-records API, in the caller's organisation.
    person = tenant_a.api.get(f"/api/v1/people/{user['id']}").get_json()
    assert person["organisation_id"] == tenant_a.id
    assert (person["email"], person["job_title"], person["status"]) == (
        user["userName"],
        "Ward Manager",
        "active",
    )


def test_attributes_and_excluded_attributes_shape_the_response(scim_a: Any) -> None:
    user = _create(scim_a, "ada@alpha-trust.example.org", title="Nurse")
    only = scim_a.get(f"{USERS}/{user['id']}?attributes=title").get_json()
    assert only["title"] == "Nurse" and "name" not in only and only["id"] == user["id"]
    without = scim_a.get(f"{USERS}/{user['id']}?excludedAttributes=title").get_json()
    assert "title" not in without and without["userName"] == user["userName"]


# List, filter, page --------------------------------------------------------------------------


def test_list_filters_by_user_name_and_pages_from_one(scim_a: Any, tenant_a: Any) -> None:
    created = [tenant_a.person["id"]] + [
        _create(scim_a, f"person{i}@alpha-trust.example.org")["id"] for i in range(4)
    ]

    everyone = scim_a.get(USERS)
    assert everyone.mimetype == SCIM
    body = everyone.get_json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (5, 1, 5)
    assert [u["id"] for u in body["Resources"]] == created  # oldest first

    pages = [scim_a.get(f"{USERS}?startIndex={start}&count=2").get_json() for start in (1, 3, 5)]
    assert [p["startIndex"] for p in pages] == [1, 3, 5]
    assert [p["itemsPerPage"] for p in pages] == [2, 2, 1]
    assert all(p["totalResults"] == 5 for p in pages)
    assert [u["id"] for p in pages for u in p["Resources"]] == created

    # startIndex below 1 counts from 1, a negative count is 0, past the end is empty.
    assert (
        scim_a.get(f"{USERS}?startIndex=0&count=1").get_json()["Resources"][0]["id"] == created[0]
    )
    none = scim_a.get(f"{USERS}?count=-3").get_json()
    assert (none["totalResults"], none["itemsPerPage"], none.get("Resources", [])) == (5, 0, [])
    beyond = scim_a.get(f"{USERS}?startIndex=99999999999999999999999").get_json()
    assert beyond["totalResults"] == 5 and beyond.get("Resources", []) == []

    found = _filter(scim_a, 'userName eq "PERSON2@alpha-trust.example.org"').get_json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["userName"] == "person2@alpha-trust.example.org"
    assert (
        _filter(scim_a, 'userName eq "nobody@alpha-trust.example.org"').get_json()["totalResults"]
        == 0
    )
    either = _filter(scim_a, 'userName eq "person1@alpha-trust.example.org" or id eq "nope"')
    assert either.get_json()["totalResults"] == 1


def test_filter_by_external_id(scim_a: Any) -> None:
    user = _create(scim_a, "ext@alpha-trust.example.org", externalId="ESR-77")
    found = _filter(scim_a, 'externalId eq "ESR-77"').get_json()
    assert [u["id"] for u in found["Resources"]] == [user["id"]]
    assert _filter(scim_a, 'externalId eq "esr-77"').get_json()["totalResults"] == 0  # caseExact


def test_search_by_post(scim_a: Any) -> None:
    user = _create(scim_a, "searched@alpha-trust.example.org")
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "searched@alpha-trust.example.org"',
        "startIndex": 1,
        "count": 10,
    }
    for path in (f"{USERS}/.search", "/scim/v2/.search"):
        response = scim_a.post(path, json=body)
        assert response.status_code == 200, response.get_json()
        assert [u["id"] for u in response.get_json()["Resources"]] == [user["id"]]


@pytest.mark.parametrize(
    "expression",
    [
        "title pr",
        'userName co "a"',
        'userName sw "a"',
        'not (userName eq "a")',
        'emails[type eq "work"]',
        'title eq "Nurse"',
        'nickName eq "x"',
        "userName eq",
        'userName eq "a" and',
        "((",
        "userName eq 5",
    ],
)
def test_unsupported_or_invalid_filters_are_invalid_filter(scim_a: Any, expression: str) -> None:
    assert_scim_error(_filter(scim_a, expression), 400, "invalidFilter")


@pytest.mark.parametrize(
    "query", ["startIndex=abc", "count=1.5", "attributes=userName&excludedAttributes=title"]
)
def test_bad_query_parameters_are_400(scim_a: Any, query: str) -> None:
    assert_scim_error(scim_a.get(f"{USERS}?{query}"), 400)


# Replace and patch ---------------------------------------------------------------------------


def test_replace_sets_every_attribute(scim_a: Any) -> None:
    user = _create(scim_a, "rep@alpha-trust.example.org", title="Porter", externalId="ESR-9")
    scim_a.patch(
        f"{USERS}/{user['id']}",
        json=patch_body({"op": "replace", "path": "active", "value": False}),
    )

    replacement = user_body(
        "Replaced@alpha-trust.example.org", name={"givenName": "Ada", "familyName": "Lovelace"}
    )
    response = scim_a.put(f"{USERS}/{user['id']}", json=replacement)
    assert response.status_code == 200, response.get_json()
    replaced = response.get_json()
    assert replaced["id"] == user["id"]
    assert replaced["userName"] == "replaced@alpha-trust.example.org"
    assert replaced["name"] == {"givenName": "Ada", "familyName": "Lovelace"}
    assert "title" not in replaced and "externalId" not in replaced  # left out: cleared
    assert replaced["active"] is False  # left out: kept (never reactivated by accident)
    assert replaced["meta"]["version"] != user["meta"]["version"]
    assert scim_a.get(f"{USERS}/{user['id']}").get_json() == replaced


def test_patch_active_false_deactivates_and_keeps_the_user_visible(
    scim_a: Any, tenant_a: Any
) -> None:
    user = _create(scim_a, "leaver@alpha-trust.example.org")
    response = scim_a.patch(
        f"{USERS}/{user['id']}",
        json=patch_body({"op": "replace", "path": "active", "value": False}),
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    assert scim_a.get(f"{USERS}/{user['id']}").get_json()["active"] is False
    assert _filter(scim_a, f'userName eq "{user["userName"]}"').get_json()["totalResults"] == 1
    assert tenant_a.api.get(f"/api/v1/people/{user['id']}").get_json()["status"] == "inactive"

    back = scim_a.patch(
        f"{USERS}/{user['id']}", json=patch_body({"op": "replace", "value": {"active": True}})
    )
    assert back.get_json()["active"] is True


def test_patch_add_replace_remove_mapped_attributes(scim_a: Any) -> None:
    user = _create(scim_a, "patched@alpha-trust.example.org")
    url = f"{USERS}/{user['id']}"
    added = scim_a.patch(
        url,
        json=patch_body(
            {"op": "add", "path": "title", "value": "Matron"},
            {"op": "add", "path": "externalId", "value": "ESR-5"},
        ),
    ).get_json()
    assert (added["title"], added["externalId"]) == ("Matron", "ESR-5")

    replaced = scim_a.patch(
        url,
        json=patch_body(
            {"op": "replace", "path": "name.givenName", "value": "Grace"},
            {
                "op": "Replace",
                "value": {"userName": "Grace@alpha-trust.example.org", "title": "Director"},
            },
        ),
    ).get_json()
    assert replaced["name"] == {"givenName": "Grace", "familyName": "Okafor"}
    assert replaced["userName"] == "grace@alpha-trust.example.org"
    assert replaced["emails"][0]["value"] == "grace@alpha-trust.example.org"
    assert replaced["title"] == "Director"

    removed = scim_a.patch(
        url,
        json=patch_body({"op": "remove", "path": "title"}, {"op": "remove", "path": "externalId"}),
    ).get_json()
    assert "title" not in removed and "externalId" not in removed
    assert scim_a.get(url).get_json() == removed


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "remove", "path": "userName"}, "mutability"),
        ({"op": "remove", "path": "active"}, "mutability"),
        ({"op": "replace", "path": "emails", "value": [{"value": "x@y.org"}]}, "mutability"),
        ({"op": "replace", "path": "id", "value": "x"}, "mutability"),
        ({"op": "replace", "path": "active", "value": "maybe"}, "invalidValue"),
        ({"op": "explode", "path": "title", "value": "x"}, "invalidValue"),
        ({"op": "replace", "path": "title[[", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "name.givenName", "value": "x" * 101}, "invalidValue"),
        (
            {"op": "replace", "path": "userName", "value": "with space@alpha-trust.example.org"},
            "invalidValue",
        ),
    ],
)
def test_bad_patches_are_400_and_change_nothing(
    scim_a: Any, operation: dict[str, Any], scim_type: str
) -> None:
    user = _create(scim_a, "steady@alpha-trust.example.org")
    url = f"{USERS}/{user['id']}"
    assert_scim_error(scim_a.patch(url, json=patch_body(operation)), 400, scim_type)
    assert scim_a.get(url).get_json() == user


def test_a_stale_if_match_is_412(scim_a: Any) -> None:
    user = _create(scim_a, "etag@alpha-trust.example.org")
    url = f"{USERS}/{user['id']}"
    current = user["meta"]["version"]
    ok = scim_a.patch(
        url,
        json=patch_body({"op": "add", "path": "title", "value": "A"}),
        headers={"If-Match": current},
    )
    assert ok.status_code == 200
    stale = scim_a.patch(
        url,
        json=patch_body({"op": "add", "path": "title", "value": "B"}),
        headers={"If-Match": current},
    )
    assert_scim_error(stale, 412)
    assert_scim_error(
        scim_a.put(
            url, json=user_body("etag@alpha-trust.example.org"), headers={"If-Match": current}
        ),
        412,
    )
    assert_scim_error(scim_a.delete(url, headers={"If-Match": current}), 412)
    assert scim_a.get(url).get_json()["title"] == "A"


# Delete --------------------------------------------------------------------------------------


def test_delete_deactivates_never_erases_and_the_user_is_gone_for_scim(
    scim_a: Any, tenant_a: Any, owner_engine: Any
) -> None:
    user = _create(scim_a, "gone@alpha-trust.example.org", externalId="ESR-3")
    url = f"{USERS}/{user['id']}"
    before = row_counts(owner_engine)

    response = scim_a.delete(url)
    assert response.status_code == 204 and not response.get_data()
    assert row_counts(owner_engine) == before  # the row stays
    row = _person_row(owner_engine, user["id"])
    assert row.status == "inactive" and row.email == "gone@alpha-trust.example.org"

    for method, body in (
        ("GET", None),
        ("PUT", user_body("gone@alpha-trust.example.org")),
        ("PATCH", patch_body({"op": "add", "path": "title", "value": "x"})),
        ("DELETE", None),
    ):
        assert_scim_error(scim_a.request(method, url, json=body), 404)
    assert user["id"] not in {u["id"] for u in scim_a.get(USERS).get_json().get("Resources", [])}
    assert (
        _filter(scim_a, 'userName eq "gone@alpha-trust.example.org"').get_json()["totalResults"]
        == 0
    )
    assert _filter(scim_a, 'externalId eq "ESR-3"').get_json()["totalResults"] == 0
    # Staff records still hold the (inactive) person for mentoring history.
    assert tenant_a.api.get(f"/api/v1/people/{user['id']}").get_json()["status"] == "inactive"

    # Provisioning the same member of staff again revives the same record.
    again = scim_a.post(USERS, json=user_body("gone@alpha-trust.example.org", externalId="ESR-3"))
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["id"] == user["id"]
    assert again.get_json()["active"] is True and again.get_json()["externalId"] == "ESR-3"
    assert row_counts(owner_engine) == before


def test_someone_rehired_under_a_new_email_is_revived_by_their_external_id(
    scim_a: Any, tenant_a: Any, owner_engine: Any
) -> None:
    """The HR system deleted them when they left; their HR id comes back with a new email."""
    user = _create(scim_a, "left@alpha-trust.example.org", externalId="ESR-9")
    assert scim_a.delete(f"{USERS}/{user['id']}").status_code == 204
    before = row_counts(owner_engine)

    again = scim_a.post(USERS, json=user_body("back@alpha-trust.example.org", externalId="ESR-9"))
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["id"] == user["id"]
    assert again.get_json()["userName"] == "back@alpha-trust.example.org"
    assert again.get_json()["active"] is True
    assert row_counts(owner_engine) == before


# Uniqueness ----------------------------------------------------------------------------------


def test_duplicate_user_name_or_external_id_is_409_uniqueness(
    scim_a: Any, tenant_a: Any, owner_engine: Any
) -> None:
    first = _create(scim_a, "dup@alpha-trust.example.org", externalId="ESR-1")
    other = _create(scim_a, "other@alpha-trust.example.org")
    before = row_counts(owner_engine)
    assert_scim_error(
        scim_a.post(USERS, json=user_body("DUP@alpha-trust.example.org")), 409, "uniqueness"
    )
    # A person created through the staff-records API holds the address too.
    assert_scim_error(
        scim_a.post(USERS, json=user_body(tenant_a.person["email"])), 409, "uniqueness"
    )
    assert_scim_error(
        scim_a.post(USERS, json=user_body("new@alpha-trust.example.org", externalId="ESR-1")),
        409,
        "uniqueness",
    )
    rename = patch_body(
        {"op": "replace", "path": "userName", "value": "dup@alpha-trust.example.org"}
    )
    assert_scim_error(scim_a.patch(f"{USERS}/{other['id']}", json=rename), 409, "uniqueness")
    assert_scim_error(
        scim_a.put(
            f"{USERS}/{other['id']}",
            json=user_body("other@alpha-trust.example.org", externalId="ESR-1"),
        ),
        409,
        "uniqueness",
    )
    assert row_counts(owner_engine) == before
    assert scim_a.get(f"{USERS}/{first['id']}").get_json() == first


def test_the_same_user_name_in_another_organisation_is_fine(scim_a: Any, scim_b: Any) -> None:
    _create(scim_a, "shared@nhs.example.org")
    assert scim_b.post(USERS, json=user_body("shared@nhs.example.org")).status_code == 201


# Bad input -----------------------------------------------------------------------------------


BAD_BODIES = [
    pytest.param(b'{"userName": "a@b.org",', "invalidSyntax", id="bad-json"),
    pytest.param(b"\xff\xfe{}", "invalidSyntax", id="not-utf8"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "invalidSyntax", id="nested-too-deep"),
    pytest.param(b"[1, 2]", "invalidSyntax", id="array"),
    pytest.param(b"null", "invalidSyntax", id="null"),
    pytest.param(b"", "invalidSyntax", id="empty"),
    pytest.param(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "userName": "a@b.org",
            "name": {"givenName": "A", "familyName": "B"},
        },
        "invalidSyntax",
        id="wrong-schema",
    ),
    pytest.param(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "name": {"givenName": "A", "familyName": "B"},
        },
        "invalidValue",
        id="no-userName",
    ),
    pytest.param(user_body("a@b.org", name={"givenName": "A"}), "invalidValue", id="no-familyName"),
    pytest.param(user_body("a@b.org", name=None), "invalidValue", id="null-name"),
    pytest.param(user_body("a@b.org", userName=5), "invalidValue", id="userName-not-string"),
    pytest.param(user_body("   "), "invalidValue", id="blank-userName"),
    pytest.param(user_body("x" * 255), "invalidValue", id="userName-too-long"),
    pytest.param(user_body("a@b.org", title="t" * 201), "invalidValue", id="title-too-long"),
    pytest.param(
        user_body("a@b.org", externalId="e" * 201), "invalidValue", id="externalId-too-long"
    ),
    pytest.param(user_body("a\u0000@b.org"), "invalidValue", id="nul"),
    pytest.param(
        b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a@b.org", '
        b'"name": {"givenName": "\\ud800", "familyName": "B"}}',
        "invalidValue",
        id="lone-surrogate",
    ),
    pytest.param(user_body("a@b.org", active="sometimes"), "invalidValue", id="active-not-boolean"),
]


@pytest.mark.parametrize(("body", "scim_type"), BAD_BODIES)
def test_bad_create_bodies_are_scim_400(
    scim_a: Any, owner_engine: Any, body: Any, scim_type: str
) -> None:
    before = row_counts(owner_engine)
    if isinstance(body, bytes):
        response = scim_a.client.post(
            USERS,
            data=body,
            headers={"Authorization": f"Bearer {scim_a.token}", "Content-Type": SCIM},
        )
    else:
        response = scim_a.post(USERS, json=body)
    assert_scim_error(response, 400, scim_type)
    assert row_counts(owner_engine) == before


def test_bad_bodies_on_replace_and_patch_are_400(scim_a: Any) -> None:
    user = _create(scim_a, "body@alpha-trust.example.org")
    url = f"{USERS}/{user['id']}"
    headers = {"Authorization": f"Bearer {scim_a.token}", "Content-Type": SCIM}
    for method in ("PUT", "PATCH"):
        assert_scim_error(
            scim_a.client.open(url, method=method, data=b"{oops", headers=headers),
            400,
            "invalidSyntax",
        )
    assert_scim_error(
        scim_a.patch(
            url,
            json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []},
        ),
        400,
    )
    assert_scim_error(
        scim_a.put(url, json=user_body("body@alpha-trust.example.org", name={"familyName": "X"})),
        400,
    )
    assert scim_a.get(url).get_json() == user


def test_an_oversized_body_is_a_scim_413(scim_a: Any) -> None:
    response = scim_a.post(
        USERS, json=user_body("big@alpha-trust.example.org", title="x" * (1024 * 1024))
    )
    assert_scim_error(response, 413)


@pytest.mark.parametrize(
    "path",
    [
        "/scim/v2/Users/not-a-uuid",
        "/scim/v2/Users/00000000-0000-0000-0000-000000000000",
        "/scim/v2/Groups",
        "/scim/v2/Schemas/urn:nope",
        "/scim/v2/ResourceTypes/Group",
        "/scim/v2",
    ],
)
def test_unknown_resources_are_scim_404(scim_a: Any, path: str) -> None:
    assert_scim_error(scim_a.get(path), 404)


def test_wrong_method_is_scim_405_with_allow(scim_a: Any) -> None:
    response = scim_a.delete(USERS)
    assert_scim_error(response, 405)
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


# Authentication and scope --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", USERS),
        ("POST", USERS),
        ("GET", "/scim/v2/ServiceProviderConfig"),
        ("GET", "/scim/v2/Schemas"),
        ("DELETE", f"{USERS}/00000000-0000-0000-0000-000000000000"),
    ],
)
def test_no_token_is_a_scim_401(anonymous: Any, owner_engine: Any, method: str, path: str) -> None:
    before = row_counts(owner_engine)
    response = anonymous.request(
        method, path, json=user_body("a@b.org") if method == "POST" else None
    )
    assert_scim_error(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert row_counts(owner_engine) == before


def test_a_bad_token_is_a_scim_401(client: Any, tenant_a: Any) -> None:
    response = client.get(USERS, headers={"Authorization": "Bearer not.a.jwt"})
    assert_scim_error(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_a_token_without_the_scim_scope_is_a_scim_403(
    platform: Any, tenant_a: Any, owner_engine: Any
) -> None:
    reader = organisation_client(platform, tenant_a.id, scopes=["people:read", "people:write"])
    before = row_counts(owner_engine)
    assert_scim_error(reader.get(USERS), 403)
    assert_scim_error(reader.post(USERS, json=user_body("a@alpha-trust.example.org")), 403)
    assert_scim_error(reader.get(f"{USERS}/{tenant_a.person['id']}"), 403)
    assert row_counts(owner_engine) == before


def test_a_platform_admin_is_told_to_use_the_organisations_client(
    platform: Any, tenant_a: Any
) -> None:
    body = assert_scim_error(platform.get(USERS), 403)
    assert "organisation" in body["detail"]
    assert_scim_error(platform.post(USERS, json=user_body("a@alpha-trust.example.org")), 403)


# Tenancy -------------------------------------------------------------------------------------


def test_another_organisations_user_is_404_everywhere(
    scim_a: Any, scim_b: Any, owner_engine: Any
) -> None:
    user = _create(
        scim_a, "private@alpha-trust.example.org", externalId="ESR-A", title="Consultant"
    )
    url = f"{USERS}/{user['id']}"
    before = row_counts(owner_engine)

    assert_scim_error(scim_b.get(url), 404)
    assert_scim_error(scim_b.put(url, json=user_body("stolen@beta-police.example.org")), 404)
    assert_scim_error(
        scim_b.patch(url, json=patch_body({"op": "replace", "path": "active", "value": False})), 404
    )
    assert_scim_error(scim_b.delete(url), 404)
    listed = scim_b.get(USERS).get_json()
    assert user["id"] not in {u["id"] for u in listed.get("Resources", [])}
    assert listed.get("Resources"), listed  # tenant_b's own people are listed...
    assert all(  # ...and only they
        u["userName"].endswith("beta-police.example.org") for u in listed["Resources"]
    )
    assert (
        _filter(scim_b, 'userName eq "private@alpha-trust.example.org"').get_json()["totalResults"]
        == 0
    )
    assert _filter(scim_b, f'id eq "{user["id"]}"').get_json()["totalResults"] == 0
    assert _filter(scim_b, 'externalId eq "ESR-A"').get_json()["totalResults"] == 0

    assert row_counts(owner_engine) == before
    assert scim_a.get(url).get_json() == user  # untouched
