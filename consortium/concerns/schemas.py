"""Concerns as the API shows them (to the person who raised one; to the coordinators), and
what raising one and the coordinators' actions take."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.concerns.models import KINDS, SIDES, STATUSES
from consortium.core.api import Schema

EXAMPLE_ID = "5b7e2c1a-9d3f-4a6b-8c2e-1f0a9b8c7d6e"
MAX_TEXT = 5000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Say what happened, in a few words at least.")


class _Stripped(Schema):
    @ma.post_load
    def _strip(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for key, value in list(data.items()):
            if isinstance(value, str):
                data[key] = value.strip() or None
        return data


class ConcernCreateSchema(_Stripped):
    kind = ma.fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={
            "description": "safeguarding (someone may be at risk), conduct (how the other "
            "person behaved), not_working (the pairing is not working).",
            "example": "not_working",
        },
    )
    details = ma.fields.String(
        required=True,
        validate=[validate.Length(max=MAX_TEXT), _not_blank],
        metadata={
            "description": "What happened. Seen by the consortium's coordinators only (and "
            "you): never by the other person, either line manager or either organisation.",
            "example": "We have not managed to agree on what the sessions are for.",
        },
    )


class ConcernSchema(Schema):
    """A concern you raised: what you said, and where it is (the coordinators' notes are theirs)."""

    id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    match_id = ma.fields.UUID()
    kind = ma.fields.String(validate=validate.OneOf(KINDS), metadata={"example": "not_working"})
    details = ma.fields.String(
        metadata={"example": "We have not managed to agree on what the sessions are for."}
    )
    status = ma.fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "open (not yet seen), acknowledged (a coordinator is on it), resolved.",
            "example": "open",
        },
    )
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class ConcernProgrammeSchema(Schema):
    id = ma.fields.UUID()
    name = ma.fields.String(metadata={"example": "Leading Across Boundaries 2027"})


class RaisedBySchema(Schema):
    person_id = ma.fields.UUID()
    display_name = ma.fields.String(metadata={"example": "Amara Okafor"})
    side = ma.fields.String(validate=validate.OneOf(SIDES), metadata={"example": "mentee"})


class ConcernPairingSchema(Schema):
    id = ma.fields.UUID()
    status = ma.fields.String(metadata={"example": "active"})
    paused = ma.fields.Boolean(metadata={"example": False})
    mentor = ma.fields.String(metadata={"example": "Mona Mentor"})
    mentee = ma.fields.String(metadata={"example": "Amara Okafor"})


class ByAtSchema(Schema):
    by = ma.fields.String(metadata={"example": "Cora Coordinator"})
    at = ma.fields.AwareDateTime()


class ResolvedSchema(ByAtSchema):
    outcome = ma.fields.String(
        metadata={"example": "Spoke to both; they agreed to reset the sessions' aims."}
    )


class StepSchema(Schema):
    action = ma.fields.String(
        metadata={
            "description": "acknowledge, pause, resume, resolve or rematch.",
            "example": "pause",
        }
    )
    by = ma.fields.String(metadata={"example": "Cora Coordinator"})
    at = ma.fields.String(metadata={"example": "2027-03-02T09:15:00+00:00"})
    note = ma.fields.String(allow_none=True, metadata={"example": "Until we have spoken to both."})


class CoordinatorConcernSchema(ConcernSchema):
    """A concern as its consortium's coordinators see it: who raised it, about which pairing,
    and what they have done about it."""

    consortium_id = ma.fields.UUID()
    programme = ma.fields.Nested(ConcernProgrammeSchema)
    raised_by = ma.fields.Nested(RaisedBySchema)
    pairing = ma.fields.Nested(ConcernPairingSchema)
    acknowledged = ma.fields.Nested(ByAtSchema, allow_none=True)
    resolved = ma.fields.Nested(ResolvedSchema, allow_none=True)
    history = ma.fields.List(ma.fields.Nested(StepSchema))


class ConcernQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = ma.fields.String(
        validate=validate.OneOf(STATUSES), metadata={"description": "Only concerns in this status."}
    )


class NoteSchema(_Stripped):
    note = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=MAX_TEXT),
        metadata={
            "description": "A note for the coordinators (never shown to the person who raised "
            "it, nor anyone else).",
            "example": "Spoke to the mentee; pausing until we have spoken to the mentor.",
        },
    )


class OutcomeSchema(_Stripped):
    outcome = ma.fields.String(
        required=True,
        validate=[validate.Length(max=MAX_TEXT), _not_blank],
        metadata={
            "description": "How it was resolved (the coordinators' only).",
            "example": "Spoke to both; they agreed to reset the sessions' aims.",
        },
    )
