"""Background jobs as the API shows them."""

from __future__ import annotations

import marshmallow as ma

from consortium.core.api import Schema


class JobSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True, metadata={"example": "organisations.export"})
    status = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "pending (waiting to be queued), enqueued, running, succeeded, failed",
            "example": "succeeded",
        },
    )
    attempts = ma.fields.Integer(dump_only=True, metadata={"example": 1})
    organisation_id = ma.fields.UUID(dump_only=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    started_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    finished_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    result = ma.fields.Dict(dump_only=True, allow_none=True)
    error = ma.fields.String(dump_only=True, allow_none=True)
