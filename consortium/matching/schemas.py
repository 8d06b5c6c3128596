"""Matching runs as the API shows them."""

from __future__ import annotations

import marshmallow as ma

from consortium.core.api import Schema
from consortium.core.jobs import MAX_ATTEMPTS

RUN_EXAMPLE_ERROR = (
    "OperationalError: (psycopg.errors.QueryCanceled) canceling statement due to statement timeout"
)
RUN_EXAMPLE_REASON = (
    "no mentor outside your organisation offers reverse mentoring with capacity left"
)


class TimingsSchema(Schema):
    # Not `load`: that would shadow Schema.load.
    load_ = ma.fields.Float(
        data_key="load",
        attribute="load",
        metadata={"description": "Seconds reading the programme's data."},
    )
    candidates = ma.fields.Float(metadata={"description": "Seconds applying hard constraints."})
    score = ma.fields.Float(metadata={"description": "Seconds scoring the candidate pairs."})
    solve = ma.fields.Float(metadata={"description": "Seconds choosing the pairings."})
    explain = ma.fields.Float(metadata={"description": "Seconds writing reasons in words."})
    write = ma.fields.Float(metadata={"description": "Seconds writing the proposals."})


class CountsSchema(Schema):
    mentees = ma.fields.Integer(metadata={"description": "Open applications considered."})
    mentors = ma.fields.Integer(metadata={"description": "Mentor profiles in the pool."})
    candidate_pairs = ma.fields.Integer(
        metadata={"description": "Pairs meeting every hard constraint."}
    )
    proposed = ma.fields.Integer()
    unmatched = ma.fields.Integer()
    total_score = ma.fields.Float()


class UnmatchedSchema(Schema):
    application_id = ma.fields.UUID()
    mentee_id = ma.fields.UUID()
    reason = ma.fields.String(metadata={"example": RUN_EXAMPLE_REASON})
    candidates = ma.fields.Integer(
        metadata={"description": "Mentors the mentee could have had (taken by others)."}
    )


class MatchingRunSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    programme_id = ma.fields.UUID(dump_only=True)
    consortium_id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "queued, running, retrying (an attempt failed; another is due), "
            "succeeded or failed (every attempt failed: see error).",
            "enum": ["queued", "running", "retrying", "succeeded", "failed"],
            "example": "retrying",
        },
    )
    mode = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "optimal (maximum total score) or stable (deferred acceptance).",
            "example": "optimal",
        },
    )
    job_id = ma.fields.UUID(dump_only=True, allow_none=True)
    attempts = ma.fields.Integer(
        dump_only=True,
        metadata={"description": f"Attempts made so far, of {MAX_ATTEMPTS}.", "example": 1},
    )
    error = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "retrying: the last attempt's error in one line; failed: why, and "
            "what to do next. Null otherwise.",
            "example": RUN_EXAMPLE_ERROR,
        },
    )
    next_attempt_at = ma.fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "retrying: when the next attempt is due, if known."},
    )
    requested_by = ma.fields.String(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    started_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    finished_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    timings = ma.fields.Nested(TimingsSchema, dump_only=True)
    counts = ma.fields.Nested(CountsSchema, dump_only=True)
    unmatched = ma.fields.List(
        ma.fields.Nested(UnmatchedSchema),
        dump_only=True,
        metadata={"description": "Every mentee left without a proposal, with the reason."},
    )
