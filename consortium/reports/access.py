"""Who may read a consortium's reports, and how much of them (the reciprocity ledger's rule).

The consortium's coordinators (and the platform) see everything; an admin or an API client of
a member organisation sees the consortium's aggregates and its own organisation in full, with
other employers' small numbers suppressed; the member's other staff get 403; anyone else is
told there is no such consortium.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from consortium.consortia.models import Consortium
from consortium.core import tenancy
from consortium.core.errors import Forbidden, NotFound
from consortium.extensions import db

# A cell that would count fewer people than this of another employer shows SUPPRESSED.
SMALL_NUMBER = 5
SUPPRESSED = "<5"
FULL = "full"


@dataclass(frozen=True)
class Viewer:
    """What a report shows its reader: everything (`full`), or `organisation_id`'s view."""

    full: bool
    organisation_id: uuid.UUID | None = None

    @property
    def key(self) -> str:
        """The view as text (kept with a build, so only a reader of the same view fetches it)."""
        return FULL if self.full else str(self.organisation_id)

    @classmethod
    def from_key(cls, key: str) -> Viewer:
        return cls(full=True) if key == FULL else cls(full=False, organisation_id=uuid.UUID(key))

    def covers(self, other: Viewer) -> bool:
        """Whether this reader may see what `other` saw (a build made by someone else)."""
        return self.full or other == self

    def sees(self, *organisation_ids: uuid.UUID | None) -> bool:
        """Whether a cell about these organisations is shown in full (its own, or everything)."""
        return self.full or self.organisation_id in organisation_ids

    def count(self, n: int, *organisation_ids: uuid.UUID | None) -> int | str:
        """A count of people: "<5" when it is another employer's and small (never 0)."""
        if self.sees(*organisation_ids) or n == 0 or n >= SMALL_NUMBER:
            return n
        return SUPPRESSED


def viewer_for(consortium_id: uuid.UUID) -> Viewer:
    """The caller's view of the consortium's reports, or NotFound / Forbidden."""
    principal = tenancy.current()
    full = principal.all_tenants or principal.coordinates(consortium_id)
    own = principal.organisation_id
    if not full:
        if own is None or consortium_id not in principal.consortium_ids:
            raise NotFound(f"No consortium {consortium_id}.")
        # A member's reports are its admins' (and its API clients') to read, not all its staff's.
        if principal.kind == "person" and not principal.has_scope("organisation:admin"):
            raise Forbidden(
                "Consortium reports are for member organisations' admins and the "
                "consortium's coordinators."
            )
    with tenancy.all_tenants():
        exists = db.session.scalar(select(Consortium.id).where(Consortium.id == consortium_id))
    if exists is None:
        raise NotFound(f"No consortium {consortium_id}.")
    return Viewer(full=True) if full else Viewer(full=False, organisation_id=own)
