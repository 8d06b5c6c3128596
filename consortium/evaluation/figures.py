"""The programme report's figures, from the rows they are built of, with small numbers
suppressed (consortium.evaluation.suppression). Pure: no database, no request.

Cells nest: the programme; each sector (the mentee's employer's: the sector the pairing
served); each organisation pair (mentor's employer → mentee's) within its sector. Each cell
has three families of figures, each counted over its own contributors:
- completion: pairings ended, those with both people's evaluations, and the rate (the
  contributors: both people of each ended pairing);
- evaluations: goals met, the mean overall rating, the share who would recommend, hours
  given (the contributors: the evaluations' authors);
- session feedback: the mean session rating (the contributors: the feedback's authors).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from consortium.evaluation.suppression import SUPPRESSED, hidden

FAMILIES = ("completion", "evaluations", "session_feedback")
FIGURES = {
    "completion": ("people", "pairings_ended", "pairings_evaluated", "completion_rate"),
    "evaluations": (
        "people",
        "evaluations",
        "goals_rated",
        "goals_met",
        "goals_partly_met",
        "goals_met_share",
        "mean_rating",
        "would_recommend_share",
        "hours_given",
    ),
    "session_feedback": ("people", "ratings", "mean_rating"),
}


@dataclass(frozen=True)
class PairingRow:
    id: uuid.UUID
    ended: bool
    mentor_person_id: uuid.UUID | None
    mentee_id: uuid.UUID
    mentor_organisation_id: uuid.UUID
    mentee_organisation_id: uuid.UUID
    sector: str  # the mentee's employer's


@dataclass(frozen=True)
class FeedbackRow:
    match_id: uuid.UUID
    author_person_id: uuid.UUID
    rating: int


@dataclass(frozen=True)
class EvaluationRow:
    match_id: uuid.UUID
    author_person_id: uuid.UUID
    outcomes: tuple[str, ...]  # per goal: met | partly | not
    overall_rating: int
    would_recommend: bool
    hours_given: float


@dataclass
class _Tally:
    """One cell's raw sums, per family, and who contributed to each."""

    people: dict[str, set[Hashable]] = field(default_factory=lambda: defaultdict(set))
    ended: int = 0
    evaluated: int = 0
    evaluations: int = 0
    goals: int = 0
    met: int = 0
    partly: int = 0
    overall: int = 0
    recommend: int = 0
    hours: float = 0.0
    ratings: int = 0
    rating_sum: int = 0


Key = tuple[Any, ...]
TOTAL: Key = ("total",)


def sector_key(sector: str) -> Key:
    return ("sector", sector)


def pair_key(mentor_organisation_id: uuid.UUID, mentee_organisation_id: uuid.UUID) -> Key:
    return ("pair", mentor_organisation_id, mentee_organisation_id)


def cells(
    pairings: Iterable[PairingRow],
    feedback: Iterable[FeedbackRow],
    evaluations: Iterable[EvaluationRow],
) -> dict[Key, dict[str, dict[str, Any]]]:
    """Every cell's figures by family, suppressed: {key: {family: {figure: value}}}."""
    pairings = list(pairings)
    by_id = {p.id: p for p in pairings}
    tallies: dict[Key, _Tally] = defaultdict(_Tally)
    sector_of_pair: dict[Key, Key] = {}

    def keys(p: PairingRow) -> tuple[Key, Key, Key]:
        pair = pair_key(p.mentor_organisation_id, p.mentee_organisation_id)
        sector_of_pair[pair] = sector_key(p.sector)
        return TOTAL, sector_key(p.sector), pair

    evaluators: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for e in evaluations:
        p = by_id.get(e.match_id)
        if p is None:
            continue
        evaluators[p.id].add(e.author_person_id)
        for key in keys(p):
            t = tallies[key]
            t.people["evaluations"].add(e.author_person_id)
            t.evaluations += 1
            t.goals += len(e.outcomes)
            t.met += sum(1 for o in e.outcomes if o == "met")
            t.partly += sum(1 for o in e.outcomes if o == "partly")
            t.overall += e.overall_rating
            t.recommend += int(e.would_recommend)
            t.hours += e.hours_given
    for f in feedback:
        p = by_id.get(f.match_id)
        if p is None:
            continue
        for key in keys(p):
            t = tallies[key]
            t.people["session_feedback"].add(f.author_person_id)
            t.ratings += 1
            t.rating_sum += f.rating
    for p in pairings:
        for key in keys(p):
            t = tallies[key]
            if p.ended:
                t.people["completion"].update({p.mentor_person_id, p.mentee_id} - {None})
                t.ended += 1
                both = {p.mentee_id, p.mentor_person_id} <= evaluators.get(p.id, set())
                t.evaluated += int(both)
    shown = _shown(tallies, sector_of_pair)
    return {
        key: {
            family: _figures(family, t) if (key, family) in shown else _suppressed(family)
            for family in FAMILIES
        }
        for key, t in tallies.items()
    }


def _shown(tallies: dict[Key, _Tally], sector_of_pair: dict[Key, Key]) -> set[tuple[Key, str]]:
    """(cell, family) pairs whose figures are shown: each level suppressed within its parent."""
    out: set[tuple[Key, str]] = set()
    sectors = [k for k in tallies if k[0] == "sector"]
    for family in FAMILIES:

        def people(key: Key, family: str = family) -> frozenset[Hashable]:
            return frozenset(tallies[key].people[family])

        total_shown = not hidden({TOTAL: people(TOTAL)}) if TOTAL in tallies else False
        if total_shown:
            out.add((TOTAL, family))
        hidden_sectors = hidden({k: people(k) for k in sectors}, parent_shown=total_shown)
        for sector in sectors:
            sector_shown = sector not in hidden_sectors
            if sector_shown:
                out.add((sector, family))
            pairs = [p for p, s in sector_of_pair.items() if s == sector]
            hidden_pairs = hidden({p: people(p) for p in pairs}, parent_shown=sector_shown)
            out.update((p, family) for p in pairs if p not in hidden_pairs)
    return out


def _suppressed(family: str) -> dict[str, Any]:
    return dict.fromkeys(FIGURES[family], SUPPRESSED)


def _ratio(part: float, whole: float, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


def _figures(family: str, t: _Tally) -> dict[str, Any]:
    people = len(t.people[family])
    if family == "completion":
        return {
            "people": people,
            "pairings_ended": t.ended,
            "pairings_evaluated": t.evaluated,
            "completion_rate": _ratio(t.evaluated, t.ended),
        }
    if family == "evaluations":
        return {
            "people": people,
            "evaluations": t.evaluations,
            "goals_rated": t.goals,
            "goals_met": t.met,
            "goals_partly_met": t.partly,
            "goals_met_share": _ratio(t.met, t.goals),
            "mean_rating": _ratio(t.overall, t.evaluations, 2),
            "would_recommend_share": _ratio(t.recommend, t.evaluations),
            "hours_given": round(t.hours, 1),
        }
    return {
        "people": people,
        "ratings": t.ratings,
        "mean_rating": _ratio(t.rating_sum, t.ratings, 2),
    }
