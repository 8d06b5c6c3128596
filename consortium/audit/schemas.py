"""Audit events as the API shows them, and the filters for listing them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema

EXAMPLE_ID = "3f2b8c1e-6a4d-4e2f-9b7a-1c5d8e9f0a12"


class AuditEventSchema(Schema):
    """Who changed what, when and why. Append-only: nobody may change or delete one."""

    id = ma.fields.UUID(dump_only=True)
    action = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "What happened, as <subject>.<verb>: e.g. match.proposed, "
            "match.approved, match.home_org_approved, match.rejected, match.accepted, "
            "match.activated, match.declined, match.closed.",
            "example": "match.approved",
        },
    )
    subject_type = ma.fields.String(
        dump_only=True,
        metadata={"description": "The kind of thing it happened to.", "example": "match"},
    )
    subject_id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    consortium_id = ma.fields.UUID(dump_only=True, allow_none=True)
    organisation_id = ma.fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The organisation concerned (for a pairing: the mentor's)."},
    )
    other_organisation_id = ma.fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={"description": "A second organisation concerned (for a pairing: the mentee's)."},
    )
    actor = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "Who did it: person:<id>, client:<id> or system.",
            "example": "person:6c1f3a52-2b1e-4f0e-9d8a-3e5b7c9d1f20",
        },
    )
    actor_name = ma.fields.String(dump_only=True, metadata={"example": "Cora Coordinator"})
    reason = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"example": "The mentee asked for someone outside the NHS."},
    )
    data = ma.fields.Dict(
        dump_only=True,
        metadata={
            "description": "Details of the change, e.g. the status it moved from and to.",
            "example": {"from": "proposed", "to": "approved"},
        },
    )
    created_at = ma.fields.AwareDateTime(
        dump_only=True, metadata={"description": "When it happened (UTC)."}
    )


class AuditEventQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    subject_id = ma.fields.UUID(metadata={"description": "Events about this one thing."})
    action = ma.fields.String(
        validate=validate.Length(1, 64), metadata={"example": "match.declined"}
    )
    subject_type = ma.fields.String(
        validate=validate.Length(1, 32),
        metadata={"description": "Events about this kind of thing.", "example": "match"},
    )
    consortium_id = ma.fields.UUID()
    organisation_id = ma.fields.UUID(
        metadata={"description": "Events concerning this organisation (on either side)."}
    )
