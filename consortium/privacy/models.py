"""PersonalExport: a person's subject access bundle, encrypted at rest, theirs alone."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Text, false
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.security import ENCRYPTED
from consortium.core.tenancy import Principal, TenantAware


class PersonalExport(Entity, TenantAware, Base):
    """One subject access request. Like special-category data it is visible to the person
    alone (not their admins: the bundle holds their declared attributes too)."""

    __tablename__ = "personal_exports"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    # The zip, base64 then Fernet: what the bundle holds is the person's whole record.
    bundle_encrypted: Mapped[str | None] = mapped_column(Text, info={ENCRYPTED: True})

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.person_id is None:
            return false()
        return cls.person_id == principal.person_id

    def owned_by(self, principal: Principal) -> bool:
        return principal.person_id is not None and self.person_id == principal.person_id
