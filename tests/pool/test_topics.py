"""Topic tags (consortium.pool.topics): one spelling per topic, so filters and matching agree."""

from __future__ import annotations

import pytest

from consortium.pool.topics import normalise, normalise_all


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("Quality Improvement", "quality-improvement"),
        (" Quality  Improvement ", "quality-improvement"),
        ("quality-improvement", "quality-improvement"),
        ("quality_improvement", "quality-improvement"),
        ("Quality / Improvement", "quality-improvement"),
        ("Quality--Improvement", "quality-improvement"),
        ("-Leadership-", "leadership"),
        ("Équipe Santé", "equipe-sante"),
        ("C++", "c++"),
        ("C#", "c#"),
        ("Q&A", "q&a"),
        ("Leadership (NHS)", "leadership-nhs"),
        ("NHS 10-Year Plan!", "nhs-10-year-plan"),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_normalise(raw: str, tag: str) -> None:
    assert normalise(raw) == tag
    assert normalise(tag) == tag  # idempotent


def test_normalise_all_drops_empties_and_duplicates_keeping_the_first_place() -> None:
    assert normalise_all(
        ["Leadership", "coaching", "leadership", "", "!!", "Coaching ", "ethics"]
    ) == [
        "leadership",
        "coaching",
        "ethics",
    ]
    assert normalise_all([]) == []
