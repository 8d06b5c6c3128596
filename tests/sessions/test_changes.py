"""Changing a booked session: rescheduling (If-Match), cancelling (late ones counted), and
marking it held or a no-show once it has started."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.matches.conftest import match_url
from tests.pool.conftest import owner_scalar
from tests.sessions.conftest import (
    STALE,
    SessionWorld,
    at,
    attendee_rows,
    audit_actions,
    etag_of,
    invitations_to,
    post_action,
    session_url,
    sessions_url,
    slot,
    virtual,
)


def patch(caller: Any, session: dict[str, Any], change: dict[str, Any], etag: Any = None) -> Any:
    url = session_url(session)
    headers = {"If-Match": etag if etag is not None else etag_of(caller, url)}
    return caller.patch(url, json=change, headers=headers)


def counts(sw: SessionWorld) -> dict[str, int]:
    return dict(sw.mentee.get(match_url(sw.match)).get_json()["sessions"])


# --- rescheduling ----------------------------------------------------------------------------


def test_rescheduling_needs_the_current_etag(sw: SessionWorld, owner_engine: Engine) -> None:
    session = sw.booked(**virtual(3, 10))
    url = session_url(session)
    assert_problem(sw.mentor.patch(url, json=slot(3, 14)), 428)
    assert_problem(patch(sw.mentor, session, slot(3, 14), etag=STALE), 412)

    before = etag_of(sw.mentor, url)
    response = patch(sw.mentor, session, slot(3, 14), etag=before)
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert moved["sequence"] == 1
    assert moved["start"] != session["start"]
    assert response.headers["ETag"] != before
    assert response.headers["ETag"] == etag_of(sw.mentee, url)
    assert sw.mentee.get(url).get_json() == moved
    # The attendee rows moved with it: the old time is free, the new one held.
    rows = attendee_rows(owner_engine, session["id"])
    assert {r["starts_at"].timestamp() for r in rows} == {at(3, 14).timestamp()}
    assert sw.book(**virtual(3, 10)).status_code == 201
    assert_problem(sw.book(**virtual(3, 14, 30)), 409)
    # The ETag read before the move is stale now.
    old_etag = etag_of(sw.mentor, url)
    assert patch(sw.mentor, session, {"mode": "in_person", "location": "Cafe"}).status_code == 200
    assert_problem(patch(sw.mentor, session, slot(3, 16), etag=old_etag), 412)

    for person in (sw.mentor, sw.mentee):
        subjects = [m["subject"] for m in invitations_to(owner_engine, person)]
        assert sum("moved" in s for s in subjects) == 2, subjects
    assert audit_actions(owner_engine, session["id"]) == [
        "session.booked",
        "session.rescheduled",
        "session.rescheduled",
    ]


def test_a_change_that_changes_nothing_keeps_the_sequence(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    response = patch(sw.mentee, session, {"start": session["start"]})
    assert response.status_code == 200 and response.get_json()["sequence"] == 0


def test_rescheduling_is_checked_as_a_booking_is(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    other = sw.booked(**virtual(3, 12))
    assert_problem(patch(sw.mentee, session, slot(3, 12, 30)), 409)
    assert_problem(patch(sw.mentee, session, slot(3, 22)), 422, field="start")
    assert_problem(patch(sw.mentee, session, slot(-2, 10)), 422, field="start")
    end_first = {"start": at(3, 11).isoformat(), "end": at(3, 10, 30).isoformat()}
    assert_problem(patch(sw.mentee, session, end_first), 422, field="end")
    assert_problem(patch(sw.mentee, session, {"mode": "in_person"}), 422, field="location")
    assert_problem(patch(sw.mentee, session, {"status": "held"}), 422, field="status")
    # Moving next to the other session is fine; nothing was changed by the refusals.
    assert sw.mentee.get(session_url(other)).get_json()["sequence"] == 0
    assert patch(sw.mentee, session, slot(3, 11)).get_json()["sequence"] == 1


def test_a_session_moves_over_its_own_old_time(sw: SessionWorld, owner_engine: Engine) -> None:
    """Only other sessions block a time: moving by half an hour overlaps nothing but itself."""
    session = sw.booked(**virtual(3, 10))
    response = patch(sw.mentee, session, slot(3, 10, 30))
    assert response.status_code == 200, response.get_json()
    rows = attendee_rows(owner_engine, session["id"])
    assert {r["starts_at"].timestamp() for r in rows} == {at(3, 10, 30).timestamp()}
    assert [r["live"] for r in rows] == [True, True]
    # 10:00-11:00 overlaps its new time; 09:30-10:30 now ends as it begins.
    assert_problem(sw.book(**virtual(3, 10)), 409)
    assert sw.book(**virtual(3, 9, 30)).status_code == 201


def test_only_the_two_people_reschedule_and_only_before_it_starts(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    world = sw.world
    for caller in (world.admin_a, sw.coordinator):
        assert_problem(patch(caller, session, slot(3, 14)), 403)
    assert_problem(
        world.colleague.patch(session_url(session), json=slot(3, 14), headers={"If-Match": STALE}),
        404,
    )
    sw.clock(at(3, 10, 5))
    response = patch(sw.mentee, session, slot(4, 14))
    assert_problem(response, 409)
    assert "started" in response.get_json()["detail"]


# --- cancelling ------------------------------------------------------------------------------


def test_cancelling_frees_the_time_and_tells_both_people(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    session = sw.booked(**virtual(3, 10))
    url = session_url(session)
    assert_problem(sw.mentee.post(f"{url}/cancel", json={"reason": "Clash."}), 428)
    stale = sw.mentee.post(f"{url}/cancel", json={"reason": "Clash."}, headers={"If-Match": STALE})
    assert_problem(stale, 412)
    assert_problem(post_action(sw.mentee, session, "cancel", {"reason": "  "}), 422, field="reason")

    response = post_action(sw.mentee, session, "cancel", {"reason": "A clash with a clinic."})
    assert response.status_code == 200, response.get_json()
    cancelled = response.get_json()
    assert cancelled["status"] == "cancelled" and cancelled["sequence"] == 1
    assert cancelled["cancellation"]["by"] == sw.mentee.name
    assert cancelled["cancellation"]["reason"] == "A clash with a clinic."
    assert cancelled["late_cancellation"] is False
    assert [r["live"] for r in attendee_rows(owner_engine, session["id"])] == [False, False]
    assert sw.book(**virtual(3, 10)).status_code == 201  # the time is free again
    for person in (sw.mentor, sw.mentee):
        subjects = [m["subject"] for m in invitations_to(owner_engine, person)]
        assert any("cancelled" in s for s in subjects), subjects
    assert audit_actions(owner_engine, session["id"])[-1] == "session.cancelled"
    # Cancelled is final.
    assert_problem(post_action(sw.mentor, session, "cancel", {"reason": "Again."}), 409)
    assert_problem(patch(sw.mentor, session, slot(4, 10)), 409)


def test_a_cancellation_within_the_notice_period_is_late(sw: SessionWorld) -> None:
    early = sw.booked(**virtual(8, 10))
    late = sw.booked(**virtual(6, 10))
    sw.clock(at(6, 10) - timedelta(hours=23))
    assert (
        post_action(sw.mentor, early, "cancel", {"reason": "Leave."}).get_json()[
            "late_cancellation"
        ]
        is False
    )
    response = post_action(sw.mentor, late, "cancel", {"reason": "Sick."})
    assert response.status_code == 200 and response.get_json()["late_cancellation"] is True
    assert counts(sw) == {
        "booked": 0,
        "held": 0,
        "cancelled": 2,
        "late_cancellations": 1,
        "no_shows": 0,
        "remaining": 6,
    }


def test_who_may_cancel(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    world = sw.world
    for caller in (world.admin_a, world.admin_gamma):
        assert_problem(post_action(caller, session, "cancel", {"reason": "No."}), 403)
    response = post_action(sw.coordinator, session, "cancel", {"reason": "Programme paused."})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["cancellation"]["by"] == sw.coordinator.name


def test_a_session_that_has_ended_is_not_cancelled(sw: SessionWorld) -> None:
    session = sw.booked(**virtual(3, 10))
    sw.clock(at(3, 10, 30))
    assert post_action(sw.mentor, session, "cancel", {"reason": "Ran late."}).status_code == 200
    other = sw.booked(**virtual(4, 10))
    sw.clock(at(4, 11, 1))
    response = post_action(sw.mentor, other, "cancel", {"reason": "Forgot."})
    assert_problem(response, 409)
    assert "held or a no-show" in response.get_json()["detail"]


# --- held and no-show ------------------------------------------------------------------------


def test_a_session_is_marked_held_once_it_has_started(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    session = sw.booked(**virtual(3, 10))
    response = post_action(sw.mentee, session, "held")
    assert_problem(response, 409)
    assert "started" in response.get_json()["detail"]
    assert_problem(post_action(sw.world.admin_a, session, "held"), 403)
    assert_problem(sw.mentee.post(session_url(session, "/held")), 428)

    sw.clock(at(3, 10, 1))
    response = post_action(sw.mentor, session, "held")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "held"
    assert response.get_json()["attendance_marked_by"] == sw.mentor.name
    assert_problem(post_action(sw.mentee, session, "held"), 409)
    assert_problem(post_action(sw.mentee, session, "no-show", {"absent": "mentor"}), 409)
    assert_problem(post_action(sw.mentee, session, "cancel", {"reason": "Too late."}), 409)
    assert counts(sw)["held"] == 1 and counts(sw)["remaining"] == 5
    assert audit_actions(owner_engine, session["id"])[-1] == "session.held"


def test_a_no_show_names_who_did_not_come(sw: SessionWorld, owner_engine: Engine) -> None:
    session = sw.booked(**virtual(3, 10))
    sw.clock(at(3, 10, 20))
    assert_problem(post_action(sw.mentor, session, "no-show", {"absent": "nobody"}), 422)
    assert_problem(post_action(sw.mentor, session, "no-show"), 422, field="absent")
    response = post_action(sw.mentor, session, "no-show", {"absent": "mentee"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "no_show"
    assert response.get_json()["absent"] == "mentee"
    assert counts(sw)["no_shows"] == 1 and counts(sw)["remaining"] == 5
    assert audit_actions(owner_engine, session["id"])[-1] == "session.no_show"
    # A no-show still uses one of the programme's sessions; its time stays taken.
    assert owner_scalar(owner_engine, "SELECT count(*) FROM session_attendees WHERE live") == 2


def test_the_pairings_list_shows_each_pairings_counts(sw: SessionWorld) -> None:
    second, dora = sw.second_pair()
    sw.booked(**virtual(3, 10))
    sw.booked(**virtual(4, 10))
    sw.booked(dora, match=second, **virtual(5, 10))
    listed = {m["id"]: m["sessions"] for m in sw.coordinator.get("/api/v1/matches").get_json()}
    assert listed[sw.match["id"]]["booked"] == 2 and listed[sw.match["id"]]["remaining"] == 4
    assert listed[second["id"]]["booked"] == 1 and listed[second["id"]]["remaining"] == 5


def test_closing_the_pairing_calls_off_its_sessions_to_come(
    sw: SessionWorld, owner_engine: Engine
) -> None:
    past = sw.booked(**virtual(2, 10))
    upcoming = sw.booked(**virtual(5, 10))
    sw.clock(at(2, 12))  # the first has happened by now
    response = post_action(sw.mentor, past, "held")
    assert response.status_code == 200, response.get_json()
    match = sw.match
    url = f"/api/v1/matches/{match['id']}"
    etag = sw.mentee.get(url).headers["ETag"]
    response = sw.mentee.post(
        f"{url}/close", json={"reason": "New job."}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()

    after = {s["id"]: s for s in sw.mentee.get(sessions_url(match)).get_json()}
    assert after[past["id"]]["status"] == "held"
    called_off = after[upcoming["id"]]
    assert called_off["status"] == "cancelled" and called_off["late_cancellation"] is False
    # The mentee's ending is no-fault: the mentor is not told their reason.
    assert called_off["cancellation"]["reason"] == (
        "The pairing was closed: no fault (no reason is shared)."
    )
    assert [r["live"] for r in attendee_rows(owner_engine, upcoming["id"])] == [False, False]
    for person in (sw.mentor, sw.mentee):
        subjects = [m["subject"] for m in invitations_to(owner_engine, person)]
        assert any("cancelled" in s for s in subjects), subjects
