"""What junior mentors write about their senior mentees' organisations, and what is published.

`InsightEntry` is a pending contribution: its author's alone (nobody else reads it, through
any endpoint or role; row-level security says so too). Publishing a round copies the entries
of every group that has enough distinct authors into an `InsightGroup` (frozen: no author, no
timestamp of its own, comments in a canonical order) and deletes those entries, so once
published nothing in the database links a text to its writer.
"""

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
    and_,
    false,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware

# The fixed themes a mentor writes about; free text and a sentiment go with each.
THEMES = ("inclusion", "culture", "processes", "technology", "leadership", "communication")
# The fewest distinct people a published group holds (k-anonymity); the database checks it.
K = 3


class InsightEntry(Entity, TenantAware, Base):
    """A junior mentor's pending feedback about their senior mentee's organisation."""

    __tablename__ = "insight_entries"
    __table_args__ = (
        CheckConstraint(f"theme IN {THEMES!r}", name="theme"),
        CheckConstraint("sentiment BETWEEN 1 AND 5", name="sentiment"),
        # One voice per person per group: a group's contributor count is its entry count.
        UniqueConstraint("author_person_id", "programme_id", "mentee_organisation_id", "theme"),
        # Publishing reads a programme's pending entries.
        Index("ix_insight_entries_programme_id", "programme_id"),
    )

    consortium_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    # The author's employer (the tenant) and the author; erasing the person removes the entry.
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    author_person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    mentee_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    theme: Mapped[str] = mapped_column(String(32))
    sentiment: Mapped[int]
    comment: Mapped[str] = mapped_column(Text)

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """Its author only (mirrored by RLS): not their admins, not coordinators."""
        if principal.person_id is None or principal.organisation_id is None:
            return false()
        return and_(
            cls.organisation_id == principal.organisation_id,
            cls.author_person_id == principal.person_id,
        )

    def owned_by(self, principal: Principal) -> bool:
        return (
            principal.person_id is not None
            and self.author_person_id == principal.person_id
            and self.organisation_id == principal.organisation_id
        )


class InsightRound(Entity, TenantAware, Base):
    """A published round of a programme's feedback: numbered, frozen once written."""

    __tablename__ = "insight_rounds"
    __table_args__ = (UniqueConstraint("programme_id", "number"),)

    consortium_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    number: Mapped[int]
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime]

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


class InsightGroup(Entity, TenantAware, Base):
    """One published group: a round's feedback about one mentee organisation on one theme,
    from at least K distinct people. Names nobody; comments sorted, not in writing order."""

    __tablename__ = "insight_groups"
    __table_args__ = (
        CheckConstraint(f"theme IN {THEMES!r}", name="theme"),
        CheckConstraint(f"contributors >= {K}", name="k_anonymous"),
        UniqueConstraint("round_id", "mentee_organisation_id", "theme"),
        Index("ix_insight_groups_programme_id", "programme_id"),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insight_rounds.id", ondelete="CASCADE"))
    consortium_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    # The organisation the feedback is about (the tenant whose sponsors read it).
    mentee_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    theme: Mapped[str] = mapped_column(String(32))
    contributors: Mapped[int]
    # How many gave each sentiment, 1 to 5: {"1": n, ..., "5": n}.
    sentiments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    comments: Mapped[list[str]] = mapped_column(default=list)

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """The consortium's coordinators and the mentee organisation's admins (RLS mirrors
        the organisation boundary; that its other staff see nothing is this criteria's)."""
        if principal.organisation_id is None:
            return false()
        clauses: list[ColumnElement[bool]] = [
            cls.consortium_id.in_(principal.coordinated_consortium_ids)
        ]
        if "org_admin" in principal.roles:
            clauses.append(cls.mentee_organisation_id == principal.organisation_id)
        return or_(*clauses)

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        return cls.consortium_id.in_(principal.coordinated_consortium_ids)

    def owned_by(self, principal: Principal) -> bool:
        return self.consortium_id in principal.coordinated_consortium_ids
