"""Feedback on held sessions and evaluations at the end of a pairing.

Who sees what (row-level security holds the same at the person level):
- session feedback: its author always; the other person of the pair when the author chose
  `pair`; the consortium's coordinators when the author chose `coordinator`. Nobody else —
  not the organisations' admins, not coordinators for `pair` feedback;
- a pairing evaluation: its author and the consortium's coordinators.
The programme report reads both across tenants on purpose, and shows only suppressed
aggregates (consortium.evaluation.suppression).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, false, or_
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal
from consortium.matches.models import PairVisible

VISIBILITIES = ("pair", "coordinator")
ROLES = ("mentor", "mentee")
GOAL_OUTCOMES = ("met", "partly", "not")


class _Authored(PairVisible):
    """A row one of the pair's two people wrote about their pairing."""

    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    author_person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    # mentor | mentee: the author's side in the pairing.
    author_role: Mapped[str] = mapped_column(String(8))

    def owned_by(self, principal: Principal) -> bool:
        return principal.person_id is not None and self.author_person_id == principal.person_id


class SessionFeedback(Entity, _Authored, Base):
    """A rating (1-5) and a comment on a held session, one per person per session."""

    __tablename__ = "session_feedback"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint(f"visibility IN {VISIBILITIES!r}", name="visibility"),
        CheckConstraint(f"author_role IN {ROLES!r}", name="author_role"),
        Index(
            "uq_session_feedback_session_id_author_person_id",
            "session_id",
            "author_person_id",
            unique=True,
        ),
        # A programme's coordinator-visible feedback, oldest first (keyset pagination).
        Index("ix_session_feedback_programme_id_created_at_id", "programme_id", "created_at", "id"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16))

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """The author; the other person for `pair`; the coordinators for `coordinator`."""
        clauses: list[ColumnElement[bool]] = []
        if principal.person_id is not None:
            clauses += [
                cls.author_person_id == principal.person_id,
                (cls.visibility == "pair")
                & or_(
                    cls.mentee_id == principal.person_id,
                    cls.mentor_person_id == principal.person_id,
                ),
            ]
        coordinated = principal.coordinated_consortium_ids
        if coordinated:
            clauses.append((cls.visibility == "coordinator") & cls.consortium_id.in_(coordinated))
        return or_(*clauses) if clauses else false()

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.person_id is None:
            return false()
        return cls.author_person_id == principal.person_id


class PairingEvaluation(Entity, _Authored, Base):
    """One person's evaluation of their pairing once it ended, after the EMCC's International
    Standards for Mentoring and Coaching Programmes (ISMCP): how far each goal was met, what
    changed, whether they would recommend it, and the time they gave."""

    __tablename__ = "pairing_evaluations"
    __table_args__ = (
        CheckConstraint("overall_rating BETWEEN 1 AND 5", name="overall_rating"),
        CheckConstraint("hours_given >= 0", name="hours_given"),
        CheckConstraint(f"author_role IN {ROLES!r}", name="author_role"),
        Index(
            "uq_pairing_evaluations_match_id_author_person_id",
            "match_id",
            "author_person_id",
            unique=True,
        ),
    )

    # [{goal_id, description, rating (1-5 or null), outcome: met | partly | not}], in the
    # pairing's goal order.
    goals: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    what_changed: Mapped[str] = mapped_column(Text, default="")
    would_recommend: Mapped[bool]
    hours_given: Mapped[float] = mapped_column(Float)
    overall_rating: Mapped[int]

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """The author and the consortium's coordinators."""
        clauses: list[ColumnElement[bool]] = []
        if principal.person_id is not None:
            clauses.append(cls.author_person_id == principal.person_id)
        coordinated = principal.coordinated_consortium_ids
        if coordinated:
            clauses.append(cls.consortium_id.in_(coordinated))
        return or_(*clauses) if clauses else false()

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.person_id is None:
            return false()
        return cls.author_person_id == principal.person_id
