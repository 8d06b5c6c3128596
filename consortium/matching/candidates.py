"""Hard constraints: which mentee x mentor pairs may be proposed at all.

Each constraint is a boolean mask over a block of mentee rows x mentor columns, built by numpy
broadcasting. Mentees are taken an organisation at a time, against the mentors shared with that
organisation only; blocks keep memory bounded (at most BLOCK_CELLS booleans at once). The masks
are applied in STAGES order, and how many mentors each mentee still has after each stage is
kept: that funnel is what explains an unmatched mentee in words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from consortium.matching.problem import UNKNOWN, Bools, Ints, Problem

BLOCK_CELLS = 40_000_000  # booleans per block of rows


@dataclass(frozen=True)
class Stage:
    code: str
    # The field of a hand-made proposal's error, and whether a coordinator may override it.
    field: str
    overridable: bool
    mask: Callable[[Problem, Ints, Ints], Bools]  # (mentee rows, mentor columns), ascending
    # Whose records the reason speaks of (mentor, mentee or the pair): a person re-checking a
    # pairing is told the other side's reasons only in general terms.
    about: str


def _shared(p: Problem, rows: Ints, cols: Ints) -> Bools:
    return p.visible[np.ix_(p.mentees.organisation[rows], cols)]


def _not_self(p: Problem, rows: Ints, cols: Ints) -> Bools:
    return p.mentees.person[rows, None] != p.mentors.person[None, cols]


def _other_organisation(p: Problem, rows: Ints, cols: Ints) -> Bools:
    if not p.rules.cross_organisation_required:
        return _all(rows, cols)
    return p.mentees.organisation[rows, None] != p.mentors.organisation[None, cols]


def _mentors(ok: Callable[[Problem], Bools]) -> Callable[[Problem, Ints, Ints], Bools]:
    """A constraint on the mentor alone, the same for every mentee."""

    def mask(p: Problem, rows: Ints, cols: Ints) -> Bools:
        return np.broadcast_to(ok(p)[None, cols], (len(rows), len(cols)))

    return mask


def _avoided(p: Problem, rows: Ints, cols: Ints) -> Bools:
    return ~p.mentees.avoid[np.ix_(rows, p.mentors.organisation[cols])]


def _seniority(p: Problem, rows: Ints, cols: Ints) -> Bools:
    direction = p.rules.seniority_direction
    if direction == "any":
        return _all(rows, cols)
    mentee = p.mentees.seniority[rows, None]
    mentor = p.mentors.seniority[None, cols]
    with np.errstate(invalid="ignore"):  # NaN (unknown) compares False: not proven, excluded
        return mentor < mentee if direction == "mentor_junior" else mentor > mentee


def _seniority_floor(p: Problem) -> Bools:
    floor = p.rules.mentor_seniority_min
    if floor is None:
        return np.ones(p.mentors.count, dtype=bool)
    with np.errstate(invalid="ignore"):  # NaN (unknown) compares False: not proven, excluded
        return p.mentors.seniority >= floor


def _different_discipline(p: Problem, rows: Ints, cols: Ints) -> Bools:
    if not p.rules.different_discipline_required:
        return _all(rows, cols)
    mentee = p.mentees.profession[rows, None]
    mentor = p.mentors.profession[None, cols]
    # An unrecorded profession (UNKNOWN) is not proven different: excluded.
    return (mentee != mentor) & (mentee != UNKNOWN) & (mentor != UNKNOWN)


def _outside_system(p: Problem, rows: Ints, cols: Ints) -> Bools:
    """Outside the mentee's immediate system: the data know a person's organisation and its
    sector, so "the system" is the mentee's own organisation and every organisation of its
    sector (a trust's mentee gets no mentor from any NHS body). An unknown sector: excluded."""
    if not p.rules.outside_system_required:
        return _all(rows, cols)
    mentee = p.mentees.sector[rows, None]
    mentor = p.mentors.sector[None, cols]
    other_organisation = p.mentees.organisation[rows, None] != p.mentors.organisation[None, cols]
    return other_organisation & (mentee != mentor) & (mentee != UNKNOWN) & (mentor != UNKNOWN)


def _excluding(pairs_of: Callable[[Problem], Ints]) -> Callable[[Problem, Ints, Ints], Bools]:
    def mask(p: Problem, rows: Ints, cols: Ints) -> Bools:
        out = _all(rows, cols).copy()
        pairs = pairs_of(p)
        if len(pairs) == 0 or len(rows) == 0 or len(cols) == 0:
            return out
        # rows and cols are ascending: find each pair's place in them, keep exact hits.
        at_row = np.minimum(np.searchsorted(rows, pairs[:, 0]), len(rows) - 1)
        at_col = np.minimum(np.searchsorted(cols, pairs[:, 1]), len(cols) - 1)
        hit = (rows[at_row] == pairs[:, 0]) & (cols[at_col] == pairs[:, 1])
        out[at_row[hit], at_col[hit]] = False
        return out

    return mask


STAGES = (
    Stage("shared", "mentor_profile_id", False, _shared, "mentor"),
    Stage("self", "mentor_profile_id", False, _not_self, "pair"),
    Stage("other_organisation", "cross_organisation_required", True, _other_organisation, "pair"),
    Stage("modality", "modalities", True, _mentors(lambda p: p.mentors.offers_modality), "mentor"),
    Stage(
        "accreditation",
        "min_accreditation_level",
        True,
        _mentors(lambda p: p.mentors.accreditation_rank >= p.rules.min_accreditation_rank),
        "mentor",
    ),
    # The profile, the mentor's staff record and their organisation all active.
    Stage("active", "status", False, _mentors(lambda p: p.mentors.active), "mentor"),
    Stage("vetting", "vetting_status", False, _mentors(lambda p: p.mentors.vetted), "mentor"),
    Stage(
        "capacity",
        "capacity",
        True,
        _mentors(lambda p: (p.mentors.capacity_left > 0) & ~p.mentors.fatigued),
        "mentor",
    ),
    Stage("avoided", "preferences.avoid_organisation_ids", True, _avoided, "mentee"),
    Stage("seniority", "seniority_direction", True, _seniority, "pair"),
    Stage(
        "seniority_floor",
        "mentor_seniority_min",
        True,
        _mentors(_seniority_floor),
        "mentor",
    ),
    Stage(
        "discipline",
        "different_discipline_required",
        True,
        _different_discipline,
        "pair",
    ),
    Stage("outside_system", "outside_system_required", True, _outside_system, "pair"),
    Stage(
        "line_management",
        "line_manager_id",
        True,
        _excluding(lambda p: p.line_management),
        "pair",
    ),
    Stage(
        "supervision",
        "preceptor_id",
        True,
        _excluding(lambda p: p.supervision),
        "pair",
    ),
    # A person's decline (or a coordinator's rejection) stands: never overridden.
    Stage(
        "refused_before",
        "mentor_profile_id",
        False,
        _excluding(lambda p: p.refused_before),
        "pair",
    ),
)
STAGE_CODES = tuple(stage.code for stage in STAGES)


@dataclass
class Candidates:
    """The pairs that pass every hard constraint, and each mentee's funnel."""

    rows: Ints  # mentee row per candidate pair
    columns: Ints  # mentor column per candidate pair
    # remaining[i, s]: mentors mentee i still had after stage s (before stage 0: the pool)
    remaining: Ints

    @property
    def count(self) -> int:
        return len(self.rows)


def candidates(problem: Problem) -> Candidates:
    """Every pair meeting all hard constraints, in (row, column) order.

    Mentees are taken an organisation at a time against only the mentors shared with that
    organisation (the first constraint), so the work grows with the pairs that can exist, not
    with every mentee x every mentor.
    """
    n = problem.mentees.count
    eligible = np.array(problem.mentees.matchable, dtype=bool)
    remaining = np.zeros((n, len(STAGES)), dtype=np.int64)
    found_rows, found_columns = [], []
    organisation = problem.mentees.organisation
    by_organisation = np.argsort(organisation, kind="stable")  # rows ascending within each
    codes, starts = np.unique(organisation[by_organisation], return_index=True)
    # Each organisation's rows are by_organisation[bounds[k]:bounds[k + 1]]; with no mentees
    # there are no codes and no groups (a bound per code, plus the end).
    bounds = np.append(starts, n)
    for code, start, stop in zip(codes, bounds[:-1], bounds[1:], strict=True):
        group = by_organisation[start:stop]
        cols = np.flatnonzero(problem.visible[code])
        for chunk in blocks(len(group), len(cols)):
            rows = group[chunk]
            alive = np.broadcast_to(eligible[rows, None], (len(rows), len(cols))).copy()
            for s, stage in enumerate(STAGES):
                if s > 0:  # stage 0 (shared) chose these columns
                    alive &= stage.mask(problem, rows, cols)
                remaining[rows, s] = alive.sum(axis=1)
            r, c = np.nonzero(alive)
            found_rows.append(rows[r])
            found_columns.append(cols[c])
    all_rows = np.concatenate(found_rows) if found_rows else np.empty(0, np.int64)
    all_columns = np.concatenate(found_columns) if found_columns else np.empty(0, np.int64)
    order = np.lexsort((all_columns, all_rows))
    return Candidates(rows=all_rows[order], columns=all_columns[order], remaining=remaining)


def violations(problem: Problem, row: int, column: int) -> list[Stage]:
    """Every stage the pair (row, column) fails, each checked on its own (hand-made proposals)."""
    rows, cols = np.array([row]), np.array([column])
    return [stage for stage in STAGES if not stage.mask(problem, rows, cols)[0, 0]]


def blocks(n: int, m: int) -> Iterator[slice]:
    """Slices of n rows, each small enough that rows x m booleans stay under BLOCK_CELLS."""
    size = max(1, BLOCK_CELLS // max(m, 1))
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def _all(rows: Ints, cols: Ints) -> Bools:
    return np.ones((len(rows), len(cols)), dtype=bool)
