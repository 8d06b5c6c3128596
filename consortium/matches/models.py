"""Match (a pairing) and the sessions a pair holds.

Only the columns the pool's care figures need live here yet: a mentor's load and recent
sessions. The matching engine and booking grow these tables.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, false, or_
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware

MATCH_STATUSES = (
    "proposed",
    "approved",
    "active",
    "completed",
    "rejected",
    "declined",
    "closed",
)
# The statuses that take one of the mentor's places (their capacity).
LOAD_STATUSES = ("proposed", "approved", "active")
SESSION_STATUSES = ("scheduled", "held", "cancelled", "no_show")


class _PairOwned(TenantAware):
    """Seen by the mentor's and the mentee's organisations and the consortium's coordinators."""

    consortium_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    mentor_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    mentee_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        return or_(
            cls.mentor_organisation_id == principal.organisation_id,
            cls.mentee_organisation_id == principal.organisation_id,
            cls.consortium_id.in_(principal.coordinated_consortium_ids),
        )

    def owned_by(self, principal: Principal) -> bool:
        return principal.organisation_id is not None and (
            principal.organisation_id in (self.mentor_organisation_id, self.mentee_organisation_id)
            or self.consortium_id in principal.coordinated_consortium_ids
        )


class Match(Entity, _PairOwned, Base):
    __tablename__ = "matches"
    __table_args__ = (CheckConstraint(f"status IN {MATCH_STATUSES!r}", name="status"),)

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    mentor_profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    mentee_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="proposed")


class MentoringSession(Entity, _PairOwned, Base):
    __tablename__ = "mentoring_sessions"
    __table_args__ = (
        CheckConstraint(f"status IN {SESSION_STATUSES!r}", name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    mentor_profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
