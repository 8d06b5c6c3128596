"""Coach care: a mentor's load, recent sessions, fatigue and whether supervision is due.

The figures count pairings and sessions in every organisation, so they are read across
tenants explicitly; only counts and dates leave this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from consortium.consortia.models import Consortium, ConsortiumMembership
from consortium.core import events, tenancy
from consortium.core.db import AnyOf, utcnow
from consortium.extensions import db
from consortium.pool.models import CpdEntry, MentorProfile

RECENT = timedelta(days=90)

# Pairings and sessions build on the pool, so it asks them (consortium.core.events):
# PLACES_TAKEN (profile_id=, a column or value) is answered by matches with a scalar subquery
# counting the pairings holding that mentor's places; SESSIONS_HELD (profile_ids=, since=, until=) by
# sessions with {profile_id: sessions held then}. Both are asked across tenants.
PLACES_TAKEN = "pool.places_taken"
SESSIONS_HELD = "pool.sessions_held"


@dataclass(frozen=True)
class Limits:
    """A consortium's care limits; an organisation in several consortia gets the strictest."""

    max_active_load: int = 6
    max_sessions_90_days: int = 24
    supervision_interval_days: int = 90


@dataclass(frozen=True)
class Care:
    active_load: int
    sessions_last_90_days: int
    fatigued: bool
    fatigue_reasons: list[str]
    last_supervision_on: date | None
    supervision_due: bool
    supervision_due_on: date | None
    limits: Limits = field(default_factory=Limits)


def assess(
    *,
    active_load: int,
    sessions_last_90_days: int,
    last_supervision_on: date | None,
    limits: Limits,
    today: date,
) -> Care:
    """The care figures for one mentor, given their counts and the limits that apply."""
    reasons = []
    if active_load > limits.max_active_load:
        reasons.append(
            f"{active_load} pairings in progress, more than the limit of {limits.max_active_load}"
        )
    if sessions_last_90_days > limits.max_sessions_90_days:
        reasons.append(
            f"{sessions_last_90_days} sessions in the last 90 days, more than the limit of "
            f"{limits.max_sessions_90_days}"
        )
    due_on = (
        last_supervision_on + timedelta(days=limits.supervision_interval_days)
        if last_supervision_on
        else None
    )
    return Care(
        active_load=active_load,
        sessions_last_90_days=sessions_last_90_days,
        fatigued=bool(reasons),
        fatigue_reasons=reasons,
        last_supervision_on=last_supervision_on,
        supervision_due=due_on is None or due_on <= today,
        supervision_due_on=due_on,
        limits=limits,
    )


def care_for(
    profiles: Iterable[MentorProfile],
    *,
    now: datetime | None = None,
    loads: Mapping[uuid.UUID, int] | None = None,
) -> dict[uuid.UUID, Care]:
    """Care figures per profile id (a few grouped queries, however many profiles).

    `loads` replaces the stored active load of the profiles it names (matching re-checking a
    pairing leaves out the place the pairing itself holds).
    """
    profiles = list(profiles)
    if not profiles:
        return {}
    now = now or utcnow()
    ids = [p.id for p in profiles]
    with tenancy.all_tenants():
        sessions = events.ask(SESSIONS_HELD, profile_ids=ids, since=now - RECENT, until=now)
        supervised = dict(
            db.session.execute(
                select(CpdEntry.profile_id, func.max(CpdEntry.held_on))
                .where(AnyOf(CpdEntry.profile_id, ids), CpdEntry.kind == "supervision")
                .group_by(CpdEntry.profile_id)
            ).all()
        )
        limits = limits_for(organisation_ids={p.organisation_id for p in profiles})
    return {
        p.id: assess(
            active_load=(loads or {}).get(p.id, p.active_load),
            sessions_last_90_days=int(sessions.get(p.id, 0)),
            last_supervision_on=supervised.get(p.id),
            limits=limits[p.organisation_id],
            today=now.date(),
        )
        for p in profiles
    }


def limits_for(*, organisation_ids: set[uuid.UUID]) -> dict[uuid.UUID, Limits]:
    """The strictest limits of the consortia each organisation belongs to (defaults if none)."""
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(
                ConsortiumMembership.organisation_id,
                func.min(Consortium.max_active_load),
                func.min(Consortium.max_sessions_90_days),
                func.min(Consortium.supervision_interval_days),
            )
            .join(Consortium, Consortium.id == ConsortiumMembership.consortium_id)
            .where(ConsortiumMembership.organisation_id.in_(organisation_ids))
            .group_by(ConsortiumMembership.organisation_id)
        ).all()
    found = {row[0]: Limits(row[1], row[2], row[3]) for row in rows}
    return {o: found.get(o, Limits()) for o in organisation_ids}


def recount_load(*, profile_ids: Iterable[uuid.UUID]) -> None:
    """Recount the pairings holding each mentor's places; call after a match changes status."""
    ids = list(profile_ids)
    if not ids:
        return
    # A count per profile, correlated on the profile, through the index on
    # matches.mentor_profile_id: linear in the profiles' pairings however the planner misjudges
    # matches just written (as it does under row-level security).
    load = events.ask(PLACES_TAKEN, profile_id=MentorProfile.id)
    with tenancy.all_tenants():
        db.session.execute(
            update(MentorProfile)
            .where(AnyOf(MentorProfile.id, ids))
            .values(active_load=load)
            .execution_options(synchronize_session=False)
        )
        # Profiles already loaded in this session show the new count when next read.
        wanted = set(ids)
        for profile in list(db.session.identity_map.values()):
            if isinstance(profile, MentorProfile) and profile.id in wanted:
                db.session.expire(profile, ["active_load"])
