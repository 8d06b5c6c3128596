"""The five consortium reports as data: each a function of (consortium, period, viewer).

Consortium-wide totals are aggregates every member may see. A line about one organisation is
shown in full to that organisation and to the coordinators; to another member, a count of
people under 5 shows "<5" (access.Viewer.count) and what it would reveal (hours, a rate) null.
Each step reports its progress when run as a job (core.jobs.progress; a no-op otherwise).
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

from consortium.core.jobs import progress
from consortium.reports import facts
from consortium.reports.access import SUPPRESSED, Viewer
from consortium.reports.facts import Period

ENDED = ("completed", "closed")
REFUSED = ("declined", "rejected")
LOAD_BANDS = ("none", "under_half", "half_or_more", "at_or_over")
FATIGUE_WINDOW = timedelta(days=30)


def _organisation(id_: uuid.UUID, names: dict[uuid.UUID, str]) -> dict[str, Any]:
    return {"id": id_, "name": names.get(id_, "")}


def _head(consortium_id: uuid.UUID, period: Period) -> dict[str, Any]:
    return {"consortium_id": consortium_id, "start": period.start, "end": period.end}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


# --- flows ------------------------------------------------------------------------------------


def flows(*, consortium_id: uuid.UUID, period: Period, viewer: Viewer) -> dict[str, Any]:
    """Who mentors whom: pairings approved and hours held per (mentor's → mentee's employer)."""
    progress(0, 3, stage="pairings")
    approved = [p for p in facts.pairings(consortium_id) if period.holds(p.approved_at)]
    progress(1, 3, stage="sessions")
    held = facts.held_sessions(consortium_id=consortium_id, since=period.since, until=period.until)
    progress(2, 3, stage="figures")
    pairs: dict[tuple[uuid.UUID, uuid.UUID], set[uuid.UUID]] = defaultdict(set)
    people: dict[tuple[uuid.UUID, uuid.UUID], set[uuid.UUID]] = defaultdict(set)
    minutes: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
    for p in approved:
        key = (p.mentor_organisation_id, p.mentee_organisation_id)
        pairs[key].add(p.id)
        people[key].add(p.id)
    for s in held:
        key = (s.mentor_organisation_id, s.mentee_organisation_id)
        minutes[key] += s.minutes
        people[key].add(s.match_id)
    names = facts.organisation_names({o for key in people for o in key})
    lines = []
    for mentor_org, mentee_org in sorted(
        people, key=lambda k: (names.get(k[0], ""), names.get(k[1], ""), k)
    ):
        key = (mentor_org, mentee_org)
        # Another employers' flow of few pairings (approved or meeting) would point at people.
        hidden = viewer.count(len(people[key]), mentor_org, mentee_org) == SUPPRESSED
        lines.append(
            {
                "mentor_organisation": _organisation(mentor_org, names),
                "mentee_organisation": _organisation(mentee_org, names),
                "pairings": _hidden(len(pairs[key])) if hidden else len(pairs[key]),
                "hours": None if hidden else round(minutes[key] / 60, 2),
                "suppressed": hidden,
            }
        )
    progress(3, 3, stage="done")
    return {
        **_head(consortium_id, period),
        "total_pairings": len(approved),
        "total_hours": round(sum(minutes.values()) / 60, 2),
        "flows": lines,
    }


def _hidden(n: int) -> int | str:
    """A count inside a suppressed line: 0 stays 0 (nobody), anything else reads "<5"."""
    return 0 if n == 0 else SUPPRESSED


# --- utilisation ------------------------------------------------------------------------------


def utilisation(*, consortium_id: uuid.UUID, period: Period, viewer: Viewer) -> dict[str, Any]:
    """The pool's released capacity per member against the places its pairings take.

    `places` and `taken` are as the report runs (the pool now); `active_in_period` counts the
    consortium's pairings on these mentors that were active at some time in the period.
    """
    progress(0, 3, stage="pool")
    names = facts.members(consortium_id)
    coaches = [c for c in facts.coaches(consortium_id, set(names)) if c.released]
    progress(1, 3, stage="pairings")
    profiles = {c.profile_id for c in coaches}
    taken: dict[uuid.UUID, int] = defaultdict(int)
    active: dict[uuid.UUID, int] = defaultdict(int)
    organisation_of = {c.profile_id: c.organisation_id for c in coaches}
    for p in facts.pairings(consortium_id):
        if p.mentor_profile_id not in profiles:
            continue
        owner = organisation_of[p.mentor_profile_id]
        if p.status in ("proposed", "approved", "active"):
            taken[owner] += 1
        if (
            p.activated_at is not None
            and p.activated_at < period.until
            and (p.ended_at is None or p.ended_at >= period.since)
        ):
            active[owner] += 1
    progress(2, 3, stage="figures")
    mentors: dict[uuid.UUID, int] = defaultdict(int)
    places: dict[uuid.UUID, int] = defaultdict(int)
    for c in coaches:
        mentors[c.organisation_id] += 1
        places[c.organisation_id] += c.capacity
    lines = []
    for org in sorted(names, key=lambda o: (names[o], o)):
        hidden = SUPPRESSED in (
            viewer.count(mentors[org], org),
            viewer.count(taken[org], org),
            viewer.count(active[org], org),
        )
        lines.append(
            {
                "organisation": _organisation(org, names),
                "mentors": viewer.count(mentors[org], org),
                "places": places[org],
                "taken": _hidden(taken[org]) if hidden else taken[org],
                "active_in_period": _hidden(active[org]) if hidden else active[org],
                "utilisation": None if hidden else _rate(taken[org], places[org]),
                "suppressed": hidden,
            }
        )
    progress(3, 3, stage="done")
    total_places, total_taken = sum(places.values()), sum(taken.values())
    return {
        **_head(consortium_id, period),
        "mentors": len(coaches),
        "places": total_places,
        "taken": total_taken,
        "active_in_period": sum(active.values()),
        "utilisation": _rate(total_taken, total_places),
        "organisations": lines,
    }


# --- coach load and fatigue -------------------------------------------------------------------


def _band(pairings: int, capacity: int) -> str:
    if pairings == 0:
        return "none"
    if pairings >= capacity:
        return "at_or_over"
    return "half_or_more" if pairings * 2 >= capacity else "under_half"


def coach_load(*, consortium_id: uuid.UUID, period: Period, viewer: Viewer) -> dict[str, Any]:
    """Each coach's places taken (in every consortium: fatigue is the person's) against their
    capacity, and sessions held in the 30 days to the period's end.

    Coaches are named to their own employer and the coordinators; every other member sees
    each employer's coaches as counts and a distribution of load.
    """
    progress(0, 4, stage="coaches")
    names = facts.members(consortium_id)
    coaches = facts.coaches(consortium_id, set(names))
    profiles = {c.profile_id for c in coaches}
    progress(1, 4, stage="pairings")
    live = facts.live_pairings_by_profile(profiles)
    progress(2, 4, stage="sessions")
    window_end = period.until
    recent: dict[uuid.UUID, int] = defaultdict(int)
    for s in facts.held_sessions(
        since=window_end - FATIGUE_WINDOW, until=window_end, profile_ids=profiles
    ):
        recent[s.mentor_profile_id] += 1
    progress(3, 4, stage="figures")
    names |= facts.organisation_names({c.organisation_id for c in coaches} - set(names))
    named = []
    by_org: dict[uuid.UUID, list[facts.Coach]] = defaultdict(list)
    for c in sorted(
        coaches, key=lambda c: (names.get(c.organisation_id, ""), c.name, c.profile_id)
    ):
        by_org[c.organisation_id].append(c)
        if viewer.sees(c.organisation_id):
            pairings = live.get(c.profile_id, 0)
            named.append(
                {
                    "profile_id": c.profile_id,
                    "name": c.name,
                    "organisation": _organisation(c.organisation_id, names),
                    "capacity": c.capacity,
                    "pairings": pairings,
                    "sessions_30_days": recent[c.profile_id],
                    "at_or_over_capacity": pairings >= c.capacity,
                }
            )
    lines = []
    for org in sorted(by_org, key=lambda o: (names.get(o, ""), o)):
        group = by_org[org]
        bands = {band: 0 for band in LOAD_BANDS}
        for c in group:
            bands[_band(live.get(c.profile_id, 0), c.capacity)] += 1
        hidden = viewer.count(len(group), org) == SUPPRESSED
        over = bands["at_or_over"]
        lines.append(
            {
                "organisation": _organisation(org, names),
                "coaches": viewer.count(len(group), org),
                "at_or_over_capacity": _hidden(over) if hidden else viewer.count(over, org),
                "share_at_or_over_capacity": None if hidden else _rate(over, len(group)),
                "sessions_30_days": None if hidden else sum(recent[c.profile_id] for c in group),
                "load_distribution": {
                    band: (_hidden(n) if hidden else viewer.count(n, org))
                    for band, n in bands.items()
                },
                "suppressed": hidden,
            }
        )
    progress(4, 4, stage="done")
    over_all = sum(1 for c in coaches if live.get(c.profile_id, 0) >= c.capacity)
    return {
        **_head(consortium_id, period),
        "coaches": len(coaches),
        "at_or_over_capacity": over_all,
        "share_at_or_over_capacity": _rate(over_all, len(coaches)),
        "sessions_30_days": sum(recent.values()),
        "organisations": lines,
        "named_coaches": named,
    }


# --- programme outcomes -----------------------------------------------------------------------


def _outcomes(group: list[facts.Pairing]) -> dict[str, Any]:
    ended = [p for p in group if p.status in ENDED]
    completed = sum(1 for p in ended if p.status == "completed")
    return {
        "proposed": len(group),
        "approved": sum(1 for p in group if p.approved_at is not None),
        "active": sum(1 for p in group if p.status == "active"),
        "ended": len(ended),
        "completed": completed,
        "declined": sum(1 for p in group if p.status in REFUSED),
        "completion_rate": _rate(completed, len(ended)),
    }


def programme_outcomes(
    *, consortium_id: uuid.UUID, period: Period, viewer: Viewer
) -> dict[str, Any]:
    """Per programme, what became of the pairings proposed in the period (declined: by a
    person or rejected by a coordinator; completion rate: completed of those that ended)."""
    progress(0, 2, stage="pairings")
    proposed = [p for p in facts.pairings(consortium_id) if period.holds(p.created_at)]
    progress(1, 2, stage="figures")
    lines = []
    names = facts.members(consortium_id)
    names |= facts.organisation_names({p.mentee_organisation_id for p in proposed} - set(names))
    for programme_id, name, type_ in facts.programmes(consortium_id):
        group = [p for p in proposed if p.programme_id == programme_id]
        orgs = sorted(
            {p.mentee_organisation_id for p in group if viewer.sees(p.mentee_organisation_id)}
            | ({viewer.organisation_id} if viewer.organisation_id in names else set()),
            key=lambda o: (names.get(o, ""), o),
        )
        lines.append(
            {
                "programme": {"id": programme_id, "name": name, "type": type_},
                **_outcomes(group),
                "by_mentee_organisation": [
                    {
                        "organisation": _organisation(org, names),
                        **_outcomes([p for p in group if p.mentee_organisation_id == org]),
                    }
                    for org in orgs
                ],
            }
        )
    progress(2, 2, stage="done")
    return {**_head(consortium_id, period), **_outcomes(proposed), "programmes": lines}


# --- time to match ----------------------------------------------------------------------------


def _days(waits: list[float]) -> dict[str, Any]:
    if not waits:
        return {"pairings": 0, "median_days": None, "p90_days": None}
    ordered = sorted(waits)
    # Nearest rank: the wait 90% of mentees were matched within.
    p90 = ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]
    return {
        "pairings": len(ordered),
        "median_days": round(statistics.median(ordered), 1),
        "p90_days": round(p90, 1),
    }


def time_to_match(*, consortium_id: uuid.UUID, period: Period, viewer: Viewer) -> dict[str, Any]:
    """Days from a mentee's application to their pairing's approval, for pairings approved
    in the period: median and 90th percentile, by programme (and by mentee organisation)."""
    progress(0, 2, stage="pairings")
    approved = [
        p
        for p in facts.pairings(consortium_id)
        if period.holds(p.approved_at) and p.application_id is not None
    ]
    submitted = facts.applications_submitted(
        {p.application_id for p in approved if p.application_id}
    )
    progress(1, 2, stage="figures")
    waits: list[tuple[facts.Pairing, float]] = []
    for p in approved:
        at = submitted.get(p.application_id) if p.application_id else None
        if at is not None and p.approved_at is not None:
            waits.append((p, max((p.approved_at - at).total_seconds(), 0) / 86400))
    names = facts.members(consortium_id)
    names |= facts.organisation_names({p.mentee_organisation_id for p, _ in waits} - set(names))
    lines = []
    for programme_id, name, type_ in facts.programmes(consortium_id):
        group = [(p, d) for p, d in waits if p.programme_id == programme_id]
        orgs = sorted(
            {p.mentee_organisation_id for p, _ in group if viewer.sees(p.mentee_organisation_id)}
            | ({viewer.organisation_id} if viewer.organisation_id in names else set()),
            key=lambda o: (names.get(o, ""), o),
        )
        lines.append(
            {
                "programme": {"id": programme_id, "name": name, "type": type_},
                **_days([d for _, d in group]),
                "by_mentee_organisation": [
                    {
                        "organisation": _organisation(org, names),
                        **_days([d for p, d in group if p.mentee_organisation_id == org]),
                    }
                    for org in orgs
                ],
            }
        )
    progress(2, 2, stage="done")
    return {**_head(consortium_id, period), **_days([d for _, d in waits]), "programmes": lines}
