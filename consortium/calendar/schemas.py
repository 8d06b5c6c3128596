"""A person's calendar feed as GET /api/v1/me/calendar shows it."""

from __future__ import annotations

import marshmallow as ma

from consortium.core.api import Schema

EXAMPLE_URL = (
    "https://consortium.example.org/calendar/3q2-Xv8dYkQ1mZ0bT7wq4Lr9sNc6pA5eHuJfGiKoWyE.ics"
)


class CalendarFeedSchema(Schema):
    """The secret address of the signed-in person's sessions as an iCalendar feed."""

    url = ma.fields.Url(
        dump_only=True,
        metadata={
            "description": "Subscribe to this in a calendar app (Outlook, Google, Apple). "
            "Whoever has it can read your sessions' times, places and the other person's "
            "name and email, so keep it to yourself; rotate it if it leaks.",
            "example": EXAMPLE_URL,
        },
    )
    created_at = ma.fields.AwareDateTime(
        dump_only=True, metadata={"description": "When the feed was first set up."}
    )
    rotated_at = ma.fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When the address was last replaced; null if never."},
    )
