"""The special-category attributes a person may declare, and the values each takes.

Ethnicity follows the ONS 2021 census's high-level groups for England and Wales.
"""

from __future__ import annotations

from typing import Any

ETHNIC_GROUPS = ("asian", "black", "mixed", "white", "other")

# attribute → the values it takes (booleans for yes/no attributes)
ATTRIBUTES: dict[str, tuple[Any, ...]] = {
    "ethnicity": ETHNIC_GROUPS,
    "disability": (True, False),
    "returning_from_parental_leave": (True, False),
}
LABELS = {
    "ethnicity": "ethnic group",
    "disability": "disability",
    "returning_from_parental_leave": "return from parental leave",
}
