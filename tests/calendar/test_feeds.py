"""GET /api/v1/me/calendar, its rotation, and the feed at /calendar/{token}.ics."""

from __future__ import annotations

import uuid
from datetime import MAXYEAR, UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Timezone
from sqlalchemy.engine import Engine

from tests.calendar.conftest import (
    ME_CALENDAR,
    Pair,
    events,
    feed_url,
    fetch_feed,
    invitation_mails,
    now,
    parse_feed,
)
from tests.conftest import ApiClient
from tests.pool.conftest import Person

LONDON = ZoneInfo("Europe/London")


def _at(year: int, month: int, day: int, hour: int) -> datetime:
    """A London wall-clock time, as the UTC instant stored."""
    return datetime(year, month, day, hour, tzinfo=LONDON).astimezone(UTC)


def test_the_feed_address_is_made_on_first_use_and_shown_again(pair: Pair) -> None:
    first = pair.mentee.get(ME_CALENDAR)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert set(body) == {"url", "created_at", "rotated_at"}
    assert body["rotated_at"] is None
    parts = urlsplit(body["url"])
    assert parts.scheme == "http" and parts.netloc == "localhost"  # PUBLIC_BASE_URL
    assert parts.path.startswith("/calendar/") and parts.path.endswith(".ics")
    assert len(parts.path) > len("/calendar/.ics") + 40  # a 256-bit token
    again = pair.mentee.get(ME_CALENDAR).get_json()
    assert again == body
    # Each person has their own address.
    assert feed_url(pair.mentor) != body["url"]


def test_api_clients_and_the_platform_have_no_calendar(pair: Pair, platform: ApiClient) -> None:
    for caller in (pair.world.pool.a.api, platform):
        for response in (caller.get(ME_CALENDAR), caller.post(f"{ME_CALENDAR}/rotate")):
            assert response.status_code == 403, response.get_json()
            assert response.mimetype == "application/problem+json"
            assert "sign in as yourself" in response.get_json()["detail"]


def test_the_feed_needs_no_sign_in_and_lists_the_persons_sessions(
    pair: Pair, anonymous: ApiClient
) -> None:
    start = (now() + timedelta(days=3)).replace(microsecond=0)
    session_id = pair.book(start, location="Room 4, Civic Centre", mode="in_person")
    response = fetch_feed(anonymous, feed_url(pair.mentee))
    assert response.headers["Cache-Control"] == "private, no-store"
    calendar = parse_feed(response)
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Consortium//")
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert "METHOD" not in calendar  # a feed, not an invitation
    assert calendar["X-WR-CALNAME"] == f"Mentoring sessions: {pair.mentee.name}"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{session_id}@localhost"
    assert event["SUMMARY"] == f"Mentoring: {pair.mentor.name} and {pair.mentee.name}"
    assert event["LOCATION"] == "Room 4, Civic Centre"
    assert event["STATUS"] == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert event.start == start and event.end == start + timedelta(hours=1)
    assert "Leading Across Boundaries" in event["DESCRIPTION"]
    assert "In person" in event["DESCRIPTION"]
    session_link = f"http://localhost/pairings/{pair.match['id']}#session-{session_id}"
    assert session_link in event["DESCRIPTION"]
    assert str(event["URL"]) == session_link
    # The pairing is active: each person's address is shown to the other.
    assert str(event["ORGANIZER"]) == f"mailto:{pair.mentor.email}"
    attendees = {str(a) for a in event["ATTENDEE"]}
    assert attendees == {f"mailto:{pair.mentor.email}", f"mailto:{pair.mentee.email}"}
    # The mentor's feed shows the same event under the same UID.
    mentors = parse_feed(fetch_feed(anonymous, feed_url(pair.mentor)))
    assert set(events(mentors)) == {f"{session_id}@localhost"}


def test_a_virtual_session_without_a_place_is_virtual(pair: Pair, anonymous: ApiClient) -> None:
    pair.book(now() + timedelta(days=2))
    (event,) = parse_feed(fetch_feed(anonymous, feed_url(pair.mentor))).walk("VEVENT")
    assert event["LOCATION"] == "Virtual"
    assert "Virtual" in event["DESCRIPTION"]


def test_times_are_london_wall_clock_with_the_right_instant_summer_and_winter(
    pair: Pair, anonymous: ApiClient
) -> None:
    year = now().year + 1
    summer = _at(year, 7, 15, 14)  # 14:00 BST = 13:00 UTC
    winter = _at(year, 1, 15, 14)  # 14:00 GMT = 14:00 UTC
    assert summer.hour == 13 and winter.hour == 14
    summer_id, winter_id = pair.book(summer), pair.book(winter)
    response = fetch_feed(anonymous, feed_url(pair.mentee))
    text = response.data.decode()
    assert f"DTSTART;TZID=Europe/London:{year}0715T140000" in text
    assert f"DTSTART;TZID=Europe/London:{year}0115T140000" in text
    calendar = parse_feed(response)
    # The zone is described in the document itself, generated for the years it spans.
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/London"]
    assert zones[0].walk("DAYLIGHT") and zones[0].walk("STANDARD")
    found = events(calendar)
    summer_event, winter_event = found[f"{summer_id}@localhost"], found[f"{winter_id}@localhost"]
    assert summer_event["DTSTART"].params["TZID"] == "Europe/London"
    assert summer_event.start == summer and winter_event.start == winter
    assert summer_event.start.utcoffset() == timedelta(hours=1)
    assert winter_event.start.utcoffset() == timedelta(0)
    # Parsed with the document's own VTIMEZONE (not the system's zone data), still right.
    from icalendar import Timezone

    zone = Timezone.from_ical(zones[0].to_ical()).to_tz()
    naive = datetime(year, 7, 15, 14)
    assert naive.replace(tzinfo=zone).astimezone(UTC) == summer


def test_the_feed_round_trips_and_follows_changes(pair: Pair, anonymous: ApiClient) -> None:
    url = feed_url(pair.mentee)
    moved_id = pair.book(now() + timedelta(days=5))
    cancelled_id = pair.book(now() + timedelta(days=6))
    first = fetch_feed(anonymous, url)
    second = fetch_feed(anonymous, url)
    assert first.data == second.data  # nothing changed: the same document, the same ETag
    assert first.headers["ETag"] == second.headers["ETag"]
    calendar = parse_feed(first)
    assert Calendar.from_ical(calendar.to_ical()).to_ical() == calendar.to_ical()
    before = events(calendar)
    assert set(before) == {f"{moved_id}@localhost", f"{cancelled_id}@localhost"}
    new_start = (now() + timedelta(days=8)).replace(microsecond=0)
    pair.reschedule(moved_id, new_start)
    pair.cancel(cancelled_id)
    third = fetch_feed(anonymous, url)
    assert third.headers["ETag"] != first.headers["ETag"]
    after = events(parse_feed(third))
    assert set(after) == set(before)  # same UIDs: calendar apps update, not duplicate
    moved = after[f"{moved_id}@localhost"]
    assert moved["SEQUENCE"] == before[f"{moved_id}@localhost"]["SEQUENCE"] + 1
    assert moved.start == new_start and moved["STATUS"] == "CONFIRMED"
    cancelled = after[f"{cancelled_id}@localhost"]
    assert cancelled["STATUS"] == "CANCELLED" and cancelled["SEQUENCE"] == 1


def test_an_unchanged_feed_answers_304_to_its_etag(pair: Pair, anonymous: ApiClient) -> None:
    url = feed_url(pair.mentor)
    pair.book(now() + timedelta(days=1))
    etag = fetch_feed(anonymous, url).headers["ETag"]
    response = anonymous.get(urlsplit(url).path, headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_old_sessions_drop_out_after_ninety_days(pair: Pair, anonymous: ApiClient) -> None:
    recent = pair.book(now() - timedelta(days=80), status="held")
    old = pair.book(now() - timedelta(days=100), status="held")
    found = events(parse_feed(fetch_feed(anonymous, feed_url(pair.mentee))))
    assert f"{recent}@localhost" in found and f"{old}@localhost" not in found


def test_rotating_retires_the_old_address(pair: Pair, anonymous: ApiClient) -> None:
    pair.book(now() + timedelta(days=2))
    old = pair.mentee.get(ME_CALENDAR).get_json()
    assert fetch_feed(anonymous, old["url"]).status_code == 200
    response = pair.mentee.post(f"{ME_CALENDAR}/rotate")
    assert response.status_code == 200, response.get_json()
    rotated = response.get_json()
    assert rotated["url"] != old["url"] and rotated["rotated_at"] is not None
    assert rotated["created_at"] == old["created_at"]
    assert pair.mentee.get(ME_CALENDAR).get_json()["url"] == rotated["url"]
    gone = fetch_feed(anonymous, old["url"])
    assert gone.status_code == 404
    assert gone.mimetype == "application/problem+json"
    assert len(parse_feed(fetch_feed(anonymous, rotated["url"])).walk("VEVENT")) == 1


def test_rotating_before_any_feed_makes_one(pair: Pair, anonymous: ApiClient) -> None:
    response = pair.mentor.post(f"{ME_CALENDAR}/rotate")
    assert response.status_code == 200, response.get_json()
    assert fetch_feed(anonymous, response.get_json()["url"]).status_code == 200


def test_unknown_tokens_are_404_problems(anonymous: ApiClient, app: Any) -> None:
    for path in ("/calendar/not-a-token.ics", "/calendar/.ics", "/calendar/abc"):
        response = anonymous.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"


def test_a_persons_feed_shows_their_sessions_only(pair: Pair, anonymous: ApiClient) -> None:
    """Another pairing of the same mentor shows in her feed, not in Gail's."""
    from tests.programmes.support import apply, create_programme

    world = pair.world
    ours = pair.book(now() + timedelta(days=2))
    other_mentee = world.person("other_mentee", world.pool.delta, "Olu")
    programme = create_programme(world.coordinator, world.network_id, name="Second Programme")
    world.application = apply(other_mentee, programme)
    other = world.proposal()
    act_ok_all = [
        (world.coordinator, "approve"),
        (world.mentor, "accept"),
        (other_mentee, "accept"),
    ]
    from tests.matches.conftest import act_ok

    for caller, action in act_ok_all:
        act_ok(caller, other, action)
    theirs = Pair(world, other).book(now() + timedelta(days=4))
    mentor_feed = events(parse_feed(fetch_feed(anonymous, feed_url(world.mentor))))
    mentee_feed = events(parse_feed(fetch_feed(anonymous, feed_url(world.mentee))))
    olu_feed = events(parse_feed(fetch_feed(anonymous, feed_url(other_mentee))))
    assert set(mentor_feed) == {f"{ours}@localhost", f"{theirs}@localhost"}
    assert set(mentee_feed) == {f"{ours}@localhost"}
    assert set(olu_feed) == {f"{theirs}@localhost"}
    # Olu's feed names only Olu and the mentor: nothing of Gail's.
    text = fetch_feed(anonymous, feed_url(other_mentee)).data.decode()
    assert world.mentee.email not in text and "Gail" not in text


def test_someone_without_sessions_gets_an_empty_valid_calendar(
    pair: Pair, anonymous: ApiClient
) -> None:
    colleague = pair.world.colleague
    calendar = parse_feed(fetch_feed(anonymous, feed_url(colleague)))
    assert calendar.walk("VEVENT") == [] and calendar["VERSION"] == "2.0"


# --- the ends of the calendar ----------------------------------------------------------------


def test_sessions_near_the_end_of_the_calendar_make_feeds_and_invitations(
    pair: Pair, anonymous: ApiClient, owner_engine: Engine
) -> None:
    """Year 9998 may be booked (only MAXYEAR is refused): the zone's rules are generated up to
    the start of 9999, never past datetime's range, and the times stay right."""
    summer = _at(9998, 7, 1, 14)  # 14:00 BST
    new_year = datetime(9998, 12, 31, 23, 30, tzinfo=UTC)  # ends in 9999
    summer_id = pair.book(summer, invite=True)
    new_year_id = pair.book(new_year, invite=True)
    response = fetch_feed(anonymous, feed_url(pair.mentee))
    assert "DTSTART;TZID=Europe/London:99980701T140000" in response.data.decode()
    calendar = parse_feed(response)
    found = events(calendar)
    assert found[f"{summer_id}@localhost"].start == summer
    assert found[f"{summer_id}@localhost"].start.utcoffset() == timedelta(hours=1)
    assert found[f"{new_year_id}@localhost"].end == new_year + timedelta(hours=1)
    (zone,) = calendar.walk("VTIMEZONE")
    naive = datetime(9998, 7, 1, 14)
    assert naive.replace(tzinfo=Timezone.from_ical(zone.to_ical()).to_tz()).astimezone(UTC) == (
        summer
    )
    for person in (pair.mentor, pair.mentee):
        starts = [
            Calendar.from_ical(m["attachments"][0]["content"]).walk("VEVENT")[0].start
            for m in invitation_mails(owner_engine, person)
        ]
        assert starts == [summer, new_year]


def test_the_first_and_last_minutes_of_datetimes_range_do_not_overflow(pair: Pair) -> None:
    """Beyond what can be booked, but a document of such a session must still be made: London's
    offset in year 1 (LMT, -0:01:15) would take the time out of range, so it is given in UTC."""
    from consortium.calendar import ics
    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.sessions.models import MentoringSession

    first = datetime(1, 1, 1, 0, 0, 30, tzinfo=UTC)
    last = datetime(MAXYEAR, 12, 31, 22, tzinfo=UTC)
    ids = [pair.book(first), pair.book(last)]
    with pair.app.app_context(), tenancy.all_tenants():
        sessions = [db.session.get(MentoringSession, uuid.UUID(i)) for i in ids]
        assert all(sessions)
        for session in sessions:
            assert session is not None
            (entry,) = ics.entries([session])
            text = ics.invitation(entry, method="REQUEST", stamp=now())
            (event,) = Calendar.from_ical(text).walk("VEVENT")
            assert event.start == session.starts_at
        both = ics.to_text(ics.document(ics.entries(s for s in sessions if s is not None)))
    assert [e.start for e in Calendar.from_ical(both).walk("VEVENT")] == [first, last]


# --- people who are no longer active ---------------------------------------------------------


def _set_status(person: Person, status: str) -> None:
    """Change a person's status as their organisation's API client does."""
    url = f"/api/v1/people/{person.id}"
    etag = person.tenant.api.get(url).headers["ETag"]
    response = person.tenant.api.patch(url, json={"status": status}, headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()


def test_a_deactivated_persons_feed_is_gone_until_they_are_reactivated(
    pair: Pair, anonymous: ApiClient
) -> None:
    session_id = pair.book(now() + timedelta(days=3))
    mentee_url, mentor_url = feed_url(pair.mentee), feed_url(pair.mentor)
    assert fetch_feed(anonymous, mentee_url).status_code == 200
    unknown = anonymous.get("/calendar/not-a-token.ics").get_json()
    _set_status(pair.mentee, "inactive")
    gone = fetch_feed(anonymous, mentee_url)
    assert gone.status_code == 404
    assert gone.mimetype == "application/problem+json"
    # Exactly like an unknown address: nothing of the sessions, the other person, or why.
    assert gone.get_json()["detail"] == unknown["detail"]
    assert pair.mentor.email.encode() not in gone.data
    # The other person's feed is theirs, and goes on.
    assert set(events(parse_feed(fetch_feed(anonymous, mentor_url)))) == {f"{session_id}@localhost"}
    # Signed out everywhere, so no address is shown to them (nor made: see the test below).
    assert pair.mentee.get(ME_CALENDAR).status_code == 401
    # Reactivated (e.g. back from leave, or re-provisioned): the same address works again.
    _set_status(pair.mentee, "active")
    assert set(events(parse_feed(fetch_feed(anonymous, mentee_url)))) == {f"{session_id}@localhost"}


def test_a_suspended_organisations_people_have_no_feed(pair: Pair, anonymous: ApiClient) -> None:
    pair.book(now() + timedelta(days=3))
    url = feed_url(pair.mentee)
    platform = pair.world.pool.platform
    organisation_url = f"/api/v1/organisations/{pair.mentee.tenant.id}"

    def set_status(status: str) -> None:
        etag = platform.get(organisation_url).headers["ETag"]
        response = platform.patch(
            organisation_url, json={"status": status}, headers={"If-Match": etag}
        )
        assert response.status_code == 200, response.get_json()

    set_status("suspended")
    assert fetch_feed(anonymous, url).status_code == 404
    set_status("active")
    assert len(parse_feed(fetch_feed(anonymous, url)).walk("VEVENT")) == 1


def test_no_address_is_handed_out_for_an_inactive_person(pair: Pair) -> None:
    """Signing in refuses inactive people; the service checks again on its own."""
    from consortium.calendar import service
    from consortium.core import tenancy
    from consortium.core.errors import Forbidden

    _set_status(pair.mentor, "inactive")
    principal = tenancy.Principal(
        kind="person",
        id=uuid.UUID(pair.mentor.id),
        organisation_id=uuid.UUID(pair.mentor.tenant.id),
    )
    with pair.app.test_request_context(), tenancy.acting_as(principal):
        for action in (service.get_my_feed, service.rotate_my_feed):
            with pytest.raises(Forbidden):
                action()
