"""Person: a member of staff of exactly one organisation."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from consortium.core.db import Base, Entity
from consortium.core.tenancy import OrganisationOwned

PERSON_STATUSES = ("active", "inactive")


class Person(Entity, OrganisationOwned, Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("organisation_id", "email"),
        UniqueConstraint("organisation_id", "external_id"),
        CheckConstraint("seniority BETWEEN 1 AND 9", name="seniority"),
        CheckConstraint(f"status IN {PERSON_STATUSES!r}", name="status"),
        # The staff list's order within an organisation (keyset pagination, core.pagination).
        Index("ix_people_organisation_id_created_at_id", "organisation_id", "created_at", "id"),
    )

    # No plain index: the unique (organisation_id, email) one serves organisation lookups, and a
    # plain one misleads the planner while a big import is uncommitted (statistics say empty).
    @declared_attr
    def organisation_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))

    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    # Stored lower-cased so uniqueness per organisation is case-insensitive.
    email: Mapped[str] = mapped_column(String(254))
    job_title: Mapped[str | None] = mapped_column(String(200))
    profession: Mapped[str | None] = mapped_column(String(100))
    seniority: Mapped[int | None]
    # When they started in the organisation (graduate / new-starter programmes read it).
    started_on: Mapped[date | None]
    # When they return (or returned) from a long absence: return-to-work programmes read it.
    returns_on: Mapped[date | None]
    line_manager_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    # A nurse's preceptor and a clinician's clinical supervisor (colleagues): like a line
    # manager, never proposed as their mentor.
    preceptor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    clinical_supervisor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    external_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Set when an HR system deletes the person through SCIM: kept (history), but deactivated
    # and no longer a SCIM resource. Re-provisioning the same userName clears it.
    deprovisioned_at: Mapped[datetime | None]

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
