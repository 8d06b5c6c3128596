"""/api/v1/consortia/{id}/reciprocity: the hours member organisations gave and received."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView

from consortium.core import reports
from consortium.core.api import Blueprint
from consortium.reciprocity import report, service
from consortium.reciprocity.schemas import LedgerQuerySchema, LedgerSchema

blp = Blueprint(
    "reciprocity",
    __name__,
    url_prefix="/api/v1/consortia",
    description="The reciprocity ledger: mentoring hours given and received between employers.",
)


@blp.route("/<uuid:consortium_id>/reciprocity")
class Reciprocity(MethodView):
    @blp.auth("organisation:admin", "organisation:read", "consortium:coordinate", "platform:admin")
    @blp.arguments(LedgerQuerySchema, location="query")
    @blp.response(200, LedgerSchema)
    @blp.doc(
        responses=reports.documented(
            description="The ledger as JSON, as CSV (Accept: text/csv) or as a chart "
            "(Accept: image/svg+xml or image/png, 800 x 450 pixels).",
            schema="Ledger",
            csv_example=report.CSV_EXAMPLE,
        )
    )
    @blp.errors(404, 406)
    def get(self, period: dict[str, Any], consortium_id: uuid.UUID) -> dict[str, Any] | Response:
        """Show the hours each member organisation gave and received over a period.

        Every held session books its hours from the mentor's employer to the mentee's. An
        organisation's admins and API clients see its own line by counterpart and the others'
        totals (its other staff get 403); the consortium's coordinators see every line in
        full. Ask for CSV or a chart with the Accept header.
        """
        media_type = reports.chosen()
        ledger = service.ledger(consortium_id=consortium_id, **period)
        if media_type == reports.JSON:
            return ledger
        return reports.represent(
            media_type,
            table=lambda: report.table(ledger),
            chart=lambda figure: report.chart(figure, ledger),
            filename=report.filename(ledger),
        )
