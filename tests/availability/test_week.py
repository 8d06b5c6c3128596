"""A typical week's free hours per cell of the week grid (days x morning/afternoon/evening)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from consortium.availability.recurrence import RuleSpec, Window
from consortium.availability.slots import DaysOff, free_time
from consortium.availability.week import CELLS, DAYS, PARTS, cell, cell_hours, horizon, weekly_hours

LONDON, NEW_YORK, SYDNEY = "Europe/London", "America/New_York", "Australia/Sydney"
TUESDAYS = RuleSpec(datetime(2027, 1, 5, 9, 0), 180, "FREQ=WEEKLY;BYDAY=TU")  # 09:00-12:00


def week_of(
    rules: list[RuleSpec],
    *,
    timezone: str = LONDON,
    first_day: date = date(2027, 1, 4),  # a Monday
    weeks: int = 4,
    **blocked: list,  # type: ignore[type-arg]
) -> np.ndarray:
    """One mentor's typical week, as the service works it out (free_time, then the cells)."""
    start, end = horizon(timezone, first_day, weeks)
    free = free_time(rules=rules, start=start, end=end, **blocked)
    return weekly_hours([free], timezone=timezone, first_day=first_day, weeks=weeks)[0]


def only(hours: np.ndarray) -> dict[tuple[str, str], float]:
    """The non-zero cells as {(day, part): hours}."""
    return {
        (day, part): float(hours[cell(day, part)])
        for day in DAYS
        for part in PARTS
        if hours[cell(day, part)]
    }


def test_the_grid_is_seven_days_by_three_parts() -> None:
    assert CELLS == 21 and cell("monday", "morning") == 0 and cell("sunday", "evening") == 20
    assert cell_hours()[:3].tolist() == [4.0, 5.0, 3.0]


def test_a_weekly_window_fills_its_cell_every_week() -> None:
    assert only(week_of([TUESDAYS])) == {("tuesday", "morning"): 3.0}


def test_a_window_across_two_parts_is_split_and_a_fortnightly_one_is_averaged() -> None:
    midday = RuleSpec(datetime(2027, 1, 6, 11, 0), 120, "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE")
    assert only(week_of([midday])) == {
        ("wednesday", "morning"): 0.5,  # one hour, every other week of four
        ("wednesday", "afternoon"): 0.5,
    }


def test_time_outside_the_parts_of_the_day_is_in_no_cell() -> None:
    early = RuleSpec(datetime(2027, 1, 4, 6, 0), 180, "FREQ=DAILY")  # 06:00-09:00
    late = RuleSpec(datetime(2027, 1, 4, 19, 0), 180, "FREQ=DAILY")  # 19:00-22:00
    hours = week_of([early, late])
    assert only(hours) == {
        **{(day, "morning"): 1.0 for day in DAYS},
        **{(day, "evening"): 1.0 for day in DAYS},
    }


def test_days_off_and_busy_blocks_and_bookings_take_their_hours_away() -> None:
    hours = week_of(
        [TUESDAYS],
        days_off=[DaysOff(date(2027, 1, 12), date(2027, 1, 12), LONDON)],  # one Tuesday of four
        busy=[(datetime(2027, 1, 19, 10, tzinfo=UTC), datetime(2027, 1, 19, 11, tzinfo=UTC))],
        booked=[(datetime(2027, 1, 26, 9, tzinfo=UTC), datetime(2027, 1, 26, 9, 30, tzinfo=UTC))],
    )
    assert only(hours) == {("tuesday", "morning"): pytest.approx((3 + 0 + 2 + 2.5) / 4)}


def test_a_clock_change_week_keeps_local_times_in_their_cells() -> None:
    # 07:30-08:30 London every day of the week the clocks go forward (Sunday 28 March 2027).
    daily = RuleSpec(datetime(2027, 3, 1, 7, 30), 60, "FREQ=DAILY")
    in_london = week_of([daily], first_day=date(2027, 3, 22), weeks=1)
    assert only(in_london) == {(day, "morning"): 0.5 for day in DAYS}  # the 23-hour day too
    # Read in UTC: 07:30-08:30 UTC while London is on GMT, 06:30-07:30 UTC on the Sunday.
    in_utc = week_of([daily], timezone="UTC", first_day=date(2027, 3, 22), weeks=1)
    assert only(in_utc) == {(day, "morning"): 0.5 for day in DAYS if day != "sunday"}


@pytest.mark.parametrize(
    ("monday", "part"),
    [
        (date(2027, 3, 1), "morning"),  # both on winter time: 16:00 GMT is 11:00 EST
        (date(2027, 3, 15), "afternoon"),  # New York has moved on, London not yet: 12:00 EDT
        (date(2027, 3, 29), "morning"),  # both on summer time: 16:00 BST is 11:00 EDT
    ],
)
def test_a_london_window_is_read_in_the_mentees_zone_week_by_week(monday: date, part: str) -> None:
    weekdays = RuleSpec(datetime(2027, 1, 4, 16, 0), 60, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    hours = week_of([weekdays], timezone=NEW_YORK, first_day=monday, weeks=1)
    assert only(hours) == {(day, part): 1.0 for day in DAYS[:5]}


def test_a_zone_ahead_moves_a_window_to_the_next_day() -> None:
    # Sunday 22:00 in London (GMT) is Monday 09:00 in Sydney (AEDT, UTC+11) in January.
    sunday_night = RuleSpec(datetime(2027, 1, 3, 22, 0), 60, "FREQ=WEEKLY;BYDAY=SU")
    assert only(week_of([sunday_night], timezone=SYDNEY)) == {("monday", "morning"): 1.0}


def test_many_mentors_at_once_match_a_plain_interval_count() -> None:
    """The vectorised running total against intersecting every window with every cell."""
    rng = np.random.default_rng(7)
    first_day, weeks, timezone = date(2027, 3, 8), 3, NEW_YORK
    start, _ = horizon(timezone, first_day, weeks)
    free: list[list[Window]] = []
    for _ in range(25):
        if rng.random() < 0.2:
            free.append([])  # publishes nothing: zeros, and the next mentor is unaffected
            continue
        # Disjoint windows from a little before the range to a little after it.
        edges = np.sort(rng.choice(np.arange(-48, weeks * 7 * 24 + 48), size=24, replace=False))
        moments = [start + timedelta(minutes=30 * int(e)) for e in edges]
        free.append(
            [
                Window(a, b, "Europe/London")
                for a, b in zip(moments[::2], moments[1::2], strict=True)
            ]
        )
    hours = weekly_hours(free, timezone=timezone, first_day=first_day, weeks=weeks)

    expected = np.zeros((len(free), CELLS))
    tz = ZoneInfo(timezone)
    for j, windows in enumerate(free):
        for offset in range(weeks * 7):
            day = first_day + timedelta(days=offset)
            for p, (begin, finish) in enumerate(PARTS.values()):
                lo = datetime(day.year, day.month, day.day, begin, tzinfo=tz)
                hi = datetime(day.year, day.month, day.day, finish, tzinfo=tz)
                for w in windows:
                    overlap = (min(w.end, hi) - max(w.start, lo)).total_seconds()
                    expected[j, day.weekday() * 3 + p] += max(overlap, 0) / 3600 / weeks
    np.testing.assert_allclose(hours, expected, atol=1e-9)
    assert (hours <= cell_hours() + 1e-9).all()
