"""Sessions, their notes, follow-up actions and goal reviews as the API shows and takes them."""

from __future__ import annotations

from datetime import MAXYEAR, UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.sessions.models import MODES, NOTE_KINDS, ROLES, SESSION_STATUSES

EXAMPLE_ID = "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
MAX_LOCATION = 500
MAX_REASON = 2000
MAX_NOTE = 20_000
MAX_ACTION = 2000
MAX_COMMENT = 2000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("May not be blank.")


def _in_range(value: datetime) -> None:
    try:
        # The last year is refused too: availability is computed with a day's margin around.
        in_range = value.astimezone(UTC).year < MAXYEAR
    except (OverflowError, ValueError):  # e.g. year 1 with a positive offset
        in_range = False
    if not in_range:
        raise ma.ValidationError("This time is out of range.")


# --- sessions --------------------------------------------------------------------------------


class SessionCancellationSchema(Schema):
    at = ma.fields.AwareDateTime()
    by = ma.fields.String(metadata={"example": "Amara Okafor"})
    reason = ma.fields.String(metadata={"example": "I am on call that day."})


class MentoringSessionSchema(Schema):
    """A booked meeting of a pairing's mentor and mentee.

    scheduled → held or no_show (once it has started), or cancelled (before it ends).
    """

    id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    match_id = ma.fields.UUID(metadata={"description": "The pairing."})
    status = ma.fields.String(
        validate=validate.OneOf(SESSION_STATUSES), metadata={"example": "scheduled"}
    )
    start = ma.fields.AwareDateTime(metadata={"example": "2027-03-04T10:00:00+00:00"})
    end = ma.fields.AwareDateTime(metadata={"example": "2027-03-04T11:00:00+00:00"})
    mode = ma.fields.String(validate=validate.OneOf(MODES), metadata={"example": "virtual"})
    location = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Where to meet (in person), or a meeting link (virtual).",
            "example": "Room 2, Trust HQ, Leeds",
        },
    )
    sequence = ma.fields.Integer(
        metadata={
            "description": "Bumped on every change calendars must pick up (RFC 5545 SEQUENCE).",
            "example": 0,
        }
    )
    mentor_person_id = ma.fields.UUID(allow_none=True)
    mentee_person_id = ma.fields.UUID()
    booked_by = ma.fields.String(allow_none=True, metadata={"example": "Amara Okafor"})
    cancellation = ma.fields.Nested(
        SessionCancellationSchema,
        allow_none=True,
        metadata={"description": "Who cancelled it, when and why (null unless cancelled)."},
    )
    late_cancellation = ma.fields.Boolean(
        metadata={
            "description": "Cancelled within the notice period before its start.",
            "example": False,
        }
    )
    absent = ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": "For a no_show: who did not come.", "example": None},
    )
    attendance_marked_by = ma.fields.String(
        allow_none=True,
        metadata={"description": "Who marked it held or a no-show.", "example": None},
    )
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class MentoringSessionCreateSchema(Schema):
    start = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={
            "description": "ISO 8601 with an offset; in the future, inside the mentor's "
            "availability.",
            "example": "2027-03-04T10:00:00+00:00",
        },
    )
    end = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={
            "description": "After start, at most 8 hours later.",
            "example": "2027-03-04T11:00:00+00:00",
        },
    )
    mode = ma.fields.String(
        required=True, validate=validate.OneOf(MODES), metadata={"example": "in_person"}
    )
    location = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=MAX_LOCATION),
        metadata={
            "description": "Required in person: where to meet. Virtual: optionally a link.",
            "example": "Room 2, Trust HQ, Leeds",
        },
    )


class MentoringSessionUpdateSchema(Schema):
    """What to change; what is left out stays."""

    start = ma.fields.AwareDateTime(
        validate=_in_range, metadata={"example": "2027-03-05T10:00:00+00:00"}
    )
    end = ma.fields.AwareDateTime(
        validate=_in_range, metadata={"example": "2027-03-05T11:00:00+00:00"}
    )
    mode = ma.fields.String(validate=validate.OneOf(MODES), metadata={"example": "virtual"})
    location = ma.fields.String(
        allow_none=True,
        validate=validate.Length(max=MAX_LOCATION),
        metadata={"example": "https://meet.example.org/abc-defg-hij"},
    )


class MentoringSessionQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = ma.fields.String(validate=validate.OneOf(SESSION_STATUSES))


class SessionCancelSchema(Schema):
    reason = ma.fields.String(
        required=True,
        validate=[validate.Length(max=MAX_REASON), _not_blank],
        metadata={
            "description": "Why: sent to both people with the cancellation.",
            "example": "I am on call that day; could we meet the following week?",
        },
    )

    @ma.post_load
    def _strip(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["reason"] = data["reason"].strip()
        return data


class SessionNoShowSchema(Schema):
    absent = ma.fields.String(
        required=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": "Who did not come: mentor or mentee.", "example": "mentee"},
    )


# --- notes -----------------------------------------------------------------------------------


class SessionNoteSchema(Schema):
    """A note on a session. prep: the mentee's preparation, written before it; shared: either
    person's, seen by both; private: its author's alone (nobody else ever sees it)."""

    id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    session_id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(
        required=True, validate=validate.OneOf(NOTE_KINDS), metadata={"example": "shared"}
    )
    body = ma.fields.String(
        required=True,
        validate=[validate.Length(max=MAX_NOTE), _not_blank],
        metadata={"example": "We agreed to map the referral pathway before next time."},
    )
    author_person_id = ma.fields.UUID(dump_only=True)
    author = ma.fields.String(
        dump_only=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": "mentor or mentee.", "example": "mentee"},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class SessionNoteUpdateSchema(Schema):
    body = ma.fields.String(
        required=True,
        validate=[validate.Length(max=MAX_NOTE), _not_blank],
        metadata={"example": "We agreed to map the referral pathway and share it by Friday."},
    )


class SessionNoteQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    kind = ma.fields.String(validate=validate.OneOf(NOTE_KINDS))


# --- follow-up actions -----------------------------------------------------------------------


class SessionActionSchema(Schema):
    """A follow-up action agreed at a session: who owns it, by when, and whether it is done."""

    id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    session_id = ma.fields.UUID(dump_only=True)
    description = ma.fields.String(
        required=True,
        validate=[validate.Length(max=MAX_ACTION), _not_blank],
        metadata={"example": "Draft the project charter and share it."},
    )
    owner = ma.fields.String(
        required=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": "Whose action: mentor or mentee.", "example": "mentee"},
    )
    owner_person_id = ma.fields.UUID(dump_only=True)
    due_on = ma.fields.Date(allow_none=True, load_default=None, metadata={"example": "2027-03-18"})
    done = ma.fields.Boolean(dump_only=True, metadata={"example": False})
    done_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    created_by = ma.fields.String(dump_only=True, metadata={"example": "Amara Okafor"})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class SessionActionUpdateSchema(Schema):
    """What to change; what is left out stays."""

    done = ma.fields.Boolean(metadata={"example": True})
    due_on = ma.fields.Date(allow_none=True, metadata={"example": "2027-03-25"})
    description = ma.fields.String(
        validate=[validate.Length(max=MAX_ACTION), _not_blank],
        metadata={"example": "Draft the project charter and share it with the sponsor."},
    )


# --- goals -----------------------------------------------------------------------------------


class MatchGoalSchema(Schema):
    """A goal of the mentee's application, carried into the pairing when it became active."""

    id = ma.fields.UUID(metadata={"example": EXAMPLE_ID})
    match_id = ma.fields.UUID()
    position = ma.fields.Integer(metadata={"description": "Its order, from 0.", "example": 0})
    description = ma.fields.String(
        metadata={"example": "Lead my first service-improvement project."}
    )
    measure = ma.fields.String(
        metadata={
            "description": "How the mentee will know it is met.",
            "example": "The project's plan is signed off by the board by June.",
        }
    )
    latest_rating = ma.fields.Integer(
        allow_none=True,
        metadata={
            "description": "Progress at the latest session that reviewed it: 1 (not started) "
            "to 5 (achieved); null until reviewed.",
            "example": 3,
        },
    )


class GoalReviewSchema(Schema):
    """A goal revisited at a held session: progress rated 1 (not started) to 5 (achieved)."""

    goal_id = ma.fields.UUID(required=True, metadata={"example": EXAMPLE_ID})
    rating = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(1, 5), metadata={"example": 3}
    )
    comment = ma.fields.String(
        load_default="",
        validate=validate.Length(max=MAX_COMMENT),
        metadata={"example": "The charter is drafted; the sponsor meets us next month."},
    )
    session_id = ma.fields.UUID(dump_only=True)
    reviewed_by = ma.fields.String(dump_only=True, metadata={"example": "Amara Okafor"})
    updated_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.post_load
    def _none_is_blank(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["comment"] = (data.get("comment") or "").strip()
        return data
