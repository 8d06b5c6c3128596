"""A pair's sessions and what they write about them.

Double booking is refused by the database, not only by Python: every session holds one
SessionAttendee row per person (mentor and mentee), and no two live attendee rows of the same
person may overlap in time — on PostgreSQL an exclusion constraint over
(person_id =, tstzrange(starts_at, ends_at) &&), on SQLite a trigger. One row per person, not a
constraint on the session's two columns, because the same person may mentor in one pairing and
be mentored in another.

Who sees what:
- a session, its attendees and goal reviews: whoever sees the pairing (PairVisible);
- notes and follow-up actions: the pair's two people only; a private note its author only —
  never an admin or a coordinator (row-level security holds that at the person level too).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false, or_, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal
from consortium.matches.models import PairOwned, PairVisible

SESSION_STATUSES = ("scheduled", "held", "cancelled", "no_show")
MODES = ("in_person", "virtual")
ROLES = ("mentor", "mentee")
NOTE_KINDS = ("prep", "shared", "private")
# The name the database gives an overlap refusal (PostgreSQL constraint, SQLite trigger).
OVERLAP = "ex_session_attendees_overlap"


class _PairMatch(PairVisible):
    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )


class MentoringSession(Entity, _PairMatch, Base):
    __tablename__ = "mentoring_sessions"
    __table_args__ = (
        CheckConstraint(f"status IN {SESSION_STATUSES!r}", name="status"),
        CheckConstraint(f"mode IN {MODES!r}", name="mode"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # A pairing's sessions earliest first (keyset pagination).
        Index("ix_mentoring_sessions_match_id_starts_at_id", "match_id", "starts_at", "id"),
    )

    mentor_profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    mode: Mapped[str] = mapped_column(String(16), default="virtual", server_default="virtual")
    location: Mapped[str | None] = mapped_column(String(500))
    # RFC 5545 SEQUENCE: bumped on every change a calendar must pick up.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    booked_by: Mapped[str | None] = mapped_column(String(200))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(200))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Cancelled within the programme's notice period before the start.
    late_cancellation: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Who did not come, for a no_show: mentor | mentee.
    absent: Mapped[str | None] = mapped_column(String(8))
    attendance_marked_by: Mapped[str | None] = mapped_column(String(200))
    reminded_at: Mapped[datetime | None]


class SessionAttendee(Entity, PairOwned, Base):
    """A person's time taken by a session: the rows the overlap constraint compares."""

    __tablename__ = "session_attendees"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("uq_session_attendees_session_id_role", "session_id", "role", unique=True),
        Index("ix_session_attendees_person_id_starts_at", "person_id", "starts_at"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="CASCADE")
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # False once the session is cancelled: its time is free again.
    live: Mapped[bool] = mapped_column(default=True, server_default=text("true"))


class _PairOnly(_PairMatch):
    """Seen by the pair's two people only (notes, actions)."""

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="CASCADE"), index=True
    )

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.person_id is None:
            return false()
        return or_(
            cls.mentee_id == principal.person_id, cls.mentor_person_id == principal.person_id
        )

    def owned_by(self, principal: Principal) -> bool:
        return principal.person_id is not None and principal.person_id in (
            self.mentee_id,
            self.mentor_person_id,
        )


class SessionNote(Entity, _PairOnly, Base):
    """prep: the mentee's preparation, before the session; shared: either person, for both;
    private: the author's own, seen by nobody else."""

    __tablename__ = "session_notes"
    __table_args__ = (
        CheckConstraint(f"kind IN {NOTE_KINDS!r}", name="kind"),
        # A session's notes oldest first (keyset pagination).
        Index("ix_session_notes_session_id_created_at_id", "session_id", "created_at", "id"),
    )

    author_person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.person_id is None:
            return false()
        return or_(
            cls.author_person_id == principal.person_id,
            (cls.kind != "private") & super().tenant_criteria(principal),
        )

    def owned_by(self, principal: Principal) -> bool:
        return principal.person_id is not None and self.author_person_id == principal.person_id


class SessionAction(Entity, _PairOnly, Base):
    """A follow-up action agreed at a session: who owns it, by when, and whether it is done."""

    __tablename__ = "session_actions"
    __table_args__ = (
        # A session's actions oldest first (keyset pagination).
        Index("ix_session_actions_session_id_created_at_id", "session_id", "created_at", "id"),
    )

    description: Mapped[str] = mapped_column(Text)
    owner_person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))


class GoalReview(Entity, _PairMatch, Base):
    """A goal revisited at a session: progress rated 1 (not started) to 5 (achieved)."""

    __tablename__ = "goal_reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        Index("uq_goal_reviews_goal_id_session_id", "goal_id", "session_id", unique=True),
    )

    goal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("match_goals.id", ondelete="CASCADE"))
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(200))
