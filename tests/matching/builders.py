"""Problems for the matching engine's tests, built from a few dicts instead of a database.

`build(**spec)` states only what a test is about; everything else gets a neutral default
(visible to every organisation, vetted, active, offering the programme's modality, one place
free, unknown sector and profession, no shortlist, no lending). A spec is plain data, so
`permute(spec, ...)` can rebuild the same problem with mentees and mentors in another order,
and `random_spec(seed, ...)` draws a varied instance from a fixed numpy seed.

Mentee keys: id, person_id, person, org, sector, profession, seniority, ineligible, goals,
topics, avoid (organisation codes), sectors (preferred sector codes), times (the week grid's
cells they are free, e.g. [cell("tuesday", "morning")]), zone (their time zone).
Mentor keys: id, person_id, person, org, sector, profession, seniority, modalities, rank,
vetted, active, capacity, load, fatigued, freshness, bio, topics, free ({cell: free hours in a
typical week}, the same in every mentee's zone; given: the mentor has published availability).
Problem keys: rules, shared ({column: [organisations that see it]}; the mentor's own
organisation always does, as in the loader), line / supervision / refused ([(row, column)]),
shortlist ({row: [column, ...]} best first), lent ({(lender, borrower): hours given}), weights,
organisations (how many; default: enough for every code used).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import replace
from typing import Any

import numpy as np

from consortium.availability.recurrence import DEFAULT_TIMEZONE
from consortium.availability.week import CELLS
from consortium.matching.problem import Mentees, Mentors, Problem, Rules, pairs
from consortium.matching.scoring import weights_of

SECTOR_NAMES = ["health", "police", "fire", "local-authority", "education", "voluntary"]
MENTOR_ID_BASE = 1_000_000
MENTOR_PERSON_BASE = 1_000
TOPICS = [
    "quality-improvement",
    "leadership",
    "finance",
    "digital",
    "wellbeing",
    "procurement",
    "clinical-audit",
    "change-management",
    "data-analysis",
    "public-speaking",
]


def make_rules(**overrides: Any) -> Rules:
    """Plain mentoring across organisations, unless a test says otherwise."""
    base = Rules(modality="mentoring", modality_label="mentoring")
    return replace(base, **overrides)


REVERSE = make_rules(modality="reverse_mentoring", modality_label="reverse mentoring")


def document(*parts: str | list[str]) -> str:
    """Text as the loader builds it: topic tags as words, then free text."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, list):
            words.extend(t.replace("-", " ") for t in part)
        else:
            words.append(part)
    return " ".join(w for w in words if w)


def build(
    mentees: list[dict[str, Any]],
    mentors: list[dict[str, Any]],
    rules: Rules | None = None,
    shared: dict[int, list[int]] | None = None,
    line: list[tuple[int, int]] | None = None,
    supervision: list[tuple[int, int]] | None = None,
    refused: list[tuple[int, int]] | None = None,
    shortlist: dict[int, list[int]] | None = None,
    lent: dict[tuple[int, int], float] | None = None,
    weights: dict[str, float] | None = None,
    organisations: int | None = None,
) -> Problem:
    """A Problem from plain dicts (see the module docstring for the keys)."""
    the_rules = rules or make_rules()
    n, m = len(mentees), len(mentors)
    used = [e.get("org", 0) for e in mentees] + [r.get("org", 1) for r in mentors]
    used += [o for e in mentees for o in e.get("avoid", [])]
    used += [o for orgs in (shared or {}).values() for o in orgs]
    used += [o for key in (lent or {}) for o in key]
    k = organisations or max([*used, 1]) + 1

    def get(rows: list[dict[str, Any]], key: str, default: Any) -> list[Any]:
        return [row.get(key, default) for row in rows]

    avoid = np.zeros((n, k), dtype=bool)
    preferred = np.zeros((n, len(SECTOR_NAMES)), dtype=bool)
    for i, e in enumerate(mentees):
        avoid[i, e.get("avoid", [])] = True
        preferred[i, e.get("sectors", [])] = True
    zones = list(dict.fromkeys([DEFAULT_TIMEZONE, *(e["zone"] for e in mentees if "zone" in e)]))
    preferred_cells = np.zeros((n, CELLS), dtype=bool)
    for i, e in enumerate(mentees):
        preferred_cells[i, e.get("times", [])] = True
    free_hours = np.zeros((len(zones), m, CELLS))
    for j, r in enumerate(mentors):
        for at, hours in r.get("free", {}).items():
            free_hours[:, j, at] = hours
    mentee_topics = [list(e.get("topics", [])) for e in mentees]
    mentor_topics = [list(r.get("topics", [])) for r in mentors]
    capacity = np.array(get(mentors, "capacity", 1), dtype=np.int64)
    load = np.array(get(mentors, "load", 0), dtype=np.int64)
    freshness = [
        r.get("freshness", max(0.0, 1.0 - r.get("load", 0) / max(r.get("capacity", 1), 1)))
        for r in mentors
    ]
    visible = np.ones((k, m), dtype=bool)
    for j, orgs in (shared or {}).items():
        visible[:, j] = False
        visible[orgs, j] = True
        visible[mentors[j].get("org", 1), j] = True
    listed = [(i, j, rank) for i, js in (shortlist or {}).items() for rank, j in enumerate(js, 1)]
    shortlist_rows = np.array(listed, dtype=np.int64).reshape(-1, 3)
    shortlist_length = np.zeros(n, dtype=np.int64)
    for i, js in (shortlist or {}).items():
        shortlist_length[i] = len(js)
    lent_matrix = np.zeros((k, k), dtype=np.float64)
    for (a, b), hours in (lent or {}).items():
        lent_matrix[a, b] = hours
    line, refused = line or [], refused or []
    return Problem(
        rules=the_rules,
        mentees=Mentees(
            application_ids=[e.get("id", uuid.UUID(int=i + 1)) for i, e in enumerate(mentees)],
            person_ids=[
                e.get("person_id", uuid.UUID(int=10_000 + i)) for i, e in enumerate(mentees)
            ],
            person=np.array([e.get("person", i) for i, e in enumerate(mentees)], dtype=np.int64),
            organisation=np.array(get(mentees, "org", 0), dtype=np.int64),
            sector=np.array(get(mentees, "sector", -1), dtype=np.int64),
            profession=np.array(get(mentees, "profession", -1), dtype=np.int64),
            seniority=np.array(get(mentees, "seniority", 5.0), dtype=np.float64),
            ineligible=get(mentees, "ineligible", None),
            documents=[
                document(e.get("goals", ""), t) for e, t in zip(mentees, mentee_topics, strict=True)
            ],
            topics=mentee_topics,
            avoid=avoid,
            preferred_sectors=preferred,
            preferred_cells=preferred_cells,
            zone=np.array(
                [zones.index(e.get("zone", DEFAULT_TIMEZONE)) for e in mentees], dtype=np.int64
            ),
            zones=zones,
        ),
        mentors=Mentors(
            profile_ids=[
                r.get("id", uuid.UUID(int=MENTOR_ID_BASE + j)) for j, r in enumerate(mentors)
            ],
            person_ids=[
                r.get("person_id", uuid.UUID(int=20_000 + j)) for j, r in enumerate(mentors)
            ],
            person=np.array(
                [r.get("person", MENTOR_PERSON_BASE + j) for j, r in enumerate(mentors)],
                dtype=np.int64,
            ),
            organisation=np.array(get(mentors, "org", 1), dtype=np.int64),
            sector=np.array(get(mentors, "sector", -1), dtype=np.int64),
            profession=np.array(get(mentors, "profession", -1), dtype=np.int64),
            seniority=np.array(get(mentors, "seniority", 5.0), dtype=np.float64),
            offers_modality=np.array(
                [the_rules.modality in r.get("modalities", [the_rules.modality]) for r in mentors],
                dtype=bool,
            ),
            accreditation_rank=np.array(get(mentors, "rank", 0), dtype=np.int64),
            vetted=np.array(get(mentors, "vetted", True), dtype=bool),
            active=np.array(get(mentors, "active", True), dtype=bool),
            capacity=capacity,
            active_load=load,
            fatigued=np.array(get(mentors, "fatigued", False), dtype=bool),
            freshness=np.array(freshness, dtype=np.float64),
            documents=[
                document(t, r.get("bio", "")) for r, t in zip(mentors, mentor_topics, strict=True)
            ],
            topics=mentor_topics,
            free_hours=free_hours,
            published=np.array(["free" in r for r in mentors], dtype=bool),
        ),
        visible=visible,
        line_management=pairs([i for i, _ in line], [j for _, j in line]),
        supervision=pairs([i for i, _ in supervision or []], [j for _, j in supervision or []]),
        refused_before=pairs([i for i, _ in refused], [j for _, j in refused]),
        shortlist=shortlist_rows,
        shortlist_length=shortlist_length,
        lent=lent_matrix,
        weights=weights_of(weights),
        organisation_names=[f"Org {o}" for o in range(k)],
        sector_names=list(SECTOR_NAMES),
        profession_names=["nurse", "police officer", "accountant", "teacher", "engineer"],
    )


def permute(spec: dict[str, Any], rows: list[int], columns: list[int]) -> dict[str, Any]:
    """The same problem with mentee `rows[k]` as row k and mentor `columns[k]` as column k.

    Ids must be explicit in the spec (defaults follow the position, so they would move).
    """
    row_at = {old: new for new, old in enumerate(rows)}
    column_at = {old: new for new, old in enumerate(columns)}
    out = dict(spec)
    out["mentees"] = [spec["mentees"][old] for old in rows]
    out["mentors"] = [spec["mentors"][old] for old in columns]
    for key in ("line", "refused"):
        out[key] = [(row_at[i], column_at[j]) for i, j in spec.get(key) or []]
    out["shortlist"] = {
        row_at[i]: [column_at[j] for j in js] for i, js in (spec.get("shortlist") or {}).items()
    }
    out["shared"] = {column_at[j]: orgs for j, orgs in (spec.get("shared") or {}).items()}
    return out


def random_spec(
    seed: int,
    n: int = 12,
    m: int = 8,
    organisations: int = 4,
    strict: float = 0.15,
) -> dict[str, Any]:
    """A varied problem spec from a fixed seed; `strict` is the chance of each hard-constraint
    failure (so most pairs pass most stages, and every stage bites somewhere)."""
    rng = np.random.default_rng(seed)

    def chance(p: float = strict) -> bool:
        return bool(rng.random() < p)

    def seniority() -> float:
        return math.nan if chance(0.1) else float(rng.integers(1, 10))

    def some_topics() -> list[str]:
        return [str(t) for t in rng.choice(TOPICS, size=rng.integers(0, 4), replace=False)]

    words = ["coaching", "budget", "audit", "teams", "patients", "policing", "schools", "data"]
    mentees = []
    for i in range(n):
        mentees.append(
            {
                "id": uuid.UUID(int=i + 1),
                "person": i,
                "org": int(rng.integers(organisations)),
                "sector": int(rng.integers(len(SECTOR_NAMES))),  # always known, as in the loader
                "profession": int(rng.integers(-1, 5)),
                "seniority": seniority(),
                "ineligible": "your organisation left the consortium" if chance(0.05) else None,
                "goals": " ".join(str(w) for w in rng.choice(words, size=3)),
                "topics": some_topics(),
                "avoid": [int(o) for o in range(organisations) if chance(strict / 2)],
                "sectors": [int(s) for s in range(len(SECTOR_NAMES)) if chance(0.1)],
            }
        )
    mentors = []
    for j in range(m):
        capacity = int(rng.integers(1, 4))
        mentors.append(
            {
                "id": uuid.UUID(int=MENTOR_ID_BASE + j),
                # now and then a mentee who is also a mentor
                "person": int(rng.integers(n)) if chance(strict / 2) else MENTOR_PERSON_BASE + j,
                "org": int(rng.integers(organisations)),
                "sector": int(rng.integers(len(SECTOR_NAMES))),
                "profession": int(rng.integers(-1, 5)),
                "seniority": seniority(),
                "modalities": ["coaching"] if chance() else ["mentoring", "coaching"],
                "rank": int(rng.integers(0, 2)) if chance() else int(rng.integers(2, 5)),
                "vetted": not chance(),
                "active": not chance(strict / 2),
                "capacity": capacity,
                "load": capacity if chance() else int(rng.integers(0, capacity)),
                "fatigued": chance(strict / 2),
                "bio": " ".join(str(w) for w in rng.choice(words, size=4)),
                "topics": some_topics(),
            }
        )
    everyone = list(range(organisations))
    shared = {
        j: [o for o in everyone if not chance(0.2)] for j in range(m) if chance(0.4)
    }  # the rest are shared with the whole consortium
    all_pairs = [(i, j) for i in range(n) for j in range(m)]

    def some_pairs(p: float) -> list[tuple[int, int]]:
        return [pair for pair in all_pairs if chance(p)]

    shortlist = {
        i: [int(j) for j in rng.permutation(m)[: rng.integers(1, 4)]]
        for i in range(n)
        if chance(0.4)
    }
    lent = {
        (a, b): int(rng.integers(0, 6))
        for a in everyone
        for b in everyone
        if a != b and chance(0.5)
    }
    return {
        "mentees": mentees,
        "mentors": mentors,
        "rules": make_rules(
            min_accreditation_rank=2,
            min_accreditation_label="practitioner",
            seniority_direction=str(rng.choice(["any", "mentor_senior", "mentor_junior"])),
            cross_organisation_required=not chance(0.2),
        ),
        "shared": shared,
        "line": some_pairs(strict / 3),
        "refused": some_pairs(strict / 3),
        "shortlist": shortlist,
        "lent": lent,
        "organisations": organisations,
    }


def random_problem(seed: int, **kwargs: Any) -> Problem:
    return build(**random_spec(seed, **kwargs))


def random_graph(
    rng: np.random.Generator,
    n: int,
    m: int,
    *,
    density: float = 0.6,
    max_capacity: int = 3,
    levels: int | None = None,
    shortlists: bool = False,
) -> dict[str, np.ndarray]:
    """A random candidate graph for the solvers, pairs in (row, column) order.

    weights: integers 0..99 (optimal); scores: floats (stable), from `levels` distinct values
    when given (ties), else continuous (ties almost surely absent); ranks: a random shortlist
    over some of each mentee's edges when `shortlists`.
    """
    mask = rng.random((n, m)) < density
    rows, columns = np.nonzero(mask)
    rows, columns = rows.astype(np.int64), columns.astype(np.int64)
    k = len(rows)
    scores = rng.integers(0, levels, size=k) / levels if levels else rng.random(k)
    ranks = np.zeros(k, dtype=np.int64)
    if shortlists:
        for i in range(n):
            edges = np.flatnonzero(rows == i)
            if len(edges) and rng.random() < 0.6:
                picked = rng.permutation(edges)[: rng.integers(1, len(edges) + 1)]
                ranks[picked] = np.arange(1, len(picked) + 1)
    return {
        "rows": rows,
        "columns": columns,
        "weights": rng.integers(0, 100, size=k).astype(np.int64),
        "scores": scores,
        "ranks": ranks,
        "capacity": rng.integers(1, max_capacity + 1, size=m).astype(np.int64),
    }
