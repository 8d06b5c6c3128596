"""ReciprocityEntry: the hours one held session gave from the mentor's employer to the mentee's.

Append-only (the policy allows SELECT and INSERT only) and about organisations, not people:
it names no person, so erasing one leaves the ledger's hours as they were.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, false, or_
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware


class ReciprocityEntry(Entity, TenantAware, Base):
    __tablename__ = "reciprocity_entries"
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes"),
        CheckConstraint("giver_organisation_id <> receiver_organisation_id", name="two_sides"),
        # The ledger of a consortium over a period.
        Index("ix_reciprocity_entries_consortium_id_held_at", "consortium_id", "held_at"),
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    giver_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    receiver_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # The session it books, once (no foreign key: the hours outlive the session's deletion).
    session_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    minutes: Mapped[int]
    held_at: Mapped[datetime]

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """Either side's organisation and the consortium's coordinators (mirrored by RLS)."""
        if principal.organisation_id is None:
            return false()
        return or_(
            cls.giver_organisation_id == principal.organisation_id,
            cls.receiver_organisation_id == principal.organisation_id,
            cls.consortium_id.in_(principal.coordinated_consortium_ids),
        )

    def owned_by(self, principal: Principal) -> bool:
        return principal.organisation_id is not None and (
            principal.organisation_id in (self.giver_organisation_id, self.receiver_organisation_id)
            or self.consortium_id in principal.coordinated_consortium_ids
        )
