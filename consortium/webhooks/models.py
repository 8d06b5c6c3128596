"""An organisation's webhook endpoints and the deliveries made to them.

Both belong to the endpoint's organisation (its tenant): another organisation never sees them,
and an event reaches an organisation's endpoints only as that organisation may see it (see
consortium.webhooks.events). The signing secret is stored encrypted (core.security), since
every delivery must sign with it; the API shows it once, when the endpoint is created.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consortium.core.db import Base, Entity
from consortium.core.security import ENCRYPTED
from consortium.core.tenancy import OrganisationOwned

# pending: an attempt is queued; retrying: the next one is due at next_attempt_at;
# succeeded: the endpoint answered 2xx; failed: every attempt failed (the endpoint was disabled),
# or the endpoint was disabled or deleted before the delivery was made.
DELIVERY_STATUSES = ("pending", "retrying", "succeeded", "failed")


class WebhookEndpoint(Entity, OrganisationOwned, Base):
    """An https URL the organisation receives events at, and which events."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        Index(
            "ix_webhook_endpoints_organisation_id_created_at_id",
            "organisation_id",
            "created_at",
            "id",
        ),
    )

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_types: Mapped[list[str]] = mapped_column(default=list)
    secret_encrypted: Mapped[str] = mapped_column(String(500), info={ENCRYPTED: True})
    enabled: Mapped[bool] = mapped_column(default=True)
    # Why and when it stopped receiving events (retries ran out), until it is enabled again.
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))


class WebhookDelivery(Entity, OrganisationOwned, Base):
    """One event sent (or to be sent) to one endpoint, with how its attempts went.

    `body` is the exact JSON sent at every attempt; `message_id` is its `webhook-id`, the same
    for every attempt and re-delivery of the event, so a receiver can drop duplicates.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {DELIVERY_STATUSES!r}", name="status"),
        Index("ix_webhook_deliveries_endpoint_id_created_at_id", "endpoint_id", "created_at", "id"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    response_status: Mapped[int | None]
    # The last failed attempt's reason in one line (an HTTP status, a refused address, a timeout).
    error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    redelivery_of: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="SET NULL")
    )
