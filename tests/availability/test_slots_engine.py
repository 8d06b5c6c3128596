"""The slots engine: windows minus days off, busy blocks and bookings, cut into slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from consortium.availability.recurrence import RuleSpec, Window
from consortium.availability.slots import DaysOff, fits, free_slots, free_windows, merge

HOUR = timedelta(hours=1)
MONDAYS = RuleSpec(datetime(2027, 1, 4, 9, 0), 180, "FREQ=WEEKLY;BYDAY=MO")  # 09:00-12:00


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(found: list) -> list[datetime]:  # type: ignore[type-arg]
    return [s.start for s in found]


def test_slots_are_cut_consecutively_from_each_free_window_start() -> None:
    found = free_slots(
        rules=[MONDAYS], start=utc(2027, 1, 4), end=utc(2027, 1, 5), duration=timedelta(minutes=50)
    )
    # 09:00-12:00 holds three 50-minute slots from 09:00; the last 30 minutes are too short.
    assert starts(found) == [utc(2027, 1, 4, 9), utc(2027, 1, 4, 9, 50), utc(2027, 1, 4, 10, 40)]
    assert found[0].end == utc(2027, 1, 4, 9, 50)


def test_a_range_starting_inside_a_window_keeps_the_window_grid() -> None:
    found = free_slots(
        rules=[MONDAYS], start=utc(2027, 1, 4, 9, 30), end=utc(2027, 1, 5), duration=HOUR
    )
    assert starts(found) == [utc(2027, 1, 4, 10), utc(2027, 1, 4, 11)]


def test_a_range_ending_inside_a_window_offers_only_whole_slots() -> None:
    found = free_slots(
        rules=[MONDAYS], start=utc(2027, 1, 4), end=utc(2027, 1, 4, 10, 30), duration=HOUR
    )
    assert starts(found) == [utc(2027, 1, 4, 9)]


def test_slots_report_utc_and_local_time_with_offset() -> None:
    found = free_slots(
        rules=[MONDAYS], start=utc(2027, 3, 22), end=utc(2027, 3, 30), duration=HOUR, limit=4
    )
    assert [(s.start, s.utc_offset) for s in found] == [
        (utc(2027, 3, 22, 9), "+00:00"),
        (utc(2027, 3, 22, 10), "+00:00"),
        (utc(2027, 3, 22, 11), "+00:00"),
        (utc(2027, 3, 29, 8), "+01:00"),
    ]
    assert found[3].local_start.isoformat() == "2027-03-29T09:00:00+01:00"


def test_days_off_remove_whole_local_days() -> None:
    daily = RuleSpec(datetime(2027, 7, 1, 0, 0), 24 * 60, "FREQ=DAILY")  # free all day
    days_off = [DaysOff(date(2027, 7, 5), date(2027, 7, 6), "Europe/London")]
    found = free_slots(
        rules=[daily],
        days_off=days_off,
        start=utc(2027, 7, 4),
        end=utc(2027, 7, 8),
        duration=HOUR,
    )
    # In BST, 5 July 00:00 local is 4 July 23:00 UTC; the 7th starts at 6 July 23:00 UTC.
    assert utc(2027, 7, 4, 22) in starts(found)
    assert not [s for s in starts(found) if utc(2027, 7, 4, 23) <= s < utc(2027, 7, 6, 23)]
    assert utc(2027, 7, 6, 23) in starts(found)


def test_busy_blocks_and_bookings_cut_windows() -> None:
    found = free_slots(
        rules=[MONDAYS],
        busy=[(utc(2027, 1, 4, 9, 30), utc(2027, 1, 4, 10, 15))],
        booked=[(utc(2027, 1, 11, 10), utc(2027, 1, 11, 11))],
        start=utc(2027, 1, 4),
        end=utc(2027, 1, 12),
        duration=HOUR,
    )
    assert starts(found) == [
        # 09:00-09:30 is too short; free again from 10:15 until 12:00
        utc(2027, 1, 4, 10, 15),
        # 09:00-10:00 and 11:00-12:00 around the booking
        utc(2027, 1, 11, 9),
        utc(2027, 1, 11, 11),
    ]


def test_overlapping_rules_merge_into_one_window() -> None:
    later = RuleSpec(datetime(2027, 1, 4, 11, 0), 120, "FREQ=WEEKLY;BYDAY=MO")  # 11:00-13:00
    found = free_slots(
        rules=[MONDAYS, later], start=utc(2027, 1, 4), end=utc(2027, 1, 5), duration=2 * HOUR
    )
    assert starts(found) == [utc(2027, 1, 4, 9), utc(2027, 1, 4, 11)]


def test_limit_stops_at_the_earliest_slots() -> None:
    found = free_slots(
        rules=[MONDAYS], start=utc(2027, 1, 1), end=utc(2027, 3, 1), duration=HOUR, limit=2
    )
    assert starts(found) == [utc(2027, 1, 4, 9), utc(2027, 1, 4, 10)]


def test_free_windows_sweep_many_cuts() -> None:
    windows = [
        Window(utc(2027, 1, 1) + i * HOUR * 24, utc(2027, 1, 1, 8) + i * HOUR * 24, "UTC")
        for i in range(50)
    ]
    cuts = [
        (utc(2027, 1, 1, 1) + i * HOUR * 24, utc(2027, 1, 1, 2) + i * HOUR * 24)
        for i in reversed(range(50))
    ]
    free = free_windows(windows, cuts, utc(2027, 1, 1), utc(2027, 3, 1))
    assert len(free) == 100
    assert (free[0].start, free[0].end) == (utc(2027, 1, 1), utc(2027, 1, 1, 1))
    assert (free[1].start, free[1].end) == (utc(2027, 1, 1, 2), utc(2027, 1, 1, 8))


def test_merge_joins_touching_and_overlapping_intervals() -> None:
    assert merge(
        [
            (utc(2027, 1, 1, 3), utc(2027, 1, 1, 4)),
            (utc(2027, 1, 1, 1), utc(2027, 1, 1, 2)),
            (utc(2027, 1, 1, 2), utc(2027, 1, 1, 3)),
        ]
    ) == [(utc(2027, 1, 1, 1), utc(2027, 1, 1, 4))]


def test_fits_needs_the_whole_time_inside_one_free_window() -> None:
    busy = [(utc(2027, 1, 4, 11), utc(2027, 1, 4, 11, 30))]
    assert fits(
        rules=[MONDAYS], busy=busy, starts_at=utc(2027, 1, 4, 9), ends_at=utc(2027, 1, 4, 10)
    )
    assert fits(
        rules=[MONDAYS], busy=busy, starts_at=utc(2027, 1, 4, 10), ends_at=utc(2027, 1, 4, 11)
    )
    assert not fits(
        rules=[MONDAYS],
        busy=busy,
        starts_at=utc(2027, 1, 4, 10, 30),
        ends_at=utc(2027, 1, 4, 11, 30),
    )
    assert not fits(
        rules=[MONDAYS], starts_at=utc(2027, 1, 4, 11, 30), ends_at=utc(2027, 1, 4, 12, 30)
    )
    assert not fits(rules=[MONDAYS], starts_at=utc(2027, 1, 5, 9), ends_at=utc(2027, 1, 5, 10))
    days_off = [DaysOff(date(2027, 1, 4), date(2027, 1, 4), "Europe/London")]
    assert not fits(
        rules=[MONDAYS],
        days_off=days_off,
        starts_at=utc(2027, 1, 4, 9),
        ends_at=utc(2027, 1, 4, 10),
    )
