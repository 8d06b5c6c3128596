"""A mentor or coach profile: a person's offer, who it is shared with, and its vetting."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    false,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.consortia.models import ConsortiumMembership
from consortium.core.db import Base, Entity
from consortium.core.tenancy import OrganisationOwned, Principal, TenantAware

MODALITIES = (
    "mentoring",
    "reverse_mentoring",
    "coaching",
    "team_coaching",
    "shadowing_host",
    "ethical_mentoring",
    "supervision",
)
ACCREDITATION_BODIES = ("EMCC", "ICF", "AC", "other")
# One scale across bodies, so a programme can ask for "at least practitioner": EMCC and AC
# levels by name; ICF's credentials placed where the bodies' own comparisons put them.
LEVEL_RANKS = {
    "foundation": 1,
    "practitioner": 2,
    "senior_practitioner": 3,
    "master_practitioner": 4,
}
ICF_RANKS = {"ACC": 2, "PCC": 3, "MCC": 4}
LEVELS_BY_BODY: dict[str, dict[str, int]] = {
    "EMCC": LEVEL_RANKS,
    "AC": LEVEL_RANKS,
    "other": LEVEL_RANKS,
    "ICF": ICF_RANKS,
}
VETTING_STATUSES = ("pending", "approved", "suspended")
SHARING_SCOPES = ("organisation", "consortium", "organisations")
PROFILE_STATUSES = ("active", "paused")
PAUSE_REASONS = ("requested", "vetting_expired")
CPD_KINDS = ("supervision", "training", "reflection")


class MentorProfile(Entity, TenantAware, Base):
    """Owned by the mentor's organisation; seen elsewhere only once released and shared."""

    __tablename__ = "mentor_profiles"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 10", name="capacity"),
        CheckConstraint(f"vetting_status IN {VETTING_STATUSES!r}", name="vetting_status"),
        CheckConstraint(f"sharing_scope IN {SHARING_SCOPES!r}", name="sharing_scope"),
        CheckConstraint(f"status IN {PROFILE_STATUSES!r}", name="status"),
        # An organisation's profiles in the list's order (keyset pagination); serves
        # organisation_id.
        Index(
            "ix_mentor_profiles_organisation_id_created_at_id",
            "organisation_id",
            "created_at",
            "id",
        ),
        # The target of matches' composite key (a pairing's mentor copies agree with this).
        UniqueConstraint("id", "person_id", "organisation_id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    modalities: Mapped[list[str]] = mapped_column(default=list)
    topics: Mapped[list[str]] = mapped_column(default=list)
    bio: Mapped[str] = mapped_column(Text, default="")
    accreditation_body: Mapped[str | None] = mapped_column(String(8))
    accreditation_level: Mapped[str | None] = mapped_column(String(32))
    accreditation_rank: Mapped[int | None]
    capacity: Mapped[int]
    # Pairings proposed, approved or active (kept by pool.care.recount_load): what the
    # capacity filter compares against, since other tenants' matches are not visible here.
    active_load: Mapped[int] = mapped_column(default=0)
    vetting_status: Mapped[str] = mapped_column(String(16), default="pending")
    vetting_expires_on: Mapped[date | None]
    vetting_note: Mapped[str | None] = mapped_column(Text)
    vetting_decided_by: Mapped[str | None] = mapped_column(String(200))
    vetting_decided_at: Mapped[datetime | None]
    sharing_scope: Mapped[str] = mapped_column(String(16), default="organisation")
    # The employer's approval to lend this person's time beyond the organisation.
    released_at: Mapped[datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    paused_reason: Mapped[str | None] = mapped_column(String(32))

    @classmethod
    def released_to_consortia(cls, consortium_ids: Iterable[uuid.UUID]) -> ColumnElement[bool]:
        """Released and shared with the consortium, whose organisation is in one of these."""
        consortium_ids = list(consortium_ids)
        if not consortium_ids:
            return false()
        return and_(
            cls.released_at.is_not(None),
            cls.sharing_scope == "consortium",
            exists().where(
                ConsortiumMembership.organisation_id == cls.organisation_id,
                ConsortiumMembership.consortium_id.in_(consortium_ids),
            ),
        )

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        named_me = and_(
            cls.released_at.is_not(None),
            cls.sharing_scope == "organisations",
            exists().where(
                MentorProfileShare.profile_id == cls.id,
                MentorProfileShare.organisation_id == principal.organisation_id,
            ),
        )
        return or_(
            cls.organisation_id == principal.organisation_id,
            cls.released_to_consortia(principal.consortium_ids),
            named_me,
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


class MentorProfileShare(Entity, TenantAware, Base):
    """One organisation a profile with sharing scope "organisations" is shared with."""

    __tablename__ = "mentor_profile_shares"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    # The profile's organisation, repeated so the RLS policy needs no join (a policy that read
    # mentor_profiles would recurse: that table's policy reads this one).
    owner_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        return or_(
            cls.owner_organisation_id == principal.organisation_id,
            cls.organisation_id == principal.organisation_id,
        )

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        return cls.owner_organisation_id == principal.organisation_id

    def owned_by(self, principal: Principal) -> bool:
        return principal.organisation_id is not None and (
            self.owner_organisation_id == principal.organisation_id
        )


class VettingDecision(Entity, OrganisationOwned, Base):
    """The history of a profile's vetting: who decided what, when, with their note."""

    __tablename__ = "vetting_decisions"
    __table_args__ = (CheckConstraint(f"status IN {VETTING_STATUSES!r}", name="status"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    expires_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_by_id: Mapped[uuid.UUID | None]


class CpdEntry(Entity, OrganisationOwned, Base):
    """Supervision, training or reflection logged by a mentor (owned by their organisation)."""

    __tablename__ = "cpd_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN {CPD_KINDS!r}", name="kind"),
        CheckConstraint("hours > 0 AND hours <= 24", name="hours"),
        # A mentor's log most recent first (keyset pagination); serves profile_id.
        Index(
            "ix_cpd_entries_profile_id_held_on_created_at_id",
            "profile_id",
            "held_on",
            "created_at",
            "id",
        ),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE")
    )
    held_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    hours: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
