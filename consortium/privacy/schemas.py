"""Personal exports and erasures as the API shows them."""

from __future__ import annotations

import marshmallow as ma

from consortium.core.api import Schema
from consortium.core.jobs import STATUSES

EXAMPLE_ID = "3f1c2b9e-8d4a-4f6b-9c2e-1a7d5e4b3c21"


class PersonalExportSchema(Schema):
    id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    status = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The building job's status: succeeded means the bundle is ready.",
            "enum": list(STATUSES),
            "example": "succeeded",
        },
    )
    job_id = ma.fields.UUID(
        dump_only=True,
        metadata={"description": "The job building it (GET /api/v1/jobs/{id}: progress)."},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    finished_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    error = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Why it failed, if it did.", "example": None},
    )
    ready = ma.fields.Boolean(
        dump_only=True,
        metadata={"description": "Whether the bundle can be downloaded.", "example": True},
    )
    download_url = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Where to download the zip, once ready (you alone can).",
            "example": f"/api/v1/me/exports/{EXAMPLE_ID}/download",
        },
    )


class ErasureSchema(Schema):
    person_id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    erased_at = ma.fields.AwareDateTime(dump_only=True)
    removed = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        dump_only=True,
        metadata={
            "description": "How many rows each step deleted (scrubbed_values: other records' "
            "text from which their name or email was removed).",
            "example": {"person_identities": 1, "session_notes": 3, "scrubbed_values": 12},
        },
    )
