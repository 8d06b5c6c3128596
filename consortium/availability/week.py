"""The week grid: days x parts of the day, and a typical week's free hours in each cell.

The grid is what a mentee states ("free Tuesday mornings") and what matching compares a
mentor's free time with. Seven days, Monday first, by three parts of the day in local
wall-clock time:

    morning    08:00-12:00  (4 hours)
    afternoon  12:00-17:00  (5 hours)
    evening    17:00-20:00  (3 hours)

Cell k is day k // 3, part k % 3 (Monday morning is 0, Sunday evening 20). Time outside the
parts (20:00-08:00) is in no cell. The cells are read in one time zone (the mentee's), so a
mentor's 16:00-17:00 in London is a New York morning, or an afternoon in the weeks the two
zones change their clocks on different dates.

Pure functions over UTC intervals, as in slots.py; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

from consortium.availability.recurrence import Window, zone

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# name: (first hour, hour it ends) in local time
PARTS = {"morning": (8, 12), "afternoon": (12, 17), "evening": (17, 20)}
PART_NAMES = tuple(PARTS)
CELLS = len(DAYS) * len(PARTS)
DEFAULT_WEEKS = 4


def cell(day: str, part: str) -> int:
    """The cell of `day` (monday…sunday) and `part` (morning, afternoon, evening)."""
    return DAYS.index(day) * len(PARTS) + PART_NAMES.index(part)


def cell_name(k: int) -> tuple[str, str]:
    """(day, part) of cell `k`."""
    return DAYS[k // len(PARTS)], PART_NAMES[k % len(PARTS)]


def cell_hours() -> npt.NDArray[np.float64]:
    """How long each cell is, in hours (the most a mentor can be free in it in a week)."""
    lengths = [end - begin for begin, end in PARTS.values()]
    return np.tile(np.array(lengths, dtype=np.float64), len(DAYS))


def horizon(timezone: str, first_day: date, weeks: int) -> tuple[datetime, datetime]:
    """The UTC range of `weeks` whole local days x 7 from `first_day`'s midnight in `timezone`."""
    tz = zone(timezone)
    begins = datetime.combine(first_day, time(), tzinfo=tz).astimezone(UTC)
    ends = datetime.combine(first_day + timedelta(weeks=weeks), time(), tzinfo=tz).astimezone(UTC)
    return begins, ends


def _cell_bounds(
    timezone: str, first_day: date, weeks: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each cell of each day in the horizon: UTC start and end (epoch seconds), and its cell.

    Each is worked out from the local wall-clock time of that day, so a clock change moves the
    cells' UTC times with it (never a fixed offset for the whole range)."""
    tz = zone(timezone)
    starts, ends, cells = [], [], []
    for offset in range(weeks * 7):
        day = first_day + timedelta(days=offset)
        for p, (begin, end) in enumerate(PARTS.values()):
            starts.append(int(datetime.combine(day, time(begin), tzinfo=tz).timestamp()))
            ends.append(int(datetime.combine(day, time(end), tzinfo=tz).timestamp()))
            cells.append(day.weekday() * len(PARTS) + p)
    return (
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        np.array(cells, dtype=np.int64),
    )


def weekly_hours(
    free: Sequence[Sequence[Window]], *, timezone: str, first_day: date, weeks: int
) -> npt.NDArray[np.float64]:
    """A typical week's free hours per cell, one row per entry of `free`: the hours free in each
    cell over `weeks` weeks from `first_day` (local, in `timezone`), divided by `weeks`.

    `free[j]` is one mentor's free time: sorted, disjoint windows (slots.free_time gives them).
    Computed for every mentor at once: each mentor's free time as a running total over one
    sorted array, so a cell's free hours are the total's rise across it (no loop over cells).
    """
    cell_starts, cell_ends, cells = _cell_bounds(timezone, first_day, weeks)
    low, high = int(cell_starts.min()), int(cell_ends.max())
    span = high - low + 1  # each mentor's times live in their own block of the key line
    counts = np.array([len(windows) for windows in free], dtype=np.int64)
    owner = np.repeat(np.arange(len(free), dtype=np.int64), counts)
    begins = np.array([int(w.start.timestamp()) for ws in free for w in ws], dtype=np.int64)
    ends = np.array([int(w.end.timestamp()) for ws in free for w in ws], dtype=np.int64)
    begins, ends = np.clip(begins, low, high) - low, np.clip(ends, low, high) - low
    keep = ends > begins
    keys, lengths = owner[keep] * span + begins[keep], (ends - begins)[keep]
    before = np.concatenate([[0], np.cumsum(lengths)])  # free seconds before each window

    def total(at: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Free seconds of the whole key line before each key in `at`."""
        if len(keys) == 0:
            return np.zeros_like(at)
        k = np.searchsorted(keys, at, side="right") - 1
        at_or_first = np.maximum(k, 0)
        inside = np.clip(at - keys[at_or_first], 0, lengths[at_or_first])
        return np.where(k >= 0, before[at_or_first] + inside, 0)

    base = (np.arange(len(free), dtype=np.int64) * span)[:, None]
    seconds = total(base + (cell_ends - low)[None, :]) - total(base + (cell_starts - low)[None, :])
    out = np.zeros((len(free), CELLS), dtype=np.float64)
    np.add.at(out.T, cells, seconds.T.astype(np.float64))
    return out / (3600.0 * weeks)
