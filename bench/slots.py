"""Benchmark free-slot computation for a consortium's whole pool of mentors.

    .venv/bin/python bench/slots.py                # a temporary SQLite file
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/slots.py

Builds 1,000 mentor profiles (fixed seed) released to one consortium of 20 employers, each with
1-3 weekly availability rules in Europe/London (started up to three years ago, some with an
interval or an end), days off for about half of them, booked sessions with a mentee for most,
and a calendar feed's busy blocks for a third, in a throwaway database: PostgreSQL when
BENCH_DATABASE_URL names a server where it may create one (migrated, then dropped), else a
temporary SQLite file. On PostgreSQL the user BENCH_DATABASE_URL names only creates, migrates
and drops that database: everything timed runs as the non-owner runtime role under FORCEd
row-level security, as production does (bench/support.py; the script prints the role and
refuses one that would skip the policies). Then times computing every mentor's free 60-minute
slots over 30 days:

- the engine alone (rules expanded, days off, busy blocks and bookings subtracted, slots cut),
  on inputs already in memory, with its caches cold and then warm;
- through the service (availability.service.slots_of: the database reads plus the engine);
- the consortium-wide search as a member would run it (service.search_slots: the pool's
  visibility and filters, the reads, the engine, each mentor's earliest 3 slots).

Target: under 1 s each on the 2-core machine. The last line is one JSON object of the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Drop this script's folder from the path: bench/http.py would stand in for the standard
# library's `http`, which nearly everything imports.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.support import (  # noqa: E402
    add_rows,
    analyse,
    bench_app,
    measured_role,
    seeded_uuid,
    throwaway_database,
)
from consortium.availability import recurrence, service  # noqa: E402
from consortium.availability import slots as engine  # noqa: E402
from consortium.availability.models import (  # noqa: E402
    AvailabilityException,
    AvailabilityRule,
    BusyBlock,
    BusyFeed,
)
from consortium.core import tenancy  # noqa: E402
from consortium.extensions import db  # noqa: E402
from consortium.models import (  # noqa: E402
    Consortium,
    ConsortiumMembership,
    Match,
    MentorProfile,
    Organisation,
    Person,
    Programme,
)
from consortium.sessions.models import MentoringSession, SessionAttendee  # noqa: E402

MENTORS = 1_000
ORGANISATIONS = 20
SEED = 20261122
DAYS = 30
DURATION = timedelta(minutes=60)
# The range starts on a fixed Monday in the future, so every run measures the same work.
START = datetime(2027, 3, 15, tzinfo=UTC)
END = START + timedelta(days=DAYS)
NOW = datetime.now(UTC)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


def main() -> None:
    argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="BENCH_DATABASE_URL names a PostgreSQL server to use; else a temporary SQLite file.",
    ).parse_args()
    with throwaway_database() as (url, kind):
        app = bench_app(url)
        print(f"database: {kind}; {MENTORS} mentors, {DAYS} days of 60-minute slots")
        with app.app_context():
            print(f"measured as {measured_role()}")
            started = time.perf_counter()
            consortium_id, member_id, member_org = build()
            analyse()
            print(f"built the pool in {time.perf_counter() - started:.1f} s")
            figures = measure(consortium_id, member_id, member_org)
            db.session.rollback()
            db.engine.dispose()
    print(json.dumps(figures))


# --- the measurements ------------------------------------------------------------------------


def measure(
    consortium_id: uuid.UUID, member_id: uuid.UUID, member_org: uuid.UUID
) -> dict[str, Any]:
    with tenancy.all_tenants():
        # Typed columns: SQLite hands raw SQL's UUIDs back as text.
        profiles = dict(db.session.execute(select(MentorProfile.id, MentorProfile.person_id)).all())
        # The engine's inputs, read once (what the service's loaders return).
        inputs = service._time_inputs(profiles, START - engine.LOOKBEHIND, END)
        rules, days_off, busy, booked = inputs.rules, inputs.days_off, inputs.busy, inputs.booked
        db.session.rollback()

    def engine_only() -> int:
        return sum(
            len(
                engine.free_slots(
                    rules=rules.get(p, []),
                    days_off=days_off.get(p, []),
                    busy=busy.get(p, []),
                    booked=booked.get(p, []),
                    start=START,
                    end=END,
                    duration=DURATION,
                )
            )
            for p in profiles
        )

    def through_service() -> int:
        with tenancy.all_tenants():
            found = service.slots_of(profiles, start=START, end=END, duration=DURATION)
            db.session.rollback()
        return sum(len(s) for s in found.values())

    member = tenancy.Principal(
        kind="person",
        id=member_id,
        organisation_id=member_org,
        consortium_ids=frozenset({consortium_id}),
        scopes=frozenset({"pool:read"}),
        roles=frozenset({"staff"}),
        name="bench member",
    )

    def search() -> int:
        with tenancy.acting_as(member):
            found = service.search_slots(
                consortium_id=consortium_id, start=START, end=END, per_mentor=3
            )
            db.session.rollback()
        return len(found)

    recurrence.clear_caches()
    cold, slot_count = timed(engine_only)
    warm, _ = best_of(engine_only)
    recurrence.clear_caches()
    service_cold, service_count = timed(through_service)
    service_warm, _ = best_of(through_service)
    search_s, mentors_found = best_of(search)
    assert service_count == slot_count, (service_count, slot_count)
    windows = sum(len(engine.windows_of(r, START, END)) for r in rules.values())
    print(
        f"inputs: {sum(len(r) for r in rules.values())} rules ({windows} windows in range), "
        f"{sum(len(d) for d in days_off.values())} days-off ranges, "
        f"{sum(len(b) for b in busy.values())} busy blocks, "
        f"{sum(len(b) for b in booked.values())} booked sessions"
    )
    print(f"  engine alone, cold caches   {cold:7.3f} s  ({slot_count} slots)")
    print(f"  engine alone, warm          {warm:7.3f} s")
    print(f"  service (reads + engine)    {service_cold:7.3f} s cold, {service_warm:.3f} s warm")
    print(f"  consortium search (3 each)  {search_s:7.3f} s  ({mentors_found} mentors with slots)")
    return {
        "mentors": MENTORS,
        "days": DAYS,
        "slots": slot_count,
        "engine_cold_s": round(cold, 3),
        "engine_warm_s": round(warm, 3),
        "service_cold_s": round(service_cold, 3),
        "service_warm_s": round(service_warm, 3),
        "search_s": round(search_s, 3),
        "search_mentors": mentors_found,
    }


def timed(work: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def best_of(work: Callable[[], int], runs: int = 3) -> tuple[float, int]:
    results = [timed(work) for _ in range(runs)]
    return min(r[0] for r in results), results[-1][1]


# --- the database ----------------------------------------------------------------------------


def build() -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """The pool, written in bulk as the platform; returns the consortium, a member of staff
    who searches it, and that member's organisation."""
    rng = np.random.default_rng(SEED)
    ids = lambda n: [seeded_uuid(rng) for _ in range(n)]  # noqa: E731
    org_ids = ids(ORGANISATIONS)
    consortium_id, programme_id = seeded_uuid(rng), seeded_uuid(rng)
    mentor_people, mentee_people, profile_ids = ids(MENTORS), ids(MENTORS), ids(MENTORS)
    mentor_org = rng.integers(0, ORGANISATIONS, MENTORS)
    mentee_org = (mentor_org + rng.integers(1, ORGANISATIONS, MENTORS)) % ORGANISATIONS
    member_id = seeded_uuid(rng)
    with tenancy.all_tenants():
        add_rows(Organisation, [
            {"id": o, "name": f"Employer {k}", "slug": f"employer-{k}", "sector": "health",
             "email_domains": [f"employer-{k}.example.org"]}
            for k, o in enumerate(org_ids)
        ])  # fmt: skip
        add_rows(Consortium, [{"id": consortium_id, "name": "Bench ICS", "slug": "bench-ics"}])
        add_rows(ConsortiumMembership, [
            {"id": seeded_uuid(rng), "consortium_id": consortium_id, "organisation_id": o}
            for o in org_ids
        ])  # fmt: skip
        people = [
            _person(p, org_ids[mentor_org[j]], f"m{j}") for j, p in enumerate(mentor_people)
        ] + [_person(p, org_ids[mentee_org[j]], f"e{j}") for j, p in enumerate(mentee_people)]
        add_rows(Person, [*people, _person(member_id, org_ids[0], "member")])
        add_rows(MentorProfile, [
            {"id": profile_ids[j], "organisation_id": org_ids[mentor_org[j]],
             "person_id": mentor_people[j], "modalities": ["mentoring"],
             "topics": ["leadership"], "capacity": 3, "active_load": 1,
             "vetting_status": "approved", "vetting_expires_on": date.today() + timedelta(365),
             "sharing_scope": "consortium", "released_at": NOW, "released_by": "bench",
             "status": "active"}
            for j in range(MENTORS)
        ])  # fmt: skip
        add_rows(Programme, [
            {"id": programme_id, "consortium_id": consortium_id, "name": "Bench", "type":
             "mentoring", "status": "open", "opens_at": NOW - timedelta(days=10),
             "closes_at": NOW + timedelta(days=10), "created_by": "bench"}
        ])  # fmt: skip
        pair = [
            {"consortium_id": consortium_id, "mentor_organisation_id": org_ids[mentor_org[j]],
             "mentee_organisation_id": org_ids[mentee_org[j]]}
            for j in range(MENTORS)
        ]  # fmt: skip
        match_ids = ids(MENTORS)
        add_rows(Match, [
            {"id": match_ids[j], **pair[j], "programme_id": programme_id,
             "mentor_profile_id": profile_ids[j], "mentor_person_id": mentor_people[j],
             "mentee_id": mentee_people[j], "status": "active", "origin": "manual"}
            for j in range(MENTORS)
        ])  # fmt: skip
        rules, exceptions, sessions, attendees, feeds, blocks = [], [], [], [], [], []
        for j in range(MENTORS):
            owned = {"organisation_id": org_ids[mentor_org[j]], "profile_id": profile_ids[j]}
            for _ in range(int(rng.integers(1, 4))):
                rules.append({"id": seeded_uuid(rng), **owned, **_rule(rng), "created_by": "bench"})
            if rng.random() < 0.5:
                first = START.date() + timedelta(days=int(rng.integers(0, DAYS)))
                exceptions.append({
                    "id": seeded_uuid(rng), **owned, "starts_on": first,
                    "ends_on": first + timedelta(days=int(rng.integers(0, 5))),
                    "timezone": "Europe/London", "reason": "Leave", "created_by": "bench"})  # fmt: skip
            # Sessions on distinct days at 10:00 UTC: never overlapping for either person.
            for day in rng.choice(DAYS, int(rng.integers(0, 5)), replace=False).tolist():
                starts_at = START + timedelta(days=day, hours=10)
                session_id = seeded_uuid(rng)
                sessions.append({
                    "id": session_id, **pair[j], "match_id": match_ids[j],
                    "mentee_id": mentee_people[j], "mentor_person_id": mentor_people[j],
                    "mentor_profile_id": profile_ids[j], "starts_at": starts_at,
                    "ends_at": starts_at + DURATION, "status": "scheduled"})  # fmt: skip
                for role, person in (("mentor", mentor_people[j]), ("mentee", mentee_people[j])):
                    attendees.append({
                        "id": seeded_uuid(rng), **pair[j], "session_id": session_id,
                        "person_id": person, "role": role, "starts_at": starts_at,
                        "ends_at": starts_at + DURATION, "live": True})  # fmt: skip
            if rng.random() < 1 / 3:
                feed_id = seeded_uuid(rng)
                feeds.append({
                    "id": feed_id, **owned, "url_encrypted": "-", "url_host": "calendar.example",
                    "status": "ok", "failures": 0, "block_count": 5, "created_by": "bench"})  # fmt: skip
                for _ in range(5):
                    begins = START + timedelta(
                        days=int(rng.integers(0, DAYS)),
                        minutes=int(rng.integers(7 * 4, 18 * 4)) * 15,
                    )
                    blocks.append({
                        "id": seeded_uuid(rng), **owned, "feed_id": feed_id, "starts_at": begins,
                        "ends_at": begins + timedelta(minutes=30 * int(rng.integers(1, 5)))})  # fmt: skip
        for model, rows in (
            (AvailabilityRule, rules),
            (AvailabilityException, exceptions),
            (MentoringSession, sessions),
            (SessionAttendee, attendees),
            (BusyFeed, feeds),
            (BusyBlock, blocks),
        ):
            add_rows(model, rows)
        db.session.commit()
    return consortium_id, member_id, org_ids[0]


def _rule(rng: np.random.Generator) -> dict[str, Any]:
    """A weekly window: 1-3 weekdays, starting 08:00-16:00 for 1-4 hours; started up to three
    years ago; some fortnightly, some with an end."""
    days = sorted(rng.choice(len(WEEKDAYS), int(rng.integers(1, 4)), replace=False).tolist())
    started = date(2024, 3, 4) + timedelta(weeks=int(rng.integers(0, 150)))
    parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(WEEKDAYS[d] for d in days)]
    if rng.random() < 0.2:
        parts.append("INTERVAL=2")
    if rng.random() < 0.1:
        parts.append("UNTIL=20270401T000000Z")
    return {
        "dtstart": datetime.combine(started, datetime.min.time()).replace(
            hour=int(rng.integers(8, 17)), minute=int(rng.choice([0, 30]))
        ),
        "duration_minutes": int(rng.integers(1, 5)) * 60,
        "rrule": ";".join(parts),
        "timezone": "Europe/London",
    }


def _person(person_id: uuid.UUID, org: uuid.UUID, local: str) -> dict[str, Any]:
    return {"id": person_id, "organisation_id": org, "given_name": "Bench", "family_name": local,
            "email": f"{local}@bench.example.org", "status": "active"}  # fmt: skip


if __name__ == "__main__":
    main()
