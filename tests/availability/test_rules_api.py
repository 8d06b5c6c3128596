"""Availability rules and days off through the API: shape, validation, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from tests.availability.conftest import (
    exceptions_url,
    problem_fields,
    rules_url,
    slots,
    starts,
    weekly,
)
from tests.matches.conftest import MatchWorld

RANGE = ("2027-01-04T00:00:00Z", "2027-01-19T00:00:00Z")  # three Mondays


def test_mentor_adds_lists_and_reads_a_rule(world: MatchWorld) -> None:
    rule = weekly(world.mentor, world.profile_id, rrule="RRULE:FREQ=WEEKLY;BYDAY=MO")
    assert rule["rrule"] == "FREQ=WEEKLY;BYDAY=MO"  # stored without the prefix
    assert rule["timezone"] == "Europe/London"
    assert rule["dtstart"] == "2027-01-04T09:00:00"
    assert rule["profile_id"] == world.profile_id
    listed = world.mentor.get(rules_url(world.profile_id)).get_json()
    assert [r["id"] for r in listed] == [rule["id"]]
    one = world.mentor.get(rules_url(world.profile_id, rule["id"]))
    assert one.status_code == 200 and one.headers["ETag"]


def test_the_spec_documents_dtstart_as_the_wall_clock_time_it_takes_and_shows(
    world: MatchWorld,
) -> None:
    """Not `date-time` (RFC 3339 requires an offset, which a rule's dtstart never has): the
    documented pattern fits what the API shows and refuses what it refuses."""
    import json
    import re

    from consortium.openapi import spec_json

    schemas = json.loads(spec_json(world.app))["components"]["schemas"]
    pattern = schemas["AvailabilityRule"]["properties"]["dtstart"]["pattern"]
    assert schemas["AvailabilityRule"]["properties"]["dtstart"]["format"] != "date-time"
    assert schemas["AvailabilityRuleUpdate"]["properties"]["dtstart"]["pattern"] == pattern
    shown = weekly(world.mentor, world.profile_id)["dtstart"]
    assert re.fullmatch(pattern, shown)
    assert not re.fullmatch(pattern, "2027-01-04T09:00:00+01:00")
    short = world.mentor.post(
        rules_url(world.profile_id), json={"dtstart": "2027-01-04T09:00", "duration_minutes": 30}
    )
    assert short.status_code == 201, short.get_json()


def test_adding_a_rule_is_idempotent_with_a_key(world: MatchWorld) -> None:
    body = {"dtstart": "2027-01-04T09:00:00", "duration_minutes": 60, "rrule": "FREQ=DAILY"}
    headers = {"Idempotency-Key": "rule-1"}
    first = world.mentor.post(rules_url(world.profile_id), json=body, headers=headers)
    again = world.mentor.post(rules_url(world.profile_id), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(world.mentor.get(rules_url(world.profile_id)).get_json()) == 1


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"rrule": "FREQ=HOURLY"}, "rrule", "FREQ=HOURLY is not supported"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule", "invalid BYDAY"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20271231T235959"}, "rrule", "UTC time ending in Z"),
        ({"rrule": "DTSTART:20270104T090000\nRRULE:FREQ=WEEKLY"}, "rrule", "dtstart"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20200101T000000Z"}, "rrule", "no occurrence"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Unknown time zone"),
        ({"duration_minutes": 1441}, "duration_minutes", ""),
        ({"duration_minutes": 0}, "duration_minutes", ""),
        ({"dtstart": "2027-01-04T09:00:00+01:00"}, "dtstart", "naive"),
        ({"dtstart": "next monday"}, "dtstart", ""),
        # Local times that cannot be read in UTC, and times outside the years planned for.
        (
            {"dtstart": "0001-01-01T00:00:00", "rrule": None, "timezone": "Asia/Tokyo"},
            "dtstart",
            "",
        ),
        (
            {"dtstart": "9999-12-31T23:00:00", "rrule": None, "timezone": "America/New_York"},
            "dtstart",
            "",
        ),
        ({"dtstart": "0001-01-01T09:00:00", "rrule": "FREQ=MONTHLY"}, "dtstart", "from 2000"),
        ({"dtstart": "1999-12-31T09:00:00"}, "dtstart", "from 2000"),
        ({"dtstart": "2099-01-04T09:00:00"}, "dtstart", "10 years"),
        ({"rrule": "FREQ=DAILY;COUNT=1001"}, "rrule", "COUNT must be from 1 to 1000"),
        (
            {"rrule": "FREQ=MONTHLY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12;BYMINUTE=0,15,30,45"},
            "rrule",
            "start times a day",
        ),
    ],
)
def test_invalid_rules_are_refused_naming_the_field(
    world: MatchWorld, body: dict[str, Any], field: str, reason: str
) -> None:
    fields = {"dtstart": "2027-01-04T09:00:00", "duration_minutes": 60, "rrule": "FREQ=WEEKLY"}
    response = world.mentor.post(rules_url(world.profile_id), json={**fields, **body})
    assert response.status_code == 422, response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    assert problem_fields(response) == [field]
    assert reason in str(response.get_json())
    assert world.mentor.get(rules_url(world.profile_id)).get_json() == []


def test_a_rule_cannot_be_moved_out_of_range(world: MatchWorld) -> None:
    rule = weekly(world.mentor, world.profile_id)
    url = rules_url(world.profile_id, rule["id"])
    etag = world.mentor.get(url).headers["ETag"]
    body = {"dtstart": "0001-01-01T00:00:00", "timezone": "Asia/Tokyo"}
    response = world.mentor.patch(url, json=body, headers={"If-Match": etag})
    assert response.status_code == 422, response.get_json()
    assert problem_fields(response) == ["dtstart"]
    assert len(slots(world.mentee, world.profile_id, *RANGE)) == 9


def test_who_set_availability_and_why_is_for_its_editors(world: MatchWorld) -> None:
    rule = weekly(world.mentor, world.profile_id)
    body = {"starts_on": "2027-01-11", "ends_on": "2027-01-11", "reason": "Sick leave"}
    assert world.mentor.post(exceptions_url(world.profile_id), json=body).status_code == 201
    rule_url = rules_url(world.profile_id, rule["id"])
    for editor in (world.mentor, world.admin_a, world.platform):
        (listed,) = editor.get(rules_url(world.profile_id)).get_json()
        assert listed["created_by"] == rule["created_by"]
        assert editor.get(rule_url).get_json()["created_by"] == rule["created_by"]
        (days,) = editor.get(exceptions_url(world.profile_id)).get_json()
        assert (days["reason"], days["created_by"]) == ("Sick leave", rule["created_by"])
    colleague = world.person("colleague_a", world.pool.a, "Colin")  # same organisation
    for reader in (colleague, world.coordinator, world.mentee):
        (listed,) = reader.get(rules_url(world.profile_id)).get_json()
        shown = reader.get(rule_url).get_json()
        for view in (listed, shown):
            assert "created_by" not in view
            assert (view["id"], view["rrule"], view["dtstart"]) == (
                rule["id"],
                rule["rrule"],
                rule["dtstart"],
            )
        (days,) = reader.get(exceptions_url(world.profile_id)).get_json()
        assert "reason" not in days and "created_by" not in days
        assert (days["starts_on"], days["ends_on"]) == ("2027-01-11", "2027-01-11")
        assert "Sick leave" not in str(reader.get(exceptions_url(world.profile_id)).get_json())


def test_changing_a_rule_needs_if_match_and_is_validated_whole(world: MatchWorld) -> None:
    rule = weekly(world.mentor, world.profile_id)
    url = rules_url(world.profile_id, rule["id"])
    assert world.mentor.patch(url, json={"duration_minutes": 60}).status_code == 428
    stale = world.mentor.patch(
        url, json={"duration_minutes": 60}, headers={"If-Match": '"0123456789abcdef"'}
    )
    assert stale.status_code == 412
    etag = world.mentor.get(url).headers["ETag"]
    bad = world.mentor.patch(url, json={"rrule": "FREQ=MINUTELY"}, headers={"If-Match": etag})
    assert bad.status_code == 422 and problem_fields(bad) == ["rrule"]
    changed = world.mentor.patch(
        url,
        json={"rrule": "FREQ=WEEKLY;BYDAY=TU", "duration_minutes": 60},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["rrule"] == "FREQ=WEEKLY;BYDAY=TU"
    assert starts(slots(world.mentor, world.profile_id, *RANGE))[0] == "2027-01-05T09:00:00+00:00"


def test_deleting_a_rule_removes_its_slots(world: MatchWorld) -> None:
    rule = weekly(world.mentor, world.profile_id)
    assert slots(world.mentor, world.profile_id, *RANGE)
    url = rules_url(world.profile_id, rule["id"])
    etag = world.mentor.get(url).headers["ETag"]
    assert world.mentor.browser.delete(url).status_code == 428
    stale = world.mentor.browser.delete(url, headers={"If-Match": '"0123456789abcdef"'})
    assert stale.status_code == 412
    assert slots(world.mentor, world.profile_id, *RANGE)  # nothing removed by either
    response = world.mentor.browser.delete(url, headers={"If-Match": etag})
    assert response.status_code == 204
    assert slots(world.mentor, world.profile_id, *RANGE) == []
    again = world.mentor.browser.delete(url, headers={"If-Match": etag})
    assert again.status_code == 404


def test_days_off_remove_slots_and_can_be_taken_back(world: MatchWorld) -> None:
    weekly(world.mentor, world.profile_id)
    body = {"starts_on": "2027-01-11", "ends_on": "2027-01-11", "reason": "Training"}
    response = world.mentor.post(exceptions_url(world.profile_id), json=body)
    assert response.status_code == 201, response.get_json()
    exception = response.get_json()
    assert exception["timezone"] == "Europe/London"
    days = {s["start"][:10] for s in slots(world.mentor, world.profile_id, *RANGE)}
    assert days == {"2027-01-04", "2027-01-18"}
    listed = world.mentor.get(exceptions_url(world.profile_id)).get_json()
    assert [e["reason"] for e in listed] == ["Training"]
    gone = world.mentor.browser.delete(exceptions_url(world.profile_id, exception["id"]))
    assert gone.status_code == 204
    days = {s["start"][:10] for s in slots(world.mentor, world.profile_id, *RANGE)}
    assert days == {"2027-01-04", "2027-01-11", "2027-01-18"}


def test_days_off_must_be_in_order(world: MatchWorld) -> None:
    body = {"starts_on": "2027-01-11", "ends_on": "2027-01-10"}
    response = world.mentor.post(exceptions_url(world.profile_id), json=body)
    assert response.status_code == 422 and problem_fields(response) == ["ends_on"]
    body = {"starts_on": "2027-01-11", "ends_on": "2027-01-11", "timezone": "Nowhere/Else"}
    response = world.mentor.post(exceptions_url(world.profile_id), json=body)
    assert response.status_code == 422 and problem_fields(response) == ["timezone"]


# --- who may do what -------------------------------------------------------------------------


def test_an_admin_of_the_mentors_organisation_manages_their_availability(
    world: MatchWorld,
) -> None:
    rule = weekly(world.admin_a, world.profile_id)
    assert rule["created_by"] == world.admin_a.name
    url = rules_url(world.profile_id, rule["id"])
    etag = world.admin_a.get(url).headers["ETag"]
    changed = world.admin_a.patch(url, json={"duration_minutes": 60}, headers={"If-Match": etag})
    assert changed.status_code == 200
    body = {"starts_on": "2027-01-11", "ends_on": "2027-01-12"}
    assert world.admin_a.post(exceptions_url(world.profile_id), json=body).status_code == 201
    etag = world.admin_a.get(url).headers["ETag"]
    assert world.admin_a.browser.delete(url, headers={"If-Match": etag}).status_code == 204


def test_others_who_see_the_profile_read_but_may_not_change(world: MatchWorld) -> None:
    rule = weekly(world.mentor, world.profile_id)
    colleague = world.person("colleague_a", world.pool.a, "Colin")  # same organisation
    for reader in (colleague, world.coordinator, world.mentee):
        assert reader.get(rules_url(world.profile_id)).status_code == 200
        assert len(slots(reader, world.profile_id, *RANGE)) == 9
        body = {"dtstart": "2027-01-05T09:00:00", "duration_minutes": 60}
        refused = reader.post(rules_url(world.profile_id), json=body)
        assert refused.status_code == 403, refused.get_json()
        url = rules_url(world.profile_id, rule["id"])
        etag = reader.get(url).headers["ETag"]
        patch = reader.patch(url, json={"duration_minutes": 30}, headers={"If-Match": etag})
        assert patch.status_code == 403
        assert reader.browser.delete(url).status_code == 403
        exception = {"starts_on": "2027-01-11", "ends_on": "2027-01-11"}
        assert reader.post(exceptions_url(world.profile_id), json=exception).status_code == 403
    assert len(world.mentor.get(rules_url(world.profile_id)).get_json()) == 1


def test_another_tenant_outside_the_consortium_sees_nothing(world: MatchWorld) -> None:
    rule = weekly(world.mentor, world.profile_id)
    outsider = world.person("outsider", world.pool.b, "Oscar", org_admin=True)
    for path in (
        rules_url(world.profile_id),
        rules_url(world.profile_id, rule["id"]),
        exceptions_url(world.profile_id),
        f"/api/v1/mentor-profiles/{world.profile_id}/slots?start={RANGE[0]}&end={RANGE[1]}",
    ):
        response = outsider.get(path)
        assert response.status_code == 404, (path, response.get_json())
    body = {"dtstart": "2027-01-05T09:00:00", "duration_minutes": 60}
    assert outsider.post(rules_url(world.profile_id), json=body).status_code == 404
    assert outsider.browser.delete(rules_url(world.profile_id, rule["id"])).status_code == 404
