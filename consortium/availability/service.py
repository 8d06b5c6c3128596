"""A mentor profile's availability: rules, exceptions, the busy feed, and free slots.

Who may do what:
- read rules, exceptions and slots: anyone who may see the profile (pool.get_profile decides;
  404 otherwise); who set a rule or days off, and why the days are off, only those who may
  change them (others see the times alone). The profile's rows live in its organisation's tenant, so once the profile is
  seen they are read across tenants explicitly, for that profile only. Busy blocks and booked
  sessions are read for their times alone and never returned: only the slots they remove show.
- change rules and exceptions: the mentor, or whoever manages their organisation (the people
  who edit the profile: pool.require_editor); 403 for others who see the profile.
- the busy feed (its URL is a secret calendar address): the mentor and their organisation's
  admins only; 403 for others who see the profile.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from flask import current_app
from sqlalchemy import delete, select

from consortium.audit import service as audit
from consortium.availability import busy, week
from consortium.availability import slots as engine
from consortium.availability.models import (
    AvailabilityException,
    AvailabilityRule,
    BusyBlock,
    BusyFeed,
)
from consortium.availability.recurrence import DEFAULT_TIMEZONE, RuleSpec, validate, zone
from consortium.core import events, jobs, outbound, security, tenancy
from consortium.core.db import AnyOf, insert_rows, utcnow
from consortium.core.errors import Forbidden, Invalid, NotFound
from consortium.extensions import db
from consortium.pool import service as pool
from consortium.pool.models import MentorProfile

MAX_RANGE = timedelta(days=92)
# Sessions build on availability (booking checks it), so it asks them for people's booked
# times (person_ids=, start=, end=): [(person_id, starts_at, ends_at)] of live sessions.
BOOKED_TIMES = "availability.booked_times"
FETCH_JOB = "availability.fetch_busy"


# --- who may do what -------------------------------------------------------------------------


def _seen(profile_id: uuid.UUID) -> MentorProfile:
    """The profile, if the caller may see it (404 otherwise)."""
    return pool.get_profile(profile_id=profile_id)


def _editable(profile_id: uuid.UUID) -> MentorProfile:
    profile = _seen(profile_id)
    pool.require_editor(profile, "change their availability")
    return profile


def _may_edit(profile: MentorProfile) -> bool:
    try:
        pool.require_editor(profile)
    except Forbidden:
        return False
    return True


# What everyone who sees the profile is shown; who set a row and why stays with its editors.
_RULE_FIELDS = ("id", "profile_id", "dtstart", "duration_minutes", "rrule", "timezone")
_EXCEPTION_FIELDS = ("id", "profile_id", "starts_on", "ends_on", "timezone")
_STAMPS = ("created_at", "updated_at")


def _shown(row: Any, fields: tuple[str, ...], editor: bool) -> Any:
    """`row` whole for an editor of its profile; otherwise its times alone."""
    if editor:
        return row
    return {name: getattr(row, name) for name in (*fields, *_STAMPS)}


def _feed_keeper(profile_id: uuid.UUID) -> MentorProfile:
    """The profile, if the caller is its mentor or an admin of its organisation."""
    profile = _seen(profile_id)
    principal = tenancy.current()
    if not (
        principal.person_id == profile.person_id or principal.administers(profile.organisation_id)
    ):
        raise Forbidden("Only the mentor and their organisation's admins see their calendar feed.")
    return profile


# --- rules -----------------------------------------------------------------------------------


def list_rules(*, profile_id: uuid.UUID) -> list[Any]:
    """The profile's availability rules, oldest first (for those who may not change them, the
    times alone)."""
    editor = _may_edit(_seen(profile_id))
    with tenancy.all_tenants():  # shared on purpose with whoever sees the profile
        rows = db.session.scalars(
            select(AvailabilityRule)
            .where(AvailabilityRule.profile_id == profile_id)
            .order_by(AvailabilityRule.created_at, AvailabilityRule.id)
        )
        return [_shown(rule, _RULE_FIELDS, editor) for rule in rows]


def show_rule(*, profile_id: uuid.UUID, rule_id: uuid.UUID) -> Any:
    """One of the profile's rules as the caller may see it (see list_rules)."""
    rule = get_rule(profile_id=profile_id, rule_id=rule_id)
    return _shown(rule, _RULE_FIELDS, _may_edit(_seen(profile_id)))


def get_rule(*, profile_id: uuid.UUID, rule_id: uuid.UUID) -> AvailabilityRule:
    """One of the profile's rules; 404 if the caller cannot see the profile or it has none."""
    _seen(profile_id)
    with tenancy.all_tenants():
        rule = db.session.scalar(
            select(AvailabilityRule).where(
                AvailabilityRule.id == rule_id, AvailabilityRule.profile_id == profile_id
            )
        )
    if rule is None:
        raise NotFound(f"No availability rule {rule_id} on this profile.")
    return rule


def add_rule(
    *,
    profile_id: uuid.UUID,
    dtstart: datetime,
    duration_minutes: int,
    rrule: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> AvailabilityRule:
    """Add a recurring window to the profile (the mentor or their organisation's admins)."""
    profile = _editable(profile_id)
    spec = validate(RuleSpec(dtstart, duration_minutes, rrule, timezone))
    rule = AvailabilityRule(
        id=uuid.uuid4(),
        organisation_id=profile.organisation_id,
        profile_id=profile.id,
        dtstart=spec.dtstart,
        duration_minutes=spec.duration_minutes,
        rrule=spec.rrule,
        timezone=spec.timezone,
        created_by=tenancy.current().display,
    )
    db.session.add(rule)
    db.session.flush()
    return rule


def require_rule_editor(rule: AvailabilityRule) -> None:
    """Refuse (403) unless the caller may change the rule's profile."""
    _editable(rule.profile_id)


def update_rule(*, rule: AvailabilityRule, changes: dict[str, Any]) -> AvailabilityRule:
    """Change a rule; the result is validated as a whole (a new rrule against the old dtstart).

    The caller has checked require_rule_editor (the route does, before the ETag)."""
    merged = {
        "dtstart": rule.dtstart,
        "duration_minutes": rule.duration_minutes,
        "rrule": rule.rrule,
        "timezone": rule.timezone,
        **changes,
    }
    spec = validate(RuleSpec(**merged))
    rule.dtstart, rule.duration_minutes = spec.dtstart, spec.duration_minutes
    rule.rrule, rule.timezone = spec.rrule, spec.timezone
    db.session.flush()
    return rule


def delete_rule(*, rule: AvailabilityRule) -> None:
    """Remove a rule; the caller has checked require_rule_editor (the route, before If-Match)."""
    db.session.delete(rule)
    db.session.flush()


# --- exceptions (days off) -------------------------------------------------------------------


def list_exceptions(*, profile_id: uuid.UUID) -> list[Any]:
    """The profile's days off, earliest first (for those who may not change them, the days
    alone: not why, nor who set them)."""
    editor = _may_edit(_seen(profile_id))
    with tenancy.all_tenants():
        rows = db.session.scalars(
            select(AvailabilityException)
            .where(AvailabilityException.profile_id == profile_id)
            .order_by(AvailabilityException.starts_on, AvailabilityException.id)
        )
        return [_shown(row, _EXCEPTION_FIELDS, editor) for row in rows]


def add_exception(
    *,
    profile_id: uuid.UUID,
    starts_on: date,
    ends_on: date,
    timezone: str = DEFAULT_TIMEZONE,
    reason: str = "",
) -> AvailabilityException:
    """Mark whole local days off, from `starts_on` to `ends_on` inclusive."""
    profile = _editable(profile_id)
    zone(timezone)
    if ends_on < starts_on:
        raise Invalid("ends_on must be on or after starts_on.", field="ends_on")
    if (ends_on - starts_on).days > 366:
        raise Invalid("Days off span at most a year at a time.", field="ends_on")
    exception = AvailabilityException(
        id=uuid.uuid4(),
        organisation_id=profile.organisation_id,
        profile_id=profile.id,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        reason=reason,
        created_by=tenancy.current().display,
    )
    db.session.add(exception)
    db.session.flush()
    return exception


def delete_exception(*, profile_id: uuid.UUID, exception_id: uuid.UUID) -> None:
    """Remove days off (the mentor or their organisation's admins)."""
    _editable(profile_id)
    exception = db.session.scalar(
        select(AvailabilityException).where(
            AvailabilityException.id == exception_id,
            AvailabilityException.profile_id == profile_id,
        )
    )
    if exception is None:
        raise NotFound(f"No days off {exception_id} on this profile.")
    db.session.delete(exception)
    db.session.flush()


# --- the busy feed ---------------------------------------------------------------------------


def get_feed(*, profile_id: uuid.UUID) -> BusyFeed:
    """The profile's calendar feed (its state, never its URL); 404 if none is set."""
    _feed_keeper(profile_id)
    feed = db.session.scalar(select(BusyFeed).where(BusyFeed.profile_id == profile_id))
    if feed is None:
        raise NotFound("This profile has no calendar feed.")
    return feed


def set_feed(*, profile_id: uuid.UUID, url: str) -> BusyFeed:
    """Set (or replace) the profile's free/busy ICS URL and queue a fetch now."""
    profile = _feed_keeper(profile_id)
    try:
        host, _ = busy.checked(url.strip())
    except busy.FeedError as exc:
        raise Invalid(str(exc), field="url") from None
    if outbound.plainly_private(host) and not _limits().allow_private_networks:
        # Names are resolved (and refused if private) at every fetch; these need no lookup.
        raise Invalid("The calendar feed must be on the public internet.", field="url")
    feed = db.session.scalar(select(BusyFeed).where(BusyFeed.profile_id == profile.id))
    if feed is None:
        feed = BusyFeed(
            id=uuid.uuid4(),
            organisation_id=profile.organisation_id,
            profile_id=profile.id,
            created_by=tenancy.current().display,
        )
        db.session.add(feed)
    feed.url_encrypted = security.encrypt(url.strip())
    feed.url_host = host[:255]
    feed.status, feed.error, feed.failures = "pending", None, 0
    # Fetched now by the job queued below; not due for the sweep too (as queue_due_feeds does).
    feed.fetched_at, feed.next_fetch_at = None, utcnow() + REFRESH_AFTER
    db.session.flush()
    audit.record(
        action="availability.feed_set",
        subject_type="mentor_profile",
        subject_id=profile.id,
        organisation_id=profile.organisation_id,
        data={"url_host": feed.url_host},
    )
    queue_fetch(feed)
    return feed


def queue_fetch(feed: BusyFeed) -> None:
    """Queue a fetch of `feed`, run as its organisation after the current commit."""
    jobs.enqueue(db.session, FETCH_JOB, tenant_id=feed.organisation_id, feed_id=str(feed.id))


def remove_feed(*, profile_id: uuid.UUID) -> None:
    """Forget the profile's calendar feed and every busy block it brought."""
    profile = _feed_keeper(profile_id)
    feed = db.session.scalar(select(BusyFeed).where(BusyFeed.profile_id == profile.id))
    if feed is None:
        return
    db.session.execute(delete(BusyBlock).where(BusyBlock.feed_id == feed.id))
    db.session.delete(feed)
    db.session.flush()
    audit.record(
        action="availability.feed_removed",
        subject_type="mentor_profile",
        subject_id=profile.id,
        organisation_id=profile.organisation_id,
        data={"url_host": feed.url_host},
    )


# --- fetching the busy feed (jobs) ------------------------------------------------------------

REFRESH_AFTER = timedelta(hours=1)
MAX_BACKOFF = timedelta(hours=24)
DUE_PER_SWEEP = 500


def _limits() -> busy.Limits:
    settings = current_app.config["SETTINGS"]
    return busy.Limits(
        timeout=settings.busy_feed_timeout,
        max_bytes=settings.busy_feed_max_bytes,
        allow_private_networks=settings.busy_feed_allow_private_networks,
    )


def refresh_feed(*, feed_id: uuid.UUID) -> dict[str, Any]:
    """Fetch a feed and replace its busy blocks (next 92 days) wholesale; record how it went.

    Runs as the feed's organisation. A failed fetch keeps the blocks of the last good one and
    backs off (15 minutes, doubling, at most a day); it is recorded, not raised. The result is
    written under the feed's row lock, and only if the feed still has the address fetched: two
    fetches at once (a new address, the sweep) never leave both their blocks, and one of an
    address since replaced or removed changes nothing (the new address has its own fetch).
    """
    feed = db.session.scalar(select(BusyFeed).where(BusyFeed.id == feed_id))
    if feed is None:
        return {"feed_id": str(feed_id), "skipped": "the feed no longer exists"}
    fetched_url = feed.url_encrypted
    now = utcnow()
    # All-day events and floating times are the mentor's local time: their rules' zone.
    rules = _rule_specs([feed.profile_id]).get(feed.profile_id, [])  # the feed's own tenant
    timezone = rules[0].timezone if rules else DEFAULT_TIMEZONE
    failure: busy.FeedError | None = None
    periods: list[tuple[datetime, datetime]] = []
    try:
        body = busy.fetch(security.decrypt(fetched_url), _limits())
        periods = busy.busy_periods(body, start=now, end=now + busy.HORIZON, timezone=timezone)
    except busy.FeedError as exc:
        failure = exc
    feed = db.session.scalar(
        select(BusyFeed)
        .where(BusyFeed.id == feed_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if feed is None or feed.url_encrypted != fetched_url:
        return {"feed_id": str(feed_id), "skipped": "the feed was replaced or removed meanwhile"}
    if failure is not None:
        feed.status, feed.error, feed.failures = "failed", str(failure)[:2000], feed.failures + 1
        backoff = timedelta(minutes=15) * 2 ** min(feed.failures - 1, 10)
        feed.next_fetch_at = now + min(backoff, MAX_BACKOFF)
        db.session.flush()
        return {"feed_id": str(feed.id), "status": "failed", "error": feed.error}
    db.session.execute(delete(BusyBlock).where(BusyBlock.feed_id == feed.id))
    insert_rows(
        db.session,
        BusyBlock,
        [
            {
                "id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
                "organisation_id": feed.organisation_id,
                "profile_id": feed.profile_id,
                "feed_id": feed.id,
                "starts_at": starts_at,
                "ends_at": ends_at,
            }
            for starts_at, ends_at in periods
        ],
    )
    feed.status, feed.error, feed.failures = "ok", None, 0
    feed.fetched_at, feed.next_fetch_at, feed.block_count = now, now + REFRESH_AFTER, len(periods)
    db.session.flush()
    return {"feed_id": str(feed.id), "status": "ok", "blocks": len(periods)}


def queue_due_feeds() -> int:
    """Queue a fetch of every feed that is due (as the system); returns how many."""
    now = utcnow()
    with tenancy.all_tenants():
        due = db.session.scalars(
            select(BusyFeed)
            .where(BusyFeed.next_fetch_at <= now)
            .order_by(BusyFeed.next_fetch_at, BusyFeed.id)
            .limit(DUE_PER_SWEEP)
            .with_for_update(skip_locked=True)
        ).all()
        for feed in due:
            # Not due again before the fetch records its own next time (or the job gives up).
            feed.next_fetch_at = now + REFRESH_AFTER
            queue_fetch(feed)
        db.session.flush()
    return len(due)


# --- reading the rows that shape a profile's time (across tenants, times only) ---------------


@dataclass
class TimeInputs:
    """What the slots engine needs of some profiles, by profile id (absent: none)."""

    rules: dict[uuid.UUID, list[RuleSpec]]
    days_off: dict[uuid.UUID, list[engine.DaysOff]]
    busy: dict[uuid.UUID, list[engine.Interval]]
    booked: dict[uuid.UUID, list[engine.Interval]]

    def of(self, profile_id: uuid.UUID) -> dict[str, Any]:
        """One profile's inputs, as the engine's keyword arguments."""
        return {
            "rules": self.rules.get(profile_id, []),
            "days_off": self.days_off.get(profile_id, []),
            "busy": self.busy.get(profile_id, []),
            "booked": self.booked.get(profile_id, []),
        }


def _time_inputs(
    profiles: dict[uuid.UUID, uuid.UUID], start: datetime, end: datetime, *, booked: bool = True
) -> TimeInputs:
    """The rules, days off, busy blocks and (if `booked`) live sessions that shape the time of
    `profiles` (id → mentor's person id) in [start, end).

    The caller has decided it may see these profiles; their rows belong to other tenants, so
    they are read across tenants here, explicitly, for their times only.
    """
    with tenancy.all_tenants():
        rules = _rule_specs(profiles)
        ids = [i for i in profiles if i in rules]  # nothing else matters without rules
        return TimeInputs(
            rules=rules,
            days_off=_days_off(ids, start, end),
            busy=_busy(ids, start, end),
            booked=_booked({i: profiles[i] for i in ids}, start, end) if booked else {},
        )


def _rule_specs(profile_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[RuleSpec]]:
    out: dict[uuid.UUID, list[RuleSpec]] = {}
    rows = db.session.execute(
        select(
            AvailabilityRule.profile_id,
            AvailabilityRule.dtstart,
            AvailabilityRule.duration_minutes,
            AvailabilityRule.rrule,
            AvailabilityRule.timezone,
        ).where(AnyOf(AvailabilityRule.profile_id, profile_ids))
    )
    for profile_id, dtstart, minutes, rrule, timezone in rows:
        out.setdefault(profile_id, []).append(RuleSpec(dtstart, minutes, rrule, timezone))
    return out


def _days_off(
    profile_ids: list[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, list[engine.DaysOff]]:
    out: dict[uuid.UUID, list[engine.DaysOff]] = {}
    if not profile_ids:
        return out
    # A day's local midnight is within 14 hours of UTC's; a day's margin covers every zone.
    first, last = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
    rows = db.session.execute(
        select(
            AvailabilityException.profile_id,
            AvailabilityException.starts_on,
            AvailabilityException.ends_on,
            AvailabilityException.timezone,
        ).where(
            AnyOf(AvailabilityException.profile_id, profile_ids),
            AvailabilityException.starts_on <= last,
            AvailabilityException.ends_on >= first,
        )
    )
    for profile_id, starts_on, ends_on, timezone in rows:
        out.setdefault(profile_id, []).append(engine.DaysOff(starts_on, ends_on, timezone))
    return out


def _busy(
    profile_ids: list[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, list[engine.Interval]]:
    out: dict[uuid.UUID, list[engine.Interval]] = {}
    if not profile_ids:
        return out
    rows = db.session.execute(
        select(BusyBlock.profile_id, BusyBlock.starts_at, BusyBlock.ends_at).where(
            AnyOf(BusyBlock.profile_id, profile_ids),
            BusyBlock.starts_at < end,
            BusyBlock.ends_at > start,
        )
    )
    for profile_id, starts_at, ends_at in rows:
        out.setdefault(profile_id, []).append((starts_at, ends_at))
    return out


def _booked(
    person_of: dict[uuid.UUID, uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, list[engine.Interval]]:
    """Each profile's mentor's live sessions (as mentor or mentee, any pairing), times only."""
    profile_of = {person: profile for profile, person in person_of.items()}
    out: dict[uuid.UUID, list[engine.Interval]] = {}
    if not profile_of:
        return out
    rows = events.ask(BOOKED_TIMES, person_ids=list(profile_of), start=start, end=end)
    for person_id, starts_at, ends_at in rows:
        out.setdefault(profile_of[person_id], []).append((starts_at, ends_at))
    return out


# --- slots -----------------------------------------------------------------------------------


def check_range(start: datetime, end: datetime) -> None:
    """Refuse a slot search range that is inverted or longer than 92 days (422 naming end)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid("Give start and end with a UTC offset.", field="start")
    if end <= start:
        raise Invalid("end must be after start.", field="end")
    if end - start > MAX_RANGE:
        raise Invalid("Ask for at most 92 days of slots at a time.", field="end")


def slots_of(
    profiles: dict[uuid.UUID, uuid.UUID],
    *,
    start: datetime,
    end: datetime,
    duration: timedelta,
    limit: int | None = None,
) -> dict[uuid.UUID, list[engine.Slot]]:
    """Free slots of each profile (id → mentor's person id) in [start, end), earliest first,
    at most `limit` each; none before now. The caller has decided it may see these profiles
    and checked the range (check_range)."""
    start = max(start, utcnow())
    if start >= end:
        return {profile_id: [] for profile_id in profiles}
    # From a day earlier: what the engine looks at (see slots.free_slots).
    inputs = _time_inputs(profiles, start - engine.LOOKBEHIND, end)
    return {
        profile_id: engine.free_slots(
            **inputs.of(profile_id),
            start=start,
            end=end,
            duration=duration,
            limit=limit,
        )
        for profile_id in profiles
    }


def profile_slots(
    *, profile_id: uuid.UUID, start: datetime, end: datetime, duration_minutes: int = 60
) -> list[engine.Slot]:
    """The profile's free slots of `duration_minutes` in [start, end) (92 days at most)."""
    profile = _seen(profile_id)
    check_range(start, end)
    return slots_of(
        {profile.id: profile.person_id},
        start=start,
        end=end,
        duration=timedelta(minutes=duration_minutes),
    )[profile.id]


@dataclass(frozen=True)
class FreeWeek:
    """A typical week's free hours of some profiles per cell of the week grid (week.py)."""

    # time zone → profiles x cells (hours), profiles in the order asked, cells read in that zone
    hours: dict[str, npt.NDArray[np.float64]]
    # per profile: whether it has any availability rule (without one its hours are unknown,
    # not none: the mentor has published nothing yet)
    published: npt.NDArray[np.bool_]


def weekly_free_hours(
    profiles: dict[uuid.UUID, uuid.UUID],
    *,
    timezones: Iterable[str],
    weeks: int = week.DEFAULT_WEEKS,
    now: datetime | None = None,
) -> FreeWeek:
    """Each profile's (id → mentor's person id) free hours in a typical week per cell, read in
    each of `timezones`: its rules less days off, busy blocks and booked sessions, over the
    `weeks` whole weeks from tomorrow in that zone, averaged.

    For many profiles at once (a matching run's pool): one read of every profile's rows, each
    profile's free time worked out once, then every zone's cells for all of them in one go.
    The caller has decided it may see these profiles."""
    now = now or utcnow()
    first_days = {
        name: now.astimezone(zone(name)).date() + timedelta(days=1)
        for name in dict.fromkeys(timezones)
    }
    if not first_days or not profiles:
        return FreeWeek(
            hours={name: np.zeros((len(profiles), week.CELLS)) for name in first_days},
            published=np.zeros(len(profiles), dtype=bool),
        )
    ranges = [week.horizon(name, first, weeks) for name, first in first_days.items()]
    start, end = min(r[0] for r in ranges), max(r[1] for r in ranges)
    inputs = _time_inputs(profiles, start, end)
    free = [
        engine.free_time(
            **inputs.of(profile_id),
            start=start,
            end=end,
        )
        for profile_id in profiles
    ]
    return FreeWeek(
        hours={
            name: week.weekly_hours(free, timezone=name, first_day=first, weeks=weeks)
            for name, first in first_days.items()
        },
        published=np.fromiter((p in inputs.rules for p in profiles), dtype=bool),
    )


@dataclass(frozen=True)
class MentorSlots:
    """A mentor profile (as the caller may see it) and its earliest free slots."""

    profile: MentorProfile
    slots: list[engine.Slot]


def search_slots(
    *,
    consortium_id: uuid.UUID,
    start: datetime,
    end: datetime,
    duration_minutes: int = 60,
    per_mentor: int = 3,
    topic: str | None = None,
) -> list[MentorSlots]:
    """Mentors released to the consortium (active, vetted, with capacity left; optionally with
    `topic`) whom the caller sees, each with their earliest `per_mentor` free slots; mentors
    with none left out; ordered by their earliest slot."""
    principal = tenancy.current()
    if not (consortium_id in principal.consortium_ids or principal.coordinates(consortium_id)):
        raise NotFound(f"No consortium {consortium_id}.")
    check_range(start, end)
    statement = pool.list_profiles(
        consortium_id=consortium_id,
        topic=topic,
        has_capacity=True,
        status="active",
        vetting_status="approved",
    )
    profiles = {p.id: p for p in db.session.scalars(statement)}
    found = slots_of(
        {p.id: p.person_id for p in profiles.values()},
        start=start,
        end=end,
        duration=timedelta(minutes=duration_minutes),
        limit=per_mentor,
    )
    out = [MentorSlots(profiles[i], s) for i, s in found.items() if s]
    out.sort(key=lambda m: (m.slots[0].start, str(m.profile.id)))
    return out


def present_search(found: list[MentorSlots]) -> list[dict[str, Any]]:
    """Each mentor of a page as the caller may see their profile, with their slots."""
    views = pool.present([m.profile for m in found])
    return [{"mentor": view, "slots": m.slots} for view, m in zip(views, found, strict=True)]


# --- for the sessions domain -----------------------------------------------------------------


def check_bookable(*, profile_id: uuid.UUID, starts_at: datetime, ends_at: datetime) -> None:
    """Raise Invalid(field="start") unless [starts_at, ends_at) lies wholly inside one free
    window of the profile (its rules, less days off and busy blocks).

    Booked sessions are not checked here: the database refuses overlapping bookings. The caller
    has already decided the booking is allowed; this reads the profile's rows across tenants.
    """
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid("Give session times with a UTC offset.", field="start")
    if ends_at <= starts_at:
        raise Invalid("A session must end after it starts.", field="start")
    with tenancy.all_tenants():  # the profile's organisation's rows, read for their times
        person_id = db.session.scalar(
            select(MentorProfile.person_id).where(MentorProfile.id == profile_id)
        )
    if person_id is None:
        raise NotFound(f"No mentor profile {profile_id}.")
    inputs = _time_inputs({profile_id: person_id}, starts_at, ends_at, booked=False)
    rules = inputs.rules.get(profile_id, [])
    if not rules:
        raise Invalid("This mentor has not published any availability yet.", field="start")
    fits = engine.fits(
        rules=rules,
        days_off=inputs.days_off.get(profile_id, []),
        busy=inputs.busy.get(profile_id, []),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    if not fits:
        raise Invalid(
            "The mentor is not available for the whole of this time: choose one of their free "
            "slots (GET /api/v1/mentor-profiles/{id}/slots).".replace("{id}", str(profile_id)),
            field="start",
        )
