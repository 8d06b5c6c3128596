"""A request to a line manager (or the organisation's admins) to approve a report's time."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from consortium.core.db import Base, Entity
from consortium.core.tenancy import OrganisationOwned

TIME_APPROVAL_STATUSES = ("pending", "approved", "declined", "withdrawn")
# Who is asked: the mentee's line manager, or, when they have none, their organisation's
# admins (the sponsor who releases staff time in the first place).
APPROVER_KINDS = ("line_manager", "organisation_admins")


class TimeApproval(Entity, OrganisationOwned, Base):
    """Owned by the mentee's organisation (the manager works there too); one per application."""

    __tablename__ = "time_approvals"
    __table_args__ = (
        CheckConstraint(f"status IN {TIME_APPROVAL_STATUSES!r}", name="status"),
        CheckConstraint(f"approver_kind IN {APPROVER_KINDS!r}", name="approver_kind"),
        # An organisation's requests in the list's order (keyset pagination).
        Index(
            "ix_time_approvals_organisation_id_created_at_id", "organisation_id", "created_at", "id"
        ),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    approver_kind: Mapped[str] = mapped_column(String(32))
    # The line manager asked; None when the organisation's admins are.
    approver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
