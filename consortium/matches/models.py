"""Match (a pairing): who sees it, and the goals it carries.

A match is proposed by a matching run or by hand, approved by the consortium's coordinator
(and, under two-key approval, the mentor's home organisation), then accepted by both people.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    false,
    or_,
    text,
)
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
# The statuses that take one of the mentor's places (their capacity); also "live": a mentee
# has at most one live pairing per programme.
LOAD_STATUSES = ("proposed", "approved", "active")
# A pair that ended this way is never proposed again.
REFUSED_STATUSES = ("rejected", "declined")
ORIGINS = ("run", "manual")


class PairOwned(TenantAware):
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


class PairVisible(PairOwned):
    """A pairing's row seen by its two people, their organisations' admins (and clients) and
    the consortium's coordinators. Carries both people so no join is needed to decide."""

    mentee_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    mentor_person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """The two people, their organisations' admins (and clients), the coordinators.

        Row-level security enforces the organisation boundary; that a colleague who is neither
        party nor admin sees nothing is this criteria's job.
        """
        if principal.organisation_id is None:
            return false()
        clauses: list[ColumnElement[bool]] = [
            cls.consortium_id.in_(principal.coordinated_consortium_ids)
        ]
        if principal.sees_whole_organisation:
            clauses += [
                cls.mentor_organisation_id == principal.organisation_id,
                cls.mentee_organisation_id == principal.organisation_id,
            ]
        if principal.person_id is not None:
            clauses += [
                cls.mentee_id == principal.person_id,
                cls.mentor_person_id == principal.person_id,
            ]
        return or_(*clauses)


class Match(Entity, PairVisible, Base):
    __tablename__ = "matches"
    __table_args__ = (
        CheckConstraint(f"status IN {MATCH_STATUSES!r}", name="status"),
        CheckConstraint(f"origin IN {ORIGINS!r}", name="origin"),
        # One live pairing per mentee per programme: a retried run cannot propose twice.
        Index(
            "uq_matches_programme_id_mentee_id_live",
            "programme_id",
            "mentee_id",
            unique=True,
            postgresql_where=text(f"status IN {LOAD_STATUSES!r}"),
            sqlite_where=text(f"status IN {LOAD_STATUSES!r}"),
        ),
        # A programme's pairings in the list's order (keyset pagination); serves programme_id.
        Index("ix_matches_programme_id_created_at_id", "programme_id", "created_at", "id"),
        # The consortium and the mentor's person and organisation are copies that row-level
        # security reads: each composite key checks them against their source row (the
        # programme, the profile), one check per row where separate keys made five.
        ForeignKeyConstraint(
            ["programme_id", "consortium_id"],
            ["programmes.id", "programmes.consortium_id"],
            ondelete="CASCADE",
            name="fk_matches_programme_in_consortium",
        ),
        ForeignKeyConstraint(
            ["mentor_profile_id", "mentor_person_id", "mentor_organisation_id"],
            ["mentor_profiles.id", "mentor_profiles.person_id", "mentor_profiles.organisation_id"],
            ondelete="CASCADE",
            name="fk_matches_mentor_of_profile",
        ),
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(index=True)
    programme_id: Mapped[uuid.UUID] = mapped_column()
    mentor_profile_id: Mapped[uuid.UUID] = mapped_column(index=True)
    mentor_person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    mentor_organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    matching_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("matching_runs.id", ondelete="SET NULL"), index=True
    )
    origin: Mapped[str] = mapped_column(String(8), default="run", server_default="run")
    score: Mapped[float | None] = mapped_column(Float)
    # {term: weighted contribution}, and the top reasons in plain words.
    score_parts: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    reasons: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    proposed_by: Mapped[str | None] = mapped_column(String(200))
    # A hand-made proposal that breaks hard constraints names them and says why.
    overridden: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    override_reason: Mapped[str | None] = mapped_column(Text)
    coordinator_approved_by: Mapped[str | None] = mapped_column(String(200))
    coordinator_approved_at: Mapped[datetime | None]
    home_org_approved_by: Mapped[str | None] = mapped_column(String(200))
    home_org_approved_at: Mapped[datetime | None]
    mentor_accepted_at: Mapped[datetime | None]
    mentee_accepted_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    # Why and by whom it was rejected, declined or closed.
    ended_by: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(Text)
    # Ended by one of the two people (or a coordinator's rematch) with no fault: who and why
    # are the coordinators' only (the reason, if any, is private to them), and the pair is
    # never proposed again.
    no_fault: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Paused by the coordinators (acting on a concern): no new sessions are booked until
    # they resume it; it still holds the mentor's place.
    paused_at: Mapped[datetime | None]
    # When the pair was last nudged for not meeting within the programme's cadence.
    nudged_at: Mapped[datetime | None]


class MatchGoal(Entity, PairVisible, Base):
    """A goal of the mentee's application, carried into the pairing when it becomes active
    and revisited at each session (sessions.models.GoalReview)."""

    __tablename__ = "match_goals"
    __table_args__ = (
        Index("uq_match_goals_match_id_position", "match_id", "position", unique=True),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    # How the mentee will know it is met.
    measure: Mapped[str] = mapped_column(Text, default="")
    # The latest progress rating (1-5) from a session's review, for listing without a join.
    latest_rating: Mapped[int | None]
