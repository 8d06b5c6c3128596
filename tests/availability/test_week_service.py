"""weekly_free_hours: a pool's typical weeks, read from what mentors published and booked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np

from consortium.availability import service
from consortium.availability.week import CELLS, cell
from tests.availability.conftest import book, exceptions_url, weekly
from tests.matches.conftest import MatchWorld

# A Sunday: the four weeks read are from Monday 4 January 2027 in London (and in UTC).
SUNDAY = datetime(2027, 1, 3, 12, 0, tzinfo=UTC)


def test_published_rules_less_days_off_and_sessions_make_the_typical_week(
    world: MatchWorld,
) -> None:
    weekly(world.mentor, world.profile_id)  # Mondays 09:00-12:00 London
    day_off = {"starts_on": "2027-01-11", "ends_on": "2027-01-11", "reason": "Training"}
    assert world.mentor.post(exceptions_url(world.profile_id), json=day_off).status_code == 201
    match = world.proposal()
    book(
        world.app,
        world,
        match,
        datetime(2027, 1, 18, 10, tzinfo=UTC),
        datetime(2027, 1, 18, 11, tzinfo=UTC),
    )
    silent = uuid.uuid4()  # a profile with nothing published (and no rows at all)
    with world.app.app_context():
        found = service.weekly_free_hours(
            {uuid.UUID(world.profile_id): uuid.UUID(world.mentor.id), silent: uuid.uuid4()},
            timezones=["Europe/London", "Asia/Tokyo"],
            now=SUNDAY,
        )
    assert found.published.tolist() == [True, False]
    london = found.hours["Europe/London"]
    assert london.shape == (2, CELLS)
    expected = np.zeros(CELLS)
    expected[cell("monday", "morning")] = (3 + 0 + 2 + 3) / 4
    np.testing.assert_allclose(london[0], expected)
    assert not london[1].any()
    # 09:00-12:00 in London is 18:00-21:00 in Tokyo: its first two hours are a Monday evening
    # there (the evening ends at 20:00); the session took 19:00-20:00 of one.
    tokyo = found.hours["Asia/Tokyo"]
    assert np.flatnonzero(tokyo[0]).tolist() == [cell("monday", "evening")]
    assert tokyo[0, cell("monday", "evening")] == (2 + 0 + 1 + 2) / 4
