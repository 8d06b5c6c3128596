"""Recurring availability windows: validate an RFC 5545 rule and expand it into UTC windows.

A rule is a local wall-clock start (`dtstart`, naive, in `timezone`), a duration, and an
optional RRULE (without the "RRULE:" prefix; none means the window happens once). Occurrences
keep their local time across clock changes: 09:00 Europe/London is 09:00 UTC in winter and
08:00 UTC in summer. A local time the clocks skip or repeat is read as RFC 5545 says (fold=0):
in the spring gap with the offset before the change, in the autumn overlap as the first one.
Each window ends `duration_minutes` of exact time after it starts (RFC 5545 3.3.6).

Expansion is pure and bounded: a rule without COUNT that started long ago is expanded from a
later whole period (day, week, month or year), so a rule set up years back costs the same as a
new one; COUNT is at most MAX_COUNT; a day holds at most MAX_TIMES_PER_DAY start times; and one
expansion looks at no more than MAX_EXAMINED occurrences whatever is stored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from consortium.core.errors import Invalid

DEFAULT_TIMEZONE = "Europe/London"
MAX_DURATION_MINUTES = 24 * 60
ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Times the service reasons about: nothing it schedules lies before 2000, and nothing is planned
# more than ten years ahead. The bounds keep every local time convertible to UTC (year 1 or
# 9999 with an offset is not) and keep expansion short (a COUNT rule expands from its start).
EARLIEST = datetime(2000, 1, 1)
YEARS_AHEAD = 10
MAX_COUNT = 1000
# Every half hour around the clock is more than any mentor needs; it bounds one day's work.
MAX_TIMES_PER_DAY = 48
# A safety net for rules stored before these checks: a year of the densest valid rule plus the
# 92-day range is under 23,000.
MAX_EXAMINED = 50_000


@dataclass(frozen=True, slots=True)
class Window:
    """One occurrence: [start, end) in UTC, and the time zone its local time is read in."""

    start: datetime
    end: datetime
    timezone: str


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a stored availability rule says, detached from the database."""

    dtstart: datetime
    duration_minutes: int
    rrule: str | None = None
    timezone: str = DEFAULT_TIMEZONE


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; Invalid(field="timezone") if there is none by that name."""
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):  # OSError: a name too long
        raise Invalid(
            f"Unknown time zone {name!r}: use an IANA name such as Europe/London.", field="timezone"
        ) from None


def is_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this service knows."""
    try:
        zone(name)
    except Invalid:
        return False
    return True


def latest() -> datetime:
    """The last moment (naive, UTC) the service accepts: YEARS_AHEAD years from now."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(year=now.year + YEARS_AHEAD, month=12, day=31, hour=23, minute=59)


def in_bounds(value: datetime) -> bool:
    """Whether the aware `value` lies from EARLIEST to `latest()` (in UTC)."""
    try:
        utc = value.astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):  # e.g. year 1 with a positive offset
        return False
    return EARLIEST <= utc <= latest()


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    if not name or name != name.strip():
        raise ValueError(name)
    return ZoneInfo(name)


def validate(rule: RuleSpec) -> RuleSpec:
    """Return the rule normalised (RRULE upper-cased, no prefix), or raise Invalid naming the
    field that is wrong."""
    tz = zone(rule.timezone)
    if rule.dtstart.tzinfo is not None:
        raise Invalid(
            "Give dtstart as a local time without an offset; the time zone says where.",
            field="dtstart",
        )
    if not 0 < rule.duration_minutes <= MAX_DURATION_MINUTES:
        raise Invalid(
            f"A window lasts from 1 minute to 24 hours ({MAX_DURATION_MINUTES} minutes).",
            field="duration_minutes",
        )
    text = normalise_rrule(rule.rrule)
    normalised = RuleSpec(
        rule.dtstart.replace(second=0, microsecond=0), rule.duration_minutes, text, rule.timezone
    )
    first = normalised.dtstart.replace(tzinfo=tz)
    if not (in_bounds(first) and in_bounds(first + timedelta(minutes=rule.duration_minutes))):
        raise Invalid(
            f"dtstart must be from {EARLIEST.year} to {YEARS_AHEAD} years from now.",
            field="dtstart",
        )
    if text is None:
        return normalised
    _check_text(text, normalised.dtstart)
    try:
        parsed = _parse(text, normalised.dtstart, rule.timezone)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise Invalid(f"This RRULE cannot be read: {exc}.", field="rrule") from None
    if parsed.after(normalised.dtstart.replace(tzinfo=tz), inc=True) is None:
        raise Invalid("This RRULE yields no occurrence at all.", field="rrule")
    return normalised


def normalise_rrule(text: str | None) -> str | None:
    """The rule without a leading "RRULE:" and surrounding space, upper-cased; None if empty."""
    if text is None:
        return None
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:].strip()
    return text.upper() or None


# The parts an availability rule may use. BYSECOND is below the minute this works in; BYWEEKNO
# and BYYEARDAY are refused because their combinations can be impossible in ways only a
# search to the year 9999 finds (seconds of work for one request).
_PARTS = {
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_WEEKDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_DAY_NAMES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _check_text(text: str, dtstart: datetime) -> None:
    """Refuse what dateutil would accept but RFC 5545 or this service does not, and rules that
    can be seen to be impossible without searching for an occurrence."""
    if "DTSTART" in text:
        raise Invalid("Give dtstart as its own field, not inside the RRULE.", field="rrule")
    if any(c in text for c in "\r\n:"):
        raise Invalid(
            "Give one RRULE alone, e.g. FREQ=WEEKLY;BYDAY=MO (no RDATE, EXDATE or other lines).",
            field="rrule",
        )
    parts: dict[str, str] = {}
    for item in text.split(";"):
        name, equals, value = item.partition("=")
        if not equals or not name or not value:
            raise Invalid(f"This RRULE cannot be read: {item!r} is not NAME=VALUE.", field="rrule")
        if name in parts:
            raise Invalid(f"{name} appears twice in this RRULE.", field="rrule")
        if name not in _PARTS:
            raise Invalid(
                f"{name} is not supported in availability rules; use "
                + ", ".join(sorted(_PARTS - {"FREQ"}))
                + ".",
                field="rrule",
            )
        parts[name] = value
    _check_parts(parts, dtstart)


def _ints(parts: dict[str, str], name: str) -> list[int]:
    try:
        return [int(v) for v in parts[name].split(",")] if name in parts else []
    except ValueError:
        raise Invalid(f"This RRULE cannot be read: {name} takes numbers.", field="rrule") from None


def _check_parts(parts: dict[str, str], dtstart: datetime) -> None:
    frequency = parts.get("FREQ")
    if frequency is None:
        raise Invalid("This RRULE cannot be read: it has no FREQ.", field="rrule")
    if frequency not in ALLOWED_FREQUENCIES:
        raise Invalid(
            f"FREQ={frequency} is not supported; use DAILY, WEEKLY, MONTHLY or YEARLY.",
            field="rrule",
        )
    if "UNTIL" in parts and not parts["UNTIL"].endswith("Z"):
        raise Invalid(
            "UNTIL must be a UTC time ending in Z (RFC 5545), e.g. UNTIL=20271231T235959Z.",
            field="rrule",
        )
    if "UNTIL" in parts and "COUNT" in parts:
        raise Invalid("Give COUNT or UNTIL, not both (RFC 5545).", field="rrule")
    if any(not 1 <= n <= MAX_COUNT for n in _ints(parts, "COUNT")):
        raise Invalid(f"COUNT must be from 1 to {MAX_COUNT}.", field="rrule")
    hours, minutes = _ints(parts, "BYHOUR"), _ints(parts, "BYMINUTE")
    if len(set(hours) or [0]) * len(set(minutes) or [0]) > MAX_TIMES_PER_DAY:
        raise Invalid(
            f"At most {MAX_TIMES_PER_DAY} start times a day (BYHOUR times BYMINUTE).",
            field="rrule",
        )
    interval = (_ints(parts, "INTERVAL") or [1])[0]
    if interval < 1:
        raise Invalid("INTERVAL must be at least 1.", field="rrule")
    months, month_days = _ints(parts, "BYMONTH"), _ints(parts, "BYMONTHDAY")
    if any(not 1 <= m <= 12 for m in months) or any(not 1 <= abs(d) <= 31 for d in month_days):
        raise Invalid("BYMONTH takes 1 to 12 and BYMONTHDAY 1 to 31 or -31 to -1.", field="rrule")
    if month_days and not any(
        abs(d) <= _DAYS_IN_MONTH[m - 1] for m in (months or range(1, 13)) for d in month_days
    ):
        raise Invalid("No month has the days this RRULE asks for.", field="rrule")
    days = parts["BYDAY"].split(",") if "BYDAY" in parts else []
    ordinals = []
    for day in days:
        found = _WEEKDAY.match(day)
        if found is None:
            raise Invalid(f"This RRULE cannot be read: invalid BYDAY {day!r}.", field="rrule")
        if found.group(1):
            ordinals.append(int(found.group(1)))
    widest = 5 if frequency == "MONTHLY" or months else 53
    if ordinals and frequency in ("DAILY", "WEEKLY"):
        raise Invalid(
            "A numbered BYDAY (such as 1MO) needs FREQ=MONTHLY or YEARLY (RFC 5545).",
            field="rrule",
        )
    if any(not 1 <= abs(n) <= widest for n in ordinals):
        raise Invalid(
            f"A numbered BYDAY runs from 1 to {widest} (or -1 to -{widest}).", field="rrule"
        )
    if (
        frequency == "DAILY"
        and days
        and interval % 7 == 0
        and _DAY_NAMES[dtstart.weekday()] not in days
    ):
        raise Invalid(
            "Every occurrence falls on dtstart's weekday, which BYDAY leaves out.",
            field="rrule",
        )
    if ordinals and month_days and len(ordinals) == len(days) and widest == 5:
        _check_numbered_days(ordinals, month_days)
    positions = _ints(parts, "BYSETPOS")
    if positions:
        if frequency in ("DAILY", "WEEKLY"):
            raise Invalid("BYSETPOS needs FREQ=MONTHLY or YEARLY here.", field="rrule")
        most = _most_per_period(frequency, months, month_days, days, parts)
        if any(not 1 <= abs(p) <= most for p in positions):
            raise Invalid(
                f"BYSETPOS must be from 1 to {most} (or -1 to -{most}): each period has at "
                f"most {most} occurrences.",
                field="rrule",
            )


def _check_numbered_days(ordinals: list[int], month_days: list[int]) -> None:
    """The nth weekday of a month falls on days 7n-6 to 7n (from the end when negative): refuse
    numbered weekdays that no BYMONTHDAY can be (dateutil would search to the year 9999)."""
    for n in ordinals:
        for d in month_days:
            if (n > 0) != (d > 0) or 7 * abs(n) - 6 <= abs(d) <= 7 * abs(n):
                return
    raise Invalid(
        "No month has a day that is both the BYDAY and the BYMONTHDAY asked for.", field="rrule"
    )


def _most_per_period(
    frequency: str,
    months: list[int],
    month_days: list[int],
    days: list[str],
    parts: dict[str, str],
) -> int:
    """An upper bound on the occurrences one month (MONTHLY) or year (YEARLY) can hold."""
    if month_days:
        per_month = len(set(month_days))
    elif days:
        per_month = sum(5 if d[-2:] == d else 1 for d in days)
    else:
        per_month = 1
    if frequency == "YEARLY":
        whole_year = not months and days and not month_days
        per = (
            sum(53 if d[-2:] == d else 1 for d in days)
            if whole_year
            else per_month * len(months or range(1, 13) if month_days or days else [1])
        )
    else:
        per = per_month
    times = len(parts.get("BYHOUR", "x").split(",")) * len(parts.get("BYMINUTE", "x").split(","))
    return min(per, 366) * times


def clear_caches() -> None:
    """Forget parsed rules and zones (a benchmark's cold start)."""
    for cached in (_parse, _movable, _zone):
        cached.cache_clear()


@functools.lru_cache(maxsize=1024)
def _parse(text: str, dtstart: datetime, timezone: str) -> rrule:
    """The dateutil rule for `text` from the local `dtstart`.

    Bounded cache of parsed rules only: dateutil's own occurrence cache is off, because the
    start point moves with the range asked for and each cached rule would keep every occurrence
    it ever generated.
    """
    parsed = rrulestr(text, dtstart=dtstart.replace(tzinfo=_zone(timezone)), cache=False)
    if not isinstance(parsed, rrule):  # a set needs RDATE/EXDATE lines, refused above
        raise ValueError("not a single RRULE")
    return parsed


@functools.lru_cache(maxsize=4096)
def _movable(text: str, day: int, month: int) -> tuple[str, str, int] | None:
    """How a rule may be moved forward whole periods without changing it: its FREQ, the rule
    with what it takes from dtstart's date written out, and its INTERVAL. None with COUNT (the
    count runs from the first occurrence)."""
    parts = dict(item.partition("=")[::2] for item in text.split(";"))
    if "COUNT" in parts:
        return None
    frequency = parts["FREQ"]
    if frequency in ("MONTHLY", "YEARLY") and "BYMONTHDAY" not in parts and "BYDAY" not in parts:
        # Without these, RFC 5545 (and dateutil) take the day (and the month) from dtstart;
        # the moved start is the 1st of a month, so they are written out.
        parts["BYMONTHDAY"] = str(day)
        if frequency == "YEARLY" and "BYMONTH" not in parts:
            parts["BYMONTH"] = str(month)
    return (
        frequency,
        ";".join(f"{k}={v}" for k, v in parts.items()),
        int(parts.get("INTERVAL", "1")),
    )


def _anchor(rule: RuleSpec, text: str, before: datetime) -> tuple[str, datetime]:
    """The rule text and local start to expand from: the original, or one a whole number of
    periods later (the start of a day, week, month or year) that is still before `before`."""
    start = rule.dtstart
    movable = _movable(text, start.day, start.month)
    if movable is None or before <= start:
        return text, start
    frequency, explicit, interval = movable
    if frequency in ("DAILY", "WEEKLY"):
        period = timedelta(days=interval * (7 if frequency == "WEEKLY" else 1))
        if before - start <= period:
            return text, start
        return text, start + period * ((before - start) // period)
    if frequency == "MONTHLY":
        months = (before.year - start.year) * 12 + before.month - start.month
    else:
        months = (before.year - start.year) * 12
    step = interval * (12 if frequency == "YEARLY" else 1)
    for k in (months // step, months // step - 1):
        if k <= 0:
            break
        total = start.month - 1 + k * step
        moved = start.replace(year=start.year + total // 12, month=total % 12 + 1, day=1)
        if frequency == "YEARLY":
            moved = moved.replace(month=1)
        if moved <= before:
            return explicit, moved
    return text, start


def expand(rule: RuleSpec, start: datetime, end: datetime) -> list[Window]:
    """The rule's windows that overlap [start, end) (aware datetimes), in UTC, in order.

    The rule must have passed `validate`. A window that started before `start` but is still
    open at it is included whole (callers clip).
    """
    tz = _zone(rule.timezone)
    duration = timedelta(minutes=rule.duration_minutes)
    if rule.rrule is None:
        try:
            first = rule.dtstart.replace(tzinfo=tz).astimezone(UTC)
            last = first + duration
        except (OverflowError, ValueError):  # stored before dtstart was bounded: never free
            return []
        if first < end and last > start:
            return [Window(first, last, rule.timezone)]
        return []
    # Local wall-clock bounds, widened by a day either side for offsets and the duration.
    low_local = (start - duration).astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    text, anchor = _anchor(rule, rule.rrule, low_local)
    parsed = _parse(text, anchor, rule.timezone)
    return list(_between(parsed, tz, rule.timezone, duration, start, end))


def _between(
    parsed: rrule, tz: ZoneInfo, name: str, duration: timedelta, start: datetime, end: datetime
) -> Iterator[Window]:
    low = (start - duration).astimezone(tz) - timedelta(days=1)
    high = end.astimezone(tz) + timedelta(days=1)
    for examined, local in enumerate(parsed):
        if local > high or examined >= MAX_EXAMINED:
            break
        if local < low:
            continue
        begins = local.astimezone(UTC)
        ends = begins + duration
        if begins >= end:
            # Local order is UTC order except around a fall-back; the day of slack covers it.
            continue
        if ends > start:
            yield Window(begins, ends, name)
