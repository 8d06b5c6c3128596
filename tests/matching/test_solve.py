"""The solvers (consortium.matching.solve) against brute force and an independent library.

- optimal: the total weight equals the best over every feasible assignment, found by
  enumeration, on many small random graphs;
- stable: no blocking pair (with shortlists and tied scores), and with strict preferences the
  same matching as the `matching` package's resident-optimal hospitals/residents solution;
- blocking_pairs itself finds the blocking pairs of deliberately unstable assignments;
- determinism: the same answer twice, and the same pairs whatever order mentees and mentors
  come in.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest
from matching.games import HospitalResident

from consortium.matching import engine, solve
from consortium.matching.engine import proposal_ids
from consortium.matching.problem import Ints
from consortium.matching.scoring import integer_weights
from tests.matching.builders import build, permute, random_graph, random_spec

RNG_SEED = 20_240_605


def _assignments(rows: Ints, columns: Ints, capacity: Ints, n: int) -> list[tuple[int, ...]]:
    """Every feasible assignment as a tuple of chosen edges (brute force, small graphs only):
    each mentee takes nobody or one of their edges, while the mentor has a place left."""
    edges_of = [np.flatnonzero(rows == i).tolist() for i in range(n)]
    column, left = columns.tolist(), capacity.tolist()
    found: list[tuple[int, ...]] = []
    chosen: list[int] = []

    def visit(i: int) -> None:
        if i == n:
            found.append(tuple(chosen))
            return
        visit(i + 1)
        for edge in edges_of[i]:
            j = column[edge]
            if left[j] > 0:
                left[j] -= 1
                chosen.append(edge)
                visit(i + 1)
                chosen.pop()
                left[j] += 1

    visit(0)
    return found


def _totals(weights: np.ndarray, assignments: list[tuple[int, ...]]) -> list[int]:
    w = weights.tolist()
    return [sum(w[e] for e in a) for a in assignments]


def _assert_valid(rows: Ints, columns: Ints, capacity: Ints, chosen: np.ndarray) -> None:
    assert chosen.dtype == bool and chosen.shape == rows.shape
    assert len(set(rows[chosen].tolist())) == int(chosen.sum()), "a mentee has two mentors"
    taken = np.bincount(columns[chosen], minlength=len(capacity))
    assert np.all(taken <= capacity), "a mentor is over capacity"


# -- optimal -----------------------------------------------------------------------------------


def test_optimal_equals_brute_force_on_random_graphs() -> None:
    rng = np.random.default_rng(RNG_SEED)
    checked = 0
    for _ in range(200):
        n, m = int(rng.integers(2, 7)), int(rng.integers(2, 5))
        g = random_graph(rng, n, m, density=float(rng.uniform(0.3, 0.9)))
        rows, columns, weights, capacity = g["rows"], g["columns"], g["weights"], g["capacity"]
        chosen = solve.optimal(rows, columns, weights, capacity, n)
        _assert_valid(rows, columns, capacity, chosen)
        best = max(_totals(weights, _assignments(rows, columns, capacity, n)))
        assert int(weights[chosen].sum()) == best
        checked += len(rows) > 0
    assert checked > 150


def test_optimal_prefers_a_higher_total_to_more_pairs() -> None:
    # Mentee 0 fits mentor 0 far better than mentor 1; mentee 1 can only have mentor 0.
    rows, columns = np.array([0, 0, 1]), np.array([0, 1, 0])
    weights, capacity = np.array([10, 1, 1]), np.array([1, 1])
    chosen = solve.optimal(rows, columns, weights, capacity, 2)
    assert chosen.tolist() == [True, False, False]


def test_optimal_uses_capacity_and_leaves_nobody_out_needlessly() -> None:
    rows, columns = np.array([0, 1, 2, 2]), np.array([0, 0, 0, 1])
    weights, capacity = np.array([5, 4, 3, 1]), np.array([2, 1])
    chosen = solve.optimal(rows, columns, weights, capacity, 3)
    assert chosen.tolist() == [True, True, False, True]


def test_optimal_with_no_candidates() -> None:
    empty = np.empty(0, dtype=np.int64)
    assert solve.optimal(empty, empty, empty, np.array([1]), 3).tolist() == []


# -- stable ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "shortlists"), [(None, False), (3, False), (None, True), (2, True)]
)
def test_stable_has_no_blocking_pair(levels: int | None, shortlists: bool) -> None:
    rng = np.random.default_rng(RNG_SEED + (levels or 0) + shortlists)
    for _ in range(100):
        n, m = int(rng.integers(2, 12)), int(rng.integers(1, 6))
        g = random_graph(
            rng, n, m, density=float(rng.uniform(0.3, 1.0)), levels=levels, shortlists=shortlists
        )
        args = (g["rows"], g["columns"], g["scores"], g["ranks"], g["capacity"])
        chosen = solve.stable(*args, n)
        _assert_valid(g["rows"], g["columns"], g["capacity"], chosen)
        assert solve.blocking_pairs(*args, chosen, n) == []


def _hospital_resident(g: dict[str, np.ndarray], n: int) -> set[tuple[int, int]]:
    """The resident-optimal stable matching from the `matching` package, preferences built here
    (not by solve.preference_order): shortlist by rank first, then score; mentors by score,
    then the lower row."""
    rows, columns, scores, ranks = (g[k].tolist() for k in ("rows", "columns", "scores", "ranks"))
    edges = list(zip(rows, columns, scores, ranks, strict=True))
    mentee_prefs = {
        i: [
            j
            for _, j, _, _ in sorted(
                (e for e in edges if e[0] == i),
                key=lambda e: (0, e[3]) if e[3] > 0 else (1, -e[2]),
            )
        ]
        for i in range(n)
        if any(e[0] == i for e in edges)
    }
    mentors = sorted({j for _, j, _, _ in edges})
    mentor_prefs = {
        j: [
            i for i, _, _, _ in sorted((e for e in edges if e[1] == j), key=lambda e: (-e[2], e[0]))
        ]
        for j in mentors
    }
    capacities = {j: int(g["capacity"][j]) for j in mentors}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(mentee_prefs, mentor_prefs, capacities)
        solution = game.solve(optimal="resident")
    return {(r.name, h.name) for h, held in solution.items() for r in held}


@pytest.mark.parametrize("shortlists", [False, True])
def test_stable_equals_resident_optimal_hospital_resident(shortlists: bool) -> None:
    rng = np.random.default_rng(RNG_SEED + 7 + shortlists)
    matched = 0
    for _ in range(80):
        n, m = int(rng.integers(2, 10)), int(rng.integers(1, 5))
        g = random_graph(rng, n, m, density=float(rng.uniform(0.3, 1.0)), shortlists=shortlists)
        assert len(set(g["scores"].tolist())) == len(g["scores"])  # strict preferences
        chosen = solve.stable(g["rows"], g["columns"], g["scores"], g["ranks"], g["capacity"], n)
        ours = set(zip(g["rows"][chosen].tolist(), g["columns"][chosen].tolist(), strict=True))
        assert ours == _hospital_resident(g, n)
        matched += len(ours)
    assert matched > 100


def test_stable_mentors_break_ties_on_the_lower_row() -> None:
    rows, columns = np.array([0, 1, 2]), np.array([0, 0, 0])
    scores, ranks = np.array([0.5, 0.5, 0.5]), np.zeros(3, dtype=np.int64)
    chosen = solve.stable(rows, columns, scores, ranks, np.array([2]), 3)
    assert chosen.tolist() == [True, True, False]
    # Proposals arriving in the other order end the same way.
    rows = np.array([2, 1, 0])
    chosen = solve.stable(rows, columns, scores, ranks, np.array([1]), 3)
    assert chosen.tolist() == [False, False, True]


def test_stable_mentees_follow_their_shortlist_before_scores() -> None:
    # Mentee 0 scores higher with mentor 0 but ranked mentor 1 first.
    rows, columns = np.array([0, 0]), np.array([0, 1])
    scores, ranks = np.array([0.9, 0.1]), np.array([0, 1])
    chosen = solve.stable(rows, columns, scores, ranks, np.array([1, 1]), 1)
    assert chosen.tolist() == [False, True]


# -- the blocking-pair checker can fail --------------------------------------------------------


def test_blocking_pairs_finds_a_swap_both_sides_want() -> None:
    # Two mentees, two single-place mentors; each pair would rather be crossed over.
    rows, columns = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    scores = np.array([0.9, 0.4, 0.5, 0.8])
    ranks, capacity = np.zeros(4, dtype=np.int64), np.array([1, 1])
    unstable = np.array([False, True, True, False])  # 0 with mentor 1, 1 with mentor 0
    found = solve.blocking_pairs(rows, columns, scores, ranks, capacity, unstable, 2)
    assert found == [(0, 0), (1, 1)]
    stable = solve.stable(rows, columns, scores, ranks, capacity, 2)
    assert stable.tolist() == [True, False, False, True]
    assert solve.blocking_pairs(rows, columns, scores, ranks, capacity, stable, 2) == []


def test_blocking_pairs_finds_an_unmatched_mentee_and_a_free_place() -> None:
    rows, columns = np.array([0, 1]), np.array([0, 0])
    scores, ranks = np.array([0.2, 0.3]), np.zeros(2, dtype=np.int64)
    only_one = np.array([True, False])
    assert solve.blocking_pairs(rows, columns, scores, ranks, np.array([2]), only_one, 2) == [
        (1, 0)
    ]
    # With one place, mentor 0 would still rather have mentee 1 (higher score).
    assert solve.blocking_pairs(rows, columns, scores, ranks, np.array([1]), only_one, 2) == [
        (1, 0)
    ]
    nobody = np.array([False, False])
    assert solve.blocking_pairs(rows, columns, scores, ranks, np.array([1]), nobody, 2) == [
        (0, 0),
        (1, 0),
    ]


def test_blocking_pairs_respects_shortlists_and_row_ties() -> None:
    rows, columns = np.array([0, 0, 1]), np.array([0, 1, 1])
    scores, ranks = np.array([0.9, 0.1, 0.1]), np.array([0, 1, 0])
    capacity = np.array([1, 1])
    # Mentee 0 ranked mentor 1 first: holding mentor 0 instead, they want mentor 1, which
    # holds mentee 1 at the same score; mentee 0 is the lower row, so mentor 1 agrees.
    wrong = np.array([True, False, True])
    assert solve.blocking_pairs(rows, columns, scores, ranks, capacity, wrong, 2) == [(0, 1)]
    right = np.array([False, True, False])
    assert solve.blocking_pairs(rows, columns, scores, ranks, capacity, right, 2) == []


# -- determinism -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["optimal", "stable"])
def test_solving_twice_gives_the_same_answer(mode: str) -> None:
    rng = np.random.default_rng(RNG_SEED + 11)
    for _ in range(20):
        n, m = int(rng.integers(5, 30)), int(rng.integers(2, 10))
        g = random_graph(rng, n, m, levels=4, shortlists=True)
        rows, columns, capacity = g["rows"], g["columns"], g["capacity"]
        if mode == "optimal":
            weights = g["weights"] // 10  # ties
            first = solve.optimal(rows, columns, weights, capacity, n)
            second = solve.optimal(rows, columns, weights, capacity, n)
        else:
            first = solve.stable(rows, columns, g["scores"], g["ranks"], capacity, n)
            second = solve.stable(rows, columns, g["scores"], g["ranks"], capacity, n)
        np.testing.assert_array_equal(first, second)


def _unique_optimum(outcome: engine.Outcome, problem_capacity: np.ndarray, n: int) -> bool:
    graph = outcome.graph
    weights = integer_weights(outcome.scores.total)
    assignments = _assignments(graph.rows, graph.columns, problem_capacity, n)
    totals = sorted(_totals(weights, assignments), reverse=True)
    return len(totals) == 1 or totals[0] > totals[1]


def _strict(outcome: engine.Outcome) -> bool:
    """No two candidates of one mentee, nor of one mentor, with the same score."""
    graph, total = outcome.graph, outcome.scores.total
    for keys in (graph.rows, graph.columns):
        pairs = list(zip(keys.tolist(), total.tolist(), strict=True))
        if len(set(pairs)) < len(pairs):
            return False
    return True


@pytest.mark.parametrize("mode", ["optimal", "stable"])
def test_engine_ignores_the_order_of_mentees_and_mentors(mode: str) -> None:
    rng = np.random.default_rng(RNG_SEED + 13)
    compared = 0
    for seed in range(25):
        n, m = 7, 5
        spec = random_spec(seed, n=n, m=m, strict=0.08)
        spec["rules"] = replace(spec["rules"], mode=mode)
        problem = build(**spec)
        outcome = engine.run(problem)
        if not _strict(outcome):
            continue
        if mode == "optimal" and not _unique_optimum(outcome, problem.mentors.capacity_left, n):
            continue
        expected = set(proposal_ids(problem, outcome))
        for _ in range(3):
            shuffled = permute(spec, rng.permutation(n).tolist(), rng.permutation(m).tolist())
            other = build(**shuffled)
            assert set(proposal_ids(other, engine.run(other))) == expected
        compared += 1
        # And twice on the same problem: identical, proposal for proposal.
        assert proposal_ids(problem, engine.run(problem)) == proposal_ids(problem, outcome)
    assert compared >= 10
