"""Bad input to the programme routes: a 4xx problem that names what is wrong, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.helpers import assert_problem
from tests.programmes.conftest import Network
from tests.programmes.support import (
    PROGRAMMES,
    application_body,
    applications_url,
    create_programme,
    ids,
    programme_body,
    programme_url,
)

NOT_OBJECTS = [[], "programme", 7, None, True]
ODD_VALUES = [None, [], {}, "", "x" * 10_000, -1, 2**70, 1.5, True, {"$gt": ""}, "\x00"]


@pytest.mark.parametrize("body", NOT_OBJECTS, ids=repr)
def test_a_body_that_is_not_an_object_is_refused(network: Network, body: Any) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, _ = network.person(network.a, "sam.staff")
    etag = {"If-Match": network.coordinator.get(programme_url(programme)).headers["ETag"]}
    # Sent as JSON text, so that null is a body too.
    raw = {"data": json.dumps(body), "content_type": "application/json"}
    for response in (
        network.coordinator.post(PROGRAMMES, **raw),
        network.coordinator.patch(programme_url(programme), headers=etag, **raw),
        browser.post(applications_url(programme), **raw),
    ):
        assert_problem(response, 422)
    assert ids(network.coordinator.get(applications_url(programme))) == []


@pytest.mark.parametrize(
    "path",
    [
        ("name",),
        ("type",),
        ("status",),
        ("matching_mode",),
        ("rules",),
        ("rules", "sessions_min"),
        ("rules", "eligibility"),
        ("rules", "eligibility", "professions"),
        ("rules", "eligibility", "positive_action"),
        ("application_window",),
        ("application_window", "opens_at"),
    ],
    ids=".".join,
)
def test_odd_values_in_a_programme_never_cause_a_server_error(
    network: Network, path: tuple[str, ...]
) -> None:
    for value in ODD_VALUES:
        body = programme_body(network.id)
        node = body
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
        response = network.coordinator.post(PROGRAMMES, json=body)
        assert response.status_code in (201, 422), (value, response.get_json())
        if response.status_code == 422:
            # The error names the field, or the object around it (e.g. text with NUL in it).
            body = assert_problem(response, 422)
            fields = [e["field"] for e in body["errors"]]
            assert any(f.startswith(path[0]) for f in fields), (value, fields)


@pytest.mark.parametrize(
    "path",
    [
        ("goals",),
        ("goals", 0),
        ("topics",),
        ("preferences",),
        ("preferences", "mode"),
        ("preferences", "free_times"),
        ("preferences", "free_times", "tuesday"),
        ("preferences", "timezone"),
        ("shortlist",),
    ],
    ids=lambda p: ".".join(map(str, p)),
)
def test_odd_values_in_an_application_never_cause_a_server_error(
    network: Network, path: tuple[Any, ...]
) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, _ = network.person(network.a, "sam.staff")
    for value in ODD_VALUES:
        body: Any = application_body()
        node = body
        for key in path[:-1]:
            node = node[key] if isinstance(key, int) else node.setdefault(key, {})
        node[path[-1]] = value
        response = browser.post(applications_url(programme), json=body)
        assert response.status_code in (201, 422), (value, response.get_json())
        if response.status_code == 201:
            url = f"{applications_url(programme)}/{response.get_json()['id']}/withdraw"
            assert browser.post(url).status_code == 200
        else:
            assert_problem(response, 422)


def test_bad_path_and_query_values_are_problems(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, _ = network.person(network.a, "sam.staff")
    assert_problem(browser.get(f"{PROGRAMMES}/not-a-uuid"), 404)
    assert_problem(browser.get(f"{applications_url(programme)}/not-a-uuid"), 404)
    assert_problem(browser.get(applications_url(programme), query_string={"status": "maybe"}), 422)
    assert_problem(
        browser.get(applications_url(programme), query_string={"organisation_id": "x"}), 422
    )
    assert_problem(browser.get(PROGRAMMES, query_string={"page": 0}), 422)
    assert browser.get(PROGRAMMES, query_string={"page": 10**12}).get_json() == []
