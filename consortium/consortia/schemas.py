"""Consortia and their memberships as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from consortium.consortia.models import APPROVAL_POLICIES
from consortium.core.api import Schema
from consortium.organisations.schemas import SLUG, PublicOrganisationSchema


class MatchingWeightsSchema(Schema):
    """How much each term counts in a pairing's score (0 to 1 each; unset: the default)."""

    topic = ma.fields.Float(
        validate=validate.Range(0, 1),
        metadata={
            "description": "Similarity of the mentee's goals and topics to the "
            "mentor's topics and bio (TF-IDF).",
            "example": 0.4,
        },
    )
    shortlist = ma.fields.Float(
        validate=validate.Range(0, 1),
        metadata={"description": "The mentee's own ranking of the mentor.", "example": 0.2},
    )
    sector = ma.fields.Float(
        validate=validate.Range(0, 1),
        metadata={
            "description": "A sector the mentee asked for, or else a different sector.",
            "example": 0.1,
        },
    )
    profession = ma.fields.Float(
        validate=validate.Range(0, 1),
        metadata={"description": "A different profession from the mentee's.", "example": 0.1},
    )
    availability = ma.fields.Float(
        validate=validate.Range(0, 1),
        metadata={"description": "Shared published availability.", "example": 0.1},
    )
    load_ = ma.fields.Float(  # not `load`: that would shadow Schema.load
        data_key="load",
        attribute="load",
        validate=validate.Range(0, 1),
        metadata={
            "description": "The mentor's room: places free, recent sessions under the limit.",
            "example": 0.05,
        },
    )
    balance = ma.fields.Float(
        validate=validate.Range(0, 1),
        metadata={
            "description": "Evens out lending and borrowing between the two organisations.",
            "example": 0.05,
        },
    )


TRAINING_HELP = (
    "A member organisation's mentor profile is released to the pool only once the mentor has "
    "logged mentor training (a CPD entry of kind training)."
)


class ConsortiumSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"example": "West Yorkshire ICS Coaching and Mentoring Network"},
    )
    slug = ma.fields.String(
        required=True, validate=SLUG, metadata={"example": "west-yorkshire-ics"}
    )
    approval_policy = ma.fields.String(
        load_default="coordinator",
        validate=validate.OneOf(APPROVAL_POLICIES),
        metadata={
            "description": "Who approves cross-organisation matches: the coordinator, or the "
            "coordinator and the mentor's home organisation.",
            "example": "coordinator",
        },
    )
    max_active_load = ma.fields.Integer(
        strict=True,
        load_default=6,
        validate=validate.Range(1, 50),
        metadata={
            "description": "Coach care: a mentor with more pairings than this (proposed, "
            "approved or active) is flagged as fatigued.",
            "example": 6,
        },
    )
    max_sessions_90_days = ma.fields.Integer(
        strict=True,
        load_default=24,
        validate=validate.Range(1, 500),
        metadata={
            "description": "Coach care: a mentor who held more sessions than this in the last "
            "90 days is flagged as fatigued.",
            "example": 24,
        },
    )
    supervision_interval_days = ma.fields.Integer(
        strict=True,
        load_default=90,
        validate=validate.Range(7, 730),
        metadata={
            "description": "Supervision is due this many days after a mentor's last logged "
            "supervision (at once if none is logged).",
            "example": 90,
        },
    )
    mentor_training_required = ma.fields.Boolean(
        load_default=False,
        metadata={"description": TRAINING_HELP, "example": False},
    )
    matching_weights = ma.fields.Nested(
        MatchingWeightsSchema,
        load_default=dict,
        metadata={
            "description": "The matching engine's score weights; terms left out keep their "
            "defaults (topic 0.4, shortlist 0.2, sector 0.1, profession 0.1, availability 0.1, "
            "load 0.05, balance 0.05)."
        },
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class ConsortiumUpdateSchema(Schema):
    name = ma.fields.String(validate=validate.Length(1, 200))
    approval_policy = ma.fields.String(validate=validate.OneOf(APPROVAL_POLICIES))
    max_active_load = ma.fields.Integer(strict=True, validate=validate.Range(1, 50))
    max_sessions_90_days = ma.fields.Integer(strict=True, validate=validate.Range(1, 500))
    supervision_interval_days = ma.fields.Integer(strict=True, validate=validate.Range(7, 730))
    mentor_training_required = ma.fields.Boolean(metadata={"description": TRAINING_HELP})
    matching_weights = ma.fields.Nested(MatchingWeightsSchema)


class MembershipCreateSchema(Schema):
    organisation_id = ma.fields.UUID(required=True)


class MemberSchema(Schema):
    organisation = ma.fields.Nested(PublicOrganisationSchema, dump_only=True)
    joined_at = ma.fields.AwareDateTime(dump_only=True)
