"""Feedback entries as their authors see them, a published round, and the collated report."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.insights.models import THEMES

EXAMPLE_ID = "3f6b2d1c-8e4a-4c7b-9d2e-1a0b9c8d7e6f"
EXAMPLE_ORG = "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b"
MAX_COMMENT = 4000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Write something: the comment may not be blank.")


THEME = {
    "description": "One of " + ", ".join(THEMES) + ".",
    "example": "inclusion",
}
SENTIMENT = {
    "description": "How it feels from where you stand: 1 (very poorly) to 5 (very well).",
    "example": 4,
}
COMMENT = {
    "description": "What you noticed, in your words. It is published verbatim (never with "
    "your name) once at least 3 people have written on this theme about this organisation: "
    "leave out what would point to you.",
    "example": "Hybrid meetings leave remote staff out of the decisions.",
}


class InsightOrganisationSchema(Schema):
    id = ma.fields.UUID(metadata={"example": EXAMPLE_ORG})
    name = ma.fields.String(metadata={"example": "Riverside NHS Foundation Trust"})


class InsightEntrySchema(Schema):
    """Your feedback about your senior mentee's organisation, waiting for the next round.
    Seen by you alone; deleted from here when a round publishes it (without your name)."""

    id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    match_id = ma.fields.UUID(
        required=True,
        load_only=True,
        metadata={
            "description": "Your pairing (you the mentor) in a reverse mentoring programme, "
            "active or ended; the feedback is about its mentee's organisation."
        },
    )
    programme_id = ma.fields.UUID(dump_only=True)
    mentee_organisation = ma.fields.Nested(InsightOrganisationSchema, dump_only=True)
    theme = ma.fields.String(required=True, validate=validate.OneOf(THEMES), metadata=THEME)
    sentiment = ma.fields.Integer(
        required=True, validate=validate.Range(min=1, max=5), metadata=SENTIMENT
    )
    comment = ma.fields.String(
        required=True,
        validate=[validate.Length(max=MAX_COMMENT), _not_blank],
        metadata=COMMENT,
    )


class InsightEntryUpdateSchema(Schema):
    sentiment = ma.fields.Integer(validate=validate.Range(min=1, max=5), metadata=SENTIMENT)
    comment = ma.fields.String(
        validate=[validate.Length(max=MAX_COMMENT), _not_blank], metadata=COMMENT
    )

    @ma.validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ma.ValidationError("Send sentiment, comment or both.", field_name="comment")


class InsightEntryQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    programme_id = ma.fields.UUID(metadata={"description": "Only this programme's entries."})


class InsightRoundSchema(Schema):
    """A published round: its number and day, and how many groups it published."""

    id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    programme_id = ma.fields.UUID()
    number = ma.fields.Integer(metadata={"example": 2})
    published_on = ma.fields.Date(metadata={"example": "2027-03-31"})
    groups = ma.fields.Integer(
        metadata={
            "description": "Groups (organisation x theme) this round published, each from at "
            "least 3 people; groups with fewer wait for a later round.",
            "example": 4,
        }
    )


class InsightReportQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    round_number = ma.fields.Integer(
        data_key="round",
        validate=validate.Range(min=1),
        metadata={"description": "Only this published round.", "example": 1},
    )
    theme = ma.fields.String(validate=validate.OneOf(THEMES), metadata=THEME)
    mentee_organisation_id = ma.fields.UUID(
        metadata={"description": "Only the groups about this organisation.", "example": EXAMPLE_ORG}
    )
    start = ma.fields.Date(
        data_key="from",
        metadata={
            "description": "Only rounds published on or after this day.",
            "example": "2027-01-01",
        },
    )
    end = ma.fields.Date(
        data_key="to",
        metadata={
            "description": "Only rounds published on or before this day.",
            "example": "2027-12-31",
        },
    )

    @ma.validates_schema
    def _in_order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ma.ValidationError("to must be on or after from.", field_name="to")


class SentimentSchema(Schema):
    mean = ma.fields.Float(allow_none=True, metadata={"example": 3.7})
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={
            "description": "How many gave each sentiment, 1 to 5.",
            "example": {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0},
        },
    )


class InsightGroupSchema(Schema):
    round = ma.fields.Integer(metadata={"example": 1})
    published_on = ma.fields.Date(metadata={"example": "2027-03-31"})
    mentee_organisation = ma.fields.Nested(InsightOrganisationSchema)
    theme = ma.fields.String(metadata={"example": "inclusion"})
    contributors = ma.fields.Integer(
        metadata={"description": "Distinct people in this group: never fewer than 3.", "example": 3}
    )
    sentiment = ma.fields.Nested(SentimentSchema)
    comments = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "The group's comments in alphabetical order (never in the order "
            "written), with no author or time.",
            "example": ["Decisions are made in the corridor.", "Hybrid meetings leave us out."],
        },
    )


class InsightRoundRefSchema(Schema):
    number = ma.fields.Integer(metadata={"example": 1})
    published_on = ma.fields.Date(metadata={"example": "2027-03-31"})


class InsightReportSchema(Schema):
    """What junior mentors said about their senior mentees' organisations, collated: only
    published rounds, only whole groups of at least `k` distinct people, no authors, no times
    but the round's day."""

    programme_id = ma.fields.UUID()
    programme = ma.fields.String(metadata={"example": "Reverse Mentoring 2027"})
    k = ma.fields.Integer(
        metadata={"description": "The fewest people a shown group holds.", "example": 3}
    )
    rounds = ma.fields.List(ma.fields.Nested(InsightRoundRefSchema))
    groups = ma.fields.List(ma.fields.Nested(InsightGroupSchema))
