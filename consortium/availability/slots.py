"""Free time: windows minus days off, busy blocks and booked sessions, cut into slots.

Pure functions over UTC intervals; nothing here touches the database. Interval arithmetic
sorts once and sweeps (O(n log n)), never compares every pair.

Free windows of a profile in [start, end):
    union(rule windows) minus exception days, busy blocks and booked sessions, clipped to the range.
Slots are cut from each free interval's start, consecutively: a free 09:00-11:30 gives 60-minute
slots at 09:00 and 10:00 (the last 30 minutes are too short), so the first slot of a free period
is always offered and slots never straddle a gap. The grid is the free interval's whatever
range is asked for: a range starting at 09:30 gets 10:00, not 09:30.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from consortium.availability.recurrence import RuleSpec, Window, expand, zone

Interval = tuple[datetime, datetime]
LOOKBEHIND = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DaysOff:
    """Whole local days from `starts_on` to `ends_on` inclusive, in `timezone`."""

    starts_on: date
    ends_on: date
    timezone: str


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable slot: UTC start and end; its local start and UTC offset in `timezone` are
    worked out when read (most slots computed are never shown)."""

    start: datetime
    end: datetime
    timezone: str

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(zone(self.timezone))

    @property
    def utc_offset(self) -> str:
        """The local offset from UTC at the start, e.g. "+01:00"."""
        return _offset(self.local_start.utcoffset() or timedelta())


def days_off_intervals(days_off: Iterable[DaysOff]) -> list[Interval]:
    """Each exception as a UTC interval from local midnight of its first day to local midnight
    after its last (a day of 23 or 25 hours on a clock change is still one whole day)."""
    out = []
    for d in days_off:
        tz = zone(d.timezone)
        begins = datetime.combine(d.starts_on, time(), tzinfo=tz).astimezone(UTC)
        ends = datetime.combine(d.ends_on + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
        out.append((begins, ends))
    return out


def windows_of(rules: Iterable[RuleSpec], start: datetime, end: datetime) -> list[Window]:
    """Every rule's windows overlapping [start, end), sorted by start."""
    windows = [w for rule in rules for w in expand(rule, start, end)]
    windows.sort(key=lambda w: (w.start, w.end))
    return windows


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of `intervals` as sorted, disjoint intervals (touching ones joined)."""
    out: list[Interval] = []
    for begins, ends in sorted(intervals):
        if out and begins <= out[-1][1]:
            if ends > out[-1][1]:
                out[-1] = (out[-1][0], ends)
        else:
            out.append((begins, ends))
    return out


def free_windows(
    windows: Sequence[Window], blocked: Iterable[Interval], start: datetime, end: datetime
) -> list[Window]:
    """The union of `windows` (sorted by start) minus every `blocked` interval, clipped to
    [start, end); each free window keeps the time zone of the window it came from."""
    merged: list[Window] = []
    for w in windows:
        if merged and w.start <= merged[-1].end:
            if w.end > merged[-1].end:
                merged[-1] = Window(merged[-1].start, w.end, merged[-1].timezone)
        else:
            merged.append(w)
    cuts = merge(blocked)
    out: list[Window] = []
    i = 0  # the first cut that may still overlap the current window (both lists are sorted)
    for w in merged:
        begins, ends = max(w.start, start), min(w.end, end)
        while i < len(cuts) and cuts[i][1] <= begins:
            i += 1
        j = i
        while begins < ends and j < len(cuts) and cuts[j][0] < ends:
            cut_start, cut_end = cuts[j]
            if cut_start > begins:
                out.append(Window(begins, cut_start, w.timezone))
            begins = max(begins, cut_end)
            j += 1
        if begins < ends:
            out.append(Window(begins, ends, w.timezone))
    return out


def cut(
    free: Iterable[Window],
    duration: timedelta,
    limit: int | None = None,
    not_before: datetime | None = None,
) -> list[Slot]:
    """Consecutive slots of `duration` from the start of each free window, at most `limit`;
    slots starting before `not_before` are skipped (the grid stays the window's)."""
    out: list[Slot] = []
    for w in free:
        begins = w.start
        if not_before is not None and begins < not_before:
            if w.end <= not_before:
                continue
            begins += duration * -((begins - not_before) // duration)  # ceil, on the grid
        while begins + duration <= w.end:
            if limit is not None and len(out) >= limit:
                return out
            out.append(Slot(begins, begins + duration, w.timezone))
            begins += duration
    return out


@functools.lru_cache(maxsize=64)
def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def free_slots(
    *,
    rules: Iterable[RuleSpec],
    days_off: Iterable[DaysOff] = (),
    busy: Iterable[Interval] = (),
    booked: Iterable[Interval] = (),
    start: datetime,
    end: datetime,
    duration: timedelta,
    limit: int | None = None,
) -> list[Slot]:
    """The slots of `duration` free in [start, end) (aware datetimes), earliest first."""
    # A window open at `start` is cut from its own start, so slots keep one grid whatever the
    # range asked for; windows last at most a day.
    low = start - LOOKBEHIND
    free = free_time(rules=rules, days_off=days_off, busy=busy, booked=booked, start=low, end=end)
    return cut(free, duration, limit, not_before=start)


def free_time(
    *,
    rules: Iterable[RuleSpec],
    days_off: Iterable[DaysOff] = (),
    busy: Iterable[Interval] = (),
    booked: Iterable[Interval] = (),
    start: datetime,
    end: datetime,
) -> list[Window]:
    """The free windows in [start, end): sorted, disjoint, clipped to the range."""
    blocked = [*days_off_intervals(days_off), *busy, *booked]
    return free_windows(windows_of(rules, start, end), blocked, start, end)


def fits(
    *,
    rules: Iterable[RuleSpec],
    days_off: Iterable[DaysOff] = (),
    busy: Iterable[Interval] = (),
    starts_at: datetime,
    ends_at: datetime,
) -> bool:
    """Whether [starts_at, ends_at) lies wholly inside one free window."""
    blocked = [*days_off_intervals(days_off), *busy]
    free = free_windows(windows_of(rules, starts_at, ends_at), blocked, starts_at, ends_at)
    # Clipped to the request, a single free window covering it equals it exactly.
    return len(free) == 1 and free[0].start == starts_at and free[0].end == ends_at
