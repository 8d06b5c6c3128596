"""The special-category attributes a person may declare, and the values each takes.

Only the vocabulary lives here, below both of its users: the values people declare are held
(encrypted) by consortium.sensitive, and programmes' positive-action rules name them.

Ethnicity follows the ONS 2021 census's high-level groups for England and Wales.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ETHNIC_GROUPS = ("asian", "black", "mixed", "white", "other")

# attribute → the values it takes (booleans for yes/no attributes)
ATTRIBUTES: dict[str, tuple[Any, ...]] = {
    "ethnicity": ETHNIC_GROUPS,
    "disability": (True, False),
    "returning_from_parental_leave": (True, False),
}


def is_one_of(value: Any, candidates: Iterable[Any]) -> bool:
    """Whether `value` is among `candidates`, type included: booleans are ints in Python, and a
    1 is not a yes."""
    return any(type(value) is type(c) and value == c for c in candidates)


def is_allowed(attribute: str, value: Any) -> bool:
    """Whether `value` is one the attribute takes."""
    return is_one_of(value, ATTRIBUTES.get(attribute, ()))


LABELS = {
    "ethnicity": "ethnic group",
    "disability": "disability",
    "returning_from_parental_leave": "return from parental leave",
}
