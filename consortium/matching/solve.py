"""Choosing the pairings from the scored candidate graph.

- optimal: the maximum total score subject to one mentor per mentee and each mentor's places
  left, as a minimum-cost flow solved by OR-Tools (integer costs: the negated scaled scores;
  every mentee may also flow straight to the sink at no cost, i.e. stay unmatched, so no
  pairing that lowers the total is forced).
- stable: mentee-proposing deferred acceptance with mentor capacities (hospitals/residents).
  Mentees rank shortlisted mentors first, by their rank, then the rest by score; mentors rank
  mentees by score. Ties break on the lower index, so the result is deterministic; the result
  is the mentee-optimal stable matching, with no blocking pair.

Both return a boolean array over the candidate pairs: chosen or not.
"""

from __future__ import annotations

import heapq

import numpy as np
from ortools.graph.python import min_cost_flow

from consortium.matching.problem import Bools, Ints


class SolverError(RuntimeError):
    pass


def optimal(rows: Ints, columns: Ints, weights: Ints, capacity: Ints, n: int) -> Bools:
    """Max-weight capacitated assignment; `weights` are non-negative integers per pair."""
    chosen = np.zeros(len(rows), dtype=bool)
    if len(rows) == 0:
        return chosen
    m = len(capacity)
    # Nodes: mentees 0..n-1, mentors n..n+m-1, the sink n+m.
    sink = n + m
    solver = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = solver.add_arcs_with_capacity_and_unit_cost(
        rows, columns + n, np.ones(len(rows), dtype=np.int64), -weights
    )
    mentees = np.arange(n, dtype=np.int64)
    solver.add_arcs_with_capacity_and_unit_cost(
        mentees, np.full(n, sink), np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    )
    mentors = np.arange(m, dtype=np.int64)
    solver.add_arcs_with_capacity_and_unit_cost(
        mentors + n, np.full(m, sink), capacity.astype(np.int64), np.zeros(m, dtype=np.int64)
    )
    supplies = np.zeros(n + m + 1, dtype=np.int64)
    supplies[:n], supplies[sink] = 1, -n
    solver.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int64), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    chosen[:] = solver.flows(pair_arcs) > 0
    return chosen


def preference_order(rows: Ints, columns: Ints, scores: np.ndarray, ranks: Ints) -> np.ndarray:
    """Candidate pairs in each mentee's order of preference (grouped by mentee).

    Shortlisted mentors first by rank, then the others by score (best first), ties by column.
    """
    shortlisted = ranks > 0
    # np.lexsort sorts by the last key first.
    return np.lexsort((columns, -scores, np.where(shortlisted, ranks, 0), ~shortlisted, rows))


def stable(
    rows: Ints, columns: Ints, scores: np.ndarray, ranks: Ints, capacity: Ints, n: int
) -> Bools:
    """Mentee-proposing deferred acceptance; mentors prefer higher scores (then lower rows)."""
    chosen = np.zeros(len(rows), dtype=bool)
    if len(rows) == 0:
        return chosen
    order = preference_order(rows, columns, scores, ranks)
    ordered_rows = rows[order]
    starts = np.searchsorted(ordered_rows, np.arange(n + 1))
    edge_column = columns[order].tolist()
    edge_score = scores[order].tolist()
    edge_id = order.tolist()
    nxt = starts[:-1].tolist()
    ends = starts[1:].tolist()
    places = capacity.tolist()
    # Per mentor, a min-heap of (score, -row, edge) of the mentees it holds: the worst on top.
    held: list[list[tuple[float, int, int]]] = [[] for _ in places]
    free = [i for i in range(n) if nxt[i] < ends[i]]
    free.reverse()
    while free:
        i = free.pop()
        k = nxt[i]
        if k >= ends[i]:
            continue  # has asked every acceptable mentor
        nxt[i] = k + 1
        j = edge_column[k]
        offer = (edge_score[k], -i, edge_id[k])
        heap = held[j]
        if len(heap) < places[j]:
            heapq.heappush(heap, offer)
            continue
        if places[j] > 0 and offer[:2] > heap[0][:2]:
            worst = heapq.heapreplace(heap, offer)
            free.append(-worst[1])
        else:
            free.append(i)
    for heap in held:
        for _, _, edge in heap:
            chosen[edge] = True
    return chosen


def blocking_pairs(
    rows: Ints,
    columns: Ints,
    scores: np.ndarray,
    ranks: Ints,
    capacity: Ints,
    chosen: Bools,
    n: int,
) -> list[tuple[int, int]]:
    """The (row, column) pairs that would both rather be together than as `chosen` has them.

    Vectorised check for the tests and the benchmark: a pair blocks when the mentee is
    unmatched or prefers this mentor to theirs, and the mentor has a free place or prefers
    this mentee to the worst it holds.
    """
    order = preference_order(rows, columns, scores, ranks)
    position = np.empty(len(rows), dtype=np.int64)
    position[order] = np.arange(len(rows))  # lower: more preferred by the mentee
    held_position = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(held_position, rows[chosen], position[chosen])
    mentee_wants = position < held_position[rows]
    m = len(capacity)
    taken = np.bincount(columns[chosen], minlength=m)
    # Each mentor's worst held mentee: lowest score, then highest row (as stable() ranks).
    held_edges = np.flatnonzero(chosen)
    by_worst = held_edges[np.lexsort((-rows[held_edges], scores[held_edges], columns[held_edges]))]
    first = np.ones(len(by_worst), dtype=bool)
    first[1:] = columns[by_worst][1:] != columns[by_worst][:-1]
    worst_score = np.full(m, np.inf)
    worst_row = np.full(m, -1)
    worst_score[columns[by_worst[first]]] = scores[by_worst[first]]
    worst_row[columns[by_worst[first]]] = rows[by_worst[first]]
    w_score, w_row = worst_score[columns], worst_row[columns]
    prefers = (scores > w_score) | ((scores == w_score) & (rows < w_row))
    mentor_wants = (taken[columns] < capacity[columns]) | prefers
    blocking = mentee_wants & mentor_wants & ~chosen
    return list(zip(rows[blocking].tolist(), columns[blocking].tolist(), strict=True))
