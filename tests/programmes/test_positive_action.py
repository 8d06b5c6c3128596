"""Positive action: a programme for staff who declared one of some attribute's values and
consented to its use for that programme. Nobody's declared value is ever repeated back."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.api.helpers import assert_problem
from tests.programmes.conftest import Network
from tests.programmes.support import (
    application_body,
    applications_url,
    apply,
    create_programme,
    patch_with_etag,
)

ATTRIBUTES = "/api/v1/me/sensitive-attributes"
CONSENTS = "/api/v1/me/consents"
RULE = {
    "eligibility": {"positive_action": {"attribute": "ethnicity", "values": ["asian", "black"]}}
}


def declare(browser: Any, **attributes: Any) -> None:
    response = put_with_etag(browser, attributes)
    assert response.status_code == 200, response.get_json()


def put_with_etag(browser: Any, attributes: dict[str, Any]) -> Any:
    etag = browser.get(ATTRIBUTES).headers["ETag"]
    return browser.put(ATTRIBUTES, json=attributes, headers={"If-Match": etag})


def consent(browser: Any, programme: dict[str, Any]) -> dict[str, Any]:
    response = browser.post(CONSENTS, json={"programme_id": programme["id"]})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def refused(browser: Any, programme: dict[str, Any]) -> dict[str, Any]:
    response = browser.post(applications_url(programme), json=application_body())
    return assert_problem(response, 403, field="positive_action")


@pytest.fixture
def programme(network: Network) -> dict[str, Any]:
    return create_programme(network.coordinator, network.id, name="Stepping Up 2027", rules=RULE)


def test_without_a_declaration_or_consent_the_reason_says_how_to_give_them(
    network: Network, programme: dict[str, Any]
) -> None:
    browser, _ = network.person(network.a, "sam.staff")
    body = refused(browser, programme)
    assert body["detail"].startswith("You are not eligible for Stepping Up 2027: ")
    assert ATTRIBUTES in body["detail"] and CONSENTS in body["detail"]

    declare(browser, ethnicity="black")  # declared, but no consent to use it here yet
    body = refused(browser, programme)
    assert ATTRIBUTES in body["detail"] and CONSENTS in body["detail"]


def test_a_matching_declaration_with_consent_is_eligible(
    network: Network, programme: dict[str, Any]
) -> None:
    browser, _ = network.person(network.a, "sam.staff")
    consent(browser, programme)
    refused(browser, programme)  # consented, but nothing declared
    declare(browser, ethnicity="asian")
    application = apply(browser, programme)
    assert application["status"] == "open"


def test_a_declaration_the_programme_is_not_for_is_refused_without_repeating_it(
    network: Network, programme: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    browser, _ = network.person(network.a, "sam.staff")
    declare(browser, ethnicity="white")
    consent(browser, programme)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # its statements and parameters
    with caplog.at_level(logging.DEBUG):
        response = browser.post(applications_url(programme), json=application_body())
    body = assert_problem(response, 403, field="positive_action")
    assert "white" not in response.get_data(as_text=True)
    assert ATTRIBUTES in body["detail"]
    assert caplog.records, "nothing was logged at all: the check below would prove nothing"
    logged = " ".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert "white" not in logged


def test_a_yes_no_attribute_must_match_exactly(network: Network) -> None:
    rules = {"eligibility": {"positive_action": {"attribute": "disability", "values": [True]}}}
    programme = create_programme(network.coordinator, network.id, rules=rules)
    no, _ = network.person(network.a, "nia.no")
    declare(no, disability=False)
    consent(no, programme)
    refused(no, programme)
    yes, _ = network.person(network.a, "yan.yes")
    declare(yes, disability=True)
    consent(yes, programme)
    apply(yes, programme)


def test_withdrawing_consent_withdraws_the_application_it_admitted(
    network: Network, programme: dict[str, Any]
) -> None:
    browser, _ = network.person(network.a, "sam.staff")
    declare(browser, ethnicity="black")
    given = consent(browser, programme)
    plain = create_programme(network.coordinator, network.id, name="Open to all")
    application = apply(browser, programme)
    other = apply(browser, plain)

    response = browser.post(f"{CONSENTS}/{given['id']}/withdraw")
    assert response.status_code == 200, response.get_json()

    url = f"{applications_url(programme)}/{application['id']}"
    withdrawn = network.coordinator.get(url).get_json()
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["withdrawn_reason"] == "consent_withdrawn"
    assert withdrawn["withdrawn_at"]
    # An application to a programme without positive action does not rely on consent.
    assert browser.get(f"{applications_url(plain)}/{other['id']}").get_json()["status"] == "open"
    # Without the consent, applying again is refused.
    refused(browser, programme)


def test_dropping_the_rule_lets_anyone_apply(network: Network, programme: dict[str, Any]) -> None:
    browser, _ = network.person(network.a, "sam.staff")
    refused(browser, programme)
    url = f"/api/v1/programmes/{programme['id']}"
    response = patch_with_etag(network.coordinator, url, {"rules": {"eligibility": {}}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rules"]["eligibility"]["positive_action"] is None
    apply(browser, programme)


def test_withdrawing_an_old_consent_leaves_an_application_admitted_on_another(
    network: Network, programme: dict[str, Any]
) -> None:
    """The rule moved from ethnic group to disability; withdrawing the consent to use ethnic
    group does not touch the application the disability consent admitted."""
    browser, _ = network.person(network.a, "sam.staff")
    declare(browser, ethnicity="black", disability=True)
    old = consent(browser, programme)
    url = f"/api/v1/programmes/{programme['id']}"
    rule = {"eligibility": {"positive_action": {"attribute": "disability", "values": [True]}}}
    response = patch_with_etag(network.coordinator, url, {"rules": rule})
    assert response.status_code == 200, response.get_json()
    consent(browser, programme)
    application = apply(browser, programme)

    response = browser.post(f"{CONSENTS}/{old['id']}/withdraw")
    assert response.status_code == 200, response.get_json()
    shown = browser.get(f"{applications_url(programme)}/{application['id']}").get_json()
    assert shown["status"] == "open"
