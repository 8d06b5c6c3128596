"""Programme (run by a consortium's coordinators) and Application (a mentee's request)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware

PROGRAMME_TYPES = (
    "mentoring",
    "reverse_mentoring",
    "coaching",
    "shadowing",
    "ethical_mentoring",
    "return_to_work",
    "career_progression",
    "board_mentoring",
    "research_fellowship",
    "team_coaching",
)
PROGRAMME_STATUSES = ("draft", "open", "matching", "running", "closed")
MATCHING_MODES = ("optimal", "stable")
SENIORITY_DIRECTIONS = ("any", "mentor_senior", "mentor_junior")
# Board mentoring's mentor seniority floor unless the coordinator sets another (or none).
BOARD_MENTOR_SENIORITY = 8
APPLICATION_STATUSES = ("open", "withdrawn")
WITHDRAWAL_REASONS = ("by_applicant", "consent_withdrawn")
# Where an application stands with the line manager's approval of protected time (None: the
# programme does not ask for it). Only "approved" (or None) may be matched.
PROTECTED_TIME_STATUSES = ("pending", "approved", "declined")


class Programme(Entity, TenantAware, Base):
    """Consortium-owned: seen by its members' staff, written by its coordinators."""

    __tablename__ = "programmes"
    # Server-default columns are read back when used, not RETURNed by every INSERT: code
    # (and the migration tests) that predate a column still insert rows.
    __mapper_args__ = {"eager_defaults": False}
    __table_args__ = (
        CheckConstraint(f"type IN {PROGRAMME_TYPES!r}", name="type"),
        CheckConstraint(f"status IN {PROGRAMME_STATUSES!r}", name="status"),
        CheckConstraint(f"matching_mode IN {MATCHING_MODES!r}", name="matching_mode"),
        CheckConstraint(
            f"seniority_direction IN {SENIORITY_DIRECTIONS!r}", name="seniority_direction"
        ),
        CheckConstraint("sessions_min BETWEEN 1 AND sessions_max", name="sessions"),
        CheckConstraint("mentor_seniority_min BETWEEN 1 AND 9", name="mentor_seniority_min"),
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("session_minutes BETWEEN 15 AND 480", name="session_minutes"),
        # A consortium's programmes in the list's order (keyset pagination); serves consortium_id.
        Index("ix_programmes_consortium_id_created_at_id", "consortium_id", "created_at", "id"),
        UniqueConstraint("id", "consortium_id"),  # the target of matches' composite key
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    cross_organisation_required: Mapped[bool] = mapped_column(default=True)
    sessions_min: Mapped[int] = mapped_column(default=3)
    sessions_max: Mapped[int] = mapped_column(default=6)
    cadence_days: Mapped[int] = mapped_column(default=30)
    min_accreditation_level: Mapped[str | None] = mapped_column(String(32))
    seniority_direction: Mapped[str] = mapped_column(String(16), default="any")
    vetting_required: Mapped[bool] = mapped_column(default=True)
    # The mentee's line manager (or, without one, their organisation's admins) must approve
    # the time before an application can be matched; session_minutes sizes the ask.
    protected_time_required: Mapped[bool] = mapped_column(server_default="false")
    session_minutes: Mapped[int] = mapped_column(server_default="60")
    # Mentor and mentee of different professions (a recorded profession on both sides).
    different_discipline_required: Mapped[bool] = mapped_column(
        default=False, server_default="false"
    )
    # Outside the mentee's immediate system: another organisation in another sector.
    outside_system_required: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Mentors of at least this seniority (board mentoring); None: no floor.
    mentor_seniority_min: Mapped[int | None]
    # {professions, seniority_min, seniority_max, organisation_ids, started_within_months,
    # positive_action}
    eligibility: Mapped[dict[str, Any]] = mapped_column(default=dict)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    matching_mode: Mapped[str] = mapped_column(String(16), default="optimal")
    created_by: Mapped[str] = mapped_column(String(200))

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if not principal.consortium_ids:
            return false()
        return cls.consortium_id.in_(principal.consortium_ids)

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        return cls.consortium_id.in_(principal.coordinated_consortium_ids)

    def owned_by(self, principal: Principal) -> bool:
        return self.consortium_id in principal.coordinated_consortium_ids


class Application(Entity, TenantAware, Base):
    """Owned by the applicant's organisation; also seen by the programme's coordinators."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(f"status IN {APPLICATION_STATUSES!r}", name="status"),
        CheckConstraint(
            f"protected_time IS NULL OR protected_time IN {PROTECTED_TIME_STATUSES!r}",
            name="protected_time",
        ),
        # One open application per person per programme; withdrawn ones stay as history.
        Index(
            "uq_applications_programme_id_person_id_open",
            "programme_id",
            "person_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        # A programme's applications in the list's order (keyset pagination); serves programme_id.
        Index("ix_applications_programme_id_created_at_id", "programme_id", "created_at", "id"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    consortium_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    goals: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    topics: Mapped[list[str]] = mapped_column(default=list)
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Ranked mentor profile ids (as text), best first.
    shortlist: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(String(32))
    protected_time: Mapped[str | None] = mapped_column(String(16))

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        return or_(
            cls.organisation_id == principal.organisation_id,
            cls.consortium_id.in_(principal.coordinated_consortium_ids),
        )

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        return cls.organisation_id == principal.organisation_id

    def owned_by(self, principal: Principal) -> bool:
        return principal.organisation_id is not None and (
            self.organisation_id == principal.organisation_id
        )
