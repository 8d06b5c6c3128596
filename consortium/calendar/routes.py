"""A person's calendar feed: its secret address under /api/v1/me/calendar, and the feed itself
at /calendar/{token}.ics (the token is the credential: calendar apps cannot sign in)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView

from consortium.calendar import service
from consortium.calendar.schemas import CalendarFeedSchema
from consortium.core.api import Blueprint

blp = Blueprint(
    "calendar",
    __name__,
    url_prefix="/api/v1",
    description="Your sessions as a calendar feed you subscribe to in a calendar app.",
)
feed = Blueprint(
    "calendar_feed",
    __name__,
    description="Calendar feeds at secret addresses, for calendar apps (no sign-in).",
)

ICS_EXAMPLE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Consortium//Mentoring sessions//EN\r\n"
    "CALSCALE:GREGORIAN\r\nX-WR-CALNAME:Mentoring sessions: Amara Okafor\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n...\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:Mentoring: Amara Okafor and Sam Patel\r\n"
    "DTSTART;TZID=Europe/London:20270603T140000\r\n"
    "DTEND;TZID=Europe/London:20270603T150000\r\nSEQUENCE:1\r\nSTATUS:CONFIRMED\r\n"
    "UID:9d1c0f5e-2b7a-4c1e-8f3d-5a6b7c8d9e0f@consortium.example.org\r\n...\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


@blp.route("/me/calendar")
class MyCalendar(MethodView):
    @blp.auth()
    @blp.response(200, CalendarFeedSchema)
    def get(self) -> dict[str, Any]:
        """Show the secret address of your sessions' calendar feed.

        The feed is set up the first time you ask. It lists your sessions as mentor or mentee
        from 90 days ago onwards, cancelled ones marked as cancelled, and updates itself as
        sessions are booked, moved or cancelled. Signed-in people only: API clients and the
        platform have no calendar (403).
        """
        return service.present(service.get_my_feed())


@blp.route("/me/calendar/rotate")
class MyCalendarRotation(MethodView):
    @blp.auth()
    @blp.response(200, CalendarFeedSchema)
    def post(self) -> dict[str, Any]:
        """Replace your calendar feed's secret address with a new one.

        Use it if the address leaked: the old address stops working at once (404), so
        subscribe to the new one in your calendar app. Signed-in people only (403 for API
        clients and the platform).
        """
        return service.present(service.rotate_my_feed())


@feed.route("/calendar/<string:token>.ics")
class CalendarFeed(MethodView):
    @feed.doc(
        security=[],
        responses={
            "200": {
                "description": "The person's sessions as an iCalendar (RFC 5545) document.",
                "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {
                    "text/calendar": {"schema": {"type": "string"}, "example": ICS_EXAMPLE}
                },
            },
            "304": {"description": "Unchanged since the ETag sent in If-None-Match."},
        },
    )
    @feed.errors(404)
    def get(self, token: str) -> Response:
        """Fetch a person's sessions as an iCalendar feed.

        No sign-in: the secret token in the address is the credential, as calendar apps
        expect (the person reads it from GET /api/v1/me/calendar). An unknown or replaced
        token answers 404, and so does the token of a person (or organisation) no longer
        active, until they are reactivated. Sessions from 90 days ago onwards, cancelled ones with
        STATUS:CANCELLED; times in Europe/London with its VTIMEZONE.
        """
        document = service.feed_document(token=token)
        response = Response(document.text, mimetype="text/calendar")
        response.headers["Content-Disposition"] = 'inline; filename="mentoring-sessions.ics"'
        response.headers["Cache-Control"] = "private, no-store"
        response.add_etag()
        response.make_conditional(request)  # 304 for a matching If-None-Match
        return response
