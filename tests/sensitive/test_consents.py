"""Consent to use declared attributes for one programme's positive action, and its withdrawal."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from flask import Flask

from consortium.core import tenancy
from consortium.sensitive import service
from tests.api.helpers import assert_problem
from tests.oidc import SessionClient
from tests.sensitive.conftest import Network, apply, as_person, put_attributes

URL = "/api/v1/me/consents"
STATEMENT = (
    "I agree that North Network may use my declared ethnic group to decide whether I am eligible "
    "for Reciprocal Mentoring 2027. I can withdraw this consent at any time, and it then stops "
    "being used at once."
)


def give(browser: SessionClient, programme_id: str) -> Any:
    return browser.post(URL, json={"programme_id": programme_id})


def test_a_person_gives_lists_shows_and_withdraws_a_consent(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, _person = pat
    programme_id = network.programme()

    given = give(browser, programme_id)
    assert given.status_code == 201, given.get_json()
    consent = given.get_json()
    assert consent["programme_id"] == programme_id
    assert consent["purpose"] == "positive_action_eligibility"
    assert consent["statement"] == STATEMENT
    assert consent["withdrawn_at"] is None and consent["valid"] is True
    assert "person_id" not in consent and "organisation_id" not in consent

    listed = browser.get(URL)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.get_json()] == [consent["id"]]
    assert json.loads(listed.headers["X-Pagination"])["has_more"] is False
    assert browser.get(f"{URL}/{consent['id']}").get_json() == consent

    withdrawn = browser.post(f"{URL}/{consent['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert withdrawn.get_json()["withdrawn_at"] is not None
    assert withdrawn.get_json()["valid"] is False
    assert browser.get(f"{URL}/{consent['id']}").get_json() == withdrawn.get_json()

    # Withdrawing twice is a conflict; consenting again records a new consent, listed first.
    assert_problem(browser.post(f"{URL}/{consent['id']}/withdraw"), 409)
    again = give(browser, programme_id)
    assert again.status_code == 201
    assert again.get_json()["id"] != consent["id"]
    assert [c["id"] for c in browser.get(URL).get_json()] == [again.get_json()["id"], consent["id"]]


def test_consenting_again_while_valid_returns_the_same_consent(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, _ = pat
    programme_id = network.programme()
    first = give(browser, programme_id)
    second = give(browser, programme_id)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json() == first.get_json()
    assert len(browser.get(URL).get_json()) == 1


def test_the_idempotency_key_replays_the_first_response(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, _ = pat
    programme_id = network.programme()
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = browser.post(URL, json={"programme_id": programme_id}, headers=headers)
    again = browser.post(URL, json={"programme_id": programme_id}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()


def test_a_programme_without_positive_action_has_nothing_to_consent_to(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, _ = pat
    programme_id = network.programme("Coaching for All", positive_action=None)
    problem = assert_problem(give(browser, programme_id), 422, field="programme_id")
    assert "nothing to consent to" in problem["detail"]
    assert browser.get(URL).get_json() == []


def test_a_programme_the_person_cannot_see_is_not_found(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, _ = pat
    # A consortium tenant_a does not belong to, with its own coordinator (of tenant_b).
    from tests.identity.role_support import make_consortium

    elsewhere = make_consortium(network.platform, "beta-only", network.b.id)
    coordinator, _ = network.sign_in(
        "bo.coord@beta-police.example.org", tenant=network.b, coordinator_of=[elsewhere["id"]]
    )
    from tests.sensitive.conftest import POSITIVE_ACTION, create_programme

    hidden = create_programme(
        coordinator, elsewhere["id"], "Beta Only", positive_action=POSITIVE_ACTION
    )
    draft = create_programme(
        network.coordinator,
        network.consortium["id"],
        "Draft Programme",
        positive_action=POSITIVE_ACTION,
        status="draft",
    )
    for programme_id in (hidden, draft, str(uuid.uuid4())):
        assert_problem(give(browser, programme_id), 404, field="programme_id")
    assert browser.get(URL).get_json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "programme_id"),
        ({"programme_id": "nope"}, "programme_id"),
        ({"programme_id": None}, "programme_id"),
        ({"programme_id": str(uuid.uuid4()), "purpose": "marketing"}, "purpose"),
        ({"programme_id": str(uuid.uuid4()), "statement": "I agree to anything"}, "statement"),
        ({"programme_id": str(uuid.uuid4()), "withdrawn_at": None}, "withdrawn_at"),
    ],
)
def test_invalid_consent_requests_are_refused_naming_the_field(
    pat: tuple[SessionClient, dict[str, Any]], body: dict[str, Any], field: str
) -> None:
    browser, _ = pat
    assert_problem(browser.post(URL, json=body), 422, field=field)


def test_another_persons_consent_is_not_found(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, _ = pat
    programme_id = network.programme()
    consent = give(browser, programme_id).get_json()
    colleague, _ = network.sign_in("cal.colleague@alpha-trust.example.org")
    admin, _ = network.sign_in("ada.admin@alpha-trust.example.org", org_admin=True)
    for other in (colleague, admin, network.coordinator):
        assert_problem(other.get(f"{URL}/{consent['id']}"), 404)
        assert_problem(other.post(f"{URL}/{consent['id']}/withdraw"), 404)
        assert other.get(URL).get_json() == []
    assert browser.get(f"{URL}/{consent['id']}").get_json()["valid"] is True


def test_api_clients_and_the_platform_are_refused(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, _ = pat
    programme_id = network.programme()
    consent = give(browser, programme_id).get_json()
    for caller in (network.a.api, network.platform):
        assert_problem(caller.get(URL), 403)
        assert_problem(caller.post(URL, json={"programme_id": programme_id}), 403)
        assert_problem(caller.get(f"{URL}/{consent['id']}"), 403)
        assert_problem(caller.post(f"{URL}/{consent['id']}/withdraw"), 403)
    assert browser.get(f"{URL}/{consent['id']}").get_json()["valid"] is True


def test_consented_attributes_only_while_the_consent_is_valid(
    app: Flask, network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, person = pat
    programme_id = network.programme()
    other_programme = network.programme("Board Mentoring 2027")
    ids = {"person_id": uuid.UUID(person["id"]), "programme_id": uuid.UUID(programme_id)}

    def consented(**overrides: Any) -> dict[str, Any] | None:
        with app.app_context(), tenancy.acting_as(as_person(person, network.consortium["id"])):
            return service.consented_attributes(**{**ids, **overrides})

    put_attributes(browser, {"ethnicity": "black", "disability": True})
    assert consented() is None  # declared, but no consent yet
    consent = give(browser, programme_id).get_json()
    # Only what the consent covers: the attribute the programme's rule reads.
    assert consented() == {"ethnicity": "black"}
    # The consent is for this programme only.
    assert consented(programme_id=uuid.UUID(other_programme)) is None

    # Someone else asking for this person's attributes gets nothing.
    _colleague, colleague_person = network.sign_in("cal.colleague@alpha-trust.example.org")
    with (
        app.app_context(),
        tenancy.acting_as(as_person(colleague_person, network.consortium["id"])),
    ):
        assert service.consented_attributes(**ids) is None

    # Nothing declared: nothing to use, even with a consent.
    assert browser.delete("/api/v1/me/sensitive-attributes").status_code == 204
    assert consented() is None
    put_attributes(browser, {"ethnicity": "asian"})
    assert consented() == {"ethnicity": "asian"}

    assert browser.post(f"{URL}/{consent['id']}/withdraw").status_code == 200
    assert consented() is None


def test_withdrawing_consent_withdraws_the_application_that_relied_on_it(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, _ = pat
    programme_id = network.programme()
    put_attributes(browser, {"ethnicity": "mixed"})
    # Without consent the positive-action rule cannot read the declaration.
    assert apply(browser, programme_id).status_code == 403
    consent = give(browser, programme_id).get_json()
    applied = apply(browser, programme_id)
    assert applied.status_code == 201, applied.get_json()
    application_url = f"/api/v1/programmes/{programme_id}/applications/{applied.get_json()['id']}"

    assert browser.post(f"{URL}/{consent['id']}/withdraw").status_code == 200
    application = browser.get(application_url).get_json()
    assert application["status"] == "withdrawn"
    assert application["withdrawn_reason"] == "consent_withdrawn"
    # And the person may not apply again on the strength of the withdrawn consent.
    assert apply(browser, programme_id).status_code == 403


def test_a_consent_covers_only_the_attribute_it_names(
    app: Flask, network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, person = pat
    programme_id = network.programme()
    put_attributes(browser, {"ethnicity": "black", "disability": True})
    first = give(browser, programme_id).get_json()

    def consented() -> dict[str, Any] | None:
        with app.app_context(), tenancy.acting_as(as_person(person, network.consortium["id"])):
            return service.consented_attributes(
                person_id=uuid.UUID(person["id"]), programme_id=uuid.UUID(programme_id)
            )

    assert consented() == {"ethnicity": "black"}
    # The coordinator changes the rule to read disability: the consent to use the ethnic
    # group does not stretch to it.
    url = f"/api/v1/programmes/{programme_id}"
    etag = network.coordinator.get(url).headers["ETag"]
    rule = {"attribute": "disability", "values": [True]}
    changed = network.coordinator.patch(
        url,
        json={"rules": {"eligibility": {"positive_action": rule}}},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.get_json()
    assert consented() is None
    # Consenting again now records a new consent naming disability.
    second = give(browser, programme_id)
    assert second.status_code == 201
    assert second.get_json()["id"] != first["id"]
    assert "my declared disability" in second.get_json()["statement"]
    assert consented() == {"disability": True}


def test_consent_given_and_withdrawn_is_audited_for_the_platform_only(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    """That someone consented to a positive-action rule says something about them: the event
    names the programme, never the attribute, and no admin or coordinator reads it."""
    browser, person = pat
    programme_id = network.programme()
    consent = give(browser, programme_id).get_json()
    assert browser.post(f"{URL}/{consent['id']}/withdraw").status_code == 200
    trail = network.platform.get(
        "/api/v1/audit-events", query_string={"subject_id": consent["id"]}
    ).get_json()
    assert [e["action"] for e in trail] == ["consent.withdrawn", "consent.given"]
    assert all(e["actor"] == f"person:{person['id']}" for e in trail)
    assert all(e["organisation_id"] is None and e["consortium_id"] is None for e in trail)
    assert all(
        e["data"] == {"programme_id": programme_id, "purpose": consent["purpose"]} for e in trail
    )
    assert "ethnic" not in json.dumps(trail)
    admin, _ = network.sign_in("ada.admin@alpha-trust.example.org", org_admin=True)
    for reader in (admin, network.coordinator):
        seen = reader.get("/api/v1/audit-events", query_string={"subject_type": "consent"})
        assert seen.status_code == 200 and seen.get_json() == []
