"""Invitations by email: one message to each person, with the session as an .ics attachment
whose METHOD and SEQUENCE let calendar apps add, move or remove the same event."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine

from tests.calendar.conftest import Pair, invitation_mails, now
from tests.pool.conftest import mail_jobs


def _calendar(message: dict[str, Any]) -> Calendar:
    (attachment,) = message["attachments"]
    assert attachment["filename"].endswith(".ics")
    return Calendar.from_ical(attachment["content"])


def test_a_booking_invites_both_people(pair: Pair, owner_engine: Engine) -> None:
    start = (now() + timedelta(days=10)).replace(second=0, microsecond=0)
    session_id = pair.book(start, location="Room 4, Civic Centre", mode="in_person", invite=True)
    for me, other in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
        (message,) = invitation_mails(owner_engine, me)
        assert other.name in message["subject"] and "booked" in message["subject"]
        assert "Room 4, Civic Centre" in message["body"]
        assert "(UK time)" in message["body"]
        (attachment,) = message["attachments"]
        assert attachment["content_type"] == "text/calendar; method=REQUEST"
        calendar = _calendar(message)
        assert calendar["METHOD"] == "REQUEST"
        assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/London"]
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == f"{session_id}@localhost"
        assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
        assert event.start == start
        assert str(event["ORGANIZER"]) == f"mailto:{pair.mentor.email}"
    # Each message is the recipient's organisation's job (its outbox row and its status).
    (mentor_job,) = mail_jobs(owner_engine, pair.mentor.email)[-1:]
    (mentee_job,) = mail_jobs(owner_engine, pair.mentee.email)[-1:]
    assert str(mentor_job["organisation_id"]) == pair.world.pool.a.id
    assert str(mentee_job["organisation_id"]) == pair.world.pool.gamma.id
    assert mentor_job["status"] == "succeeded"


def test_a_move_updates_and_a_cancellation_removes_the_same_event(
    pair: Pair, owner_engine: Engine
) -> None:
    session_id = pair.book(now() + timedelta(days=3), invite=True)
    new_start = datetime(now().year + 1, 7, 1, 9, 30, tzinfo=UTC)
    pair.reschedule(session_id, new_start)
    pair.cancel(session_id, reason="Off sick.")
    for person in (pair.mentor, pair.mentee):
        booked, moved, cancelled = invitation_mails(owner_engine, person)
        assert "moved" in moved["subject"] and "cancelled" in cancelled["subject"]
        assert "Off sick." in cancelled["body"]
        assert moved["attachments"][0]["content_type"] == "text/calendar; method=REQUEST"
        assert cancelled["attachments"][0]["content_type"] == "text/calendar; method=CANCEL"
        documents = [_calendar(m) for m in (booked, moved, cancelled)]
        assert [str(c["METHOD"]) for c in documents] == ["REQUEST", "REQUEST", "CANCEL"]
        found = [c.walk("VEVENT")[0] for c in documents]
        assert {str(e["UID"]) for e in found} == {f"{session_id}@localhost"}
        assert [e["SEQUENCE"] for e in found] == [0, 1, 2]
        assert [str(e["STATUS"]) for e in found] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
        assert found[1].start == new_start
        assert found[1]["DTSTART"].to_ical().decode().endswith("T103000")  # 10:30 BST


def test_nothing_is_sent_when_the_change_rolls_back(pair: Pair, owner_engine: Engine) -> None:
    import uuid

    from consortium.calendar import invitations
    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.sessions.models import MentoringSession

    session_id = pair.book(now() + timedelta(days=3))
    with pair.app.app_context(), tenancy.all_tenants():
        session = db.session.get(MentoringSession, uuid.UUID(session_id))
        assert session is not None
        invitations.send(session, change="booked")
        db.session.rollback()
    assert invitation_mails(owner_engine, pair.mentee) == []


def test_an_unknown_change_is_a_programming_error(pair: Pair) -> None:
    from consortium.calendar import invitations

    with pytest.raises(ValueError, match="change must be one of"):
        invitations.send(pair.session_row(pair.book(now() + timedelta(days=1))), change="moved")


def test_the_development_log_names_the_attachment(
    pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="consortium.core.mail"):
        pair.book(now() + timedelta(days=2), invite=True)
    logged = [r.getMessage() for r in caplog.records if r.name == "consortium.core.mail"]
    assert len(logged) == 2
    assert all("[attached: mentoring-session.ics]" in line for line in logged)
