"""Free slots through the API: one mentor's, the consortium-wide search, and check_bookable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.api.helpers import pages
from tests.availability.conftest import (
    SLOTS,
    add_rule,
    book,
    exceptions_url,
    other_mentor,
    problem_fields,
    slots,
    slots_url,
    starts,
    weekly,
)
from tests.matches.conftest import MatchWorld


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_slots_keep_local_time_across_both_clock_changes(world: MatchWorld) -> None:
    add_rule(
        world.mentor,
        world.profile_id,
        dtstart="2027-01-03T09:00:00",
        duration_minutes=60,
        rrule="FREQ=WEEKLY;BYDAY=SU,MO",
    )
    spring = slots(world.mentee, world.profile_id, "2027-03-21T00:00:00Z", "2027-03-30T00:00:00Z")
    assert [(s["start"], s["utc_offset"], s["local_start"]) for s in spring] == [
        ("2027-03-21T09:00:00+00:00", "+00:00", "2027-03-21T09:00:00+00:00"),
        ("2027-03-22T09:00:00+00:00", "+00:00", "2027-03-22T09:00:00+00:00"),
        ("2027-03-28T08:00:00+00:00", "+01:00", "2027-03-28T09:00:00+01:00"),
        ("2027-03-29T08:00:00+00:00", "+01:00", "2027-03-29T09:00:00+01:00"),
    ]
    autumn = slots(world.mentee, world.profile_id, "2027-10-24T00:00:00Z", "2027-11-02T00:00:00Z")
    assert [(s["start"], s["utc_offset"]) for s in autumn] == [
        ("2027-10-24T08:00:00+00:00", "+01:00"),
        ("2027-10-25T08:00:00+00:00", "+01:00"),
        ("2027-10-31T09:00:00+00:00", "+00:00"),
        ("2027-11-01T09:00:00+00:00", "+00:00"),
    ]
    assert {s["timezone"] for s in spring + autumn} == {"Europe/London"}
    assert all(s["end"] > s["start"] for s in spring)


def test_a_window_over_the_night_the_clocks_change(world: MatchWorld) -> None:
    # 01:00 for two hours on the nights of both changes: exact durations (RFC 5545).
    add_rule(world.mentor, world.profile_id, dtstart="2027-03-28T01:00:00", duration_minutes=120)
    add_rule(world.mentor, world.profile_id, dtstart="2027-10-31T01:00:00", duration_minutes=120)
    # 01:00 local does not happen on 28 March (the clocks jump from 01:00 GMT to 02:00 BST):
    # it is read with the offset before the change, 01:00 UTC.
    march = slots(world.mentor, world.profile_id, "2027-03-27T00:00:00Z", "2027-03-29T00:00:00Z")
    assert [(s["start"], s["local_start"]) for s in march] == [
        ("2027-03-28T01:00:00+00:00", "2027-03-28T02:00:00+01:00"),
        ("2027-03-28T02:00:00+00:00", "2027-03-28T03:00:00+01:00"),
    ]
    october = slots(world.mentor, world.profile_id, "2027-10-30T00:00:00Z", "2027-11-01T00:00:00Z")
    assert [(s["start"], s["local_start"]) for s in october] == [
        ("2027-10-31T00:00:00+00:00", "2027-10-31T01:00:00+01:00"),  # the first 01:00
        ("2027-10-31T01:00:00+00:00", "2027-10-31T01:00:00+00:00"),  # and the second
    ]


def test_monthly_first_monday_rule(world: MatchWorld) -> None:
    add_rule(
        world.mentor,
        world.profile_id,
        dtstart="2027-01-04T14:00:00",
        duration_minutes=60,
        rrule="FREQ=MONTHLY;BYDAY=1MO;COUNT=3",
    )
    found = slots(world.mentor, world.profile_id, "2027-01-01T00:00:00Z", "2027-04-01T00:00:00Z")
    assert starts(found) == [
        "2027-01-04T14:00:00+00:00",
        "2027-02-01T14:00:00+00:00",
        "2027-03-01T14:00:00+00:00",
    ]


def test_duration_and_pagination(world: MatchWorld) -> None:
    weekly(world.mentor, world.profile_id)  # Mondays 09:00-12:00
    found = slots(
        world.mentor, world.profile_id, "2027-01-04T00:00:00Z", "2027-01-05T00:00:00Z", duration=45
    )
    assert starts(found) == [
        "2027-01-04T09:00:00+00:00",
        "2027-01-04T09:45:00+00:00",
        "2027-01-04T10:30:00+00:00",
        "2027-01-04T11:15:00+00:00",
    ]
    walked = pages(
        world.mentor,
        slots_url(world.profile_id),
        start="2027-01-04T00:00:00Z",
        end="2027-02-01T00:00:00Z",
        page_size=2,
        count="exact",
    )
    assert '"total": 12' in walked[0].headers["X-Pagination"]
    assert [len(r.get_json()) for r in walked] == [2] * 6  # twelve hour-long slots, once each
    assert starts(walked[1].get_json()) == ["2027-01-04T11:00:00+00:00", "2027-01-11T09:00:00+00:00"]
    listed = [s for r in walked for s in starts(r.get_json())]
    assert listed == sorted(set(listed))


def test_no_slot_starts_in_the_past(world: MatchWorld) -> None:
    # The service's clock is pinned to 1 December 2026 at 12:00 UTC (see conftest).
    add_rule(
        world.mentor,
        world.profile_id,
        dtstart="2026-11-30T09:00:00",
        duration_minutes=600,
        rrule="FREQ=DAILY",
    )
    found = slots(world.mentor, world.profile_id, "2026-11-30T00:00:00Z", "2026-12-02T00:00:00Z")
    assert starts(found)[:2] == ["2026-12-01T12:00:00+00:00", "2026-12-01T13:00:00+00:00"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2027-01-01T00:00:00Z", "end": "2027-04-03T00:00:01Z"}, "end"),  # 92 days +
        ({"start": "2027-01-10T00:00:00Z", "end": "2027-01-01T00:00:00Z"}, "end"),
        ({"start": "2027-01-01T00:00:00", "end": "2027-01-02T00:00:00Z"}, "start"),  # no offset
        (
            {"start": "2027-01-01T00:00:00Z", "end": "2027-01-02T00:00:00Z", "duration": 10},
            "duration",
        ),
        (
            {"start": "2027-01-01T00:00:00Z", "end": "2027-01-02T00:00:00Z", "duration": 481},
            "duration",
        ),
        ({"end": "2027-01-02T00:00:00Z"}, "start"),
        # Beyond the years the service plans for (and, at 9999, past what a day's margin fits).
        ({"start": "9999-12-30T00:00:00Z", "end": "9999-12-31T00:00:00Z"}, "start,end"),
        ({"start": "2026-12-30T00:00:00Z", "end": "9999-12-31T00:00:00Z"}, "end"),
        ({"start": "0001-01-01T00:00:00+05:00", "end": "2027-01-02T00:00:00Z"}, "start"),
        ({"start": "1999-12-31T00:00:00Z", "end": "2000-01-02T00:00:00Z"}, "start"),
    ],
)
def test_slot_queries_are_checked(world: MatchWorld, query: dict[str, Any], field: str) -> None:
    weekly(world.mentor, world.profile_id)  # something to expand, were the range let through
    response = world.mentor.get(slots_url(world.profile_id), query_string=query)
    assert response.status_code == 422, response.get_json()
    assert problem_fields(response) == field.split(",")
    searched = world.coordinator.get(
        SLOTS, query_string={"consortium_id": world.network_id, **query}
    )
    assert searched.status_code == 422, searched.get_json()
    assert problem_fields(searched) == field.split(",")


def test_ninety_two_days_are_allowed(world: MatchWorld) -> None:
    weekly(world.mentor, world.profile_id)
    found = slots(world.mentor, world.profile_id, "2027-01-01T00:00:00Z", "2027-04-03T00:00:00Z")
    assert len(found) == 13 * 3


def test_booked_sessions_remove_slots_of_the_mentor(world: MatchWorld) -> None:
    weekly(world.mentor, world.profile_id)
    match = world.proposal()
    book(world.app, world, match, utc(2027, 1, 4, 10), utc(2027, 1, 4, 11))
    found = slots(world.mentee, world.profile_id, "2027-01-04T00:00:00Z", "2027-01-05T00:00:00Z")
    assert starts(found) == ["2027-01-04T09:00:00+00:00", "2027-01-04T11:00:00+00:00"]


def test_busy_blocks_remove_slots(world: MatchWorld, owner_engine: Engine) -> None:
    from sqlalchemy import text

    weekly(world.mentor, world.profile_id)
    with owner_engine.begin() as c:  # as a fetched feed leaves them (test_busy covers fetching)
        feed_id = uuid.uuid4()
        c.execute(
            text(
                "INSERT INTO busy_feeds (id, created_at, updated_at, organisation_id, profile_id,"
                " url_encrypted, url_host, status, failures, block_count, created_by) VALUES"
                " (:id, now(), now(), :org, :p, 'x', 'calendar.example.org', 'ok', 0, 1, 't')"
            ),
            {"id": feed_id, "org": world.pool.a.id, "p": world.profile_id},
        )
        c.execute(
            text(
                "INSERT INTO busy_blocks (id, created_at, updated_at, organisation_id, profile_id,"
                " feed_id, starts_at, ends_at) VALUES (:id, now(), now(), :org, :p, :f,"
                " '2027-01-04T09:30:00Z', '2027-01-04T10:00:00Z')"
            ),
            {"id": uuid.uuid4(), "org": world.pool.a.id, "p": world.profile_id, "f": feed_id},
        )
    found = slots(
        world.coordinator, world.profile_id, "2027-01-04T00:00:00Z", "2027-01-05T00:00:00Z"
    )
    assert starts(found) == ["2027-01-04T10:00:00+00:00", "2027-01-04T11:00:00+00:00"]
    assert "busy" not in str(found)


# --- the consortium-wide search --------------------------------------------------------------


def search(caller: Any, world: MatchWorld, **query: Any) -> Any:
    base = {
        "consortium_id": world.network_id,
        "start": "2027-01-04T00:00:00Z",
        "end": "2027-01-19T00:00:00Z",
    }
    return caller.get(SLOTS, query_string={**base, **query})


def test_search_lists_mentors_with_their_earliest_slots(
    vetted_world: MatchWorld, owner_engine: Engine
) -> None:
    world = vetted_world
    weekly(world.mentor, world.profile_id)  # Mondays 09:00 London
    tuesday = other_mentor(world, owner_engine, world.pool.gamma)
    add_rule(
        world.platform,
        tuesday,
        dtstart="2027-01-05T08:00:00",
        duration_minutes=120,
        rrule="FREQ=WEEKLY;BYDAY=TU",
    )
    idle = other_mentor(world, owner_engine, world.pool.delta)  # no availability: left out
    response = search(world.coordinator, world, per_mentor=2)
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    assert [m["mentor"]["id"] for m in found] == [world.profile_id, tuesday]
    assert idle not in str(found)
    assert starts(found[0]["slots"]) == ["2027-01-04T09:00:00+00:00", "2027-01-04T10:00:00+00:00"]
    assert starts(found[1]["slots"]) == ["2027-01-05T08:00:00+00:00", "2027-01-05T09:00:00+00:00"]
    assert found[0]["mentor"]["person"]["display_name"] == world.mentor.name
    assert "X-Pagination" in response.headers
    # Any member's staff may search too; per_mentor defaults to 3.
    as_mentee = search(world.mentee, world).get_json()
    assert [len(m["slots"]) for m in as_mentee] == [3, 3]


def test_search_filters_by_topic_capacity_vetting_and_status(
    vetted_world: MatchWorld, owner_engine: Engine
) -> None:
    from sqlalchemy import text

    world = vetted_world
    weekly(world.mentor, world.profile_id)
    others = [other_mentor(world, owner_engine, world.pool.gamma) for _ in range(4)]
    for profile_id in others:
        weekly(world.platform, profile_id)
    with owner_engine.begin() as c:
        c.execute(
            text("UPDATE mentor_profiles SET topics = '[\"finance\"]' WHERE id = :p"),
            {"p": others[0]},
        )
        c.execute(
            text("UPDATE mentor_profiles SET active_load = capacity WHERE id = :p"),
            {"p": others[1]},
        )
        c.execute(
            text(
                "UPDATE mentor_profiles SET vetting_expires_on = NULL, vetting_status ="
                " 'pending' WHERE id = :p"
            ),
            {"p": others[2]},
        )
        c.execute(
            text("UPDATE mentor_profiles SET status = 'paused' WHERE id = :p"), {"p": others[3]}
        )
    ids = [m["mentor"]["id"] for m in search(world.coordinator, world).get_json()]
    assert sorted(ids) == sorted([world.profile_id, others[0]])
    ids = [m["mentor"]["id"] for m in search(world.coordinator, world, topic="Finance").get_json()]
    assert ids == [others[0]]


def test_search_is_for_the_consortiums_members(vetted_world: MatchWorld) -> None:
    world = vetted_world
    weekly(world.mentor, world.profile_id)
    outsider = world.person("outsider", world.pool.b, "Oscar")
    response = search(outsider, world)
    assert response.status_code == 404
    response = search(world.coordinator, world, consortium_id=str(uuid.uuid4()))
    assert response.status_code == 404
    response = search(world.coordinator, world, end="2027-06-01T00:00:00Z")
    assert response.status_code == 422 and problem_fields(response) == ["end"]
    response = search(world.coordinator, world, per_mentor=11)
    assert response.status_code == 422 and problem_fields(response) == ["per_mentor"]


# --- check_bookable (for the sessions domain) ------------------------------------------------


def test_check_bookable(world: MatchWorld, owner_engine: Engine) -> None:
    from consortium.availability.service import check_bookable
    from consortium.core import tenancy
    from consortium.core.errors import Invalid

    weekly(world.mentor, world.profile_id)  # Mondays 09:00-12:00 London
    days_off = {"starts_on": "2027-01-11", "ends_on": "2027-01-11"}
    assert world.mentor.post(exceptions_url(world.profile_id), json=days_off).status_code == 201
    match = world.proposal()
    book(world.app, world, match, utc(2027, 1, 4, 9), utc(2027, 1, 4, 10))
    profile_id = uuid.UUID(world.profile_id)

    def bookable(starts_at: datetime, ends_at: datetime) -> str | None:
        # As the mentee's organisation: the profile's rows are another tenant's.
        with world.app.app_context(), tenancy.acting_for(uuid.UUID(world.pool.gamma.id), name="t"):
            try:
                check_bookable(profile_id=profile_id, starts_at=starts_at, ends_at=ends_at)
            except Invalid as refused:
                assert refused.field == "start"
                return refused.detail
            return None

    assert bookable(utc(2027, 1, 4, 10), utc(2027, 1, 4, 11)) is None
    assert bookable(utc(2027, 1, 4, 9), utc(2027, 1, 4, 12)) is None  # bookings not counted
    assert bookable(utc(2027, 1, 4, 11, 30), utc(2027, 1, 4, 12, 30))  # runs past the window
    assert bookable(utc(2027, 1, 5, 10), utc(2027, 1, 5, 11))  # a Tuesday
    assert bookable(utc(2027, 1, 11, 10), utc(2027, 1, 11, 11))  # a day off
    assert bookable(utc(2027, 1, 4, 11), utc(2027, 1, 4, 10))  # backwards
    # In summer the window is 08:00-11:00 UTC.
    assert bookable(utc(2027, 6, 7, 8), utc(2027, 6, 7, 9)) is None
    assert bookable(utc(2027, 6, 7, 11), utc(2027, 6, 7, 12))
