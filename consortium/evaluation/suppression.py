"""Small numbers suppressed: no figure in a report is built from fewer than 5 people.

A cell (the whole programme, a sector, an organisation pair) shows a family of figures only
if at least MIN_PEOPLE distinct people contributed to it; otherwise every figure of the
family, counts and the means derived from them alike, reads "<5".

Hiding small cells is not enough when their parent's figure is shown: the parent minus the
shown cells is the hidden cell. So within each parent, while the hidden cells together hold
fewer than MIN_PEOPLE people, the smallest shown cell is hidden too (secondary suppression),
and a hidden parent hides all of its cells. What subtracting can then recover is only the
hidden cells taken together, and they hold at least MIN_PEOPLE people.

The breakdowns nest (organisation pairs within the mentee's sector, sectors within the
programme), so these two rules hold the whole table.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

MIN_PEOPLE = 5
SUPPRESSED = "<5"

K = TypeVar("K", bound=Hashable)


def hidden(cells: Mapping[K, frozenset[Hashable]], *, parent_shown: bool = True) -> set[K]:
    """The keys of the cells to hide, given each cell's contributors (people)."""
    if not parent_shown:
        return set(cells)
    hide = {key for key, people in cells.items() if len(people) < MIN_PEOPLE}
    while hide:
        together = frozenset().union(*(cells[key] for key in hide))
        if len(together) >= MIN_PEOPLE:
            break
        shown = [key for key in cells if key not in hide]
        if not shown:
            break
        # The smallest shown cell, ties broken by key so the same data hides the same cells.
        hide.add(min(shown, key=lambda key: (len(cells[key]), repr(key))))
    return hide
