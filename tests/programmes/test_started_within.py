"""Eligibility by a staff record's dates: graduate / new-starter by start date
(eligibility._started, months_before) and return to work by return date (_returning)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from consortium.programmes.eligibility import months_before, refusals

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 4), 6, date(2026, 6, 4)),
        (date(2026, 12, 4), 12, date(2025, 12, 4)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),  # a shorter month: its last day
        (date(2028, 3, 31), 1, date(2028, 2, 29)),  # a leap year
        (date(2026, 1, 15), 1, date(2025, 12, 15)),  # across a year
        (date(2026, 1, 31), 13, date(2024, 12, 31)),
        (date(2026, 5, 31), 120, date(2016, 5, 31)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def _codes(
    started_on: date | None, returns_on: date | None = None, **eligibility: Any
) -> list[str]:
    programme: Any = SimpleNamespace(eligibility=eligibility)
    person: Any = SimpleNamespace(
        status="active",
        organisation_id="org",
        profession=None,
        seniority=None,
        started_on=started_on,
        returns_on=returns_on,
    )
    return [r.code for r in refusals(programme=programme, person=person, today=TODAY)]


@pytest.mark.parametrize(
    ("started_on", "codes"),
    [
        (date(2026, 6, 4), []),  # exactly six months: within
        (date(2026, 6, 3), ["started_on"]),
        (date(2026, 11, 30), []),
        (date(2027, 1, 4), []),  # starts next month: a joiner may be paired already
        (None, ["started_on_unknown"]),
    ],
)
def test_started_within_months(started_on: date | None, codes: list[str]) -> None:
    assert _codes(started_on, started_within_months=6) == codes


def test_no_rule_no_refusal_whatever_the_date() -> None:
    assert _codes(None) == []
    assert _codes(date(1990, 1, 1), started_within_months=None) == []


WINDOW = {"days_before": 30, "days_after": 90}


@pytest.mark.parametrize(
    ("returns_on", "codes"),
    [
        (date(2027, 1, 3), []),  # 30 days ahead: the window has just opened
        (date(2027, 1, 4), ["returns_on"]),  # 31 days ahead: not yet
        (date(2026, 12, 4), []),
        (date(2026, 9, 5), []),  # 90 days ago: the last day
        (date(2026, 9, 4), ["returns_on"]),
        (None, ["returns_on_unknown"]),
    ],
)
def test_return_window(returns_on: date | None, codes: list[str]) -> None:
    assert _codes(None, returns_on, return_window=WINDOW) == codes
