"""Concern: one of a pairing's two people telling the programme's coordinators something is wrong.

The row is the consortium's (its coordinators handle it), not either organisation's: neither
employer's admins, API clients or line managers see it, nor the other person of the pairing,
nor a coordinator who is one of the two. Only the person who raised it sees it besides the
coordinators (and then only its status, never the coordinators' notes).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, and_, false, or_
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware

KINDS = ("safeguarding", "conduct", "not_working")
STATUSES = ("open", "acknowledged", "resolved")
# The queue's order: what needs a coordinator first.
STATUS_ORDER = {status: rank for rank, status in enumerate(STATUSES)}
SIDES = ("mentor", "mentee")


class Concern(Entity, TenantAware, Base):
    __tablename__ = "concerns"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(f"raised_as IN {SIDES!r}", name="raised_as"),
        # A consortium's queue.
        Index(
            "ix_concerns_consortium_id_status_created_at", "consortium_id", "status", "created_at"
        ),
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    # The pairing's two people: neither sees it (but the one who raised it), even as a
    # coordinator.
    mentor_person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    raised_by_person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    raised_by_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    raised_as: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    details: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    # What the coordinators did, in order: [{action, by, at, note}] (their notes: theirs only).
    history: Mapped[list[dict[str, Any]]] = mapped_column(default=list)

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """The person who raised it, and the consortium's coordinators but the two people
        (mirrored by the RLS policy)."""
        person_id = principal.person_id
        if principal.organisation_id is None or person_id is None:
            return false()
        clauses: list[ColumnElement[bool]] = [
            and_(
                cls.raised_by_person_id == person_id,
                cls.raised_by_organisation_id == principal.organisation_id,
            )
        ]
        coordinated = principal.coordinated_consortium_ids
        if coordinated:
            clauses.append(
                and_(
                    cls.consortium_id.in_(coordinated),
                    cls.mentor_person_id != person_id,
                    cls.mentee_id != person_id,
                )
            )
        return or_(*clauses)

    def owned_by(self, principal: Principal) -> bool:
        person_id = principal.person_id
        if principal.organisation_id is None or person_id is None:
            return False
        if (
            self.raised_by_person_id == person_id
            and self.raised_by_organisation_id == principal.organisation_id
        ):
            return True
        return self.consortium_id in principal.coordinated_consortium_ids and person_id not in (
            self.mentor_person_id,
            self.mentee_id,
        )
