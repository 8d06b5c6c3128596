"""Applications: made by a signed-in person while a programme is open, if they are eligible;
seen by the applicant, their organisation's admins and the programme's coordinators."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.identity.role_support import make_consortium, new_person
from tests.programmes.conftest import Network
from tests.programmes.support import (
    application_body,
    applications_url,
    apply,
    create_programme,
    ids,
    mentor_profile,
    now,
    patch_with_etag,
    programme_url,
    update_person,
    window,
)

SESSION_COOKIE = "consortium_session"
NOT_FREE = {
    day: []
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}


def withdraw(caller: Any, application: dict[str, Any]) -> Any:
    return caller.post(
        f"/api/v1/programmes/{application['programme_id']}/applications/"
        f"{application['id']}/withdraw"
    )


def application_url(application: dict[str, Any]) -> str:
    return f"/api/v1/programmes/{application['programme_id']}/applications/{application['id']}"


# --- applying ----------------------------------------------------------------------------


def test_a_person_applies_to_an_open_programme(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, person = network.person(network.b, "bea.applicant")
    update_person(network.b, person["id"], job_title="Inspector", profession="policing")
    body = application_body(
        goals=[
            {"statement": "Lead a team across agencies.", "success_measure": "A joint plan."},
            {"statement": "Speak at board.", "success_measure": "Two papers presented."},
        ],
        topics=["Leadership Development", "leadership-development", " Quality  Improvement "],
        preferences={
            "sectors": ["health"],
            "mode": "virtual",
            "location": "Leeds",
            "free_times": {"thursday": ["evening", "morning"], "tuesday": ["morning"]},
            "timezone": "America/New_York",
        },
    )
    response = browser.post(applications_url(programme), json=body)
    assert response.status_code == 201, response.get_json()
    application = response.get_json()
    assert application["programme_id"] == programme["id"]
    assert application["consortium_id"] == network.id
    assert application["organisation_id"] == network.b.id
    assert application["person_id"] == person["id"]
    assert application["applicant"] == {
        "display_name": f"{person['given_name']} {person['family_name']}",
        "job_title": "Inspector",
        "profession": "policing",
    }
    assert application["goals"] == body["goals"]
    assert application["topics"] == ["leadership-development", "quality-improvement"]
    assert application["preferences"] == {
        "sectors": ["health"],
        "avoid_organisation_ids": [],
        "mode": "virtual",
        "location": "Leeds",
        # every day, each day's parts in the grid's order (morning, afternoon, evening)
        "free_times": {**NOT_FREE, "tuesday": ["morning"], "thursday": ["morning", "evening"]},
        "timezone": "America/New_York",
    }
    assert application["shortlist"] == []
    assert application["status"] == "open"
    assert application["withdrawn_at"] is None and application["withdrawn_reason"] is None

    shown = browser.get(application_url(application))
    assert shown.status_code == 200 and shown.headers["ETag"]
    assert shown.get_json() == application
    # The coordinator (of another organisation) sees the applicant's name too.
    assert network.coordinator.get(application_url(application)).get_json() == application


def test_preferences_default_to_either_mode(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, _ = network.person(network.a, "sam.staff")
    application = apply(browser, programme)
    assert application["preferences"] == {
        "sectors": [],
        "avoid_organisation_ids": [],
        "mode": "either",
        "location": None,
        "free_times": NOT_FREE,  # none stated: any time suits them
        "timezone": "Europe/London",
    }
    assert application["topics"] == []


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("no goals", {"goals": []}, "goals"),
    ("six goals", {"goals": [{"statement": "a", "success_measure": "b"}] * 6}, "goals"),
    ("goal without a measure", {"goals": [{"statement": "a"}]}, "goals.0.success_measure"),
    (
        "empty statement",
        {"goals": [{"statement": "", "success_measure": "b"}]},
        "goals.0.statement",
    ),
    (
        "long statement",
        {"goals": [{"statement": "x" * 501, "success_measure": "b"}]},
        "goals.0.statement",
    ),
    ("21 topics", {"topics": [f"topic-{i}" for i in range(21)]}, "topics"),
    ("unknown sector", {"preferences": {"sectors": ["space"]}}, "preferences.sectors.0"),
    ("unknown mode", {"preferences": {"mode": "telepathy"}}, "preferences.mode"),
    ("long location", {"preferences": {"location": "x" * 201}}, "preferences.location"),
    (
        "unknown day",
        {"preferences": {"free_times": {"funday": ["morning"]}}},
        "preferences.free_times.funday",
    ),
    (
        "unknown part of the day",
        {"preferences": {"free_times": {"tuesday": ["night"]}}},
        "preferences.free_times.tuesday.0",
    ),
    (
        "a part twice",
        {"preferences": {"free_times": {"tuesday": ["morning", "morning"]}}},
        "preferences.free_times.tuesday",
    ),
    (
        "free times not an object",
        {"preferences": {"free_times": ["tuesday"]}},
        "preferences.free_times",
    ),
    ("unknown time zone", {"preferences": {"timezone": "Mars/Olympus"}}, "preferences.timezone"),
    ("an offset, not a zone", {"preferences": {"timezone": "+01:00"}}, "preferences.timezone"),
    ("empty time zone", {"preferences": {"timezone": ""}}, "preferences.timezone"),
    (
        "bad organisation id",
        {"preferences": {"avoid_organisation_ids": ["x"]}},
        "preferences.avoid_organisation_ids.0",
    ),
    ("11 shortlisted", {"shortlist": [str(uuid.uuid4()) for _ in range(11)]}, "shortlist"),
    ("shortlisted twice", {"shortlist": [str(uuid.UUID(int=7))] * 2}, "shortlist"),
    ("unknown profile", {"shortlist": [str(uuid.uuid4())]}, "shortlist"),
    ("a status", {"status": "withdrawn"}, "status"),
    ("someone else", {"person_id": str(uuid.uuid4())}, "person_id"),
]


def test_invalid_applications_are_refused_naming_the_field(network: Network, subtests: Any) -> None:
    """Each case a subtest on one world (building it per case cost far more than the case)."""
    programme = create_programme(network.coordinator, network.id)
    browser, _ = network.person(network.a, "sam.staff")
    for name, change, field in INVALID:
        with subtests.test(name):
            body = {**application_body(), **change}
            assert_problem(browser.post(applications_url(programme), json=body), 422, field=field)
            assert ids(browser.get(applications_url(programme))) == []


def test_an_api_client_cannot_apply(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    body = assert_problem(
        network.a.api.post(applications_url(programme), json=application_body()), 403
    )
    assert body["detail"] == "Applications are made by the person applying, signed in."
    # Another tenant's programme is simply not there, for a client as for anyone.
    elsewhere = make_consortium(network.platform, "fire-network", network.c.id)
    other = create_programme(network.platform, elsewhere["id"])
    assert_problem(network.a.api.post(applications_url(other), json=application_body()), 404)


def test_a_non_member_cannot_see_or_apply_to_the_programme(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    outsider, _ = network.person(network.c, "olu.outsider")
    assert_problem(outsider.post(applications_url(programme), json=application_body()), 404)
    assert_problem(outsider.get(applications_url(programme)), 404)
    assert_problem(outsider.get(programme_url(programme)), 404)
    assert_problem(
        outsider.post(f"/api/v1/programmes/{uuid.uuid4()}/applications", json=application_body()),
        404,
    )


# --- the application window --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"application_window": window(opens_in_days=2, closes_in_days=9)}, "open at"),
        ({"application_window": window(opens_in_days=-9, closes_in_days=-2)}, "closed at"),
    ],
)
def test_applications_are_taken_only_within_the_window(
    network: Network, fields: dict[str, Any], words: str
) -> None:
    programme = create_programme(network.coordinator, network.id, **fields)
    assert programme["accepting_applications"] is False
    browser, _ = network.person(network.a, "sam.staff")
    body = assert_problem(browser.post(applications_url(programme), json=application_body()), 409)
    assert f"Applications to {programme['name']} {words} " in body["detail"]


def test_a_programme_takes_applications_only_while_open(network: Network) -> None:
    draft = create_programme(network.coordinator, network.id, status="draft")
    # Its coordinator can see the draft, but it takes no applications yet.
    body = assert_problem(
        network.coordinator.post(applications_url(draft), json=application_body()), 409
    )
    assert body["detail"] == f"{draft['name']} is not taking applications (status: draft)."
    browser, _ = network.person(network.a, "sam.staff")
    assert_problem(browser.post(applications_url(draft), json=application_body()), 404)

    for status in ("open", "closed"):
        response = patch_with_etag(network.coordinator, programme_url(draft), {"status": status})
        assert response.status_code == 200, response.get_json()
    body = assert_problem(browser.post(applications_url(draft), json=application_body()), 409)
    assert "(status: closed)" in body["detail"]


# --- one open application each -----------------------------------------------------------


def test_one_open_application_per_person_and_reapplying_after_withdrawing(
    network: Network,
) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, _ = network.person(network.a, "sam.staff")
    first = apply(browser, programme)
    body = assert_problem(browser.post(applications_url(programme), json=application_body()), 409)
    assert "already have an open application" in body["detail"]

    response = withdraw(browser, first)
    assert response.status_code == 200, response.get_json()
    withdrawn = response.get_json()
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["withdrawn_reason"] == "by_applicant"
    assert withdrawn["withdrawn_at"]
    body = assert_problem(withdraw(browser, first), 409)
    assert "already withdrawn" in body["detail"]

    second = apply(browser, programme)
    assert second["id"] != first["id"]
    listed = browser.get(applications_url(programme))
    assert ids(listed) == [first["id"], second["id"]]
    assert ids(browser.get(applications_url(programme), query_string={"status": "open"})) == [
        second["id"]
    ]


def test_a_replayed_idempotency_key_does_not_count_as_a_second_application(
    network: Network,
) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, _ = network.person(network.a, "sam.staff")
    headers = {"Idempotency-Key": "apply-once"}
    first = browser.post(applications_url(programme), json=application_body(), headers=headers)
    again = browser.post(applications_url(programme), json=application_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]


# --- eligibility -------------------------------------------------------------------------

REFUSALS: list[tuple[str, dict[str, Any], dict[str, Any], str, list[str]]] = [
    # (case, eligibility rule, the applicant's record, field, words in the reason)
    (
        "profession",
        {"professions": ["nursing", "midwifery"]},
        {"profession": "pharmacy", "seniority": 5},
        "professions",
        ["open to these professions: nursing, midwifery", "'pharmacy'", "organisation's admin"],
    ),
    (
        "no profession recorded",
        {"professions": ["nursing"]},
        {"seniority": 5},
        "professions",
        ["has no profession", "ask your organisation's admin to add it"],
    ),
    (
        "seniority below the minimum",
        {"seniority_min": 5},
        {"seniority": 3},
        "seniority_min",
        ["seniority 5 or above", "gives yours as 3"],
    ),
    (
        "seniority above the maximum",
        {"seniority_min": 2, "seniority_max": 4},
        {"seniority": 7},
        "seniority_max",
        ["seniority 2 to 4", "gives yours as 7"],
    ),
    (
        "seniority unknown",
        {"seniority_max": 4},
        {},
        "seniority_max",
        ["no seniority recorded", "ask your organisation's admin to add it"],
    ),
    (
        "started too long ago",
        {"started_within_months": 12},
        {"started_on": "2020-09-01"},
        "started_within_months",
        ["started within the last 12 months (on or after ", "start date as 2020-09-01"],
    ),
    (
        "no start date recorded",
        {"started_within_months": 1},
        {"seniority": 5},
        "started_within_months",
        ["within the last month", "has no start date", "ask your organisation's admin"],
    ),
    (
        "return date too far ahead",
        {"return_window": {"days_before": 30, "days_after": 90}},
        {"returns_on": "2099-01-10"},
        "return_window",
        ["from 30 days before their return date to 90 days after it", "opens on 2098-12-11"],
    ),
    (
        "returned too long ago",
        {"return_window": {"days_before": 30, "days_after": 90}},
        {"returns_on": "2020-01-10"},
        "return_window",
        ["return date as 2020-01-10", "closed on 2020-04-09"],
    ),
    (
        "no return date recorded",
        {"return_window": {"days_before": 30, "days_after": 90}},
        {"seniority": 5},
        "return_window",
        ["has no return date", "ask your organisation's admin to add it"],
    ),
    (
        "organisation not listed",
        {"organisation_ids": "b"},
        {"seniority": 5},
        "organisation_ids",
        ["yours is not one of them"],
    ),
]


@pytest.mark.parametrize(
    ("rule", "record", "field", "words"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_ineligible_people_are_told_why(
    network: Network, rule: dict[str, Any], record: dict[str, Any], field: str, words: list[str]
) -> None:
    if rule.get("organisation_ids") == "b":
        rule = {"organisation_ids": [network.b.id]}
    programme = create_programme(network.coordinator, network.id, rules={"eligibility": rule})
    browser, person = network.person(network.a, "sam.staff")
    if record:
        update_person(network.a, person["id"], **record)
    body = assert_problem(
        browser.post(applications_url(programme), json=application_body()), 403, field=field
    )
    assert body["detail"].startswith(f"You are not eligible for {programme['name']}: ")
    assert body["detail"].endswith(".")
    for word in words:
        assert word in body["detail"]
    assert ids(network.coordinator.get(applications_url(programme))) == []


def test_eligible_people_apply(network: Network) -> None:
    rules = {
        "eligibility": {
            "professions": ["Nursing"],
            "seniority_min": 4,
            "seniority_max": 6,
            "organisation_ids": [network.a.id],
        }
    }
    programme = create_programme(network.coordinator, network.id, rules=rules)
    browser, person = network.person(network.a, "sam.staff")
    update_person(network.a, person["id"], profession="nursing", seniority=6)
    apply(browser, programme)


def test_a_new_starter_applies_and_a_corrected_start_date_is_kept_by_matching(
    network: Network,
) -> None:
    """Graduate / new-starter: eligible by the staff record's start date when applying, and
    again when matching runs (the record may have been corrected since)."""
    rules = {"eligibility": {"started_within_months": 6}}
    programme = create_programme(network.coordinator, network.id, rules=rules)
    assert programme["rules"]["eligibility"]["started_within_months"] == 6
    browser, person = network.person(network.a, "sam.staff")
    started = (now() - timedelta(days=30)).date().isoformat()
    shown = update_person(network.a, person["id"], started_on=started)
    assert shown["started_on"] == started
    application = apply(browser, programme)
    coming = (now() + timedelta(days=20)).date().isoformat()  # a joiner before their first day
    joiner, joiner_person = network.person(network.a, "jo.joiner")
    update_person(network.a, joiner_person["id"], started_on=coming)
    apply(joiner, programme)

    update_person(network.a, person["id"], started_on="2019-04-01")
    runs = f"{programme_url(programme)}/matching-runs"
    started_run = network.coordinator.post(runs)
    assert started_run.status_code == 202, started_run.get_json()
    # Jobs run inline in tests: the run has finished.
    run = network.coordinator.get(f"{runs}/{started_run.get_json()['id']}").get_json()
    assert run["status"] == "succeeded", run
    reasons = {u["application_id"]: u["reason"] for u in run["unmatched"]}
    assert reasons[application["id"]].startswith(
        "you are no longer eligible for this programme: it is for staff who started within "
        "the last 6 months"
    )
    assert "start date as 2019-04-01" in reasons[application["id"]]
    # The joiner is eligible: unmatched only for want of mentors.
    assert len(reasons) == 2
    assert not any("eligible for" in r for a, r in reasons.items() if a != application["id"])


def test_a_returner_applies_in_the_window_around_their_return_date(network: Network) -> None:
    rules = {"eligibility": {"return_window": {"days_before": 30, "days_after": 90}}}
    programme = create_programme(
        network.coordinator, network.id, type="return_to_work", rules=rules
    )
    assert programme["rules"]["eligibility"]["return_window"] == {
        "days_before": 30,
        "days_after": 90,
    }
    browser, person = network.person(network.a, "rita.returner")
    returns = (now() + timedelta(days=10)).date().isoformat()
    assert update_person(network.a, person["id"], returns_on=returns)["returns_on"] == returns
    apply(browser, programme)


def test_every_failed_rule_is_given_and_the_first_is_named(network: Network) -> None:
    rules = {"eligibility": {"professions": ["nursing"], "seniority_min": 6}}
    programme = create_programme(network.coordinator, network.id, rules=rules)
    browser, person = network.person(network.a, "sam.staff")
    update_person(network.a, person["id"], profession="policing", seniority=2)
    body = assert_problem(browser.post(applications_url(programme), json=application_body()), 403)
    assert [e["field"] for e in body["errors"]] == ["professions"]
    reasons = body["detail"].removeprefix(f"You are not eligible for {programme['name']}: ")
    assert len(reasons.split("; ")) == 2
    assert "seniority 6 or above" in body["detail"]


# --- the shortlist -----------------------------------------------------------------------


def test_a_shortlist_ranks_profiles_the_applicant_can_see(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, _ = network.person(network.a, "sam.staff")
    shared = mentor_profile(network.app, new_person(network.b)["id"], network.b.id)
    colleague = mentor_profile(
        network.app, new_person(network.a)["id"], network.a.id, shared_with_consortium=False
    )
    application = apply(browser, programme, shortlist=[shared, colleague])
    assert application["shortlist"] == [shared, colleague]


@pytest.mark.parametrize(
    "whose",
    ["unreleased elsewhere", "paused elsewhere", "outside the consortium", "unknown", "own"],
)
def test_a_shortlist_of_a_profile_the_applicant_cannot_pick_is_refused(
    network: Network, whose: str
) -> None:
    programme = create_programme(network.coordinator, network.id)
    browser, person = network.person(network.a, "sam.staff")
    profile = {
        "unreleased elsewhere": lambda: mentor_profile(
            network.app, new_person(network.b)["id"], network.b.id, shared_with_consortium=False
        ),
        "paused elsewhere": lambda: mentor_profile(
            network.app, new_person(network.b)["id"], network.b.id, status="paused"
        ),
        "outside the consortium": lambda: mentor_profile(
            network.app, new_person(network.c)["id"], network.c.id
        ),
        "unknown": lambda: str(uuid.uuid4()),
        "own": lambda: mentor_profile(network.app, person["id"], network.a.id),
    }[whose]()
    response = browser.post(applications_url(programme), json=application_body(shortlist=[profile]))
    body = assert_problem(response, 422, field="shortlist")
    if whose == "own":
        assert "Your own mentor profile" in body["detail"]
    else:
        assert profile in body["detail"]


# --- who sees which applications ---------------------------------------------------------


def test_applications_are_seen_by_the_applicant_their_admins_and_the_coordinators(
    network: Network,
) -> None:
    programme = create_programme(network.coordinator, network.id)
    url = applications_url(programme)
    ann, _ = network.person(network.a, "ann.applicant")
    colleague, _ = network.person(network.a, "cal.colleague")
    admin_a, _ = network.person(network.a, "ada.admin", org_admin=True)
    bob, _ = network.person(network.b, "bob.applicant")
    admin_b, _ = network.person(network.b, "bel.admin", org_admin=True)
    outsider_admin, _ = network.person(network.c, "oz.admin", org_admin=True)
    of_ann = apply(ann, programme)
    of_bob = apply(bob, programme)

    assert ids(ann.get(url)) == [of_ann["id"]]
    assert ids(bob.get(url)) == [of_bob["id"]]
    assert ids(colleague.get(url)) == []
    assert ids(admin_a.get(url)) == [of_ann["id"]]
    assert ids(network.a.api.get(url)) == [of_ann["id"]]
    assert ids(admin_b.get(url)) == [of_bob["id"]]
    assert ids(network.b.api.get(url)) == [of_bob["id"]]
    assert ids(network.coordinator.get(url)) == [of_ann["id"], of_bob["id"]]
    assert ids(network.platform.get(url)) == [of_ann["id"], of_bob["id"]]
    for caller in (outsider_admin, network.c.api):
        assert_problem(caller.get(url), 404)

    for caller, visible in (
        (ann, {of_ann["id"]}),
        (colleague, set()),
        (admin_a, {of_ann["id"]}),
        (admin_b, {of_bob["id"]}),
        (network.coordinator, {of_ann["id"], of_bob["id"]}),
        (network.platform, {of_ann["id"], of_bob["id"]}),
        (outsider_admin, set()),
    ):
        for application in (of_ann, of_bob):
            response = caller.get(application_url(application))
            if application["id"] in visible:
                assert response.status_code == 200, response.get_json()
            else:
                assert_problem(response, 404)

    # The coordinator filters by organisation.
    by_b = network.coordinator.get(
        url, query_string={"organisation_id": network.b.id, "count": "exact"}
    )
    assert ids(by_b) == [of_bob["id"]]
    assert json.loads(by_b.headers["X-Pagination"])["total"] == 1
    # An application is found only under its own programme.
    other = create_programme(network.coordinator, network.id, name="Another")
    assert_problem(ann.get(f"{applications_url(other)}/{of_ann['id']}"), 404)


def test_who_may_withdraw_an_application(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    ann, _ = network.person(network.a, "ann.applicant")
    colleague, _ = network.person(network.a, "cal.colleague")
    admin_a, _ = network.person(network.a, "ada.admin", org_admin=True)
    admin_b, _ = network.person(network.b, "bel.admin", org_admin=True)
    application = apply(ann, programme)

    assert_problem(withdraw(colleague, application), 404)
    assert_problem(withdraw(admin_b, application), 404)
    # The coordinator (another person of another role) sees it but does not withdraw it.
    coordinator_b, _ = network.person(network.b, "cy.coordinator", coordinator_of=[network.id])
    assert_problem(withdraw(coordinator_b, application), 403)
    assert_problem(withdraw(network.a.api, application), 403)

    response = withdraw(admin_a, application)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["withdrawn_reason"] == "by_applicant"
    assert ann.get(application_url(application)).get_json()["status"] == "withdrawn"


def test_the_same_application_sent_at_the_same_moment_is_made_once(
    network: Network, owner_engine: Engine
) -> None:
    """Concurrent applies race past the check to the unique index: one 201, the rest 409."""
    programme = create_programme(network.coordinator, network.id)
    browser, person = network.person(network.a, "sam.staff")
    cookie = browser.client.get_cookie(SESSION_COOKIE).value
    headers = {"X-CSRF-Token": browser.csrf_token}

    def send(_: int) -> Any:
        client = network.app.test_client()
        client.set_cookie(SESSION_COOKIE, cookie)
        try:
            response = client.post(
                applications_url(programme), json=application_body(), headers=headers
            )
            return response.status_code
        except Exception as exc:  # TESTING propagates it: a 500 for a real client
            return repr(exc)[:200]

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(send, range(6)))
    assert statuses == [201] + [409] * 5
    with owner_engine.connect() as c:
        count = c.execute(
            text("SELECT count(*) FROM applications WHERE person_id = :p"), {"p": person["id"]}
        ).scalar_one()
    assert count == 1
