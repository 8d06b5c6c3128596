"""Background jobs as the API shows them."""

from __future__ import annotations

import marshmallow as ma

from consortium.core.api import Schema
from consortium.core.jobs import MAX_ATTEMPTS, STATUSES

EXAMPLE_REASON = (
    "The job organisations.export failed 4 times (last error: OperationalError: "
    "(psycopg.OperationalError) connection is lost). Try again; if it fails again, contact "
    "support quoting job 0b8e5f0c-3f7e-4c1a-9a57-6d2f4f0e9b31."
)


class ProgressSchema(Schema):
    done = ma.fields.Integer(metadata={"description": "Steps done.", "example": 3})
    total = ma.fields.Integer(metadata={"description": "Steps in all.", "example": 5})
    stage = ma.fields.String(
        allow_none=True,
        metadata={"description": "What it is doing now.", "example": "coach load"},
    )


class JobSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True, metadata={"example": "organisations.export"})
    status = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "pending (waiting to be queued), enqueued, running, retrying (an "
            "attempt failed; another is due), succeeded, failed (every attempt failed: see "
            "error)",
            "enum": list(STATUSES),
            "example": "failed",
        },
    )
    attempts = ma.fields.Integer(
        dump_only=True,
        metadata={"description": f"Attempts made so far, of {MAX_ATTEMPTS}.", "example": 4},
    )
    organisation_id = ma.fields.UUID(dump_only=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    started_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    finished_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    result = ma.fields.Dict(dump_only=True, allow_none=True)
    progress = ma.fields.Nested(
        ProgressSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "How far the job has got, if its type reports it."},
    )
    error = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "retrying: the last attempt's error in one line (its type and "
            "message); failed: why, and what to do next. Null otherwise.",
            "example": EXAMPLE_REASON,
        },
    )
    next_attempt_at = ma.fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "retrying: when the next attempt is due, if known."},
    )
