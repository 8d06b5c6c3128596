"""Webhook endpoints, and delivering events to them (Standard Webhooks).

Who: an organisation's admins and its own API clients holding `webhooks:manage` manage its
endpoints and see their deliveries; anyone else (another organisation, a platform admin, who
has no business reading a tenant's integrations) gets 404, as for a missing one.

Delivery: an event is written as one delivery row per subscribed endpoint, with its job in the
outbox, in the transaction of the change it announces. The job makes one attempt (core.outbound's
guard: public addresses only, no redirects followed; the body signed with the endpoint's secret,
headers webhook-id, webhook-timestamp, webhook-signature). A failed attempt is retried after each
wait of WEBHOOK_RETRY_SCHEDULE (by the periodic `queue_due`); when they are used up the endpoint
is disabled, its waiting deliveries fail, and the organisation's admins are told by mail.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, select
from standardwebhooks import Webhook

from consortium.core import jobs, mail, outbound, tenancy
from consortium.core.db import utcnow
from consortium.core.errors import Conflict, Invalid, NotFound
from consortium.core.security import decrypt, encrypt
from consortium.extensions import db
from consortium.identity import roles
from consortium.webhooks.events import EVENT_TYPES, Told
from consortium.webhooks.models import WebhookDelivery, WebhookEndpoint

DELIVER_JOB = "webhooks.deliver"
MANAGE_SCOPE = "webhooks:manage"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
ENDPOINT = "The webhook endpoint"
# The most of a receiver's answer read: it is only shown, never used.
MAX_ANSWER_BYTES = 4096
DUE_PER_SWEEP = 500


# --- who may manage an organisation's endpoints ------------------------------------------------


def _require_manager(organisation_id: uuid.UUID) -> None:
    """Refuse (404, as if it did not exist) unless the caller manages this organisation's
    webhooks: one of its org admins, or its own client holding webhooks:manage. Either runs as
    the organisation, so the tenancy hook and RLS keep every read below to its rows."""
    principal = tenancy.current()
    ours = principal.organisation_id == organisation_id
    admin = principal.kind == "person" and "org_admin" in principal.roles
    client = principal.kind == "client" and MANAGE_SCOPE in principal.scopes
    if not (ours and (admin or client)):
        raise NotFound(f"No organisation {organisation_id}.")


# --- endpoints ---------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    url = url.strip()
    limits = _limits()
    try:
        host, _ = outbound.checked(url, what=ENDPOINT, https_only=limits.https_only)
    except outbound.OutboundError as exc:
        raise Invalid(str(exc), field="url") from None
    if outbound.plainly_private(host) and not limits.allow_private_networks:
        # Names are resolved (and refused if private) at every delivery; these need no lookup.
        raise Invalid("The webhook endpoint must be on the public internet.", field="url")
    return url


def _check_event_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise Invalid(
            f"Unknown event type(s): {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.",
            field="event_types",
        )
    if not event_types:
        raise Invalid("Subscribe the endpoint to at least one event type.", field="event_types")
    return sorted(set(event_types))


def new_signing_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def create_endpoint(
    *,
    organisation_id: uuid.UUID,
    url: str,
    event_types: list[str],
    description: str = "",
    enabled: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns it with its signing secret, which is never shown again."""
    _require_manager(organisation_id)
    url, event_types = _check_url(url), _check_event_types(event_types)
    secret = new_signing_secret()
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        url=url,
        description=description,
        event_types=event_types,
        secret_encrypted=encrypt(secret),
        enabled=enabled,
        created_by=tenancy.current().display,
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint, secret


def list_endpoints(*, organisation_id: uuid.UUID) -> Select[Any]:
    """The organisation's endpoints, oldest first."""
    _require_manager(organisation_id)
    return (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id == organisation_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )


def get_endpoint(*, organisation_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """One of the organisation's endpoints; 404 for anyone else's."""
    _require_manager(organisation_id)
    endpoint = db.session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.organisation_id == organisation_id
        )
    )
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {endpoint_id}.")
    return endpoint


def update_endpoint(*, endpoint: WebhookEndpoint, changes: dict[str, Any]) -> WebhookEndpoint:
    """Change an endpoint; enabling a disabled one clears why it was disabled."""
    if "url" in changes:
        changes["url"] = _check_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _check_event_types(changes["event_types"])
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if changes.get("enabled"):
        endpoint.disabled_reason = endpoint.disabled_at = None
    db.session.flush()
    return endpoint


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint with its deliveries (no more attempts are made)."""
    db.session.delete(endpoint)
    db.session.flush()


# --- deliveries as the API shows them ----------------------------------------------------------


def list_deliveries(*, endpoint: WebhookEndpoint) -> Select[Any]:
    """The endpoint's deliveries, newest first."""
    return (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )


def get_delivery(*, endpoint: WebhookEndpoint, delivery_id: uuid.UUID) -> WebhookDelivery:
    delivery = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id
        )
    )
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} to this endpoint.")
    return delivery


def redeliver(*, endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, now, as a new delivery with the same webhook-id."""
    if not endpoint.enabled:
        raise Conflict(
            "This endpoint is disabled"
            + (f" ({endpoint.disabled_reason})" if endpoint.disabled_reason else "")
            + "; enable it (PATCH enabled=true) before re-delivering to it."
        )
    again = WebhookDelivery(
        id=uuid.uuid4(),
        organisation_id=endpoint.organisation_id,
        endpoint_id=endpoint.id,
        event_type=delivery.event_type,
        message_id=delivery.message_id,
        body=delivery.body,
        status="pending",
        redelivery_of=delivery.id,
    )
    db.session.add(again)
    db.session.flush()
    jobs.enqueue(
        db.session, DELIVER_JOB, tenant_id=endpoint.organisation_id, delivery_id=str(again.id)
    )
    return again


# --- events become deliveries ------------------------------------------------------------------


def emit(event_type: str, told: Told) -> int:
    """Write a delivery (and its job) for each enabled endpoint subscribed to `event_type` of
    each organisation in `told`, with that organisation's data; returns how many.

    Called in the transaction of the change, as whoever made it: the endpoints of the other
    organisation of a pairing are read and written across tenants explicitly, here only.
    """
    assert event_type in EVENT_TYPES, event_type
    if not told:
        return 0
    timestamp = utcnow()
    written = 0
    with tenancy.all_tenants():
        endpoints = db.session.scalars(
            select(WebhookEndpoint)
            .where(
                WebhookEndpoint.organisation_id.in_(list(told)),
                WebhookEndpoint.enabled.is_(True),
            )
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        ).all()
        messages: dict[uuid.UUID, tuple[str, str]] = {}
        for endpoint in endpoints:
            if event_type not in endpoint.event_types:
                continue
            if endpoint.organisation_id not in messages:
                body = {
                    "type": event_type,
                    "timestamp": timestamp.isoformat(),
                    "data": {
                        "organisation_id": str(endpoint.organisation_id),
                        **told[endpoint.organisation_id],
                    },
                }
                messages[endpoint.organisation_id] = (
                    "msg_" + uuid.uuid4().hex,
                    json.dumps(body, separators=(",", ":"), sort_keys=True),
                )
            message_id, text = messages[endpoint.organisation_id]
            delivery = WebhookDelivery(
                id=uuid.uuid4(),
                organisation_id=endpoint.organisation_id,
                endpoint_id=endpoint.id,
                event_type=event_type,
                message_id=message_id,
                body=text,
                status="pending",
            )
            db.session.add(delivery)
            db.session.flush()
            jobs.enqueue(
                db.session,
                DELIVER_JOB,
                tenant_id=endpoint.organisation_id,
                delivery_id=str(delivery.id),
            )
            written += 1
    return written


# --- one attempt (the job) ---------------------------------------------------------------------


def _limits() -> outbound.Limits:
    settings = current_app.config["SETTINGS"]
    return outbound.Limits(
        timeout=settings.webhook_timeout,
        max_bytes=MAX_ANSWER_BYTES,
        allow_private_networks=settings.webhook_allow_private_networks,
        # Plain http for a local receiver outside production only.
        https_only=settings.is_production,
    )


def signed_headers(*, secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (the timestamp is the attempt's)."""
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def attempt(*, delivery_id: uuid.UUID) -> dict[str, Any]:
    """Make one attempt at a pending delivery and record it (runs as its organisation)."""
    delivery = db.session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    )
    if delivery is None:
        return {"delivery_id": str(delivery_id), "skipped": "the delivery no longer exists"}
    if delivery.status != "pending":
        return {"delivery_id": str(delivery_id), "skipped": f"the delivery is {delivery.status}"}
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint is not None  # deliveries go with their endpoint
    if not endpoint.enabled:
        delivery.status, delivery.next_attempt_at = "failed", None
        delivery.error = "The endpoint was disabled before this delivery was made."
        return {"delivery_id": str(delivery_id), "status": delivery.status}
    now = utcnow()
    headers = signed_headers(
        secret=decrypt(endpoint.secret_encrypted),
        message_id=delivery.message_id,
        body=delivery.body,
        at=now,
    )
    response_status: int | None = None
    try:
        answer = outbound.request(
            "POST",
            endpoint.url,
            _limits(),
            what=ENDPOINT,
            headers=headers,
            body=delivery.body.encode(),
            cut_body=True,
        )
        response_status = answer.status
        error = None if 200 <= answer.status < 300 else f"{ENDPOINT} answered HTTP {answer.status}."
    except outbound.OutboundError as exc:
        error = str(exc)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.response_status = now, response_status
    if error is None:
        delivery.status, delivery.delivered_at = "succeeded", now
        delivery.error = delivery.next_attempt_at = None
    else:
        delivery.error = error[:2000]
        schedule = current_app.config["SETTINGS"].webhook_retry_schedule
        if delivery.attempts <= len(schedule):
            delivery.status = "retrying"
            delivery.next_attempt_at = now + timedelta(seconds=schedule[delivery.attempts - 1])
        else:
            delivery.status, delivery.next_attempt_at = "failed", None
            _disable(endpoint, delivery)
    db.session.flush()
    return {
        "delivery_id": str(delivery_id),
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": response_status,
    }


def _disable(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    """Retries ran out: stop sending to the endpoint and tell the organisation's admins."""
    endpoint.enabled, endpoint.disabled_at = False, utcnow()
    endpoint.disabled_reason = (
        f"Delivery {delivery.id} ({delivery.event_type}) failed {delivery.attempts} times; "
        f"the last error: {delivery.error}"
    )[:2000]
    waiting = db.session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status.in_(("pending", "retrying")),
            WebhookDelivery.id != delivery.id,
        )
    ).all()
    for other in waiting:
        other.status, other.next_attempt_at = "failed", None
        other.error = "The endpoint was disabled before this delivery was made."
    for admin in roles.admins_of(organisation_id=endpoint.organisation_id):
        mail.queue(
            to=admin.email,
            subject=f"Webhook endpoint disabled: {endpoint.url}",
            body=(
                f"Consortium stopped sending events to your webhook endpoint {endpoint.url} "
                f"({endpoint.description or 'no description'}): {endpoint.disabled_reason}\n\n"
                "Fix the endpoint, then enable it again (PATCH "
                f"/api/v1/organisations/{endpoint.organisation_id}/webhooks/{endpoint.id} with "
                '{"enabled": true}) and re-deliver what it missed from its deliveries list.'
            ),
            organisation_id=endpoint.organisation_id,
        )


def queue_due(*, now: datetime | None = None) -> int:
    """Queue the next attempt of every delivery whose retry is due; returns how many.
    (All tenants: the scheduler's sweep; each attempt runs as its own organisation.)"""
    now = now or utcnow()
    with tenancy.all_tenants():
        due = db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status == "retrying", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(DUE_PER_SWEEP)
            .with_for_update(skip_locked=True)
        ).all()
        for delivery in due:
            delivery.status = "pending"
            jobs.enqueue(
                db.session,
                DELIVER_JOB,
                tenant_id=delivery.organisation_id,
                delivery_id=str(delivery.id),
            )
    return len(due)
