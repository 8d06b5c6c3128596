"""The score of each candidate pair: weighted terms, each between 0 and 1.

Terms (weights are a consortium setting; DEFAULT_WEIGHTS fills in the rest):

- topic: TF-IDF cosine similarity (scikit-learn) of the mentee's goals and topics against the
  mentor's topics and bio;
- shortlist: the mentee ranked this mentor (1st: 1.0, falling with the rank);
- sector: the mentor works in a sector the mentee asked for, or (no sector asked for) in a
  different sector from the mentee's;
- profession: a different profession from the mentee's;
- availability: how much the mentor is free when the mentee said they are: the mentor's free
  hours in a typical week (their rules less days off, busy blocks and booked sessions over the
  coming weeks, availability.service.weekly_free_hours) summed over the mentee's stated cells of
  the week grid, read in the mentee's time zone; FULL_OVERLAP_HOURS or more a week is 1. When
  either side has said nothing (no times stated, or no availability published) it is NEUTRAL:
  unknown, neither a reason for nor against the pair, and not 0 for everyone. In person or
  virtual is not scored: mentor profiles do not say which they offer;
- load: the mentor's room (places free and recent sessions under the limit);
- balance: evens out the hours the two organisations gave each other (reciprocity ledger).

All of it is computed over the candidate arrays at once; only the chosen pairs' explanations
(reasons.py) loop, and only over proposals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from consortium.matching.candidates import Candidates
from consortium.matching.problem import Floats, Problem

DEFAULT_WEIGHTS: dict[str, float] = {
    "topic": 0.40,
    "shortlist": 0.20,
    "sector": 0.10,
    "profession": 0.10,
    "availability": 0.10,
    "load": 0.05,
    "balance": 0.05,
}
TERMS = tuple(DEFAULT_WEIGHTS)
CHUNK = 500_000  # candidate pairs per similarity chunk (bounds the sparse temporaries)
# Scores become integer costs for the solver at this resolution.
SCALE = 1_000_000
# Hours a week free in the mentee's stated times that make full marks: the shortest part of
# the day (an evening, 17:00-20:00), so one whole stated part free is enough.
FULL_OVERLAP_HOURS = 3.0
NEUTRAL = 0.5  # the availability term when either side has said nothing


def weights_of(settings: Mapping[str, float] | None) -> dict[str, float]:
    """The consortium's weights over the defaults (unknown keys ignored)."""
    out = dict(DEFAULT_WEIGHTS)
    for key, value in (settings or {}).items():
        if key in out:
            out[key] = float(value)
    return out


@dataclass
class Scores:
    """Per candidate pair: each term (0..1) and the weighted total."""

    terms: dict[str, Floats]
    total: Floats


def score(problem: Problem, graph: Candidates) -> Scores:
    rows, columns = graph.rows, graph.columns
    mentees, mentors = problem.mentees, problem.mentors
    terms: dict[str, Floats] = {
        "topic": topic_similarity(problem, rows, columns),
        "shortlist": _shortlist(problem, rows, columns),
        "sector": _sector(problem, rows, columns),
        "profession": (
            (mentees.profession[rows] >= 0)
            & (mentors.profession[columns] >= 0)
            & (mentees.profession[rows] != mentors.profession[columns])
        ).astype(np.float64),
        "availability": availability(problem, rows, columns),
        "load": mentors.freshness[columns],
        "balance": _balance(problem, rows, columns),
    }
    weights = problem.weights
    total = np.zeros(len(rows))
    for term, values in terms.items():
        total += weights[term] * values
    return Scores(terms=terms, total=total)


def topic_similarity(problem: Problem, rows: np.ndarray, columns: np.ndarray) -> Floats:
    """Cosine similarity of TF-IDF vectors, for the candidate pairs only."""
    documents = problem.mentees.documents + problem.mentors.documents
    out = np.zeros(len(rows))
    if not any(doc.strip() for doc in documents) or len(rows) == 0:
        return out
    vectoriser = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32)
    try:
        matrix = vectoriser.fit_transform(documents)  # rows L2-normalised
    except ValueError:  # nothing but stop words
        return out
    matrix = sparse.csr_matrix(matrix)
    n = problem.mentees.count
    mentee_vectors, mentor_vectors = matrix[:n], matrix[n:]
    for start in range(0, len(rows), CHUNK):
        stop = start + CHUNK
        product = mentee_vectors[rows[start:stop]].multiply(mentor_vectors[columns[start:stop]])
        out[start:stop] = np.asarray(product.sum(axis=1)).ravel()
    return np.clip(out, 0.0, 1.0)


def shared_hours(problem: Problem, rows: np.ndarray, columns: np.ndarray) -> Floats:
    """Per pair and cell (k x cells): the mentor's free hours in the cells the mentee stated,
    read in the mentee's time zone (0 elsewhere)."""
    mentees = problem.mentees
    free = problem.mentors.free_hours[mentees.zone[rows], columns]
    return np.where(mentees.preferred_cells[rows], free, 0.0)


def availability(problem: Problem, rows: np.ndarray, columns: np.ndarray) -> Floats:
    """Shared free hours a week over FULL_OVERLAP_HOURS, at most 1; NEUTRAL when unknown."""
    out = np.full(len(rows), NEUTRAL)
    stated = np.asarray(problem.mentees.preferred_cells.any(axis=1))
    known = np.flatnonzero(stated[rows] & problem.mentors.published[columns])
    for start in range(0, len(known), CHUNK):  # bounds the k x cells temporaries
        pick = known[start : start + CHUNK]
        hours = shared_hours(problem, rows[pick], columns[pick]).sum(axis=1)
        out[pick] = np.minimum(hours / FULL_OVERLAP_HOURS, 1.0)
    return out


def _shortlist(problem: Problem, rows: np.ndarray, columns: np.ndarray) -> Floats:
    """1.0 for the first choice, then evenly less down the list; 0 if not shortlisted."""
    ranks = shortlist_ranks(problem, rows, columns)
    length = problem.shortlist_length[rows].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 1.0 - (ranks - 1) / np.maximum(length, 1.0)
    return np.where(ranks > 0, value, 0.0)


def shortlist_ranks(problem: Problem, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Each pair's rank on the mentee's shortlist (1 = first), 0 when not on it."""
    if len(problem.shortlist) == 0 or len(rows) == 0:
        return np.zeros(len(rows), dtype=np.int64)
    m = max(problem.mentors.count, 1)
    listed = problem.shortlist[:, 0] * m + problem.shortlist[:, 1]
    order = np.argsort(listed, kind="stable")
    listed, ranks = listed[order], problem.shortlist[order, 2]
    keys = rows * m + columns
    at = np.clip(np.searchsorted(listed, keys), 0, len(listed) - 1)
    return np.where(listed[at] == keys, ranks[at], 0)


def _sector(problem: Problem, rows: np.ndarray, columns: np.ndarray) -> Floats:
    mentees, mentors = problem.mentees, problem.mentors
    mentor_sector = mentors.sector[columns]
    asked = np.asarray(mentees.preferred_sectors.any(axis=1))[rows]
    wanted = mentees.preferred_sectors[rows, np.maximum(mentor_sector, 0)] & (mentor_sector >= 0)
    different = (mentees.sector[rows] != mentor_sector) & (mentor_sector >= 0)
    return np.where(asked, wanted, different).astype(np.float64)


HOURS_SCALE = 10.0  # hours owed at which balance is tanh(1) of the way to 1


def _balance(problem: Problem, rows: np.ndarray, columns: np.ndarray) -> Floats:
    """0.5 when the two organisations are even; towards 1 when the mentor's organisation has
    received more hours from the mentee's than it has given it (this pairing pays some back).
    Ten hours owed (a few months of sessions) count for most of the way."""
    lender = problem.mentors.organisation[columns]
    borrower = problem.mentees.organisation[rows]
    owed = problem.lent[borrower, lender] - problem.lent[lender, borrower]
    return 0.5 + 0.5 * np.tanh(owed / HOURS_SCALE)


def integer_weights(total: Floats) -> np.ndarray:
    """Scores as integers for the min-cost-flow solver (it needs integer costs).

    At least 1: a candidate pair must beat leaving the mentee unmatched (cost 0), or a pair
    scoring 0 is dropped even when the mentor has a free place."""
    return np.maximum(np.rint(total * SCALE), 1).astype(np.int64)
