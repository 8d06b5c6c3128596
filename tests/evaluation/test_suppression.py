"""Small numbers: no figure from fewer than 5 people, and none recoverable by subtraction
(unit tests of consortium.evaluation.suppression and .figures)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from consortium.evaluation import figures
from consortium.evaluation.suppression import SUPPRESSED, hidden

_people = itertools.count()


def people(n: int) -> frozenset[int]:
    return frozenset(next(_people) for _ in range(n))


def test_a_cell_of_fewer_than_five_people_is_hidden() -> None:
    assert hidden({"a": people(5), "b": people(9), "c": people(6)}) == set()
    assert hidden({"a": people(4), "b": people(3), "c": people(9)}) == {"a", "b"}


def test_a_lone_small_cell_takes_the_smallest_other_with_it() -> None:
    # The parent minus b and c would be a: b, the smallest shown, is hidden too.
    assert hidden({"a": people(2), "b": people(6), "c": people(9)}) == {"a", "b"}
    # Two small cells that hold fewer than five people together: a third goes with them.
    assert hidden({"a": people(1), "b": people(2), "c": people(7), "d": people(8)}) == {
        "a",
        "b",
        "c",
    }


def test_people_in_two_hidden_cells_are_counted_once() -> None:
    shared = people(3)
    # a and b hold the same 3 people: together still fewer than five.
    cells = {"a": shared, "b": shared, "c": people(6)}
    assert hidden(cells) == {"a", "b", "c"}


def test_a_hidden_parent_hides_its_cells() -> None:
    assert hidden({"a": people(9)}, parent_shown=False) == {"a"}


# --- the report's figures ---------------------------------------------------------------------

ORG = {name: uuid.uuid4() for name in ("trust", "fire", "council", "police")}


def pairing(mentor_org: str, mentee_org: str, sector: str) -> figures.PairingRow:
    return figures.PairingRow(
        id=uuid.uuid4(),
        ended=True,
        mentor_person_id=uuid.uuid4(),
        mentee_id=uuid.uuid4(),
        mentor_organisation_id=ORG[mentor_org],
        mentee_organisation_id=ORG[mentee_org],
        sector=sector,
    )


def evaluated(pairings: list[figures.PairingRow], *, recommend: bool = True) -> list[Any]:
    return [
        figures.EvaluationRow(p.id, person, ("met", "partly"), 4, recommend, 5.0)
        for p in pairings
        for person in (p.mentor_person_id, p.mentee_id)
    ]


def test_subtracting_the_shown_cells_from_the_total_never_isolates_a_small_cell() -> None:
    """Fire: 3 pairings (6 people); local authority: 1 pairing (2 people). Showing fire next
    to the total would give the council pairing's figures by subtraction, so both are hidden."""
    fire = [pairing("trust", "fire", "fire") for _ in range(3)]
    council = [pairing("trust", "council", "local_authority")]
    table = figures.cells(fire + council, [], evaluated(fire) + evaluated(council, recommend=False))
    total = table[figures.TOTAL]["evaluations"]
    assert total["people"] == 8 and total["evaluations"] == 8
    assert total["would_recommend_share"] == 0.75
    for key in (figures.sector_key("fire"), figures.sector_key("local_authority")):
        assert set(table[key]["evaluations"].values()) == {SUPPRESSED}, key
    for key in (
        figures.pair_key(ORG["trust"], ORG["fire"]),
        figures.pair_key(ORG["trust"], ORG["council"]),
    ):
        assert set(table[key]["completion"].values()) == {SUPPRESSED}, key


def test_hidden_cells_together_hold_at_least_five_people() -> None:
    """Fire 6 people, local authority 4, health 2: fire is shown; what subtracting it from the
    total gives is the other two together (6 people), never one of them."""
    fire = [pairing("trust", "fire", "fire") for _ in range(3)]
    council = [pairing("trust", "council", "local_authority") for _ in range(2)]
    trust = [pairing("fire", "trust", "health")]
    table = figures.cells(fire + council + trust, [], evaluated(fire + council + trust))
    shown = {
        key[1]
        for key, cell in table.items()
        if key[0] == "sector" and cell["evaluations"]["people"] != SUPPRESSED
    }
    assert shown == {"fire"}
    total = table[figures.TOTAL]["evaluations"]["people"]
    assert total - table[figures.sector_key("fire")]["evaluations"]["people"] >= 5


def test_within_a_shown_sector_its_organisation_pairs_are_suppressed_the_same_way() -> None:
    """Fire (7 pairings): trust → fire 6 pairings (7 people: one mentor twice), police →
    fire 1 pairing. The fire sector is shown, so the trust → fire pair is hidden with the
    police one (else fire minus trust → fire is the police pairing)."""
    mentor = uuid.uuid4()
    fire = [
        figures.PairingRow(
            uuid.uuid4(), True, mentor, uuid.uuid4(), ORG["trust"], ORG["fire"], "fire"
        )
        for _ in range(6)
    ]
    police = [pairing("police", "fire", "fire")]
    table = figures.cells(fire + police, [], evaluated(fire + police))
    assert table[figures.sector_key("fire")]["completion"]["pairings_ended"] == 7
    for pair in (("trust", "fire"), ("police", "fire")):
        key = figures.pair_key(ORG[pair[0]], ORG[pair[1]])
        assert table[key]["completion"]["pairings_ended"] == SUPPRESSED


def test_figures_of_a_cell_large_enough() -> None:
    fire = [pairing("trust", "fire", "fire") for _ in range(3)]
    feedback = [figures.FeedbackRow(p.id, p.mentee_id, 5) for p in fire] + [
        figures.FeedbackRow(p.id, p.mentor_person_id, 2) for p in fire  # type: ignore[arg-type]
    ]
    table = figures.cells(fire, feedback, evaluated(fire[:2]))
    cell = table[figures.TOTAL]
    assert cell["completion"] == {
        "people": 6,
        "pairings_ended": 3,
        "pairings_evaluated": 2,
        "completion_rate": 0.667,
    }
    assert cell["session_feedback"] == {"people": 6, "ratings": 6, "mean_rating": 3.5}
    # Four people evaluated: too few, however many goals they rated.
    assert set(cell["evaluations"].values()) == {SUPPRESSED}
