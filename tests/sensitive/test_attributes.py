"""A person's own declared attributes: only they read or change them, through /me."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import assert_problem
from tests.conftest import ApiClient
from tests.oidc import SessionClient
from tests.sensitive.conftest import Network, put_attributes

URL = "/api/v1/me/sensitive-attributes"
EMPTY = {"ethnicity": None, "disability": None, "returning_from_parental_leave": None}
ONLY_THE_PERSON = "Special-category data is visible only to the person it describes."


def test_a_person_declares_reads_replaces_and_erases_their_attributes(
    pat: tuple[SessionClient, dict[str, Any]],
) -> None:
    browser, _ = pat
    first = browser.get(URL)
    assert first.status_code == 200
    assert first.get_json() == {**EMPTY, "updated_at": None}
    assert first.headers["ETag"]

    put = put_attributes(browser, {"ethnicity": "mixed", "disability": False})
    assert put.status_code == 200, put.get_json()
    body = put.get_json()
    assert {k: body[k] for k in EMPTY} == {**EMPTY, "ethnicity": "mixed", "disability": False}
    assert body["updated_at"]
    assert browser.get(URL).get_json() == body

    # PUT replaces: what is left out is no longer declared.
    put = put_attributes(browser, {"returning_from_parental_leave": True})
    assert put.status_code == 200, put.get_json()
    assert {k: put.get_json()[k] for k in EMPTY} == {**EMPTY, "returning_from_parental_leave": True}

    deleted = browser.delete(URL)
    assert deleted.status_code == 204
    assert browser.get(URL).get_json() == {**EMPTY, "updated_at": None}
    # Erasing again changes nothing.
    assert browser.delete(URL).status_code == 204


def test_a_change_needs_the_current_etag(pat: tuple[SessionClient, dict[str, Any]]) -> None:
    browser, _ = pat
    etag = browser.get(URL).headers["ETag"]
    assert_problem(browser.put(URL, json={"ethnicity": "white"}), 428)
    assert (
        browser.put(URL, json={"ethnicity": "white"}, headers={"If-Match": etag}).status_code == 200
    )
    # The ETag read before the change is stale now: a lost update is refused.
    assert_problem(browser.put(URL, json={"ethnicity": "black"}, headers={"If-Match": etag}), 412)
    assert browser.get(URL).get_json()["ethnicity"] == "white"


INVALID_ATTRIBUTES: list[tuple[dict[str, Any], str]] = [
    ({"ethnicity": "martian"}, "ethnicity"),
    ({"ethnicity": 3}, "ethnicity"),
    ({"ethnicity": "WHITE"}, "ethnicity"),
    ({"disability": "yes"}, "disability"),
    ({"disability": 1}, "disability"),
    ({"returning_from_parental_leave": "true"}, "returning_from_parental_leave"),
    ({"religion": "none"}, "religion"),
    ({"ethnicity": "white", "sexual_orientation": "x"}, "sexual_orientation"),
    ({"updated_at": "2020-01-01T00:00:00Z"}, "updated_at"),
    ({"person_id": "00000000-0000-0000-0000-000000000000"}, "person_id"),
    ({"ethnicity": "white\x00"}, "ethnicity"),
]


def test_invalid_attributes_are_refused_naming_the_field(
    pat: tuple[SessionClient, dict[str, Any]], subtests: Any
) -> None:
    """Each case a subtest for one person (signing in per case cost far more than the case)."""
    browser, _ = pat
    for body, field in INVALID_ATTRIBUTES:
        with subtests.test(repr(body)):
            assert_problem(put_attributes(browser, body), 422, field=field)
            assert browser.get(URL).get_json() == {**EMPTY, "updated_at": None}


@pytest.mark.parametrize("body", ["[]", '"white"', "null", '{"ethnicity": ["white"]}', "{"])
def test_a_body_that_is_not_an_object_of_attributes_is_refused(
    pat: tuple[SessionClient, dict[str, Any]], body: str
) -> None:
    browser, _ = pat
    etag = browser.get(URL).headers["ETag"]
    response = browser.put(
        URL, data=body, content_type="application/json", headers={"If-Match": etag}
    )
    # Not JSON at all is a 400; JSON that is not an object of attributes, a 422.
    assert_problem(response, 400 if body == "{" else 422)
    assert browser.get(URL).get_json() == {**EMPTY, "updated_at": None}


def test_every_attribute_is_optional_and_nullable(
    pat: tuple[SessionClient, dict[str, Any]],
) -> None:
    browser, _ = pat
    assert put_attributes(browser, {}).status_code == 200
    response = put_attributes(browser, dict(EMPTY))
    assert response.status_code == 200
    assert {k: response.get_json()[k] for k in EMPTY} == EMPTY


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_api_clients_and_the_platform_are_refused(
    network: Network, pat: tuple[SessionClient, dict[str, Any]], method: str
) -> None:
    browser, _ = pat
    put_attributes(browser, {"ethnicity": "asian"})
    for caller in (network.a.api, network.platform):
        headers = {"If-Match": "*"} if method == "PUT" else {}
        body = {"ethnicity": "white"} if method == "PUT" else None
        response = caller.request(method, URL, json=body, headers=headers)
        problem = assert_problem(response, 403)
        assert problem["detail"] == ONLY_THE_PERSON
    assert browser.get(URL).get_json()["ethnicity"] == "asian"


def test_anonymous_callers_must_sign_in(anonymous: ApiClient) -> None:
    assert_problem(anonymous.get(URL), 401)


def test_an_org_admin_or_coordinator_sees_only_their_own(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, person = pat
    assert put_attributes(browser, {"ethnicity": "black", "disability": True}).status_code == 200
    admin, _ = network.sign_in("ada.admin@alpha-trust.example.org", org_admin=True)
    for other in (admin, network.coordinator):
        assert other.get(URL).get_json() == {**EMPTY, "updated_at": None}
    # The staff record the admin may read carries none of it (a coordinator may not read it).
    record = admin.get(f"/api/v1/people/{person['id']}")
    assert record.status_code == 200, record.get_json()
    assert "black" not in record.get_data(as_text=True)
    assert "ethnicity" not in record.get_data(as_text=True)
    assert_problem(network.coordinator.get(f"/api/v1/people/{person['id']}"), 403)
    # Erasing their own touches no one else's.
    assert admin.delete(URL).status_code == 204
    assert browser.get(URL).get_json()["ethnicity"] == "black"


def test_no_list_or_record_returns_the_values(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, person = pat
    body = {"ethnicity": "black", "returning_from_parental_leave": True}
    assert put_attributes(browser, body).status_code == 200
    for caller, path in [
        (network.a.api, "/api/v1/people"),
        (network.a.api, f"/api/v1/people/{person['id']}"),
        (network.platform, "/api/v1/people"),
        (browser, "/api/v1/me"),
        (browser, "/auth/session"),
    ]:
        response = caller.get(path)
        assert response.status_code == 200, (path, response.get_json())
        text = response.get_data(as_text=True)
        for word in ("black", "ethnicity", "returning_from_parental_leave", "sensitive"):
            assert word not in text, (path, word)
