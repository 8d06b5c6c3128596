"""Session feedback, pairing evaluations and the programme report as the API shows them."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from consortium.core.api import Schema
from consortium.evaluation.models import GOAL_OUTCOMES, ROLES, VISIBILITIES
from consortium.evaluation.suppression import SUPPRESSED

EXAMPLE_ORG = "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b"
MAX_COMMENT = 5000


class FeedbackAuthorSchema(Schema):
    person_id = ma.fields.UUID()
    role = ma.fields.String(metadata={"enum": list(ROLES), "example": "mentee"})


# --- session feedback ------------------------------------------------------------------------


class FeedbackInSchema(Schema):
    rating = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(1, 5),
        metadata={"description": "How useful the session was, 1 (not) to 5 (very).", "example": 4},
    )
    comment = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=MAX_COMMENT),
        metadata={"example": "We agreed a plan for the first 90 days."},
    )
    visibility = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(VISIBILITIES),
        metadata={
            "description": "Who else reads the comment: `pair` (the other person) or "
            "`coordinator` (only the consortium's coordinators).",
            "example": "pair",
        },
    )


class FeedbackSchema(Schema):
    """A person's rating and comment on a held session."""

    id = ma.fields.UUID(dump_only=True)
    match_id = ma.fields.UUID(dump_only=True)
    session_id = ma.fields.UUID(dump_only=True)
    author = ma.fields.Nested(FeedbackAuthorSchema, dump_only=True)
    mine = ma.fields.Boolean(
        dump_only=True, metadata={"description": "Whether you wrote it (and may replace it)."}
    )
    rating = ma.fields.Integer(metadata={"example": 4})
    comment = ma.fields.String(metadata={"example": "We agreed a plan for the first 90 days."})
    visibility = ma.fields.String(metadata={"enum": list(VISIBILITIES), "example": "pair"})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


# --- pairing evaluations ---------------------------------------------------------------------


class EvaluationGoalInSchema(Schema):
    goal_id = ma.fields.UUID(
        required=True, metadata={"description": "A goal of the pairing (GET .../goals)."}
    )
    rating = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Range(1, 5),
        metadata={"description": "How far it was met, 1 (not at all) to 5 (fully).", "example": 4},
    )
    outcome = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.OneOf(GOAL_OUTCOMES),
        metadata={
            "description": "met, partly or not; derived from the rating when left out "
            "(4-5 met, 2-3 partly, 1 not).",
            "example": "met",
        },
    )

    @ma.validates_schema
    def _rated(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("rating") is None and data.get("outcome") is None:
            raise ma.ValidationError("Give a rating (1-5) or an outcome.", field_name="rating")


class EvaluationInSchema(Schema):
    goals = ma.fields.List(
        ma.fields.Nested(EvaluationGoalInSchema),
        required=True,
        validate=ma.validate.Length(max=20),
        metadata={"description": "Every goal of the pairing, each rated once."},
    )
    what_changed = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=MAX_COMMENT),
        metadata={"example": "I chair the team's meetings now, and ask before I tell."},
    )
    would_recommend = ma.fields.Boolean(required=True, metadata={"example": True})
    hours_given = ma.fields.Float(
        required=True,
        validate=ma.validate.Range(0, 1000),
        metadata={
            "description": "Hours you gave the pairing in all, meetings and preparation.",
            "example": 9.5,
        },
    )
    overall_rating = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(1, 5),
        metadata={
            "description": "The pairing as a whole, 1 (poor) to 5 (excellent).",
            "example": 5,
        },
    )


class EvaluationGoalSchema(Schema):
    goal_id = ma.fields.UUID()
    description = ma.fields.String(metadata={"example": "Lead a cross-agency project."})
    rating = ma.fields.Integer(allow_none=True, metadata={"example": 4})
    outcome = ma.fields.String(metadata={"enum": list(GOAL_OUTCOMES), "example": "met"})


class EvaluationSchema(Schema):
    """One person's evaluation of their ended pairing (after the EMCC ISMCP)."""

    id = ma.fields.UUID()
    match_id = ma.fields.UUID()
    programme_id = ma.fields.UUID()
    author = ma.fields.Nested(FeedbackAuthorSchema)
    mine = ma.fields.Boolean()
    goals = ma.fields.List(ma.fields.Nested(EvaluationGoalSchema))
    what_changed = ma.fields.String()
    would_recommend = ma.fields.Boolean()
    hours_given = ma.fields.Float(metadata={"example": 9.5})
    overall_rating = ma.fields.Integer(metadata={"example": 5})
    created_at = ma.fields.AwareDateTime()


# --- the report ------------------------------------------------------------------------------


class Figure(ma.fields.Field):
    """A number, null (nothing to divide by), or "<5" where fewer than 5 people contributed."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


def _figure(description: str, example: Any) -> Figure:
    return Figure(
        metadata={
            "description": description,
            "oneOf": [{"type": "number"}, {"type": "string", "enum": [SUPPRESSED]}],
            "nullable": True,
            "example": example,
        }
    )


class EvaluationCompletionSchema(Schema):
    people = _figure("People in the pairings that ended.", 12)
    pairings_ended = _figure("Pairings that ended (completed, or closed after being active).", 6)
    pairings_evaluated = _figure("Of those, pairings both people evaluated.", 5)
    completion_rate = _figure("pairings_evaluated / pairings_ended.", 0.833)


class EvaluationFiguresSchema(Schema):
    people = _figure("People who evaluated.", 11)
    evaluations = _figure("Evaluations submitted.", 11)
    goals_rated = _figure("Goals rated in them.", 24)
    goals_met = _figure("Goals rated met.", 15)
    goals_partly_met = _figure("Goals rated partly met.", 7)
    goals_met_share = _figure("goals_met / goals_rated.", 0.625)
    mean_rating = _figure("The mean overall rating (1-5).", 4.27)
    would_recommend_share = _figure("The share who would recommend it.", 0.909)
    hours_given = _figure("Hours given, in all.", 98.5)


class SessionFeedbackFiguresSchema(Schema):
    people = _figure("People who rated sessions.", 10)
    ratings = _figure("Session ratings given.", 31)
    mean_rating = _figure("The mean session rating (1-5).", 4.1)


class EvaluationCellSchema(Schema):
    completion = ma.fields.Nested(EvaluationCompletionSchema)
    evaluations = ma.fields.Nested(EvaluationFiguresSchema)
    session_feedback = ma.fields.Nested(SessionFeedbackFiguresSchema)


class EvaluationSectorCellSchema(EvaluationCellSchema):
    sector = ma.fields.String(
        metadata={"description": "The sector of the mentees' employers.", "example": "fire"}
    )


class EvaluationOrganisationSchema(Schema):
    id = ma.fields.UUID(metadata={"example": EXAMPLE_ORG})
    name = ma.fields.String(metadata={"example": "Riverside NHS Foundation Trust"})


class EvaluationPairCellSchema(EvaluationSectorCellSchema):
    mentor_organisation = ma.fields.Nested(EvaluationOrganisationSchema)
    mentee_organisation = ma.fields.Nested(EvaluationOrganisationSchema)


class EvaluationProgrammeSchema(Schema):
    id = ma.fields.UUID()
    name = ma.fields.String(metadata={"example": "Leading Across Boundaries"})


class EvaluationReportSchema(Schema):
    """A programme's outcomes: completion, goals met, ratings and recommendation, for the
    programme, by sector (the mentees' employers') and by organisation pair (mentor's employer
    → mentee's). Any figure built from fewer than `minimum_people` people reads "<5", and so
    does whatever would let one be worked out by subtraction."""

    programme = ma.fields.Nested(EvaluationProgrammeSchema)
    consortium_id = ma.fields.UUID()
    minimum_people = ma.fields.Integer(metadata={"example": 5})
    total = ma.fields.Nested(EvaluationCellSchema)
    by_sector = ma.fields.List(ma.fields.Nested(EvaluationSectorCellSchema))
    by_organisation_pair = ma.fields.List(
        ma.fields.Nested(EvaluationPairCellSchema),
        metadata={
            "description": "Every pair for coordinators; for a member organisation, the pairs "
            "it is in."
        },
    )
