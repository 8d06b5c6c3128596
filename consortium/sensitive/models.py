"""Self-declared special-category attributes (encrypted) and the consents to use them.

Both are visible to the person alone: not their organisation's admins, not coordinators, not
the platform's API. Aggregate reports read them explicitly across tenants and publish only
counts, with small numbers suppressed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.security import ENCRYPTED
from consortium.core.tenancy import Principal, TenantAware

CONSENT_PURPOSES = ("positive_action_eligibility",)


class _PersonPrivate(TenantAware):
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.person_id is None:
            return false()
        return cls.person_id == principal.person_id

    def owned_by(self, principal: Principal) -> bool:
        return principal.person_id is not None and self.person_id == principal.person_id


class SensitiveAttributes(Entity, _PersonPrivate, Base):
    """One row per person: their declared attributes, as Fernet ciphertext of a JSON object."""

    __tablename__ = "sensitive_attributes"

    ciphertext: Mapped[str] = mapped_column(Text, info={ENCRYPTED: True})


class Consent(Entity, _PersonPrivate, Base):
    """A person's explicit consent to one use of their attributes, for one programme."""

    __tablename__ = "consents"
    __table_args__ = (
        # A person's consents newest first (keyset pagination).
        Index("ix_consents_person_id_given_at_id", "person_id", "given_at", "id"),
        # At most one valid consent per use: concurrent identical requests record one.
        Index(
            "uq_consents_person_id_programme_id_attribute_valid",
            "person_id",
            "programme_id",
            "purpose",
            "attribute",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
            sqlite_where=text("withdrawn_at IS NULL"),
        ),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(64))
    # The attribute the person agreed may be used (a rule that later reads another one is not
    # covered by this consent).
    attribute: Mapped[str] = mapped_column(String(64))
    # The words the person agreed to, as shown to them.
    statement: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
