"""A mentor profile's availability: rules, exceptions, and busy blocks from an ICS feed.

Every row belongs to the profile's organisation (its tenant). Who else may read a profile's
availability follows who may see the profile: the service checks that first, then reads these
rows for that one profile explicitly (shared on purpose, like the profile's public fields).
Busy blocks never leave the service: others see only the slots they remove.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consortium.availability.recurrence import DEFAULT_TIMEZONE
from consortium.core.db import Base, Entity
from consortium.core.security import ENCRYPTED
from consortium.core.tenancy import OrganisationOwned

FEED_STATUSES = ("pending", "ok", "failed")


class _ProfileOwned(OrganisationOwned):
    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )


class AvailabilityRule(Entity, _ProfileOwned, Base):
    """A recurring window: from `dtstart` (local wall-clock time in `timezone`) for
    `duration_minutes`, repeated by `rrule` (RFC 5545 RRULE; none: once)."""

    __tablename__ = "availability_rules"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    dtstart: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    duration_minutes: Mapped[int]
    rrule: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    created_by: Mapped[str] = mapped_column(String(200))


class AvailabilityException(Entity, _ProfileOwned, Base):
    """Whole local days off (leave, training) from `starts_on` to `ends_on` inclusive."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    starts_on: Mapped[date]
    ends_on: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(200))


class BusyFeed(Entity, _ProfileOwned, Base):
    """A person's own free/busy ICS URL (Outlook, Google), fetched on a schedule.

    The URL carries the calendar's secret, so it is stored encrypted and never shown again;
    `url_host` is what the API shows.
    """

    __tablename__ = "busy_feeds"
    __table_args__ = (
        CheckConstraint(f"status IN {FEED_STATUSES!r}", name="status"),
        Index("uq_busy_feeds_profile_id", "profile_id", unique=True),
    )

    url_encrypted: Mapped[str] = mapped_column(String(4000), info={ENCRYPTED: True})
    url_host: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    fetched_at: Mapped[datetime | None]
    next_fetch_at: Mapped[datetime | None] = mapped_column(index=True)
    error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(default=0)
    block_count: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(200))


class BusyBlock(Entity, _ProfileOwned, Base):
    """A busy period from the feed, in UTC; replaced wholesale on each successful fetch."""

    __tablename__ = "busy_blocks"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_busy_blocks_profile_id_starts_at", "profile_id", "starts_at"),
    )

    feed_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("busy_feeds.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
