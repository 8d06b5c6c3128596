"""Aggregate equality reports: counts of declared attributes, never a person's value.

Reading other people's attributes needs an explicit `tenancy.all_tenants()` block; inside it
the values are decrypted and tallied, and only the counts leave it. Small counts are
suppressed so that nobody can be singled out (see SUPPRESSION_RULE).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from consortium.core import tenancy
from consortium.core.errors import Forbidden
from consortium.core.security import decrypt
from consortium.extensions import db
from consortium.people.attributes import ATTRIBUTES, LABELS, is_allowed
from consortium.programmes import service as programmes
from consortium.sensitive.models import SensitiveAttributes
from consortium.sensitive.service import get_programme

THRESHOLD = 5
NOT_DECLARED = object()  # the tally key for an applicant who did not declare an attribute
SUPPRESSION_RULE = (
    f"Small numbers are suppressed: any count from 1 to {THRESHOLD - 1} is published as null "
    "with `suppressed: true`. An attribute's cells (each value, and `not_declared`) add up to "
    "`total`, so if exactly one of its cells is suppressed, the smallest of its other cells "
    "(zeros included; the first listed on a tie) is suppressed too, and the hidden count cannot "
    "be recovered by subtraction. If one value holds every applicant (everyone gave the same "
    "answer), all of that attribute's cells are suppressed: the list of "
    "applicants would otherwise tell each person's answer. Zero and counts of "
    f"{THRESHOLD} or more are otherwise published as they are."
)


def equality_report(*, programme_id: uuid.UUID) -> dict[str, Any]:
    """Counts of declared attributes across the programme's open applications, suppressed."""
    programme = get_programme(programme_id=programme_id)
    principal = tenancy.current()
    if not principal.coordinates(programme.consortium_id):
        raise Forbidden(
            f"Only the coordinators of the consortium running '{programme.name}' see its "
            "equality report."
        )
    applicants = programmes.open_applicant_ids(programme_id=programme.id)
    with tenancy.all_tenants():  # other people's attributes: only counts leave this block
        total = int(db.session.scalar(select(func.count()).select_from(applicants.subquery())) or 0)
        tallies = _tally(
            db.session.scalars(
                select(SensitiveAttributes.ciphertext).where(
                    SensitiveAttributes.person_id.in_(applicants)
                )
            ),
            total=total,
        )
    return {
        "programme_id": programme.id,
        "programme_name": programme.name,
        "total": total,
        "threshold": THRESHOLD,
        "attributes": [_published(name, tallies[name]) for name in ATTRIBUTES],
    }


def _tally(ciphertexts: Iterable[str], *, total: int) -> dict[str, Counter[Any]]:
    """Per attribute, how many applicants declared each value; the rest did not declare it."""
    tallies: dict[str, Counter[Any]] = {name: Counter() for name in ATTRIBUTES}
    for ciphertext in ciphertexts:
        values = json.loads(decrypt(ciphertext))
        for name in ATTRIBUTES:
            value = values.get(name)
            if value is not None and is_allowed(name, value):
                tallies[name][value] += 1
    for counter in tallies.values():
        counter[NOT_DECLARED] = total - sum(counter.values())
    return tallies


def suppressed_cells(counts: list[int]) -> list[bool]:
    """Which of an attribute's cells to suppress; see SUPPRESSION_RULE.

    The cells add up to the total; the last one counts those who did not declare.
    """
    total = sum(counts)
    if total and total in counts[:-1]:  # everyone gave one answer: each applicant's answer
        return [True] * len(counts)
    hidden = [0 < count < THRESHOLD for count in counts]
    if sum(hidden) == 1:
        others = [i for i, is_hidden in enumerate(hidden) if not is_hidden]
        if others:
            hidden[min(others, key=lambda i: (counts[i], i))] = True
    return hidden


def _published(name: str, counter: Counter[Any]) -> dict[str, Any]:
    keys: list[Any] = [*ATTRIBUTES[name], NOT_DECLARED]
    counts = [counter[key] for key in keys]
    hidden = suppressed_cells(counts)
    cells = [
        {"count": None if is_hidden else count, "suppressed": is_hidden}
        for count, is_hidden in zip(counts, hidden, strict=True)
    ]
    return {
        "attribute": name,
        "label": LABELS[name],
        "counts": [
            {"value": value, **cell} for value, cell in zip(ATTRIBUTES[name], cells, strict=False)
        ],
        "not_declared": cells[-1],
    }
