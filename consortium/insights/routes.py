"""/api/v1/insight-entries (a junior mentor's own feedback) and the collated report and rounds
of a reverse mentoring programme (/api/v1/programmes/{id}/insights, …/insight-rounds)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView

from consortium.core import reports
from consortium.core.api import Blueprint
from consortium.insights import report, service
from consortium.insights.schemas import (
    InsightEntryQuerySchema,
    InsightEntrySchema,
    InsightEntryUpdateSchema,
    InsightReportQuerySchema,
    InsightReportSchema,
    InsightRoundSchema,
)

blp = Blueprint(
    "insights",
    __name__,
    url_prefix="/api/v1",
    description="Reverse mentoring feedback: junior mentors on their mentees' organisations, "
    "published in rounds and shown only in groups of at least 3 people.",
)


@blp.route("/insight-entries")
class Entries(MethodView):
    @blp.auth("pool:read")
    @blp.arguments(InsightEntryQuerySchema, location="query")
    @blp.response(200, InsightEntrySchema(many=True))
    @blp.paginate_list(key=lambda e: (str(e["programme_id"]), str(e["id"])))
    def get(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """List your own feedback entries waiting for the next round.

        Yours alone: nobody else's are ever listed, and API clients (the platform's
        included) get 403. A round that publishes an entry removes it from here.
        """
        return service.present_entries(service.list_entries(**filters))

    @blp.auth("pool:write")
    @blp.etag
    @blp.arguments(InsightEntrySchema)
    @blp.response(201, InsightEntrySchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Write feedback about your mentee's organisation (the mentor of a reverse mentoring
        pairing).

        One entry per theme per mentee organisation per round (409 names the one you have).
        It is published, without your name, only in a group of at least 3 people; until then
        you may change or withdraw it.
        """
        return service.present_entry(service.add_entry(**data))


@blp.route("/insight-entries/<uuid:entry_id>")
class EntryItem(MethodView):
    @blp.auth("pool:read")
    @blp.etag
    @blp.response(200, InsightEntrySchema)
    @blp.errors(404)
    def get(self, entry_id: uuid.UUID) -> dict[str, Any]:
        """Show one of your own feedback entries waiting for the next round."""
        return service.present_entry(service.get_entry(entry_id=entry_id))

    @blp.auth("pool:write")
    @blp.etag
    @blp.arguments(InsightEntryUpdateSchema)
    @blp.response(200, InsightEntrySchema)
    @blp.errors(404)
    def patch(self, data: dict[str, Any], entry_id: uuid.UUID) -> dict[str, Any]:
        """Change the sentiment or comment of your pending entry (send If-Match)."""
        entry = service.get_entry(entry_id=entry_id)
        blp.check_etag(service.present_entry(entry), InsightEntrySchema)
        return service.present_entry(service.update_entry(entry=entry, changes=data))

    @blp.auth("pool:write")
    @blp.etag
    @blp.response(204)
    @blp.errors(404)
    def delete(self, entry_id: uuid.UUID) -> None:
        """Withdraw your pending entry (send If-Match): it is deleted."""
        entry = service.get_entry(entry_id=entry_id)
        blp.check_etag(service.present_entry(entry), InsightEntrySchema)
        service.withdraw_entry(entry=entry)


@blp.route("/programmes/<uuid:programme_id>/insight-rounds")
class Rounds(MethodView):
    @blp.auth("consortium:coordinate", "platform:admin")
    @blp.response(201, InsightRoundSchema)
    @blp.errors(404, 409)
    def post(self, programme_id: uuid.UUID) -> dict[str, Any]:
        """Publish the next round of a reverse mentoring programme's feedback (coordinators).

        Publishes every group (mentee organisation x theme) with at least 3 people not yet in
        a published round, frozen from then on; smaller groups wait for a later round. 409
        when no group is ready (the answer says nothing of what waits).
        """
        return service.publish_round(programme_id=programme_id)


@blp.route("/programmes/<uuid:programme_id>/insights")
class Insights(MethodView):
    @blp.auth("organisation:admin", "consortium:coordinate", "platform:admin")
    @blp.arguments(InsightReportQuerySchema, location="query")
    @blp.response(200, InsightReportSchema)
    @blp.doc(
        responses=reports.documented(
            description="The published groups as JSON, as CSV (Accept: text/csv, a row per "
            "comment) or as a chart (Accept: image/svg+xml or image/png, 800 x 450 pixels).",
            schema="InsightReport",
            csv_example=report.CSV_EXAMPLE,
        )
    )
    @blp.errors(404, 406)
    def get(self, filters: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any] | Response:
        """Show what junior mentors said about their mentees' organisations, collated.

        Only published rounds, only whole groups of at least 3 people, with no authors and no
        times but the round's day; filters choose whole rounds and groups. For the
        consortium's coordinators (every group) and the mentee organisations' admins (the
        groups about their own); other staff get 403.
        """
        media_type = reports.chosen()
        collated = service.report(programme_id=programme_id, **filters)
        if media_type == reports.JSON:
            return collated
        return reports.represent(
            media_type,
            table=lambda: report.table(collated),
            chart=lambda figure: report.chart(figure, collated),
            filename=report.filename(collated),
        )
