"""The calendar follows sessions booked, moved and cancelled through the sessions API:
invitations to both people, the feed, and reminders, all about the same event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy.engine import Engine

from tests.calendar.conftest import (
    Pair,
    events,
    feed_url,
    fetch_feed,
    invitation_mails,
    parse_feed,
    remind,
)
from tests.conftest import ApiClient

LONDON = ZoneInfo("Europe/London")


def _london(days_ahead: int, hour: int) -> datetime:
    day = datetime.now(LONDON).date() + timedelta(days=days_ahead)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def _etag(caller: Any, url: str) -> str:
    response = caller.get(url)
    assert response.status_code == 200, response.get_json()
    return str(response.headers["ETag"])


def test_booking_moving_and_cancelling_through_the_api(
    pair: Pair, anonymous: ApiClient, owner_engine: Engine
) -> None:
    world = pair.world
    # The mentor publishes 07:00-21:00 UK time, every day.
    rule = {
        "dtstart": "2020-01-01T07:00:00",
        "duration_minutes": 14 * 60,
        "rrule": "FREQ=DAILY",
        "timezone": "Europe/London",
    }
    response = pair.mentor.post(
        f"/api/v1/mentor-profiles/{world.profile_id}/availability", json=rule
    )
    assert response.status_code == 201, response.get_json()
    sessions = f"/api/v1/matches/{pair.match['id']}/sessions"
    start = _london(3, 10)
    response = pair.mentee.post(
        sessions,
        json={
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "mode": "in_person",
            "location": "Fire HQ, Room 2",
        },
    )
    assert response.status_code == 201, response.get_json()
    session = response.get_json()
    url = f"{sessions}/{session['id']}"
    uid = f"{session['id']}@localhost"

    feed = feed_url(pair.mentor)
    (event,) = parse_feed(fetch_feed(anonymous, feed)).walk("VEVENT")
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 0
    assert event.start == start and event["LOCATION"] == "Fire HQ, Room 2"

    new_start = _london(5, 15)
    response = pair.mentor.patch(
        url,
        json={
            "start": new_start.isoformat(),
            "end": (new_start + timedelta(hours=1)).isoformat(),
        },
        headers={"If-Match": _etag(pair.mentor, url)},
    )
    assert response.status_code == 200, response.get_json()
    event = events(parse_feed(fetch_feed(anonymous, feed)))[uid]
    assert event["SEQUENCE"] == 1 and event.start == new_start

    # A reminder within the lead of the new time; then the session is called off.
    assert remind(pair.app, new_start.astimezone(UTC) - timedelta(hours=2)) == 1
    response = pair.mentee.post(
        f"{url}/cancel",
        json={"reason": "Off sick."},
        headers={"If-Match": _etag(pair.mentee, url)},
    )
    assert response.status_code == 200, response.get_json()
    event = events(parse_feed(fetch_feed(anonymous, feed)))[uid]
    assert event["SEQUENCE"] == 2 and event["STATUS"] == "CANCELLED"

    for person in (pair.mentor, pair.mentee):
        documents = [
            Calendar.from_ical(m["attachments"][0]["content"])
            for m in invitation_mails(owner_engine, person)
        ]
        assert [str(c["METHOD"]) for c in documents] == ["REQUEST", "REQUEST", "CANCEL"]
        found = [c.walk("VEVENT")[0] for c in documents]
        assert {str(e["UID"]) for e in found} == {uid}
        assert [e["SEQUENCE"] for e in found] == [0, 1, 2]
