"""Reminders before a session and nudges to pairs that have not met within their cadence.

Both are periodic jobs over every tenant; here they run as the functions the scheduler calls,
with `now` moved where a test needs time to have passed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.calendar.conftest import Pair, now, nudge, remind
from tests.conftest import make_settings
from tests.matches.conftest import mail_to


def _reminders(owner_engine: Engine, person: Any) -> list[dict[str, Any]]:
    return [m for m in mail_to(owner_engine, person) if m["subject"].startswith("Reminder:")]


def _nudges(owner_engine: Engine, person: Any) -> list[dict[str, Any]]:
    return [m for m in mail_to(owner_engine, person) if m["subject"].startswith("Time to book")]


# --- reminders -------------------------------------------------------------------------------


def test_both_people_are_reminded_once_within_the_lead_time(
    pair: Pair, owner_engine: Engine
) -> None:
    soon = pair.book(now() + timedelta(hours=23), location="Room 4", mode="in_person")
    later = pair.book(now() + timedelta(hours=25))  # outside the default 24-hour lead
    assert remind(pair.app) == 1
    for me, other in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
        (message,) = _reminders(owner_engine, me)
        assert other.name in message["subject"]
        assert "Room 4" in message["body"] and soon in message["body"]
    assert pair.session_row(soon).reminded_at is not None
    assert pair.session_row(later).reminded_at is None
    # Running again sends nothing more; the later one's turn comes with its lead time.
    assert remind(pair.app) == 0
    assert len(_reminders(owner_engine, pair.mentee)) == 1
    assert remind(pair.app, now() + timedelta(hours=2)) == 1
    assert len(_reminders(owner_engine, pair.mentee)) == 2
    assert pair.session_row(later).reminded_at is not None


def test_cancelled_past_and_held_sessions_are_not_reminded(
    pair: Pair, owner_engine: Engine
) -> None:
    cancelled = pair.book(now() + timedelta(hours=2))
    pair.cancel(cancelled)
    pair.book(now() - timedelta(hours=2), status="held")
    pair.book(now() - timedelta(minutes=30))  # already started: too late to remind
    assert remind(pair.app) == 0
    assert _reminders(owner_engine, pair.mentor) == []
    assert pair.session_row(cancelled).reminded_at is None


def test_a_session_moved_past_its_reminder_is_reminded_again(
    pair: Pair, owner_engine: Engine
) -> None:
    session_id = pair.book(now() + timedelta(hours=3))
    assert remind(pair.app) == 1
    # Moved to tomorrow evening: today's reminder was for the old time.
    pair.reschedule(session_id, now() + timedelta(hours=30))
    assert remind(pair.app) == 0  # not yet within the lead of the new time
    assert remind(pair.app, now() + timedelta(hours=8)) == 1
    assert remind(pair.app, now() + timedelta(hours=9)) == 0
    assert len(_reminders(owner_engine, pair.mentee)) == 2


def test_a_session_moved_within_the_lead_of_its_reminder_is_not_reminded_again(
    pair: Pair, owner_engine: Engine
) -> None:
    session_id = pair.book(now() + timedelta(hours=3))
    assert remind(pair.app) == 1
    pair.reschedule(session_id, now() + timedelta(hours=5))  # the move's invitation told them
    assert remind(pair.app) == 0
    assert len(_reminders(owner_engine, pair.mentee)) == 1


@pytest.fixture
def short_lead_app(runtime_url: str) -> Iterator[Flask]:
    from consortium import create_app

    yield create_app(make_settings(runtime_url, session_reminder_minutes=60))


def test_the_lead_time_is_configurable(
    pair: Pair, owner_engine: Engine, short_lead_app: Flask
) -> None:
    two_hours = pair.book(now() + timedelta(hours=2))
    half_hour = pair.book(now() + timedelta(minutes=30))
    assert remind(short_lead_app) == 1
    assert pair.session_row(half_hour).reminded_at is not None
    assert pair.session_row(two_hours).reminded_at is None


def test_a_session_another_run_holds_is_skipped_not_sent_twice(
    pair: Pair, owner_engine: Engine
) -> None:
    session_id = pair.book(now() + timedelta(hours=5))
    # Another run has claimed the row (FOR UPDATE) and not committed yet.
    with owner_engine.connect() as other:
        transaction = other.begin()
        other.execute(
            text("SELECT id FROM mentoring_sessions WHERE id = :id FOR UPDATE"), {"id": session_id}
        )
        assert remind(pair.app) == 0  # skipped, not waited for
        transaction.rollback()
    assert remind(pair.app) == 1
    assert remind(pair.app) == 0
    assert len(_reminders(owner_engine, pair.mentor)) == 1


def test_reminders_refuse_to_run_as_anything_but_the_platform(pair: Pair) -> None:
    from consortium.calendar import reminders
    from consortium.core import tenancy

    organisation_id = uuid.UUID(pair.world.pool.a.id)
    with pair.app.app_context(), tenancy.acting_for(organisation_id, name="tests"):
        with pytest.raises(RuntimeError, match="as the platform"):
            reminders.due_reminders()
        with pytest.raises(RuntimeError, match="as the platform"):
            reminders.remind(session_ids=[])
        with pytest.raises(RuntimeError, match="as the platform"):
            reminders.nudge_overdue_pairs()


# --- nudges ----------------------------------------------------------------------------------

CADENCE = timedelta(days=30)  # the programme's default cadence


def test_a_pair_that_has_not_met_within_the_cadence_is_nudged_once(
    pair: Pair, owner_engine: Engine
) -> None:
    assert nudge(pair.app, now() + CADENCE - timedelta(days=1)) == 0
    assert nudge(pair.app, now() + CADENCE + timedelta(days=1)) == 1
    for me, other in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
        (message,) = _nudges(owner_engine, me)
        assert other.name in message["subject"]
        assert "every 30 days" in message["body"]
        assert f"/pairings/{pair.match['id']}#sessions" in message["body"]
    # Not again within the cadence of that nudge; again once another cadence has passed.
    assert nudge(pair.app, now() + CADENCE + timedelta(days=2)) == 0
    assert nudge(pair.app, now() + 2 * CADENCE) == 0
    assert len(_nudges(owner_engine, pair.mentee)) == 1
    assert nudge(pair.app, now() + 2 * CADENCE + timedelta(days=2)) == 1
    assert len(_nudges(owner_engine, pair.mentee)) == 2


def test_a_pair_with_a_session_booked_ahead_is_not_nudged(pair: Pair, owner_engine: Engine) -> None:
    at = now() + CADENCE + timedelta(days=1)
    ahead = pair.book(at + timedelta(days=3))
    assert nudge(pair.app, at) == 0
    # Once that session is cancelled, there is nothing ahead.
    pair.cancel(ahead)
    assert nudge(pair.app, at) == 1
    assert len(_nudges(owner_engine, pair.mentor)) == 1


def test_the_cadence_counts_from_the_last_held_session(pair: Pair, owner_engine: Engine) -> None:
    pair.set_match(activated_at=now() - 3 * CADENCE)
    held = pair.book(now() - timedelta(days=10), status="held")
    assert nudge(pair.app, now()) == 0  # met 10 days ago
    pair.set_session(held, status="no_show")  # that one did not happen after all
    assert nudge(pair.app, now()) == 1
    assert len(_nudges(owner_engine, pair.mentee)) == 1


def test_pairings_that_are_not_active_are_not_nudged(pair: Pair, owner_engine: Engine) -> None:
    pair.set_match(status="completed")
    assert nudge(pair.app, now() + 2 * CADENCE) == 0
    assert _nudges(owner_engine, pair.mentor) == []
