"""Availability as the API shows and accepts it: rules, days off, the calendar feed, slots."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.availability.recurrence import (
    DEFAULT_TIMEZONE,
    EARLIEST,
    MAX_DURATION_MINUTES,
    YEARS_AHEAD,
    in_bounds,
)
from consortium.availability.service import MAX_RANGE
from consortium.core.api import Schema
from consortium.pool.schemas import MentorProfileSchema

TIMEZONE_HELP = "An IANA time zone; the default is Europe/London (clock changes followed)."
RRULE_HELP = (
    "An RFC 5545 recurrence rule without the RRULE: prefix; null or absent: once. FREQ is "
    "DAILY, WEEKLY, MONTHLY or YEARLY; UNTIL is a UTC time ending in Z; also INTERVAL, COUNT, "
    "BYDAY (1MO, -1FR with MONTHLY/YEARLY), BYMONTHDAY, BYMONTH, BYSETPOS (MONTHLY/YEARLY), "
    "BYHOUR, BYMINUTE and WKST. Occurrences keep their local time across clock changes."
)


# A wall-clock time has no JSON Schema format (`date-time` requires an offset): documented by
# its shape instead, so a client (or a fuzzer) sends what NaiveDateTime reads.
LOCAL_DATE_TIME = {
    "format": "local-date-time",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$",
}


def _timezone(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=validate.Length(1, 64),
        metadata={"description": TIMEZONE_HELP, "example": DEFAULT_TIMEZONE},
        **kwargs,
    )


class AvailabilityRuleSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    profile_id = ma.fields.UUID(dump_only=True)
    dtstart = ma.fields.NaiveDateTime(
        required=True,
        metadata={
            "description": "The first window's start, as a local wall-clock time in `timezone` "
            "(no offset).",
            "example": "2027-01-04T09:00:00",
            **LOCAL_DATE_TIME,
        },
    )
    duration_minutes = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, MAX_DURATION_MINUTES),
        metadata={"description": "How long each window lasts (at most 24 hours).", "example": 180},
    )
    rrule = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=500),
        metadata={"description": RRULE_HELP, "example": "FREQ=WEEKLY;BYDAY=MO,WE"},
    )
    timezone = _timezone(load_default=DEFAULT_TIMEZONE)
    created_by = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "Who added the rule. Only for those who may change it (the mentor, "
            "their organisation's admins and clients); absent for others.",
            "example": "Mona Mentor",
        },
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class AvailabilityRuleUpdateSchema(Schema):
    dtstart = ma.fields.NaiveDateTime(
        metadata={
            "description": "Local wall-clock start (no offset).",
            "example": "2027-01-04T10:00:00",
            **LOCAL_DATE_TIME,
        }
    )
    duration_minutes = ma.fields.Integer(
        strict=True, validate=validate.Range(1, MAX_DURATION_MINUTES), metadata={"example": 120}
    )
    rrule = ma.fields.String(
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": RRULE_HELP, "example": "FREQ=WEEKLY;BYDAY=TU"},
    )
    timezone = _timezone()


class AvailabilityExceptionSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    profile_id = ma.fields.UUID(dump_only=True)
    starts_on = ma.fields.Date(
        required=True, metadata={"description": "The first day off.", "example": "2027-04-05"}
    )
    ends_on = ma.fields.Date(
        required=True,
        metadata={"description": "The last day off (inclusive).", "example": "2027-04-09"},
    )
    timezone = _timezone(load_default=DEFAULT_TIMEZONE)
    reason = ma.fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={
            "description": "Why the days are off. Shown only to those who may change them (the "
            "mentor, their organisation's admins and clients); absent for others.",
            "example": "Annual leave",
        },
    )
    created_by = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "Who set the days off; like reason, absent for those who may not "
            "change them.",
            "example": "Mona Mentor",
        },
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.validates_schema
    def _in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "starts_on" in data and "ends_on" in data and data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError("ends_on must be on or after starts_on.", field_name="ends_on")


class BusyFeedSchema(Schema):
    url = ma.fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(1, 2000),
        metadata={
            "description": "Your calendar's free/busy or ICS address (https only). Stored "
            "encrypted and never shown again; only its host is.",
            "example": "https://outlook.office365.com/owa/calendar/abc/def/reachcalendar.ics",
        },
    )
    url_host = ma.fields.String(dump_only=True, metadata={"example": "outlook.office365.com"})
    status = ma.fields.String(
        dump_only=True,
        metadata={"description": "pending (not fetched yet), ok or failed.", "example": "ok"},
    )
    fetched_at = ma.fields.AwareDateTime(
        dump_only=True, allow_none=True, metadata={"description": "Last successful fetch."}
    )
    next_fetch_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    error = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Why the last fetch failed.", "example": None},
    )
    failures = ma.fields.Integer(
        dump_only=True, metadata={"description": "Failed fetches in a row.", "example": 0}
    )
    block_count = ma.fields.Integer(
        dump_only=True,
        metadata={"description": "Busy periods taken from the feed (next 92 days).", "example": 12},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


def _in_range(value: Any) -> None:
    # The same bounds as a rule's dtstart: outside them no slot can exist, and near the ends of
    # the calendar the day of margin the engine works with would overflow.
    if not in_bounds(value):
        raise ma.ValidationError(
            f"Give a time from {EARLIEST.year} to {YEARS_AHEAD} years from now."
        )


class _RangeSchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    start = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={
            "description": f"From (ISO 8601 with an offset); from {EARLIEST.year} to "
            f"{YEARS_AHEAD} years from now.",
            "example": "2027-03-01T00:00:00Z",
        },
    )
    end = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={
            "description": "Until (ISO 8601 with an offset); after start, at most 92 days later, "
            f"and at most {YEARS_AHEAD} years from now.",
            "example": "2027-03-31T00:00:00Z",
        },
    )
    duration = ma.fields.Integer(
        load_default=60,
        validate=validate.Range(15, 480),
        metadata={"description": "Slot length in minutes (15 to 480).", "example": 60},
    )

    @ma.validates_schema
    def _sensible_range(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return
        if end <= start:
            raise ma.ValidationError("end must be after start.", field_name="end")
        if end - start > MAX_RANGE:
            raise ma.ValidationError("Ask for at most 92 days at a time.", field_name="end")


class SlotQuerySchema(_RangeSchema):
    pass


class SlotSearchQuerySchema(_RangeSchema):
    consortium_id = ma.fields.UUID(
        required=True, metadata={"description": "The consortium whose pool to search."}
    )
    topic = ma.fields.String(
        validate=validate.Length(1, 100),
        metadata={
            "description": "Only mentors with this expertise topic.",
            "example": "leadership",
        },
    )
    per_mentor = ma.fields.Integer(
        load_default=3,
        validate=validate.Range(1, 10),
        metadata={"description": "The earliest slots shown per mentor (1 to 10).", "example": 3},
    )


class SlotSchema(Schema):
    start = ma.fields.AwareDateTime(metadata={"example": "2027-03-29T08:00:00+00:00"})
    end = ma.fields.AwareDateTime(metadata={"example": "2027-03-29T09:00:00+00:00"})
    local_start = ma.fields.AwareDateTime(
        metadata={
            "description": "The start in the mentor's time zone (the rule's), with its offset.",
            "example": "2027-03-29T09:00:00+01:00",
        }
    )
    utc_offset = ma.fields.String(
        metadata={"description": "The local offset from UTC at the start.", "example": "+01:00"}
    )
    timezone = ma.fields.String(metadata={"example": DEFAULT_TIMEZONE})


class MentorSlotsSchema(Schema):
    mentor = ma.fields.Nested(MentorProfileSchema)
    slots = ma.fields.List(ma.fields.Nested(SlotSchema))
