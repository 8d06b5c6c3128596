"""Programmes: created and changed by a consortium's coordinators, seen by its members' staff."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.api.helpers import assert_problem, pages
from tests.identity.role_support import make_consortium
from tests.programmes.conftest import Network
from tests.programmes.support import (
    PROGRAMMES,
    create_programme,
    ids,
    patch_with_etag,
    programme_body,
    programme_url,
    window,
)

# --- creating ----------------------------------------------------------------------------


def test_a_coordinator_creates_a_programme_with_the_default_rules(network: Network) -> None:
    body = {
        "consortium_id": network.id,
        "name": "Leading Across Boundaries 2027",
        "type": "mentoring",
        "application_window": {
            "opens_at": "2027-01-10T09:00:00+00:00",
            "closes_at": "2027-02-07T17:00:00+01:00",
        },
    }
    response = network.coordinator.post(PROGRAMMES, json=body)
    assert response.status_code == 201, response.get_json()
    programme = response.get_json()
    assert programme["consortium_id"] == network.id
    assert programme["name"] == body["name"]
    assert programme["description"] == ""
    assert programme["type"] == "mentoring"
    assert programme["status"] == "draft"
    assert programme["matching_mode"] == "optimal"
    assert programme["accepting_applications"] is False
    assert programme["created_by"] == f"person:{network.coordinator_person['id']}"
    assert programme["rules"] == {
        "cross_organisation_required": True,
        "sessions_min": 3,
        "sessions_max": 6,
        "cadence_days": 30,
        "min_accreditation_level": None,
        "seniority_direction": "any",
        "vetting_required": True,
        "protected_time_required": False,
        "session_minutes": 60,
        "different_discipline_required": False,
        "outside_system_required": False,
        "mentor_seniority_min": None,
        "eligibility": {
            "professions": [],
            "seniority_min": None,
            "seniority_max": None,
            "organisation_ids": [],
            "started_within_months": None,
            "return_window": None,
            "positive_action": None,
        },
    }
    # Times come back in UTC, the same instants.
    assert programme["application_window"] == {
        "opens_at": "2027-01-10T09:00:00+00:00",
        "closes_at": "2027-02-07T16:00:00+00:00",
    }

    shown = network.coordinator.get(programme_url(programme))
    assert shown.status_code == 200
    assert shown.get_json() == programme
    assert shown.headers["ETag"]


def test_every_rule_given_is_kept(network: Network) -> None:
    rules = {
        "cross_organisation_required": False,
        "sessions_min": 2,
        "sessions_max": 10,
        "cadence_days": 14,
        "min_accreditation_level": "practitioner",
        "seniority_direction": "mentor_senior",
        "vetting_required": False,
        "protected_time_required": True,
        "session_minutes": 90,
        "different_discipline_required": True,
        "outside_system_required": True,
        "mentor_seniority_min": 6,
        "eligibility": {
            "professions": ["nursing", "midwifery"],
            "seniority_min": 3,
            "seniority_max": 6,
            "organisation_ids": [network.a.id],
            "started_within_months": 24,
            "return_window": {"days_before": 30, "days_after": 90},
            "positive_action": {"attribute": "ethnicity", "values": ["asian", "black"]},
        },
    }
    programme = create_programme(
        network.coordinator,
        network.id,
        rules=rules,
        description="For aspiring ward leaders.",
        matching_mode="stable",
        type="coaching",
    )
    assert programme["rules"] == rules
    assert programme["description"] == "For aspiring ward leaders."
    assert programme["matching_mode"] == "stable"
    assert programme["status"] == "open"
    assert programme["accepting_applications"] is True


def test_reverse_mentoring_defaults_to_a_junior_mentor(network: Network) -> None:
    reverse = create_programme(network.coordinator, network.id, type="reverse_mentoring")
    assert reverse["rules"]["seniority_direction"] == "mentor_junior"
    chosen = create_programme(
        network.coordinator,
        network.id,
        type="reverse_mentoring",
        rules={"seniority_direction": "any"},
    )
    assert chosen["rules"]["seniority_direction"] == "any"
    assert create_programme(network.coordinator, network.id)["rules"]["seniority_direction"] == (
        "any"
    )


def test_board_mentoring_defaults_to_a_mentor_seniority_floor(network: Network) -> None:
    board = create_programme(network.coordinator, network.id, type="board_mentoring")
    assert board["rules"]["mentor_seniority_min"] == 8
    assert board["rules"]["different_discipline_required"] is False
    assert board["rules"]["outside_system_required"] is False
    none = create_programme(
        network.coordinator,
        network.id,
        type="board_mentoring",
        rules={"mentor_seniority_min": None},
    )
    assert none["rules"]["mentor_seniority_min"] is None
    assert create_programme(network.coordinator, network.id)["rules"]["mentor_seniority_min"] is (
        None
    )


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"mentor_seniority_min": 10}, "rules.mentor_seniority_min"),
        ({"mentor_seniority_min": "8"}, "rules.mentor_seniority_min"),
        ({"different_discipline_required": "perhaps"}, "rules.different_discipline_required"),
        ({"outside_system_required": 3}, "rules.outside_system_required"),
        ({"eligibility": {"started_within_months": 0}}, "rules.eligibility.started_within_months"),
        (
            {"eligibility": {"return_window": {"days_before": -1, "days_after": 9}}},
            "rules.eligibility.return_window.days_before",
        ),
        (
            {"eligibility": {"return_window": {"days_before": 30}}},
            "rules.eligibility.return_window.days_after",
        ),
        (
            {"eligibility": {"started_within_months": "12"}},
            "rules.eligibility.started_within_months",
        ),
    ],
)
def test_pairing_rules_are_validated(network: Network, rules: dict[str, Any], field: str) -> None:
    response = network.coordinator.post(PROGRAMMES, json=programme_body(network.id, rules=rules))
    assert_problem(response, 422, field=field)


def test_a_coordinator_switches_pairing_rules_on(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    url = f"{PROGRAMMES}/{programme['id']}"
    change = {
        "rules": {
            "different_discipline_required": True,
            "outside_system_required": True,
            "mentor_seniority_min": 7,
        }
    }
    response = patch_with_etag(network.coordinator, url, change)
    assert response.status_code == 200, response.get_json()
    rules = response.get_json()["rules"]
    assert rules["different_discipline_required"] is True
    assert rules["outside_system_required"] is True
    assert rules["mentor_seniority_min"] == 7
    response = patch_with_etag(network.coordinator, url, {"rules": {"mentor_seniority_min": None}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rules"]["mentor_seniority_min"] is None
    assert response.get_json()["rules"]["outside_system_required"] is True
    bad = patch_with_etag(network.coordinator, url, {"rules": {"mentor_seniority_min": 0}})
    assert_problem(bad, 422, field="rules.mentor_seniority_min")


def test_staff_and_organisation_clients_cannot_create_programmes(network: Network) -> None:
    staff, _ = network.person(network.a, "sam.staff")
    assert_problem(staff.post(PROGRAMMES, json=programme_body(network.id)), 403)
    assert_problem(network.a.api.post(PROGRAMMES, json=programme_body(network.id)), 403)
    assert ids(network.platform.get(PROGRAMMES)) == []


def test_a_coordinator_of_another_consortium_cannot_see_this_one(network: Network) -> None:
    other = make_consortium(network.platform, "fire-network", network.c.id)
    outsider, _ = network.person(network.c, "olu.outsider", coordinator_of=[other["id"]])
    response = outsider.post(PROGRAMMES, json=programme_body(network.id))
    body = assert_problem(response, 404, field="consortium_id")
    assert network.id in body["detail"]
    # Their own consortium is fine.
    create_programme(outsider, other["id"])


def test_a_member_who_coordinates_another_consortium_is_refused_here(network: Network) -> None:
    other = make_consortium(network.platform, "south-network", network.b.id)
    coordinator_b, _ = network.person(network.b, "bea.coordinator", coordinator_of=[other["id"]])
    response = coordinator_b.post(PROGRAMMES, json=programme_body(network.id))
    assert_problem(response, 403, field="consortium_id")


def test_the_platform_creates_programmes_in_any_consortium(network: Network) -> None:
    programme = create_programme(network.platform, network.id)
    assert programme["consortium_id"] == network.id
    assert programme["created_by"].startswith("client:")


def test_a_repeated_idempotency_key_replays_the_creation(network: Network) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = programme_body(network.id)
    first = network.coordinator.post(PROGRAMMES, json=body, headers=headers)
    again = network.coordinator.post(PROGRAMMES, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert len(ids(network.coordinator.get(PROGRAMMES))) == 1


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("no name", {"name": ""}, "name"),
    ("long name", {"name": "x" * 201}, "name"),
    ("long description", {"description": "x" * 5001}, "description"),
    ("unknown type", {"type": "speed_dating"}, "type"),
    ("created running", {"status": "running"}, "status"),
    ("unknown field", {"owner": "me"}, "owner"),
    ("no window", {"application_window": None}, "application_window"),
    (
        "closes before it opens",
        {"application_window": window(opens_in_days=5, closes_in_days=1)},
        "application_window.closes_at",
    ),
    (
        "closes as it opens",
        {
            "application_window": {
                "opens_at": "2027-01-10T09:00:00+00:00",
                "closes_at": "2027-01-10T10:00:00+01:00",
            }
        },
        "application_window.closes_at",
    ),
    (
        "naive time",
        {"application_window": {**window(), "opens_at": "2027-01-10T09:00:00"}},
        "application_window.opens_at",
    ),
    (
        "time out of range",
        {"application_window": {**window(), "opens_at": "0001-01-01T00:00:00+14:00"}},
        "application_window.opens_at",
    ),
    (
        "fewer sessions than the minimum",
        {"rules": {"sessions_min": 5, "sessions_max": 4}},
        "rules.sessions_max",
    ),
    ("minimum above the default maximum", {"rules": {"sessions_min": 8}}, "rules.sessions_max"),
    ("no sessions", {"rules": {"sessions_min": 0}}, "rules.sessions_min"),
    ("too many sessions", {"rules": {"sessions_max": 51}}, "rules.sessions_max"),
    ("sessions as text", {"rules": {"sessions_max": "6"}}, "rules.sessions_max"),
    ("cadence over a year", {"rules": {"cadence_days": 366}}, "rules.cadence_days"),
    (
        "unknown level",
        {"rules": {"min_accreditation_level": "ACC"}},
        "rules.min_accreditation_level",
    ),
    ("unknown direction", {"rules": {"seniority_direction": "up"}}, "rules.seniority_direction"),
    (
        "seniority range reversed",
        {"rules": {"eligibility": {"seniority_min": 6, "seniority_max": 3}}},
        "rules.eligibility.seniority_max",
    ),
    (
        "seniority off the scale",
        {"rules": {"eligibility": {"seniority_min": 10}}},
        "rules.eligibility.seniority_min",
    ),
    (
        "unknown attribute",
        {"rules": {"eligibility": {"positive_action": {"attribute": "religion", "values": ["x"]}}}},
        "rules.eligibility.positive_action.attribute",
    ),
    (
        "value the attribute does not take",
        {
            "rules": {
                "eligibility": {
                    "positive_action": {"attribute": "ethnicity", "values": ["martian"]}
                }
            }
        },
        "rules.eligibility.positive_action.values",
    ),
    (
        "a number for a yes/no attribute",
        {"rules": {"eligibility": {"positive_action": {"attribute": "disability", "values": [1]}}}},
        "rules.eligibility.positive_action.values",
    ),
    (
        "no values",
        {"rules": {"eligibility": {"positive_action": {"attribute": "disability", "values": []}}}},
        "rules.eligibility.positive_action.values",
    ),
    (
        "an organisation twice",
        {"rules": {"eligibility": {"organisation_ids": [str(uuid.UUID(int=1))] * 2}}},
        "rules.eligibility.organisation_ids",
    ),
    (
        "a blank profession",
        {"rules": {"eligibility": {"professions": [" "]}}},
        "rules.eligibility.professions.0",
    ),
    (
        "an organisation outside the consortium",
        {"rules": {"eligibility": {"organisation_ids": [str(uuid.UUID(int=1))]}}},
        "rules.eligibility.organisation_ids",
    ),
    ("consortium id not a uuid", {"consortium_id": "north"}, "consortium_id"),
    ("rules not an object", {"rules": ["x"]}, "rules"),
]


def test_invalid_programmes_are_refused_naming_the_field(network: Network, subtests: Any) -> None:
    """Each case a subtest on one world (building it per case cost far more than the case)."""
    for name, change, field in INVALID:
        with subtests.test(name):
            body = {
                k: v for k, v in {**programme_body(network.id), **change}.items() if v is not None
            }
            assert_problem(network.coordinator.post(PROGRAMMES, json=body), 422, field=field)
            assert ids(network.coordinator.get(PROGRAMMES)) == []


def test_a_yes_no_rule_takes_booleans(network: Network) -> None:
    rules = {"eligibility": {"positive_action": {"attribute": "disability", "values": [True]}}}
    programme = create_programme(network.coordinator, network.id, rules=rules)
    assert programme["rules"]["eligibility"]["positive_action"] == {
        "attribute": "disability",
        "values": [True],
    }


# --- seeing ------------------------------------------------------------------------------


def test_drafts_are_seen_only_by_coordinators_and_the_platform(network: Network) -> None:
    draft = create_programme(network.coordinator, network.id, status="draft")
    public = create_programme(network.coordinator, network.id, name="Open to all")
    staff, _ = network.person(network.a, "sam.staff")

    assert ids(network.coordinator.get(PROGRAMMES)) == [draft["id"], public["id"]]
    assert ids(network.platform.get(PROGRAMMES)) == [draft["id"], public["id"]]
    for caller in (staff, network.a.api, network.b.api):
        assert ids(caller.get(PROGRAMMES)) == [public["id"]]
        assert_problem(caller.get(programme_url(draft)), 404)
        assert caller.get(programme_url(public)).status_code == 200

    response = patch_with_etag(network.coordinator, programme_url(draft), {"status": "open"})
    assert response.status_code == 200, response.get_json()
    assert ids(staff.get(PROGRAMMES)) == [draft["id"], public["id"]]


def test_a_non_member_sees_none_of_the_consortiums_programmes(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    outsider, _ = network.person(network.c, "olu.outsider")
    for caller in (outsider, network.c.api):
        assert ids(caller.get(PROGRAMMES)) == []
        assert_problem(caller.get(programme_url(programme)), 404)
    assert_problem(network.a.api.get(f"{PROGRAMMES}/{uuid.uuid4()}"), 404)


def test_programmes_filter_and_page_in_creation_order(network: Network) -> None:
    other = make_consortium(network.platform, "south-network", network.a.id)
    first = create_programme(network.coordinator, network.id, type="coaching")
    second = create_programme(network.coordinator, network.id, status="draft")
    third = create_programme(network.platform, other["id"], type="coaching")
    api = network.platform

    assert ids(api.get(PROGRAMMES)) == [first["id"], second["id"], third["id"]]
    assert ids(api.get(PROGRAMMES, query_string={"type": "coaching"})) == [
        first["id"],
        third["id"],
    ]
    assert ids(api.get(PROGRAMMES, query_string={"status": "draft"})) == [second["id"]]
    assert ids(api.get(PROGRAMMES, query_string={"consortium_id": other["id"]})) == [third["id"]]
    walked = pages(api, PROGRAMMES, page_size=2, count="exact")
    assert [ids(r) for r in walked] == [[first["id"], second["id"]], [third["id"]]]
    assert json.loads(walked[0].headers["X-Pagination"])["total"] == 3
    # tenant_a's staff see both consortia's programmes, but not the draft.
    assert ids(network.a.api.get(PROGRAMMES)) == [first["id"], third["id"]]
    assert_problem(api.get(PROGRAMMES, query_string={"status": "paused"}), 422, field="status")
    assert_problem(api.get(PROGRAMMES, query_string={"consortium_id": "x"}), 422)


# --- changing ----------------------------------------------------------------------------


def test_status_moves_forward_and_an_illegal_move_names_the_allowed_ones(
    network: Network,
) -> None:
    programme = create_programme(network.coordinator, network.id, status="draft")
    url = programme_url(programme)

    def move(status: str) -> Any:
        return patch_with_etag(network.coordinator, url, {"status": status})

    body = assert_problem(move("running"), 409, field="status")
    assert "open, closed" in body["detail"]
    for status in ("open", "matching", "open", "matching", "running"):
        response = move(status)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == status
    body = assert_problem(move("open"), 409, field="status")
    assert "from running it can move to: closed" in body["detail"]
    assert move("running").status_code == 200  # the same status is no move at all
    assert move("closed").status_code == 200
    body = assert_problem(move("draft"), 409, field="status")
    assert "cannot change any more" in body["detail"]
    assert network.coordinator.get(url).get_json()["status"] == "closed"


@pytest.mark.parametrize(("start", "to"), [("draft", "closed"), ("open", "closed")])
def test_a_programme_can_close_early(network: Network, start: str, to: str) -> None:
    programme = create_programme(network.coordinator, network.id, status=start)
    response = patch_with_etag(network.coordinator, programme_url(programme), {"status": to})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["accepting_applications"] is False


def test_changes_need_the_current_etag(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    url = programme_url(programme)
    got = network.coordinator.get(url)
    etag = got.headers["ETag"]
    assert network.coordinator.get(url, headers={"If-None-Match": etag}).status_code == 304

    assert_problem(network.coordinator.patch(url, json={"name": "Renamed"}), 428)
    stale = '"0123456789abcdef0123456789abcdef"'
    assert_problem(
        network.coordinator.patch(url, json={"name": "Renamed"}, headers={"If-Match": stale}),
        412,
    )
    changed = network.coordinator.patch(url, json={"name": "Renamed"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["name"] == "Renamed"
    assert changed.headers["ETag"] != etag
    assert_problem(
        network.coordinator.patch(url, json={"name": "Again"}, headers={"If-Match": etag}), 412
    )
    assert network.coordinator.get(url).get_json()["name"] == "Renamed"


def test_rules_and_window_change_in_part(network: Network) -> None:
    programme = create_programme(
        network.coordinator,
        network.id,
        rules={"sessions_max": 8, "eligibility": {"professions": ["nursing"]}},
    )
    url = programme_url(programme)
    change = {
        "description": "Now with more sessions.",
        "matching_mode": "stable",
        "rules": {"sessions_min": 4, "eligibility": {"seniority_min": 5}},
        "application_window": {"closes_at": "2099-01-01T00:00:00+00:00"},
    }
    response = patch_with_etag(network.coordinator, url, change)
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["description"] == "Now with more sessions."
    assert changed["matching_mode"] == "stable"
    assert (changed["rules"]["sessions_min"], changed["rules"]["sessions_max"]) == (4, 8)
    # A new eligibility replaces the old one as a whole.
    assert changed["rules"]["eligibility"]["professions"] == []
    assert changed["rules"]["eligibility"]["seniority_min"] == 5
    assert changed["application_window"] == {
        "opens_at": programme["application_window"]["opens_at"],
        "closes_at": "2099-01-01T00:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rules": {"sessions_min": 9}}, "rules.sessions_min"),
        ({"rules": {"sessions_max": 2}}, "rules.sessions_max"),
        (
            {"application_window": {"closes_at": "2001-01-01T00:00:00+00:00"}},
            "application_window.closes_at",
        ),
        (
            {"application_window": {"opens_at": "2999-01-01T00:00:00+00:00"}},
            "application_window.opens_at",
        ),
        ({"type": "coaching"}, "type"),
        ({"consortium_id": str(uuid.uuid4())}, "consortium_id"),
        ({"status": "paused"}, "status"),
        ({"name": None}, "name"),
    ],
)
def test_invalid_changes_are_refused_naming_the_field(
    network: Network, change: dict[str, Any], field: str
) -> None:
    programme = create_programme(network.coordinator, network.id)
    url = programme_url(programme)
    assert_problem(patch_with_etag(network.coordinator, url, change), 422, field=field)
    assert network.coordinator.get(url).get_json() == programme


def test_only_the_consortiums_coordinators_may_change_a_programme(network: Network) -> None:
    programme = create_programme(network.coordinator, network.id)
    draft = create_programme(network.coordinator, network.id, status="draft")
    staff, _ = network.person(network.a, "sam.staff")
    elsewhere = make_consortium(network.platform, "south-network", network.b.id)
    coordinator_b, _ = network.person(
        network.b, "bea.coordinator", coordinator_of=[elsewhere["id"]]
    )
    outsider_consortium = make_consortium(network.platform, "fire-network", network.c.id)
    outsider, _ = network.person(
        network.c, "olu.outsider", coordinator_of=[outsider_consortium["id"]]
    )
    change = {"name": "Hijacked"}
    anything = {"If-Match": "*"}

    assert_problem(staff.patch(programme_url(programme), json=change, headers=anything), 403)
    assert_problem(
        network.a.api.patch(programme_url(programme), json=change, headers=anything), 403
    )
    # A member's coordinator of another consortium sees the programme but may not change it.
    body = assert_problem(
        coordinator_b.patch(programme_url(programme), json=change, headers=anything), 403
    )
    assert programme["name"] in body["detail"]
    # Nor see its drafts; and a non-member cannot see it at all.
    assert_problem(coordinator_b.patch(programme_url(draft), json=change, headers=anything), 404)
    assert_problem(outsider.patch(programme_url(programme), json=change, headers=anything), 404)
    assert network.coordinator.get(programme_url(programme)).get_json()["name"] == programme["name"]

    response = patch_with_etag(network.platform, programme_url(programme), {"name": "By ops"})
    assert response.status_code == 200, response.get_json()
