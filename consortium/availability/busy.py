"""Busy times from a person's own calendar: fetch an ICS feed safely, read its busy periods.

The feed's address is chosen by the user, so it is fetched under the service's one guard
against server-side request forgery (consortium.core.outbound: https only, public addresses
only, the connection pinned to the vetted address, every redirect vetted, size and whole-fetch
time limits). BUSY_FEED_ALLOW_PRIVATE_NETWORKS lifts the address check for tests against a
local server; the configuration refuses it in production.

What is read is bounded too: at most MAX_PERIODS busy periods in the next 92 days.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

import icalendar
import recurring_ical_events

from consortium.availability.recurrence import zone
from consortium.core import outbound

HORIZON = timedelta(days=92)
# More than 50 a day for three months is not a person's calendar; a feed with more fails (see
# busy_periods) rather than keep the first ones and offer the rest of its times as free.
MAX_PERIODS = 5000


# --- the fetch, under the service's one outbound guard (core.outbound) --------------------

Limits = outbound.Limits
FEED = "The feed"


class FeedError(outbound.OutboundError):
    """The feed could not be fetched or read; the message is shown to its owner."""


def checked(url: str) -> tuple[str, int]:
    """The feed URL's host and port, if its form may be fetched (https only); FeedError else."""
    try:
        return outbound.checked(url, what=FEED)
    except outbound.OutboundError as exc:
        raise FeedError(str(exc)) from None


def vetted(url: str, limits: Limits) -> tuple[str, int, list[outbound.IpAddress]]:
    """The feed URL's host, port and addresses, if it may be fetched; FeedError otherwise."""
    try:
        return outbound.vetted(url, limits, what=FEED)
    except outbound.OutboundError as exc:
        raise FeedError(str(exc)) from None


def fetch(url: str, limits: Limits) -> bytes:
    """The feed's body, fetched under the guard and the limits; FeedError otherwise."""
    try:
        return outbound.fetch(url, limits, what=FEED, accept="text/calendar, */*;q=0.5")
    except outbound.OutboundError as exc:
        raise FeedError(str(exc)) from exc


# --- reading busy periods --------------------------------------------------------------------


def busy_periods(
    body: bytes, *, start: datetime, end: datetime, timezone: str
) -> list[tuple[datetime, datetime]]:
    """The busy periods in [start, end) an ICS body declares, in UTC, merged and sorted.

    Events (recurring ones expanded) count unless TRANSP:TRANSPARENT or STATUS:CANCELLED;
    free/busy periods count unless FBTYPE=FREE. All-day events and floating times are read in
    `timezone` (the mentor's).
    """
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
        raise FeedError(f"The feed is not an iCalendar (ICS) file that can be read: {exc}") from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise FeedError("The feed is not an iCalendar (ICS) file.")
    tz = zone(timezone)
    periods: list[tuple[datetime, datetime]] = []
    try:
        periods.extend(_events_between(recurring_ical_events.of(calendar), tz, start, end))
    except FeedError:
        raise
    except Exception as exc:  # the library raises many kinds on malformed rules and dates
        raise FeedError(f"The feed's events could not be read: {exc}") from exc
    try:
        for period in _free_busy_periods(calendar.walk("VFREEBUSY"), tz):
            if period[0] < end and period[1] > start:
                periods.append(period)
                _check_count(periods)
    except FeedError:
        raise
    except Exception as exc:  # e.g. a period too long for a date (OverflowError)
        raise FeedError(f"The feed's free/busy periods could not be read: {exc}") from exc
    clipped = sorted((max(s, start), min(e, end)) for s, e in periods if s < end and e > start)
    merged: list[tuple[datetime, datetime]] = []
    for s, e in clipped:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        elif s < e:
            merged.append((s, e))
    return merged


def _events_between(
    query: Any, tz: Any, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The busy periods of events in [start, end), read a slice of time at a time: the slice
    starts at an hour and doubles while it holds few events, so a dense rule (FREQ=SECONDLY)
    is expanded one short slice at a time and stopped by the cap, never across the range."""
    seen: set[tuple[datetime, datetime]] = set()
    span, low = timedelta(hours=1), start
    while low < end:
        high = min(low + span, end)
        found = list(_event_periods(query.between(low, high), tz))
        for period in found:
            if period not in seen:  # an event across two slices is found in both
                seen.add(period)
                yield period
        _check_count(seen)
        low = high
        if len(found) < 100:
            span = min(span * 2, timedelta(days=8))
        else:
            span = max(span / 2, timedelta(minutes=15))


def _check_count(periods: Sized) -> None:
    if len(periods) > MAX_PERIODS:
        raise FeedError(
            f"The feed has more than {MAX_PERIODS} busy periods in the next "
            f"{HORIZON.days} days; only calendars with fewer are read."
        )


def _instant(value: date | datetime, tz: Any) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)
    return datetime.combine(value, clock(), tzinfo=tz).astimezone(UTC)  # a whole local day


def _event_periods(events: Iterable[Any], tz: Any) -> Iterator[tuple[datetime, datetime]]:
    for event in events:
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        begins = event.get("DTSTART")
        if begins is None:
            continue
        first = begins.dt
        ends = event.get("DTEND")
        if ends is not None:
            last = ends.dt
        elif event.get("DURATION") is not None:
            last = first + event.get("DURATION").dt
        else:  # RFC 5545: a date lasts the day; a date-time, no time at all
            last = first + timedelta(days=1) if not isinstance(first, datetime) else first
        yield _instant(first, tz), _instant(last, tz)


def _free_busy_periods(components: Iterable[Any], tz: Any) -> Iterator[tuple[datetime, datetime]]:
    for component in components:
        values = component.get("FREEBUSY", [])
        for period in values if isinstance(values, list) else [values]:
            kind = str(period.params.get("FBTYPE", "BUSY")).upper()
            if kind == "FREE":
                continue
            first, second = period.dt
            begins = _instant(first, tz)
            ends = begins + second if isinstance(second, timedelta) else _instant(second, tz)
            yield begins, ends
