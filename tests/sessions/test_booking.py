"""Booking a pairing's sessions: who may, when, how many, and never double-booked."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.matches.conftest import act_ok, match_url
from tests.programmes.support import apply
from tests.sessions.conftest import (
    SessionWorld,
    activate,
    at,
    attendee_rows,
    audit_actions,
    give_availability,
    insert_profile,
    invitations_to,
    post_action,
    sessions_url,
    slot,
    virtual,
)

SESSION_COOKIE = "consortium_session"


def session_count(owner_engine: Engine) -> int:
    with owner_engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM mentoring_sessions")).scalar_one())


def field_of(response: Any) -> str:
    return str(response.get_json()["errors"][0]["field"])


# --- booking ---------------------------------------------------------------------------------


def test_the_mentee_books_a_session_and_both_people_are_invited(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    body = virtual(3, 10, location="https://meet.example.org/abc")
    response = sw.book(**body)
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"]
    session = response.get_json()
    assert session["match_id"] == sw.match["id"]
    assert session["status"] == "scheduled"
    assert session["mode"] == "virtual" and session["location"] == body["location"]
    assert session["sequence"] == 0
    assert session["mentor_person_id"] == sw.mentor.id
    assert session["mentee_person_id"] == sw.mentee.id
    assert session["booked_by"] == sw.mentee.name
    assert session["cancellation"] is None and session["late_cancellation"] is False
    # The same instant, shown in UTC.
    assert at(3, 10).timestamp() == _ts(session["start"])
    assert _ts(session["end"]) - _ts(session["start"]) == 3600

    got = sw.mentor.get(f"{sessions_url(sw.match)}/{session['id']}")
    assert got.status_code == 200 and got.get_json() == session
    assert got.headers["ETag"] == response.headers["ETag"]
    assert [s["id"] for s in sw.mentor.get(sessions_url(sw.match)).get_json()] == [session["id"]]

    # One attendee row per person holds their time.
    rows = attendee_rows(owner_engine, session["id"])
    assert [(str(r["person_id"]), r["role"], r["live"]) for r in rows] == [
        (sw.mentee.id, "mentee", True),
        (sw.mentor.id, "mentor", True),
    ]
    for person in (sw.mentor, sw.mentee):
        sent = invitations_to(owner_engine, person)
        assert len(sent) == 1 and "booked" in sent[0]["subject"], sent
    assert audit_actions(owner_engine, session["id"]) == ["session.booked"]

    counts = sw.mentee.get(match_url(sw.match)).get_json()["sessions"]
    assert counts == {
        "booked": 1,
        "held": 0,
        "cancelled": 0,
        "late_cancellations": 0,
        "no_shows": 0,
        "remaining": 5,
    }


def _ts(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


def test_times_are_shown_in_utc_whatever_offset_they_were_sent_with(sw: SessionWorld) -> None:
    start = at(3, 10).astimezone(timezone(timedelta(hours=5, minutes=30)))
    body = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    response = sw.book(mode="virtual", **body)
    assert response.status_code == 201, response.get_json()
    session = response.get_json()
    assert session["start"].endswith("+00:00") and _ts(session["start"]) == start.timestamp()
    got = sw.mentor.get(f"{sessions_url(sw.match)}/{session['id']}")
    assert got.get_json() == session and got.headers["ETag"] == response.headers["ETag"]


def test_the_mentor_books_in_person_somewhere(sw: SessionWorld) -> None:
    session = sw.booked(sw.mentor, mode="in_person", location=" Room 2, Trust HQ ", **slot(4, 14))
    assert session["mode"] == "in_person" and session["location"] == "Room 2, Trust HQ"
    assert session["booked_by"] == sw.mentor.name


def test_only_the_two_people_book(sw: SessionWorld) -> None:
    world = sw.world
    # Those who see the pairing but are not in it are refused.
    for caller in (world.admin_a, world.admin_gamma, sw.coordinator):
        assert_problem(sw.book(caller, **virtual(3, 10)), 403)
    # Those who do not see it are told there is no such pairing.
    assert_problem(sw.book(world.colleague, **virtual(3, 10)), 404)
    outsider = world.pool.sign_in(world.pool.b, "Otto")
    assert_problem(sw.book(outsider, **virtual(3, 10)), 404)
    assert_problem(sw.book(match={"id": str(uuid.uuid4())}, **virtual(3, 10)), 404)
    assert sw.mentee.get(sessions_url(sw.match)).get_json() == []


def test_whoever_sees_the_pairing_sees_its_sessions(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    world = sw.world
    for caller in (world.admin_a, world.admin_gamma, sw.coordinator):
        listed = caller.get(sessions_url(sw.match))
        assert listed.status_code == 200 and [s["id"] for s in listed.get_json()] == [session["id"]]
    assert_problem(world.colleague.get(sessions_url(sw.match)), 404)
    assert_problem(world.colleague.get(f"{sessions_url(sw.match)}/{session['id']}"), 404)


def test_sessions_are_booked_only_while_the_pairing_is_active(sw: SessionWorld) -> None:
    second_mentee = sw.world.pool.sign_in(sw.world.pool.delta, "Dora")
    application = apply(second_mentee, sw.world.programme)
    proposed = sw.world.proposal(application_id=application["id"])
    response = sw.book(second_mentee, match=proposed, **virtual(3, 10))
    assert_problem(response, 409)
    assert "proposed" in response.get_json()["detail"]

    act_ok(sw.mentee, sw.match, "close", "I have moved to a new role.")
    response = sw.book(**virtual(3, 10))
    assert_problem(response, 409)
    assert "closed" in response.get_json()["detail"]


def test_times_must_be_sensible(sw: SessionWorld, owner_engine: Engine) -> None:
    start = at(3, 10)
    cases = {
        "end": [
            {"start": start.isoformat(), "end": start.isoformat()},
            {"start": start.isoformat(), "end": (start - timedelta(hours=1)).isoformat()},
            {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=8, minutes=1)).isoformat(),
            },
        ],
        "start": [
            slot(-1, 10),
            {"start": "2030-01-01T10:00:00", "end": "2030-01-01T11:00:00+00:00"},
            {"start": "next tuesday", "end": (start + timedelta(hours=1)).isoformat()},
            {"start": "0001-01-01T00:30:00+01:00", "end": start.isoformat()},
            {"start": "9999-12-31T10:00:00+00:00", "end": "9999-12-31T11:00:00+00:00"},
        ],
    }
    for field, bodies in cases.items():
        for body in bodies:
            response = sw.book(mode="virtual", **body)
            assert_problem(response, 422)
            assert field_of(response) == field, (body, response.get_json())
    # In person needs a place; the mode must be one we know.
    response = sw.book(mode="in_person", **slot(3, 10))
    assert_problem(response, 422)
    assert field_of(response) == "location"
    response = sw.book(mode="telepathy", **slot(3, 10))
    assert_problem(response, 422)
    assert field_of(response) == "mode"
    assert session_count(owner_engine) == 0


def test_eight_hours_is_the_longest_session(sw: SessionWorld) -> None:
    start = at(3, 9)
    body = {"start": start.isoformat(), "end": (start + timedelta(hours=8)).isoformat()}
    assert sw.book(mode="virtual", **body).status_code == 201


def test_a_session_must_lie_inside_the_mentors_availability(sw: SessionWorld) -> None:
    for body in (slot(3, 21), slot(3, 6, 30), slot(3, 20, 30)):
        response = sw.book(mode="virtual", **body)
        assert_problem(response, 422)
        assert field_of(response) == "start"
    assert sw.book(mode="virtual", **slot(3, 20)).status_code == 201


def test_a_pairing_books_at_most_its_programmes_sessions(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    sw.set_sessions_max(2)
    first = sw.booked(**virtual(3, 10))
    sw.booked(**virtual(4, 10))
    response = sw.book(**virtual(5, 10))
    assert_problem(response, 409)
    assert "sessions_max" in response.get_json()["detail"]
    assert session_count(owner_engine) == 2
    assert sw.mentee.get(match_url(sw.match)).get_json()["sessions"]["remaining"] == 0

    # A cancelled session gives its place back.
    cancelled = post_action(sw.mentee, first, "cancel", {"reason": "Clash with a clinic."})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert sw.book(**virtual(5, 10)).status_code == 201


def test_booking_is_idempotent_with_a_key(sw: SessionWorld, owner_engine: Engine) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = virtual(3, 10)
    first = sw.mentee.post(sessions_url(sw.match), json=body, headers=headers)
    again = sw.mentee.post(sessions_url(sw.match), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert session_count(owner_engine) == 1
    assert len(invitations_to(owner_engine, sw.mentor)) == 1


# --- never double-booked ---------------------------------------------------------------------


def test_an_overlapping_time_is_refused_without_saying_what_it_overlaps(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    booked = sw.booked(**virtual(3, 10))
    for start in ((10, 0), (10, 30), (9, 30)):
        response = sw.book(sw.mentor, **virtual(3, *start))
        assert_problem(response, 409)
        detail = response.get_json()["detail"]
        assert "overlaps another session of the mentor or the mentee" in detail
        assert booked["id"] not in json.dumps(response.get_json())
    # Back to back is fine: a session ends as the next begins.
    assert sw.book(**virtual(3, 11)).status_code == 201
    assert sw.book(**virtual(3, 9)).status_code == 201
    assert session_count(owner_engine) == 3
    # The refused attempts left nothing behind: no sessions (above), no invitations.
    assert len(invitations_to(owner_engine, sw.mentee)) == 3


def test_the_mentor_is_not_double_booked_across_two_pairings(sw: SessionWorld) -> None:
    second, dora = sw.second_pair()
    sw.booked(**virtual(3, 10))
    response = sw.book(dora, match=second, **virtual(3, 10, 30))
    assert_problem(response, 409)
    assert sw.book(dora, match=second, **virtual(3, 11)).status_code == 201


def test_someone_who_mentors_and_is_mentored_is_not_double_booked(sw: SessionWorld) -> None:
    """Gail is Mona's mentee in one pairing and mentors Pat in another: one diary."""
    world = sw.world
    gail_profile = insert_profile(world.app, sw.mentee.id, world.pool.gamma.id)
    give_availability(sw.mentee, gail_profile)
    pat = world.pool.sign_in(world.pool.a, "Pat", "Protege")
    application = apply(pat, world.programme)
    theirs = world.proposal(application_id=application["id"], mentor_profile_id=gail_profile)
    activate(world, theirs, sw.mentee, pat)

    sw.booked(sw.mentor, **virtual(3, 10))  # Gail as mentee
    response = sw.book(pat, match=theirs, **virtual(3, 10, 30))  # Gail as mentor
    assert_problem(response, 409)
    response = sw.book(sw.mentee, match=theirs, **virtual(3, 9, 30))
    assert_problem(response, 409)
    assert sw.book(pat, match=theirs, **virtual(3, 11)).status_code == 201
    # And the other way round: her time as a mentor blocks her time as a mentee.
    assert_problem(sw.book(sw.mentor, **virtual(3, 11, 15)), 409)


def test_twenty_simultaneous_bookings_of_one_time_give_one_session(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    """The acceptance test: real threads, each its own client and database session, released
    together; bookings come from two pairings sharing the mentor, so the database's exclusion
    constraint (not the pairing's row lock) decides between them."""
    second, dora = sw.second_pair()
    bookers = []
    for caller, match in ((sw.mentee, sw.match), (dora, second)):
        cookie = caller.browser.client.get_cookie(SESSION_COOKIE)
        assert cookie is not None
        bookers.append((cookie.value, caller.browser.csrf_token, match))
    # Every attempt overlaps every other (all cover 10:30-10:45), at different times.
    offsets = [0, 15, 30] * 7
    barrier = threading.Barrier(20)

    def send(n: int) -> Any:
        cookie, csrf, match = bookers[n % 2]
        client = sw.app.test_client()
        client.set_cookie(SESSION_COOKIE, cookie)
        start = at(3, 10, offsets[n])
        body = {
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=45)).isoformat(),
            "mode": "virtual",
        }
        barrier.wait(timeout=30)
        try:
            response = client.post(sessions_url(match), json=body, headers={"X-CSRF-Token": csrf})
            return response.status_code
        except Exception as exc:  # TESTING propagates it: a 500 for a real client
            return repr(exc)[:300]

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(send, range(20)))
    assert sorted(statuses, key=str) == [201] + [409] * 19, statuses
    assert session_count(owner_engine) == 1
    with owner_engine.connect() as c:
        live = c.execute(text("SELECT count(*) FROM session_attendees WHERE live")).scalar_one()
    assert live == 2
