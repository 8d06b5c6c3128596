"""Hard constraints (consortium.matching.candidates): each one on its own, and in blocks.

Every case is one mentee and one mentor that pass everything except the constraint under test:
the pair must not be a candidate, `violations()` must name exactly that stage, and the funnel
must lose the mentor at that stage. The same pair with the constraint met must be a candidate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from consortium.matching import candidates as candidates_module
from consortium.matching.candidates import STAGE_CODES, blocks, candidates, violations
from consortium.matching.problem import Problem
from tests.matching.builders import build, make_rules, random_problem, random_spec

# (id, mentee, mentor, problem keywords, stage) — exactly one constraint broken.
BROKEN: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], str]] = [
    ("not shared with the mentee's organisation", {}, {}, {"shared": {0: [2]}}, "shared"),
    ("the mentee themself", {"person": 7}, {"person": 7}, {}, "self"),
    ("same organisation, across required", {"org": 1}, {"org": 1}, {}, "other_organisation"),
    ("modality not offered", {}, {"modalities": ["coaching"]}, {}, "modality"),
    (
        "accreditation below the minimum",
        {},
        {"rank": 2},
        {"rules": make_rules(min_accreditation_rank=3)},
        "accreditation",
    ),
    ("vetting not approved", {}, {"vetted": False}, {}, "vetting"),
    ("profile, person or organisation inactive", {}, {"active": False}, {}, "active"),
    ("no places left", {}, {"capacity": 2, "load": 2}, {}, "capacity"),
    ("more load than places", {}, {"capacity": 1, "load": 3}, {}, "capacity"),
    ("fatigued", {}, {"capacity": 3, "load": 0, "fatigued": True}, {}, "capacity"),
    ("avoided organisation", {"avoid": [1]}, {"org": 1}, {}, "avoided"),
    (
        "junior wanted, mentor equal",
        {"seniority": 5},
        {"seniority": 5},
        {"rules": make_rules(seniority_direction="mentor_junior")},
        "seniority",
    ),
    (
        "junior wanted, mentor senior",
        {"seniority": 5},
        {"seniority": 6},
        {"rules": make_rules(seniority_direction="mentor_junior")},
        "seniority",
    ),
    (
        "junior wanted, mentor unknown",
        {"seniority": 5},
        {"seniority": math.nan},
        {"rules": make_rules(seniority_direction="mentor_junior")},
        "seniority",
    ),
    (
        "junior wanted, mentee unknown",
        {"seniority": math.nan},
        {"seniority": 2},
        {"rules": make_rules(seniority_direction="mentor_junior")},
        "seniority",
    ),
    (
        "senior wanted, mentor equal",
        {"seniority": 5},
        {"seniority": 5},
        {"rules": make_rules(seniority_direction="mentor_senior")},
        "seniority",
    ),
    (
        "senior wanted, mentor junior",
        {"seniority": 5},
        {"seniority": 4},
        {"rules": make_rules(seniority_direction="mentor_senior")},
        "seniority",
    ),
    (
        "senior wanted, mentor unknown",
        {"seniority": 5},
        {"seniority": math.nan},
        {"rules": make_rules(seniority_direction="mentor_senior")},
        "seniority",
    ),
    (
        "mentor below the seniority floor",
        {},
        {"seniority": 7},
        {"rules": make_rules(mentor_seniority_min=8)},
        "seniority_floor",
    ),
    (
        "seniority floor, mentor unknown",
        {},
        {"seniority": math.nan},
        {"rules": make_rules(mentor_seniority_min=8)},
        "seniority_floor",
    ),
    (
        "different discipline wanted, same profession",
        {"profession": 0},
        {"profession": 0},
        {"rules": make_rules(different_discipline_required=True)},
        "discipline",
    ),
    (
        "different discipline wanted, mentor's profession unknown",
        {"profession": 0},
        {"profession": -1},
        {"rules": make_rules(different_discipline_required=True)},
        "discipline",
    ),
    (
        "different discipline wanted, mentee's profession unknown",
        {"profession": -1},
        {"profession": 1},
        {"rules": make_rules(different_discipline_required=True)},
        "discipline",
    ),
    (
        "outside the system wanted, another organisation of the same sector",
        {"sector": 0},
        {"sector": 0},
        {"rules": make_rules(outside_system_required=True)},
        "outside_system",
    ),
    (
        "outside the system wanted, a sector unknown",
        {"sector": 0},
        {"sector": -1},
        {"rules": make_rules(outside_system_required=True)},
        "outside_system",
    ),
    ("line management", {}, {}, {"line": [(0, 0)]}, "line_management"),
    ("preceptor or clinical supervisor", {}, {}, {"supervision": [(0, 0)]}, "supervision"),
    ("refused before", {}, {}, {"refused": [(0, 0)]}, "refused_before"),
]

# (id, mentee, mentor, problem keywords) — the same kinds of pair with the constraint met.
MET: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("shared with the mentee's organisation by name", {}, {}, {"shared": {0: [0, 2]}}),
    (
        "own organisation sees its profile",
        {"org": 1},
        {"org": 1},
        {
            "shared": {0: []},
            "rules": make_rules(cross_organisation_required=False),
        },
    ),
    ("another person", {"person": 7}, {"person": 8}, {}),
    ("other organisation", {"org": 0}, {"org": 1}, {}),
    (
        "same organisation, across not required",
        {"org": 1},
        {"org": 1},
        {"rules": make_rules(cross_organisation_required=False)},
    ),
    ("modality offered", {}, {"modalities": ["coaching", "mentoring"]}, {}),
    ("accreditation equal", {}, {"rank": 3}, {"rules": make_rules(min_accreditation_rank=3)}),
    ("accreditation above", {}, {"rank": 4}, {"rules": make_rules(min_accreditation_rank=3)}),
    ("vetted and active", {}, {"vetted": True, "active": True}, {}),
    ("one place left", {}, {"capacity": 2, "load": 1}, {}),
    ("avoids another organisation", {"avoid": [2]}, {"org": 1}, {}),
    (
        "junior wanted, mentor junior",
        {"seniority": 5},
        {"seniority": 4},
        {"rules": make_rules(seniority_direction="mentor_junior")},
    ),
    (
        "senior wanted, mentor senior",
        {"seniority": 5},
        {"seniority": 6},
        {"rules": make_rules(seniority_direction="mentor_senior")},
    ),
    (
        "any direction, seniority unknown",
        {"seniority": math.nan},
        {"seniority": math.nan},
        {"rules": make_rules(seniority_direction="any")},
    ),
    (
        "mentor at the seniority floor",
        {"seniority": 9},
        {"seniority": 8},
        {"rules": make_rules(mentor_seniority_min=8)},
    ),
    ("no seniority floor, mentor unknown", {}, {"seniority": math.nan}, {}),
    (
        "different discipline wanted, professions differ",
        {"profession": 0},
        {"profession": 1},
        {"rules": make_rules(different_discipline_required=True)},
    ),
    ("discipline not required, same profession", {"profession": 0}, {"profession": 0}, {}),
    (
        "outside the system wanted, another organisation in another sector",
        {"sector": 0},
        {"sector": 1},
        {"rules": make_rules(outside_system_required=True)},
    ),
    ("outside the system not required, same sector", {"sector": 0}, {"sector": 0}, {}),
    ("line management of someone else", {}, {}, {"line": [(1, 0)]}),
    ("refused with someone else", {}, {}, {"refused": [(1, 0)]}),
    ("supervises someone else", {}, {}, {"supervision": [(1, 0)]}),
]


def _one_pair(mentee: dict[str, Any], mentor: dict[str, Any], **problem: Any) -> Problem:
    """Mentee 0 (org 0) and mentor 0 (org 1), plus a bystander mentee 1 in org 2."""
    return build(
        mentees=[{"org": 0, **mentee}, {"org": 2}], mentors=[{"org": 1, **mentor}], **problem
    )


def _pairs(problem: Problem) -> set[tuple[int, int]]:
    graph = candidates(problem)
    return set(zip(graph.rows.tolist(), graph.columns.tolist(), strict=True))


@pytest.mark.parametrize(
    ("mentee", "mentor", "problem", "stage"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_constraint_excludes_the_pair(
    mentee: dict[str, Any], mentor: dict[str, Any], problem: dict[str, Any], stage: str
) -> None:
    p = _one_pair(mentee, mentor, **problem)
    assert (0, 0) not in _pairs(p)
    assert [s.code for s in violations(p, 0, 0)] == [stage]
    # The funnel loses the one mentor at exactly this stage.
    s = STAGE_CODES.index(stage)
    remaining = candidates(p).remaining[0]
    assert remaining[:s].tolist() == [1] * s
    assert remaining[s:].tolist() == [0] * (len(STAGE_CODES) - s)


@pytest.mark.parametrize(
    ("mentee", "mentor", "problem"),
    [case[1:] for case in MET],
    ids=[case[0] for case in MET],
)
def test_a_met_constraint_keeps_the_pair(
    mentee: dict[str, Any], mentor: dict[str, Any], problem: dict[str, Any]
) -> None:
    p = _one_pair(mentee, mentor, **problem)
    assert (0, 0) in _pairs(p)
    assert violations(p, 0, 0) == []
    assert candidates(p).remaining[0].tolist() == [1] * len(STAGE_CODES)


def test_violations_lists_every_failing_stage_in_order() -> None:
    p = _one_pair(
        {"avoid": [1]},
        {"modalities": [], "vetted": False, "capacity": 1, "load": 1},
        refused=[(0, 0)],
    )
    assert [s.code for s in violations(p, 0, 0)] == [
        "modality",
        "vetting",
        "capacity",
        "avoided",
        "refused_before",
    ]
    # The funnel blames the first.
    assert candidates(p).remaining[0].tolist() == [1, 1, 1] + [0] * (len(STAGE_CODES) - 3)


def test_outside_the_system_also_excludes_the_mentees_own_organisation() -> None:
    # Across organisations not required, but outside the system is: one's own organisation is
    # inside it whatever the sectors say.
    rules = make_rules(cross_organisation_required=False, outside_system_required=True)
    p = _one_pair({"org": 1, "sector": 0}, {"org": 1, "sector": 1}, rules=rules)
    assert [s.code for s in violations(p, 0, 0)] == ["outside_system"]


def test_an_ineligible_mentee_has_no_candidates() -> None:
    mentors = [{"org": 1}, {"org": 2, "capacity": 3}, {"org": 3}]
    p = build(
        mentees=[{"org": 0, "ineligible": "your organisation left the consortium"}, {"org": 0}],
        mentors=mentors,
    )
    graph = candidates(p)
    assert 0 not in graph.rows.tolist()
    assert graph.remaining[0].tolist() == [0] * len(STAGE_CODES)
    # The eligible mentee beside them still has all three.
    assert sorted(graph.columns[graph.rows == 1].tolist()) == [0, 1, 2]
    assert graph.remaining[1].tolist() == [3] * len(STAGE_CODES)


def test_exclusion_pairs_remove_only_those_pairs() -> None:
    p = build(
        mentees=[{}, {}, {}],
        mentors=[{}, {}, {}],
        line=[(0, 1), (2, 2)],
        refused=[(1, 0), (2, 1)],
    )
    expected = {(i, j) for i in range(3) for j in range(3)} - {(0, 1), (2, 2), (1, 0), (2, 1)}
    assert _pairs(p) == expected
    assert [s.code for s in violations(p, 0, 1)] == ["line_management"]
    assert [s.code for s in violations(p, 2, 1)] == ["refused_before"]
    assert violations(p, 0, 0) == []


def test_candidates_come_in_row_then_column_order() -> None:
    p = random_problem(3, n=15, m=9, strict=0.05)
    graph = candidates(p)
    keys = graph.rows * p.mentors.count + graph.columns
    assert graph.count > 20
    assert np.all(np.diff(keys) > 0)


# -- blocks ------------------------------------------------------------------------------------


def _brute_force(p: Problem) -> tuple[set[tuple[int, int]], np.ndarray]:
    """Candidates and funnel from `violations()`, one pair at a time."""
    n, m = p.mentees.count, p.mentors.count
    passes = np.zeros((n, m, len(STAGE_CODES)), dtype=bool)
    for i in range(n):
        for j in range(m):
            failed = {s.code for s in violations(p, i, j)}
            passes[i, j] = [code not in failed for code in STAGE_CODES]
    eligible = np.array([r is None for r in p.mentees.ineligible])
    alive = np.logical_and.accumulate(passes, axis=2) & eligible[:, None, None]
    remaining = alive.sum(axis=1)
    found = {(i, j) for i, j in zip(*np.nonzero(alive[:, :, -1]), strict=True)}
    return {(int(i), int(j)) for i, j in found}, remaining


def _at_block_edges(spec: dict, size: int, n: int, m: int) -> dict:
    """Exclusion pairs on the last row of each block and the first of the next."""
    edges = [r for b in range(size, n, size) for r in (b - 1, b)] + [0, n - 1]
    spec = dict(spec)
    spec["line"] = [*spec["line"], *[(r, r % m) for r in edges]]
    spec["refused"] = [*spec["refused"], *[(r, (r + 1) % m) for r in edges]]
    return spec


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rows_per_block", [1, 3, 7])
def test_blocks_give_the_single_block_result(
    monkeypatch: pytest.MonkeyPatch, seed: int, rows_per_block: int
) -> None:
    n, m = 23, 6
    spec = _at_block_edges(random_spec(seed, n=n, m=m, strict=0.1), rows_per_block, n, m)
    # every mentor eligible for the edge pairs, so the exclusions really remove something
    p = build(**spec)
    whole = candidates(p)
    monkeypatch.setattr(candidates_module, "BLOCK_CELLS", rows_per_block * m)
    assert len(list(blocks(n, m))) == -(-n // rows_per_block) > 1
    blocked = candidates(p)
    np.testing.assert_array_equal(blocked.rows, whole.rows)
    np.testing.assert_array_equal(blocked.columns, whole.columns)
    np.testing.assert_array_equal(blocked.remaining, whole.remaining)
    # And both agree with checking every pair on its own.
    expected, remaining = _brute_force(p)
    assert set(zip(blocked.rows.tolist(), blocked.columns.tolist(), strict=True)) == expected
    np.testing.assert_array_equal(blocked.remaining, remaining)
    for i, j in spec["line"]:
        assert (i, j) not in expected
    for i, j in spec["refused"]:
        assert (i, j) not in expected


def test_block_edge_exclusions_hit_only_their_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    n, m = 10, 3
    line = [(2, 0), (3, 1), (5, 2), (6, 0)]
    refused = [(2, 2), (3, 0), (9, 1)]
    p = build(mentees=[{}] * n, mentors=[{"capacity": 5}] * m, line=line, refused=refused)
    monkeypatch.setattr(candidates_module, "BLOCK_CELLS", 3 * m)  # blocks 0-2, 3-5, 6-8, 9
    expected = {(i, j) for i in range(n) for j in range(m)} - set(line) - set(refused)
    assert _pairs(p) == expected
