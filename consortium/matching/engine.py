"""The engine: candidates → scores → solve → proposals with reasons, and the unmatched.

A pure function of a Problem (no database), so tests and the benchmark drive it directly and
the job (jobs.py) only adds loading and writing around it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from consortium.matching import reasons, solve
from consortium.matching.candidates import Candidates, candidates
from consortium.matching.problem import Problem
from consortium.matching.scoring import Scores, integer_weights, score, shortlist_ranks


@dataclass(frozen=True)
class Proposal:
    row: int
    column: int
    score: float
    reasons: list[str]
    parts: dict[str, float]


@dataclass(frozen=True)
class Unmatched:
    row: int
    reason: str
    candidates: int


@dataclass
class Outcome:
    proposals: list[Proposal]
    unmatched: list[Unmatched]
    graph: Candidates
    scores: Scores
    chosen: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def total_score(self) -> float:
        return float(sum(p.score for p in self.proposals))

    def counts(self, problem: Problem) -> dict[str, Any]:
        return {
            "mentees": problem.mentees.count,
            "mentors": problem.mentors.count,
            "candidate_pairs": self.graph.count,
            "proposed": len(self.proposals),
            "unmatched": len(self.unmatched),
            "total_score": round(self.total_score, 6),
        }


class Timer:
    """Seconds per phase, in the order the phases ran."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def phase(self, name: str) -> _Phase:
        return _Phase(self, name)


class _Phase:
    def __init__(self, timer: Timer, name: str) -> None:
        self.timer, self.name = timer, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.started
        self.timer.timings[self.name] = round(self.timer.timings.get(self.name, 0.0) + elapsed, 4)


def run(problem: Problem, timer: Timer | None = None) -> Outcome:
    timer = timer or Timer()
    n = problem.mentees.count
    with timer.phase("candidates"):
        graph = candidates(problem)
    with timer.phase("score"):
        scores = score(problem, graph)
        ranks = shortlist_ranks(problem, graph.rows, graph.columns)
    with timer.phase("solve"):
        chosen = choose(problem, graph, scores, ranks)
    with timer.phase("explain"):
        proposals = []
        for edge in np.flatnonzero(chosen):
            row, column = int(graph.rows[edge]), int(graph.columns[edge])
            terms = {term: float(values[edge]) for term, values in scores.terms.items()}
            words, parts = reasons.pair_reasons(problem, row, column, terms, int(ranks[edge]))
            proposals.append(
                Proposal(row, column, round(float(scores.total[edge]), 6), words, parts)
            )
        matched = np.zeros(n, dtype=bool)
        matched[graph.rows[chosen]] = True
        unmatched = [
            Unmatched(
                row=int(i),
                reason=reasons.unmatched_reason(problem, graph, int(i), problem.rules.mode),
                candidates=int(graph.remaining[i, -1]),
            )
            for i in np.flatnonzero(~matched)
        ]
    return Outcome(proposals, unmatched, graph, scores, chosen, timer.timings)


def choose(problem: Problem, graph: Candidates, scores: Scores, ranks: np.ndarray) -> np.ndarray:
    n = problem.mentees.count
    capacity = problem.mentors.capacity_left
    if problem.rules.mode == "stable":
        return solve.stable(graph.rows, graph.columns, scores.total, ranks, capacity, n)
    return solve.optimal(graph.rows, graph.columns, integer_weights(scores.total), capacity, n)


def proposal_ids(problem: Problem, outcome: Outcome) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(application id, mentor profile id) per proposal: what determinism is judged on."""
    return [
        (problem.mentees.application_ids[p.row], problem.mentors.profile_ids[p.column])
        for p in outcome.proposals
    ]
