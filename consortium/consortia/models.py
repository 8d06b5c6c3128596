"""Consortium (a group of member organisations) and its memberships."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false, or_
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware

APPROVAL_POLICIES = ("coordinator", "coordinator_and_home_org")


class Consortium(Entity, TenantAware, Base):
    __tablename__ = "consortia"
    # Server-default columns are read back when used, not RETURNed by every INSERT: code
    # (and the migration tests) that predate a column still insert rows.
    __mapper_args__ = {"eager_defaults": False}
    __table_args__ = (
        CheckConstraint(f"approval_policy IN {APPROVAL_POLICIES!r}", name="approval_policy"),
        # The list's order (keyset pagination).
        Index("ix_consortia_name_id", "name", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    approval_policy: Mapped[str] = mapped_column(String(32), default="coordinator")
    # Coach care: past these a mentor is flagged as fatigued and gets no new pairings here.
    max_active_load: Mapped[int] = mapped_column(default=6, server_default="6")
    max_sessions_90_days: Mapped[int] = mapped_column(default=24, server_default="24")
    supervision_interval_days: Mapped[int] = mapped_column(default=90, server_default="90")
    # A member's mentor profile is released to the pool only after logged mentor training.
    mentor_training_required: Mapped[bool] = mapped_column(server_default="false")
    # The matching engine's score weights (consortium.matching.scoring.DEFAULT_WEIGHTS fills
    # in what is not set).
    matching_weights: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    # Member organisations see the consortia they belong to; only the platform creates them.
    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if not principal.consortium_ids:
            return false()
        return cls.id.in_(principal.consortium_ids)

    # Only the platform (all tenants) writes consortia and memberships.
    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        return false()

    def owned_by(self, principal: Principal) -> bool:
        return False


class ConsortiumMembership(Entity, TenantAware, Base):
    __tablename__ = "consortium_memberships"
    __table_args__ = (UniqueConstraint("consortium_id", "organisation_id"),)

    consortium_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )

    # An organisation sees its own memberships and the other members of its consortia.
    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        return or_(
            cls.organisation_id == principal.organisation_id,
            cls.consortium_id.in_(principal.consortium_ids),
        )

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        return false()

    def owned_by(self, principal: Principal) -> bool:
        return False
