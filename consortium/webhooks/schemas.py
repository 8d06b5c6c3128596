"""Webhook endpoints and their deliveries: request and response schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import SHOWN_ONCE, Schema
from consortium.webhooks.events import EVENT_TYPES
from consortium.webhooks.models import DELIVERY_STATUSES

EVENT_LIST = ", ".join(f"`{name}` ({what})" for name, what in EVENT_TYPES.items())


class WebhookEndpointSchema(Schema):
    """An https URL the organisation receives signed events at."""

    id = ma.fields.UUID(
        dump_only=True, metadata={"example": "7d2e4f6a-8b1c-4d3e-9f5a-6b7c8d9e0f1a"}
    )
    organisation_id = ma.fields.UUID(
        dump_only=True, metadata={"example": "0b7e9c2a-4f1d-4e8b-9a6c-3d2f1e0a9b8c"}
    )
    url = ma.fields.String(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={
            "description": "Where events are POSTed: https, on a public address (every address "
            "its host resolves to is checked at each delivery). Redirects are not followed.",
            "example": "https://hr.example.nhs.uk/hooks/consortium",
        },
    )
    description = ma.fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"example": "ESR integration"},
    )
    event_types = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(list(EVENT_TYPES))),
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": f"The events sent to this endpoint: {EVENT_LIST}.",
            "example": ["match.active", "session.booked"],
        },
    )
    enabled = ma.fields.Boolean(
        load_default=True,
        metadata={
            "description": "Whether events are sent. Set false by the service when every "
            "attempt at a delivery failed (see disabled_reason); set it true again to resume.",
            "example": True,
        },
    )
    disabled_reason = ma.fields.String(dump_only=True, allow_none=True, metadata={"example": None})
    disabled_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    created_by = ma.fields.String(dump_only=True, metadata={"example": "Amara Okafor"})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class WebhookEndpointUpdateSchema(Schema):
    url = ma.fields.String(
        validate=validate.Length(1, 2000),
        metadata={"example": "https://hr.example.nhs.uk/hooks/consortium-v2"},
    )
    description = ma.fields.String(validate=validate.Length(max=200))
    event_types = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(list(EVENT_TYPES))),
        validate=validate.Length(min=1),
        metadata={"example": ["match.active", "match.ended"]},
    )
    enabled = ma.fields.Boolean(metadata={"example": True})


class CreatedWebhookEndpointSchema(WebhookEndpointSchema):
    secret = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The signing secret (Standard Webhooks, `whsec_…`): verify each "
            "delivery with it. Shown once, in this response only; store it now. A repeat of the "
            "request with the same Idempotency-Key is refused rather than replayed.",
            "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            SHOWN_ONCE: True,
        },
    )


class WebhookDeliverySchema(Schema):
    """One event sent to one endpoint, and how its attempts went."""

    id = ma.fields.UUID(
        dump_only=True, metadata={"example": "2c4e6a8b-1d3f-4a5c-8e7b-9d0f1a2b3c4d"}
    )
    endpoint_id = ma.fields.UUID(
        dump_only=True, metadata={"example": "7d2e4f6a-8b1c-4d3e-9f5a-6b7c8d9e0f1a"}
    )
    event_type = ma.fields.String(dump_only=True, metadata={"example": "match.active"})
    message_id = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The `webhook-id` header: the same for every attempt and "
            "re-delivery of this event.",
            "example": "msg_5b1f0e2a9c7d4e3f8a6b1c2d3e4f5a6b",
        },
    )
    status = ma.fields.String(
        dump_only=True,
        metadata={
            "description": f"One of {', '.join(DELIVERY_STATUSES)}.",
            "example": "retrying",
        },
    )
    attempts = ma.fields.Integer(dump_only=True, metadata={"example": 2})
    response_status = ma.fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The HTTP status of the last attempt's answer.", "example": 500},
    )
    error = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"example": "The webhook endpoint answered HTTP 500."},
    )
    next_attempt_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    last_attempt_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    delivered_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    redelivery_of = ma.fields.UUID(dump_only=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)
