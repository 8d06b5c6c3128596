"""AuditEvent: an append-only record of a change someone made, and why."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Index, String, Text, false, or_
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware


class AuditEvent(Entity, TenantAware, Base):
    """Seen by the admins of the organisations concerned and the consortium's coordinators.

    A pairing concerns two organisations (the mentor's and the mentee's), so an event names up
    to two; nobody may change or delete one (no write criteria, no UPDATE or DELETE policy).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        # An organisation's events newest first (keyset pagination); serves organisation_id.
        Index(
            "ix_audit_events_organisation_id_created_at_id", "organisation_id", "created_at", "id"
        ),
    )

    # No foreign keys: the trail outlives what it records (removing an organisation does not
    # erase the history of what was done to its data), and a bulk write is not checked twice.
    consortium_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column()
    other_organisation_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        clauses: list[ColumnElement[bool]] = [
            cls.consortium_id.in_(principal.coordinated_consortium_ids)
        ]
        if principal.sees_whole_organisation:
            clauses += [
                cls.organisation_id == principal.organisation_id,
                cls.other_organisation_id == principal.organisation_id,
            ]
        return or_(*clauses)

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        return false()  # append-only

    def owned_by(self, principal: Principal) -> bool:
        """Who may record it: anyone acting for an organisation or consortium it names."""
        return principal.organisation_id is not None and (
            principal.organisation_id in (self.organisation_id, self.other_organisation_id)
            or self.consortium_id in principal.coordinated_consortium_ids
        )
