"""Pairings (matches) as the API shows them, and what the workflow's actions take."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.matches.models import MATCH_STATUSES, ORIGINS
from consortium.matches.transitions import ACTIONS

EXAMPLE_ID = "3f2b8c1e-6a4d-4e2f-9b7a-1c5d8e9f0a12"
MAX_REASON = 2000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Say why, in a sentence the people concerned will read.")


# --- what the API shows ------------------------------------------------------------------


class ProgrammeRefSchema(Schema):
    id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    name = ma.fields.String(metadata={"example": "Leading Across Boundaries 2027"})


class OrganisationRefSchema(Schema):
    id = ma.fields.UUID()
    name = ma.fields.String(metadata={"example": "Leeds Teaching Hospitals"})
    sector = ma.fields.String(metadata={"example": "health"})


class PartySchema(Schema):
    """One of the two people. Their email is shown once the pairing is active (and after)."""

    person_id = ma.fields.UUID()
    display_name = ma.fields.String(metadata={"example": "Amara Okafor"})
    job_title = ma.fields.String(allow_none=True, metadata={"example": "Ward Manager"})
    organisation = ma.fields.Nested(OrganisationRefSchema)
    email = ma.fields.Email(
        allow_none=True,
        metadata={
            "description": "Null until both people have accepted (the pairing is active).",
            "example": "amara.okafor@leeds.example.org",
        },
    )


class MentorPartySchema(PartySchema):
    profile_id = ma.fields.UUID(metadata={"description": "The mentor's profile."})


class ApprovalSchema(Schema):
    by = ma.fields.String(allow_none=True, metadata={"example": "Cora Coordinator"})
    at = ma.fields.AwareDateTime(allow_none=True)


class HomeApprovalSchema(ApprovalSchema):
    required = ma.fields.Boolean(
        metadata={
            "description": "Whether the consortium requires the mentor's organisation to "
            "consent (two-key approval); an admin of that organisation gives it.",
            "example": False,
        }
    )


class ApprovalsSchema(Schema):
    coordinator = ma.fields.Nested(ApprovalSchema)
    home_organisation = ma.fields.Nested(HomeApprovalSchema)


class AcceptancesSchema(Schema):
    mentor_at = ma.fields.AwareDateTime(allow_none=True)
    mentee_at = ma.fields.AwareDateTime(allow_none=True)


class OverrideSchema(Schema):
    constraints = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "The hard constraints a coordinator overrode to propose this pairing.",
            "example": ["same_organisation"],
        },
    )
    reason = ma.fields.String(
        metadata={"example": "Different directorates; the mentee asked for this mentor."}
    )


class EndedSchema(Schema):
    by = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Null for a no-fault ending, except to the coordinators.",
            "example": "Amara Okafor",
        },
    )
    at = ma.fields.AwareDateTime()
    reason = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Null for a no-fault ending, except to the coordinators (it is "
            "private to them, and optional).",
            "example": "I have moved to a new role.",
        },
    )
    no_fault = ma.fields.Boolean(
        metadata={
            "description": "Ended by one of the two people (or a coordinator's rematch) with "
            "no fault: nobody else is told who or why.",
            "example": False,
        }
    )


class SessionCountsSchema(Schema):
    """The pairing's sessions by outcome, and how many more the programme allows."""

    booked = ma.fields.Integer(
        metadata={"description": "Scheduled sessions, not yet held.", "example": 1}
    )
    held = ma.fields.Integer(metadata={"example": 2})
    cancelled = ma.fields.Integer(metadata={"example": 1})
    late_cancellations = ma.fields.Integer(
        metadata={
            "description": "Of the cancelled, those called off within the notice period "
            "before their start.",
            "example": 1,
        }
    )
    no_shows = ma.fields.Integer(
        metadata={"description": "Sessions one of the two people did not come to.", "example": 0}
    )
    remaining = ma.fields.Integer(
        metadata={
            "description": "More sessions the programme allows (its sessions_max less those "
            "booked, held and missed).",
            "example": 3,
        }
    )


class MatchSchema(Schema):
    """A pairing of a mentor and a mentee in a programme, and where it is in its workflow.

    proposed → approved (by the coordinator; under two-key approval also by the mentor's
    organisation) → active (once both people accept) → completed; or rejected, declined,
    closed.
    """

    id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    programme = ma.fields.Nested(ProgrammeRefSchema)
    consortium_id = ma.fields.UUID()
    status = ma.fields.String(
        validate=validate.OneOf(MATCH_STATUSES), metadata={"example": "proposed"}
    )
    origin = ma.fields.String(
        validate=validate.OneOf(ORIGINS),
        metadata={"description": "run: proposed by a matching run; manual: by hand."},
    )
    score = ma.fields.Float(
        allow_none=True,
        metadata={"description": "The matching score (none for a hand-made proposal)."},
    )
    reasons = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "Why this pairing, in plain words.",
            "example": ["Both work on quality improvement.", "A different sector's view."],
        },
    )
    score_parts = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "Each scoring term's weighted contribution."},
    )
    mentor = ma.fields.Nested(MentorPartySchema)
    mentee = ma.fields.Nested(PartySchema)
    approvals = ma.fields.Nested(ApprovalsSchema)
    acceptances = ma.fields.Nested(AcceptancesSchema)
    override = ma.fields.Nested(
        OverrideSchema,
        allow_none=True,
        metadata={"description": "Set when a coordinator overrode hard constraints."},
    )
    ended = ma.fields.Nested(
        EndedSchema,
        allow_none=True,
        metadata={"description": "Who rejected, declined or closed it, when and why."},
    )
    allowed_actions = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(ACTIONS)),
        metadata={
            "description": "The actions the workflow allows from the current status (whether "
            "you may take one depends on your part in the pairing).",
            "example": ["approve", "reject", "decline"],
        },
    )
    paused = ma.fields.Boolean(
        allow_none=True,
        metadata={
            "description": "Paused by the consortium's coordinators: no new sessions are "
            "booked until they resume it. Shown to the two people and the coordinators; null "
            "for anyone else.",
            "example": False,
        },
    )
    sessions = ma.fields.Nested(SessionCountsSchema)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class MatchQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    programme_id = ma.fields.UUID()
    status = ma.fields.String(validate=validate.OneOf(MATCH_STATUSES))
    organisation_id = ma.fields.UUID(
        metadata={"description": "Pairings with a person of this organisation on either side."}
    )


# --- what the API takes ------------------------------------------------------------------


class MatchCreateSchema(Schema):
    application_id = ma.fields.UUID(
        required=True, metadata={"description": "The mentee's open application."}
    )
    mentor_profile_id = ma.fields.UUID(required=True)
    override_reason = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=MAX_REASON),
        metadata={
            "description": "To propose a pairing that breaks hard constraints the coordinator "
            "may override, say why; without it such a proposal is refused (422) naming each "
            "constraint. Constraints that cannot be overridden refuse it anyway.",
            "example": "Different directorates and no line relationship; the mentee asked for "
            "this mentor by name.",
        },
    )

    @ma.post_load
    def _blank_is_none(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        reason = data.get("override_reason")
        data["override_reason"] = reason.strip() if reason and reason.strip() else None
        return data


class CloseSchema(Schema):
    reason = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=MAX_REASON),
        metadata={
            "description": "Why. Required of a coordinator or an admin (shown to the people "
            "told, and kept in the audit trail). Optional for either of the two people, whose "
            "ending is no-fault: their reason goes to the consortium's coordinators only.",
            "example": "My caseload has changed and I cannot give this the time it deserves.",
        },
    )

    @ma.post_load
    def _blank_is_none(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        reason = data.get("reason")
        data["reason"] = reason.strip() if reason and reason.strip() else None
        return data


class ReasonSchema(Schema):
    reason = ma.fields.String(
        required=True,
        validate=[validate.Length(max=MAX_REASON), _not_blank],
        metadata={
            "description": "Why: shown to the people told about it, and kept in the audit trail.",
            "example": "My caseload has changed and I cannot give this the time it deserves.",
        },
    )

    @ma.post_load
    def _strip(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["reason"] = data["reason"].strip()
        return data
