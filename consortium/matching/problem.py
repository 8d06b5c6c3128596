"""The matching problem as arrays: what the engine's phases read, and nothing from the database.

Mentees are the rows, mentors the columns. Everything the hard constraints and the score need
is here as numpy arrays indexed by row or column (organisations, sectors and professions as
small integer codes), so candidate generation and scoring are array operations, never a Python
loop over every mentee x mentor pair. Building one from the database is `load.py`'s job; tests
and the benchmark build them directly too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from consortium.availability.recurrence import DEFAULT_TIMEZONE
from consortium.availability.week import CELLS

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

UNKNOWN = -1  # an unknown code (profession, sector)


@dataclass(frozen=True)
class Rules:
    """The programme's rules the engine applies."""

    modality: str
    modality_label: str
    cross_organisation_required: bool = True
    min_accreditation_rank: int = 0
    min_accreditation_label: str = ""
    # any | mentor_senior | mentor_junior
    seniority_direction: str = "any"
    vetting_required: bool = True
    mode: str = "optimal"
    # Switched on per programme (issue 17): a different profession; another organisation in
    # another sector ("outside the immediate system"); mentors of at least this seniority.
    different_discipline_required: bool = False
    outside_system_required: bool = False
    mentor_seniority_min: int | None = None


@dataclass
class Mentees:
    """One row per open application, ordered by application id (determinism)."""

    application_ids: list[uuid.UUID]
    person_ids: list[uuid.UUID]
    person: Ints  # a code per person, shared with Mentors.person (never oneself)
    organisation: Ints
    sector: Ints
    profession: Ints
    seniority: Floats  # NaN when unknown
    # Why each mentee is no longer eligible for the programme (None: eligible).
    ineligible: list[str | None]
    documents: list[str]
    topics: list[list[str]]
    # (mentee, organisation code) pairs the mentee asked to avoid
    avoid: Bools  # n x organisations
    preferred_sectors: Bools  # n x sectors (all False: no preference)
    # When each mentee said they are free: n x cells of the week grid (availability/week.py;
    # all False: none stated), read in their time zone zones[zone[i]]. Left out (tests, the
    # benchmark): nobody stated any time.
    preferred_cells: Bools = field(default_factory=lambda: np.zeros((0, CELLS), dtype=bool))
    zone: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    zones: list[str] = field(default_factory=lambda: [DEFAULT_TIMEZONE])
    # Why each mentee may not be matched yet though eligible, e.g. waiting for their line
    # manager's approval of protected time (None: nothing is awaited). Left out: none waits.
    waiting: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.preferred_cells) == 0 and self.count:
            self.preferred_cells = np.zeros((self.count, CELLS), dtype=bool)
            self.zone = np.zeros(self.count, dtype=np.int64)
        if not self.waiting:
            self.waiting = [None] * self.count

    @property
    def matchable(self) -> list[bool]:
        """Eligible and waiting for nothing: the mentees the hard constraints are applied to."""
        return [i is None and w is None for i, w in zip(self.ineligible, self.waiting, strict=True)]

    @property
    def count(self) -> int:
        return len(self.application_ids)


@dataclass
class Mentors:
    """One column per mentor profile in the programme's pool, ordered by profile id."""

    profile_ids: list[uuid.UUID]
    person_ids: list[uuid.UUID]
    person: Ints
    organisation: Ints
    sector: Ints
    profession: Ints
    seniority: Floats
    offers_modality: Bools
    accreditation_rank: Ints  # 0: none
    vetted: Bools  # approved and not expired (True for all when the programme asks none)
    active: Bools  # profile, person and their organisation active
    capacity: Ints
    active_load: Ints
    fatigued: Bools
    # 0..1: how much room the mentor has (places free, recent sessions under the limit)
    freshness: Floats
    documents: list[str]
    topics: list[list[str]]
    # A typical week's free hours per cell of the week grid, read in each mentee time zone:
    # free_hours[z, j] is mentor j's in Mentees.zones[z] (zones x m x cells). published[j]:
    # the mentor has availability rules; without, their hours are unknown rather than none.
    # Left out (tests, the benchmark): nobody published any.
    free_hours: Floats = field(default_factory=lambda: np.zeros((1, 0, CELLS)))
    published: Bools = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        if self.free_hours.shape[1] == 0 and self.count:
            self.free_hours = np.zeros((1, self.count, CELLS))
            self.published = np.zeros(self.count, dtype=bool)

    @property
    def count(self) -> int:
        return len(self.profile_ids)

    @property
    def capacity_left(self) -> Ints:
        return np.maximum(self.capacity - self.active_load, 0)


@dataclass
class Problem:
    rules: Rules
    mentees: Mentees
    mentors: Mentors
    # visible[o, j]: mentor j's profile is shared with (visible to) organisation o
    visible: Bools
    # Pairs (mentee row, mentor column) excluded: a line-management chain, or refused before.
    line_management: Ints  # k x 2
    refused_before: Ints  # k x 2
    # Shortlists: (mentee row, mentor column, rank from 1)
    shortlist: Ints  # k x 3
    shortlist_length: Ints  # per mentee
    # lent[a, b]: hours organisation a's mentors gave b's staff in this consortium's held
    # sessions over the last year (the reciprocity ledger)
    lent: Floats
    weights: dict[str, float]
    # Per organisation code: its id (what proposals are written with) and name (for words).
    organisation_ids: list[uuid.UUID] = field(default_factory=list)
    organisation_names: list[str] = field(default_factory=list)
    sector_names: list[str] = field(default_factory=list)
    profession_names: list[str] = field(default_factory=list)
    # Pairs (mentee row, mentor column) where either is the other's preceptor or clinical
    # supervisor: excluded as line management is.
    supervision: Ints = field(default_factory=lambda: pairs([], []))


def pairs(rows: list[int] | Ints, columns: list[int] | Ints) -> Ints:
    """A k x 2 int array of (row, column) pairs (empty-safe)."""
    out = np.empty((len(rows), 2), dtype=np.int64)
    out[:, 0] = rows
    out[:, 1] = columns
    return out
