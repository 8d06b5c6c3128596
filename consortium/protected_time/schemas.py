"""A time approval request as its approver sees it: who applied, to what, for how much time.

Deliberately narrow: nothing of the application (goals, topics, preferences) and nothing
declared; the manager learns only that their report applied and what time it needs.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.protected_time.models import APPROVER_KINDS, TIME_APPROVAL_STATUSES
from consortium.protected_time.service import Request

EXAMPLE_ID = "5a1c9e2b-7d3f-4b6a-8e2c-9f1d0a3b4c5e"


class ReportSchema(Schema):
    id = ma.fields.UUID(
        metadata={"description": "The applicant's person id.", "example": EXAMPLE_ID}
    )
    display_name = ma.fields.String(metadata={"example": "Amara Okafor"})
    job_title = ma.fields.String(allow_none=True, metadata={"example": "Ward Manager"})


class TimeCommitmentSchema(Schema):
    sessions_min = ma.fields.Integer(metadata={"description": "Fewest sessions.", "example": 3})
    sessions_max = ma.fields.Integer(metadata={"description": "Most sessions.", "example": 6})
    session_minutes = ma.fields.Integer(
        metadata={"description": "Length of one session.", "example": 60}
    )
    cadence_days = ma.fields.Integer(
        metadata={"description": "Days between sessions.", "example": 30}
    )
    hours_min = ma.fields.Float(
        metadata={"description": "sessions_min x session_minutes, in hours.", "example": 3.0}
    )
    hours_max = ma.fields.Float(
        metadata={"description": "sessions_max x session_minutes, in hours.", "example": 6.0}
    )


class RequestedProgrammeSchema(Schema):
    id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    name = ma.fields.String(metadata={"example": "Reverse mentoring 2027"})
    type = ma.fields.String(metadata={"example": "reverse_mentoring"})
    opens_at = ma.fields.AwareDateTime(
        metadata={"description": "Applications open.", "example": "2027-01-10T09:00:00+00:00"}
    )
    closes_at = ma.fields.AwareDateTime(
        metadata={"description": "Applications close.", "example": "2027-02-07T17:00:00+00:00"}
    )


class TimeApprovalSchema(Schema):
    """A request to approve a report's protected time for a programme."""

    id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    status = ma.fields.String(
        metadata={
            "description": "pending, approved, declined, or withdrawn (the application was).",
            "enum": list(TIME_APPROVAL_STATUSES),
            "example": "pending",
        }
    )
    approver_kind = ma.fields.String(
        metadata={
            "description": "line_manager (you manage the applicant), or organisation_admins "
            "(the applicant has no line manager recorded, so their organisation's admins decide).",
            "enum": list(APPROVER_KINDS),
            "example": "line_manager",
        }
    )
    report = ma.fields.Nested(ReportSchema, metadata={"description": "Who applied."})
    programme = ma.fields.Nested(RequestedProgrammeSchema)
    time_commitment = ma.fields.Nested(TimeCommitmentSchema)
    decided_at = ma.fields.AwareDateTime(allow_none=True, metadata={"example": None})
    decided_by = ma.fields.String(allow_none=True, metadata={"example": None})
    created_at = ma.fields.AwareDateTime(metadata={"example": "2027-01-12T10:15:00+00:00"})

    @ma.pre_dump
    def _document(self, request: Any, **kwargs: Any) -> Any:
        return document(request) if isinstance(request, Request) else request


def document(request: Request) -> dict[str, Any]:
    a, p = request.approval, request.programme
    return {
        "id": a.id,
        "status": a.status,
        "approver_kind": a.approver_kind,
        "report": {
            "id": a.person_id,
            "display_name": request.person.get("display_name"),
            "job_title": request.person.get("job_title"),
        },
        "programme": {
            "id": p.id,
            "name": p.name,
            "type": p.type,
            "opens_at": p.opens_at,
            "closes_at": p.closes_at,
        },
        "time_commitment": request.time_commitment,
        "decided_at": a.decided_at,
        "decided_by": a.decided_by,
        "created_at": a.created_at,
    }


class TimeApprovalQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = ma.fields.String(
        validate=validate.OneOf(TIME_APPROVAL_STATUSES),
        metadata={"description": "Only requests in this status.", "example": "pending"},
    )
