"""CalendarFeed: the secret token of a person's feed URL.

The token is looked up by its SHA-256 (unique index), and kept encrypted so GET
/api/v1/me/calendar can show the URL again; rotating replaces both, and the old URL is gone.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import Base, Entity
from consortium.core.security import ENCRYPTED
from consortium.core.tenancy import OrganisationOwned, Principal


class CalendarFeed(Entity, OrganisationOwned, Base):
    __tablename__ = "calendar_feeds"
    __table_args__ = (
        Index("uq_calendar_feeds_person_id", "person_id", unique=True),
        Index("uq_calendar_feeds_token_hash", "token_hash", unique=True),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    token_encrypted: Mapped[str] = mapped_column(String(500), info={ENCRYPTED: True})
    rotated_at: Mapped[datetime | None]

    # The person's own, like the RLS policy (person_id = app_person_id()): not even an admin
    # of their organisation may read a feed's secret.
    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.person_id is None or principal.organisation_id is None:
            return false()
        return (cls.person_id == principal.person_id) & (
            cls.organisation_id == principal.organisation_id
        )

    def owned_by(self, principal: Principal) -> bool:
        return principal.person_id is not None and (
            self.person_id == principal.person_id
            and self.organisation_id == principal.organisation_id
        )
