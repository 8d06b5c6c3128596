"""The availability term: the mentor's free hours in the times the mentee stated, and its words."""

from __future__ import annotations

import numpy as np
import pytest

from consortium.availability.week import CELLS, cell
from consortium.matching import engine, scoring
from consortium.matching.candidates import candidates
from consortium.matching.problem import Problem
from consortium.matching.scoring import DEFAULT_WEIGHTS, FULL_OVERLAP_HOURS, NEUTRAL
from tests.matching.builders import build, random_problem

TUESDAY_MORNING = cell("tuesday", "morning")
THURSDAY_AFTERNOON = cell("thursday", "afternoon")
MONDAY_MORNING = cell("monday", "morning")


def reference(problem: Problem, row: int, column: int) -> float:
    """The term for one pair, spelt out."""
    mentees, mentors = problem.mentees, problem.mentors
    stated = [k for k in range(CELLS) if mentees.preferred_cells[row, k]]
    if not stated or not mentors.published[column]:
        return NEUTRAL
    zone = mentees.zone[row]
    hours = sum(mentors.free_hours[zone, column, k] for k in stated)
    return min(1.0, hours / FULL_OVERLAP_HOURS)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("chunk", [3, scoring.CHUNK])
def test_the_term_over_candidate_arrays_equals_a_pair_by_pair_reference(
    seed: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scoring, "CHUNK", chunk)
    problem = random_problem(seed, n=15, m=9)
    rng = np.random.default_rng(seed)
    n, m = problem.mentees.count, problem.mentors.count
    mentees, mentors = problem.mentees, problem.mentors
    mentees.zones = ["Europe/London", "America/New_York", "Asia/Kolkata"]
    mentees.zone = rng.integers(0, 3, n)
    mentees.preferred_cells = rng.random((n, CELLS)) < 0.15  # some state nothing
    mentees.preferred_cells[0] = False
    mentors.free_hours = np.where(rng.random((3, m, CELLS)) < 0.3, rng.random((3, m, CELLS)) * 4, 0)
    mentors.published = rng.random(m) < 0.8
    rows, columns = (a.ravel() for a in np.indices((n, m)))  # every pair
    got = scoring.availability(problem, rows, columns)
    expected = [reference(problem, int(i), int(j)) for i, j in zip(rows, columns, strict=True)]
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert ((got >= 0) & (got <= 1)).all()
    assert 0 < (got == NEUTRAL).mean() < 1 and (got == 1).any() and (got == 0).any()
    # …and it is what the score adds in, for the candidate pairs.
    graph = candidates(problem)
    scores = scoring.score(problem, graph)
    np.testing.assert_allclose(
        scores.terms["availability"], got.reshape(n, m)[graph.rows, graph.columns]
    )


def test_the_mentor_free_when_the_mentee_is_gets_the_pairing_and_says_when() -> None:
    problem = build(
        mentees=[{"times": [TUESDAY_MORNING, THURSDAY_AFTERNOON]}],
        mentors=[
            # free a lot, but not when the mentee is
            {"free": {MONDAY_MORNING: 4.0, cell("thursday", "evening"): 3.0}},
            {"free": {TUESDAY_MORNING: 2.0, THURSDAY_AFTERNOON: 0.5, MONDAY_MORNING: 4.0}},
        ],
    )
    outcome = engine.run(problem)
    (proposal,) = outcome.proposals
    assert proposal.column == 1
    assert proposal.parts["availability"] == pytest.approx(
        DEFAULT_WEIGHTS["availability"] * 2.5 / FULL_OVERLAP_HOURS, abs=1e-6
    )
    assert "both free Tuesday mornings and Thursday afternoons" in proposal.reasons


def test_only_the_two_times_with_most_hours_are_named_in_week_order() -> None:
    times = [cell("monday", "evening"), TUESDAY_MORNING, cell("friday", "morning")]
    problem = build(
        mentees=[{"times": times}],
        mentors=[{"free": {times[0]: 3.0, times[1]: 0.5, times[2]: 1.0}}],
    )
    (proposal,) = engine.run(problem).proposals
    assert proposal.parts["availability"] == pytest.approx(DEFAULT_WEIGHTS["availability"])
    assert "both free Monday evenings and Friday mornings" in proposal.reasons


def test_a_mentee_in_another_zone_is_told_which_zone() -> None:
    problem = build(
        mentees=[{"times": [TUESDAY_MORNING], "zone": "America/New_York"}],
        mentors=[{"free": {TUESDAY_MORNING: 3.0}}],
    )
    (proposal,) = engine.run(problem).proposals
    assert "both free Tuesday mornings (America/New_York time)" in proposal.reasons


@pytest.mark.parametrize(
    ("mentee", "mentor"),
    [
        ({}, {"free": {TUESDAY_MORNING: 3.0}}),  # the mentee stated no times
        ({"times": [TUESDAY_MORNING]}, {}),  # the mentor published no availability
    ],
    ids=["no times stated", "nothing published"],
)
def test_when_either_side_said_nothing_the_term_is_neutral_and_unsaid(
    mentee: dict,
    mentor: dict,  # type: ignore[type-arg]
) -> None:
    problem = build(mentees=[mentee], mentors=[mentor])
    outcome = engine.run(problem)
    (proposal,) = outcome.proposals
    assert outcome.scores.terms["availability"].tolist() == [NEUTRAL]
    assert not any("free" in reason for reason in proposal.reasons)


def test_unknown_beats_known_to_clash_and_loses_to_known_to_fit() -> None:
    problem = build(
        mentees=[{"times": [TUESDAY_MORNING]}],
        mentors=[{"free": {MONDAY_MORNING: 4.0}}, {}, {"free": {TUESDAY_MORNING: 3.0}}],
    )
    graph = candidates(problem)
    assert scoring.availability(problem, graph.rows, graph.columns).tolist() == [0.0, NEUTRAL, 1.0]
