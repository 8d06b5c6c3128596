"""MatchingRun: one background run of the matching engine over a programme."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware
from consortium.programmes.models import MATCHING_MODES


class MatchingRun(Entity, TenantAware, Base):
    """Consortium-owned: seen and started by the consortium's coordinators only.

    Its status is its job's (queued, running, succeeded, failed): the job row is the one place
    that knows whether a worker holds it. The run keeps what the job found.
    """

    __tablename__ = "matching_runs"
    __table_args__ = (
        CheckConstraint(f"mode IN {MATCHING_MODES!r}", name="mode"),
        # A programme's runs newest first (keyset pagination); serves programme_id.
        Index("ix_matching_runs_programme_id_created_at_id", "programme_id", "created_at", "id"),
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    mode: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Seconds per phase: load, candidates, score, solve, write.
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # mentees, mentors, candidate_pairs, proposed, unmatched, total_score
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # [{application_id, mentee_id, reason, candidates}] for every mentee left unmatched
    unmatched: Mapped[list[dict[str, Any]]] = mapped_column(default=list)

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if not principal.coordinated_consortium_ids:
            return false()
        return cls.consortium_id.in_(principal.coordinated_consortium_ids)

    def owned_by(self, principal: Principal) -> bool:
        return self.consortium_id in principal.coordinated_consortium_ids
