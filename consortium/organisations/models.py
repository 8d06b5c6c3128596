"""Organisation: one employer, the tenant."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.tenancy import Principal, TenantAware

SECTORS = ("health", "police", "fire", "local_authority", "education", "voluntary", "other")
STATUSES = ("active", "suspended")


class Organisation(Entity, TenantAware, Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(f"sector IN {SECTORS!r}", name="sector"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        # The list's order (keyset pagination).
        Index("ix_organisations_name_id", "name", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    sector: Mapped[str] = mapped_column(String(32))
    ods_code: Mapped[str | None] = mapped_column(String(10))
    email_domains: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")

    # The organisation row is its own tenant: a principal sees its own organisation.
    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        return cls.id == principal.organisation_id

    def owned_by(self, principal: Principal) -> bool:
        return self.id == principal.organisation_id and principal.organisation_id is not None

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"
