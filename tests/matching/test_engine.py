"""The engine end to end (consortium.matching.engine.run): scores, reasons and the unmatched."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from consortium.matching import engine, solve
from consortium.matching.problem import Problem
from consortium.matching.scoring import DEFAULT_WEIGHTS, shortlist_ranks
from tests.matching.builders import REVERSE, build, make_rules, random_problem


def _pair_terms(
    problem: Problem, outcome: engine.Outcome, row: int, column: int
) -> dict[str, float]:
    graph = outcome.graph
    edge = np.flatnonzero((graph.rows == row) & (graph.columns == column))
    assert len(edge) == 1, f"({row}, {column}) is not a candidate"
    return {term: float(values[edge[0]]) for term, values in outcome.scores.terms.items()}


def _proposed(outcome: engine.Outcome) -> dict[int, int]:
    return {p.row: p.column for p in outcome.proposals}


def _reason(problem: Problem, row: int = 0) -> str:
    outcome = engine.run(problem)
    assert row not in _proposed(outcome)
    (found,) = [u for u in outcome.unmatched if u.row == row]
    return found.reason


# -- proposals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_a_proposal_scores_the_sum_of_its_parts_with_at_most_three_reasons(seed: int) -> None:
    problem = random_problem(seed, n=20, m=10, strict=0.05)
    outcome = engine.run(problem)
    assert outcome.proposals
    for p in outcome.proposals:
        assert set(p.parts) == set(DEFAULT_WEIGHTS)
        assert p.score == pytest.approx(sum(p.parts.values()), abs=1e-5)
        assert 1 <= len(p.reasons) <= 3
        assert all(isinstance(r, str) and r and r == r.strip() for r in p.reasons)
        assert not any(re.search(r"_|\bnan\b|\bunknown\b", r) for r in p.reasons), p.reasons
    assert len(outcome.proposals) + len(outcome.unmatched) == problem.mentees.count
    assert outcome.total_score == pytest.approx(sum(p.score for p in outcome.proposals))


def test_reasons_name_the_shortlist_rank_and_shared_topics_in_words() -> None:
    problem = build(
        mentees=[
            {"topics": ["quality-improvement", "leadership"], "goals": "run a clinical audit"}
        ],
        mentors=[
            {"topics": ["finance"], "bio": "budgets and procurement"},
            {"topics": ["quality-improvement", "wellbeing"], "bio": "clinical audit lead"},
        ],
        shortlist={0: [1, 0]},
    )
    outcome = engine.run(problem)
    (proposal,) = outcome.proposals
    assert proposal.column == 1
    assert "you ranked them 1st on your shortlist" in proposal.reasons
    assert "shares your interest in quality improvement" in proposal.reasons
    assert proposal.reasons[0] == "shares your interest in quality improvement"  # largest part
    assert proposal.parts["shortlist"] == pytest.approx(DEFAULT_WEIGHTS["shortlist"])


def test_a_second_shortlist_choice_says_2nd() -> None:
    problem = build(
        mentees=[{}, {}],
        mentors=[{}, {}],
        shortlist={0: [0, 1], 1: [0, 1]},
    )
    outcome = engine.run(problem)
    reasons = {p.row: p.reasons for p in outcome.proposals}
    assert sorted(_proposed(outcome).values()) == [0, 1]
    said = [r for rs in reasons.values() for r in rs if "shortlist" in r]
    assert sorted(said) == [
        "you ranked them 1st on your shortlist",
        "you ranked them 2nd on your shortlist",
    ]


def test_only_the_three_strongest_reasons_are_given_best_first() -> None:
    problem = build(
        mentees=[{"org": 0, "sector": 0, "profession": 0, "topics": ["leadership"]}],
        mentors=[
            {
                "org": 1,
                "sector": 1,
                "profession": 1,
                "topics": ["leadership"],
                "capacity": 2,
                "load": 1,
            }
        ],
        shortlist={0: [0]},
        lent={(0, 1): 2},
    )
    (proposal,) = engine.run(problem).proposals
    assert all(value > 0 for term, value in proposal.parts.items() if term != "availability")
    assert proposal.reasons == [
        "shares your interest in leadership",  # 0.40
        "you ranked them 1st on your shortlist",  # 0.20
        # sector and profession tie at 0.10; the sector comes first
        "brings a view from police (you work in health)",
    ]


# -- scoring -----------------------------------------------------------------------------------


def test_topic_similarity_favours_the_mentor_whose_words_match_the_goals() -> None:
    problem = build(
        mentees=[{"goals": "improve clinical audit and quality improvement on the ward"}],
        mentors=[
            {"bio": "I lead clinical audit and quality improvement programmes"},
            {"bio": "procurement, budgeting and finance for local authorities"},
        ],
    )
    outcome = engine.run(problem)
    matching, unrelated = _pair_terms(problem, outcome, 0, 0), _pair_terms(problem, outcome, 0, 1)
    assert 0 < matching["topic"] <= 1
    assert unrelated["topic"] == 0
    assert _proposed(outcome) == {0: 0}
    (proposal,) = outcome.proposals
    assert proposal.reasons[0] == "their experience matches the goals you set out"


def test_topic_weight_zero_changes_the_choice() -> None:
    # Mentor 0 fits the topic but is nearly full; mentor 1 is unrelated but has room.
    spec: dict[str, Any] = {
        "mentees": [{"topics": ["digital"], "goals": "lead digital transformation"}],
        "mentors": [
            {"topics": ["digital"], "bio": "digital transformation", "capacity": 4, "load": 3},
            {"topics": ["finance"], "bio": "budgets", "capacity": 4, "load": 0},
        ],
    }
    assert _proposed(engine.run(build(**spec))) == {0: 0}
    problem = build(**spec, weights={"topic": 0})
    assert problem.weights["topic"] == 0
    outcome = engine.run(problem)
    assert _proposed(outcome) == {0: 1}
    assert outcome.proposals[0].parts["topic"] == 0


def test_weights_set_on_the_problem_are_what_the_engine_uses() -> None:
    problem = build(
        mentees=[{"topics": ["digital"]}],
        mentors=[{"topics": ["digital"], "capacity": 4, "load": 3}, {"capacity": 4}],
    )
    assert _proposed(engine.run(problem)) == {0: 0}
    problem.weights["topic"] = 0.0
    assert _proposed(engine.run(problem)) == {0: 1}


@pytest.mark.parametrize(
    ("lent", "higher"),
    [
        ({(0, 1): 12}, True),  # org 0 gave org 1 twelve hours: org 1's mentor pays back
        ({(1, 0): 12}, False),  # org 1 has already given org 0 twelve
        ({(0, 1): 7.5, (1, 0): 7.5}, None),  # even
    ],
)
def test_balance_evens_out_the_hours_given(
    lent: dict[tuple[int, int], float], higher: bool | None
) -> None:
    problem = build(mentees=[{"org": 0}], mentors=[{"org": 1}], lent=lent, organisations=3)
    outcome = engine.run(problem)
    balance = _pair_terms(problem, outcome, 0, 0)["balance"]
    if higher is None:
        assert balance == 0.5
    elif higher:
        assert 0.5 < balance < 1
    else:
        assert 0 < balance < 0.5


def test_balance_picks_the_organisation_that_owes_and_says_so() -> None:
    problem = build(
        mentees=[{"org": 0}],
        mentors=[{"org": 1}, {"org": 2}],
        lent={(0, 1): 40.25, (2, 0): 1.5},
        weights={name: 0.0 for name in DEFAULT_WEIGHTS} | {"balance": 1.0},
    )
    outcome = engine.run(problem)
    assert _proposed(outcome) == {0: 0}
    assert outcome.proposals[0].reasons == [
        "evens out time given: Org 1 has received 40 h more from Org 0 than it gave"
    ]


def test_sector_and_profession_terms() -> None:
    # sectors: 0 health, 1 police, 4 education; professions: 0 nurse, 1 police officer
    problem = build(
        mentees=[
            {"sector": 0, "profession": 0, "sectors": [4]},  # asked for education
            {"sector": 0, "profession": -1},  # asked for nothing; profession unknown
        ],
        mentors=[
            {"sector": 4, "profession": 1, "capacity": 2},
            {"sector": 1, "profession": 0, "capacity": 2},
            {"sector": 0, "profession": 1, "capacity": 2},
        ],
    )
    outcome = engine.run(problem)
    sector = [[_pair_terms(problem, outcome, i, j)["sector"] for j in range(3)] for i in range(2)]
    profession = [
        [_pair_terms(problem, outcome, i, j)["profession"] for j in range(3)] for i in range(2)
    ]
    assert sector == [[1, 0, 0], [1, 1, 0]]
    assert profession == [[1, 0, 1], [0, 0, 0]]
    reasons = {p.row: p.reasons for p in outcome.proposals}
    assert _proposed(outcome)[0] == 0
    assert "works in education, a sector you asked for" in reasons[0]
    assert "a different profession: police officer (yours: nurse)" in reasons[0]


def test_shortlist_term_falls_with_rank() -> None:
    problem = build(mentees=[{}], mentors=[{}, {}, {}, {}], shortlist={0: [2, 0, 3]})
    outcome = engine.run(problem)
    values = [_pair_terms(problem, outcome, 0, j)["shortlist"] for j in range(4)]
    assert values[2] == 1.0
    assert values[2] > values[0] > values[3] > 0
    assert values[1] == 0
    ranks = shortlist_ranks(problem, outcome.graph.rows, outcome.graph.columns)
    assert ranks.tolist() == [2, 0, 1, 3]


# -- why a mentee was left unmatched ------------------------------------------------------------


def test_reverse_mentoring_nobody_outside_offers_it() -> None:
    problem = build(
        mentees=[{"org": 0}],
        mentors=[
            {"org": 0, "modalities": ["reverse_mentoring"]},
            {"org": 1, "modalities": ["mentoring"]},
        ],
        rules=REVERSE,
    )
    assert _reason(problem) == "no mentor outside your organisation offers reverse mentoring"


def test_reverse_mentoring_nobody_with_capacity_left() -> None:
    problem = build(
        mentees=[{"org": 0}],
        mentors=[
            {"org": 1, "modalities": ["reverse_mentoring"], "capacity": 2, "load": 2},
            {"org": 2, "modalities": ["reverse_mentoring"], "fatigued": True},
        ],
        rules=REVERSE,
    )
    assert (
        _reason(problem)
        == "no mentor outside your organisation offers reverse mentoring with capacity left"
    )


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (4, "all 4 eligible mentors are in your line-management chain"),
        (1, "the only eligible mentor is in your line-management chain"),
    ],
)
def test_everyone_in_the_line_management_chain(count: int, expected: str) -> None:
    problem = build(
        mentees=[{"org": 0}],
        # one more mentor who falls at an earlier stage (no places), so the count is the funnel's
        mentors=[{"org": 1}] * count + [{"org": 1, "capacity": 1, "load": 1}],
        line=[(0, j) for j in range(count)],
    )
    assert _reason(problem) == expected


def test_needed_for_other_pairings_in_optimal_mode() -> None:
    problem = build(
        mentees=[{"topics": ["digital"]}, {"topics": ["finance"]}],
        mentors=[{"topics": ["digital"]}],
    )
    outcome = engine.run(problem)
    assert _proposed(outcome) == {0: 0}
    (unmatched,) = outcome.unmatched
    assert unmatched.row == 1 and unmatched.candidates == 1
    assert "needed for other pairings" in unmatched.reason
    assert (
        unmatched.reason
        == "the only eligible mentor was needed for other pairings that fit better overall"
    )


def test_a_pairing_that_scores_zero_is_still_proposed_when_a_place_is_free() -> None:
    # A consortium weighing topics only; mentee 1 shares none with the one mentor, who has
    # room for both. Leaving them unmatched would not raise the total, and telling them the
    # mentor "was needed for other pairings" would be untrue.
    problem = build(
        mentees=[{"topics": ["digital"]}, {"topics": ["finance"]}],
        mentors=[{"topics": ["digital"], "capacity": 2}],
        weights={name: 0.0 for name in DEFAULT_WEIGHTS} | {"topic": 1.0},
    )
    outcome = engine.run(problem)
    assert _proposed(outcome) == {0: 0, 1: 0}
    assert outcome.proposals[1].score == 0
    assert outcome.unmatched == []


def test_filled_by_others_in_stable_mode() -> None:
    problem = build(
        mentees=[{"topics": ["finance"]}, {"topics": ["digital"]}, {"topics": ["digital"]}],
        mentors=[{"topics": ["digital"]}, {"topics": ["digital"]}],
        rules=make_rules(mode="stable"),
    )
    outcome = engine.run(problem)
    assert _proposed(outcome) == {1: 0, 2: 1}
    (unmatched,) = outcome.unmatched
    assert unmatched.row == 0
    assert (
        unmatched.reason
        == "all 2 eligible mentors filled their places with mentees who suited them better"
    )


def test_an_ineligible_mentee_is_told_first() -> None:
    problem = build(
        mentees=[{"ineligible": "your organisation has left the consortium"}],
        mentors=[{}, {}],
    )
    reason = _reason(problem)
    assert reason.startswith("you are no longer eligible")
    assert (
        reason
        == "you are no longer eligible for this programme: your organisation has left the consortium"
    )


ACCREDITED = make_rules(
    modality="reverse_mentoring",
    modality_label="reverse mentoring",
    min_accreditation_rank=3,
    min_accreditation_label="senior practitioner",
)
OFFERS = {"modalities": ["reverse_mentoring"]}

# (id, mentees, mentors, problem keywords, reason for mentee 0)
STAGE_REASONS: list[tuple[str, list[dict], list[dict], dict[str, Any], str]] = [
    (
        "not shared",
        [{"org": 0}],
        [{"org": 1}, {"org": 2}],
        {"shared": {0: [], 1: [3]}},
        "no mentor's profile in this programme's pool is shared with your organisation",
    ),
    (
        "no mentors at all",
        [{}],
        [],
        {},
        "no mentor's profile in this programme's pool is shared with your organisation",
    ),
    (
        "only oneself",
        [{"person": 5}],
        [{"person": 5}],
        {},
        "the only mentor shared with you is yourself",
    ),
    (
        "all in the own organisation",
        [{"org": 1}],
        [{"org": 1}, {"org": 1}],
        {},
        "all 2 shared mentors work in your own organisation, and this programme pairs across organisations",
    ),
    (
        "the one in the own organisation",
        [{"org": 1}],
        [{"org": 1}],
        {},
        "the only shared mentor works in your own organisation, and this programme pairs across organisations",
    ),
    (
        "modality, within organisations allowed",
        [{}],
        [{"modalities": ["mentoring"]}],
        {"rules": replace(REVERSE, cross_organisation_required=False)},
        "no mentor offers reverse mentoring",
    ),
    (
        "accreditation",
        [{}],
        [{**OFFERS, "rank": 2}, {**OFFERS, "rank": 0}],
        {"rules": ACCREDITED},
        "no mentor outside your organisation offering reverse mentoring holds accreditation at "
        "senior practitioner level or above",
    ),
    (
        "active",
        [{}],
        [{**OFFERS, "active": False}],
        {"rules": REVERSE},
        "no mentor outside your organisation offering reverse mentoring is taking mentees now "
        "(their profiles are paused, or their staff records or organisations are not active)",
    ),
    (
        "vetting",
        [{}],
        [{**OFFERS, "vetted": False}, {**OFFERS, "active": False}],
        {"rules": REVERSE},
        "no mentor outside your organisation offering reverse mentoring has current vetting",
    ),
    (
        "avoided",
        [{"avoid": [1, 2]}],
        [{"org": 1}, {"org": 2}, {"org": 1}],
        {},
        "all 3 eligible mentors work for organisations you asked to avoid",
    ),
    (
        "seniority, junior wanted",
        [{"seniority": 3}],
        [{"seniority": 3}, {"seniority": float("nan")}],
        {"rules": make_rules(seniority_direction="mentor_junior")},
        "none of the 2 eligible mentors is more junior than you, as this programme needs "
        "(or a seniority is not recorded)",
    ),
    (
        "seniority, senior wanted",
        [{"seniority": 3}],
        [{"seniority": 2}],
        {"rules": make_rules(seniority_direction="mentor_senior")},
        "the only eligible mentor is not more senior than you, as this programme needs "
        "(or a seniority is not recorded)",
    ),
    (
        "refused before",
        [{}],
        [{}, {}],
        {"refused": [(0, 0), (0, 1)]},
        "all 2 eligible mentors were declined or rejected as your pairing before",
    ),
    (
        "mentor seniority floor",
        [{}],
        [{"seniority": 7}, {"seniority": float("nan")}],
        {"rules": make_rules(mentor_seniority_min=8)},
        "none of the 2 eligible mentors is of seniority 8 or above, as this programme needs of "
        "its mentors (or a seniority is not recorded)",
    ),
    (
        "a different discipline",
        [{"profession": 0}],
        [{"profession": 0}],
        {"rules": make_rules(different_discipline_required=True)},
        "the only eligible mentor is not of a different profession from yours, as this "
        "programme needs (or a profession is not recorded)",
    ),
    (
        "outside the immediate system",
        [{"sector": 0}],
        [{"org": 1, "sector": 0}, {"org": 2, "sector": 0}, {"org": 3, "sector": 0}],
        {"rules": make_rules(outside_system_required=True)},
        "none of the 3 eligible mentors is from outside your immediate system (another "
        "organisation in another sector), as this programme needs",
    ),
    (
        "preceptor or clinical supervisor",
        [{}],
        [{}, {}],
        {"supervision": [(0, 0), (0, 1)]},
        "all 2 eligible mentors are your preceptor or clinical supervisor (or you are theirs)",
    ),
    (
        "refused before, one",
        [{}],
        [{}],
        {"refused": [(0, 0)]},
        "the only eligible mentor was declined or rejected as your pairing before",
    ),
]


@pytest.mark.parametrize(
    ("mentees", "mentors", "problem", "expected"),
    [case[1:] for case in STAGE_REASONS],
    ids=[case[0] for case in STAGE_REASONS],
)
def test_unmatched_reason_for_each_stage(
    mentees: list[dict], mentors: list[dict], problem: dict[str, Any], expected: str
) -> None:
    assert _reason(build(mentees=mentees, mentors=mentors, **problem)) == expected


# -- stable mode through the engine ------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_stable_mode_leaves_no_blocking_pair(seed: int) -> None:
    problem = random_problem(seed, n=30, m=10, strict=0.05)
    problem.rules = replace(problem.rules, mode="stable")
    outcome = engine.run(problem)
    graph = outcome.graph
    ranks = shortlist_ranks(problem, graph.rows, graph.columns)
    assert outcome.chosen.any()
    found = solve.blocking_pairs(
        graph.rows,
        graph.columns,
        outcome.scores.total,
        ranks,
        problem.mentors.capacity_left,
        outcome.chosen,
        problem.mentees.count,
    )
    assert found == []
    taken = np.bincount(graph.columns[outcome.chosen], minlength=problem.mentors.count)
    assert np.all(taken <= problem.mentors.capacity_left)


@pytest.mark.parametrize("mode", ["optimal", "stable"])
@pytest.mark.parametrize(
    ("mentees", "mentors"),
    [(0, 0), (0, 3), (2, 0)],
    ids=["nobody", "no-applicants", "no-mentors"],
)
def test_an_empty_side_gives_an_empty_outcome(mode: str, mentees: int, mentors: int) -> None:
    # No applicants yet, or no mentor shared: a run on such a consortium crashed the worker.
    problem = build([{"org": 0}] * mentees, [{"org": 1}] * mentors, rules=make_rules(mode=mode))
    outcome = engine.run(problem)
    assert outcome.proposals == []
    assert [u.row for u in outcome.unmatched] == list(range(mentees))
    assert all(u.reason for u in outcome.unmatched)
    assert outcome.counts(problem)["candidate_pairs"] == 0
