"""Session feedback, pairing evaluations, and the programme's evaluation report.

- /api/v1/matches/{match_id}/sessions/{session_id}/feedback and
  /api/v1/matches/{match_id}/evaluations: the pair's two people give them; anyone else gets
  404 (coordinators read evaluations, and the feedback left for them through the programme);
- /api/v1/programmes/{programme_id}/evaluation-report: aggregates only, small numbers
  suppressed; /api/v1/programmes/{programme_id}/feedback: the comments left for the
  coordinators, to them alone.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView
from sqlalchemy import Select

from consortium.core import reports
from consortium.core.api import Blueprint
from consortium.evaluation import report, service
from consortium.evaluation.models import SessionFeedback
from consortium.evaluation.schemas import (
    EvaluationInSchema,
    EvaluationReportSchema,
    EvaluationSchema,
    FeedbackInSchema,
    FeedbackSchema,
)

blp = Blueprint(
    "evaluation",
    __name__,
    url_prefix="/api/v1",
    description="Feedback on held sessions, evaluations of ended pairings (after the EMCC "
    "ISMCP), and each programme's evaluation report.",
)


@blp.route("/matches/<uuid:match_id>/sessions/<uuid:session_id>/feedback")
class SessionFeedbackCollection(MethodView):
    @blp.auth("pool:read")
    @blp.etag
    @blp.response(200, FeedbackSchema(many=True))
    @blp.errors(404)
    def get(self, match_id: uuid.UUID, session_id: uuid.UUID) -> list[dict[str, Any]]:
        """List a session's feedback you may read (the pair only).

        Your own, and the other person's when they shared it with the pair; feedback left for
        the coordinators is not shown to the other person. The ETag is what giving feedback
        needs in If-Match.
        """
        return service.present_feedback(
            service.list_feedback(match_id=match_id, session_id=session_id)
        )

    @blp.auth("pool:write")
    @blp.etag
    @blp.arguments(FeedbackInSchema)
    @blp.response(200, FeedbackSchema(many=True))
    @blp.errors(404, 409)
    def put(
        self, data: dict[str, Any], match_id: uuid.UUID, session_id: uuid.UUID
    ) -> list[dict[str, Any]]:
        """Rate a held session 1-5 and comment (either person; send If-Match).

        Once per person: giving it again replaces your own. visibility `pair` lets the other
        person read the comment; `coordinator` lets only the consortium's coordinators read
        it. Before the session is held: 409. Returns the session's feedback as you read it.
        """
        current = service.list_feedback(match_id=match_id, session_id=session_id)
        blp.check_etag(service.present_feedback(current), FeedbackSchema(many=True))
        return service.present_feedback(
            service.give_feedback(match_id=match_id, session_id=session_id, **data)
        )


@blp.route("/matches/<uuid:match_id>/evaluations")
class Evaluations(MethodView):
    @blp.auth("pool:read", "consortium:coordinate")
    @blp.response(200, EvaluationSchema(many=True))
    @blp.errors(404)
    def get(self, match_id: uuid.UUID) -> list[dict[str, Any]]:
        """List a pairing's evaluations: your own, or (coordinators) both people's."""
        return [service.present_evaluation(e) for e in service.list_evaluations(match_id=match_id)]

    @blp.auth("pool:write")
    @blp.idempotent
    @blp.etag
    @blp.arguments(EvaluationInSchema)
    @blp.response(201, EvaluationSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Evaluate your ended pairing, once (either person).

        After the EMCC's International Standards for Mentoring and Coaching Programmes: how
        far each goal of the application was met (a rating 1-5, or met / partly / not; every
        goal once), what changed, whether you would recommend it, and the hours you gave.
        Before the pairing has ended, or a second time: 409.
        """
        return service.present_evaluation(service.submit_evaluation(match_id=match_id, **data))


@blp.route("/programmes/<uuid:programme_id>/feedback")
class ProgrammeFeedback(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.response(200, FeedbackSchema(many=True))
    @blp.paginate_sql(present=service.present_feedback)
    @blp.errors(404)
    def get(self, programme_id: uuid.UUID) -> Select[SessionFeedback]:
        """List the session feedback the programme's people left for its coordinators.

        Only comments whose authors chose visibility `coordinator`, oldest first; for the
        coordinators of the consortium that runs the programme, nobody else.
        """
        return service.programme_feedback(programme_id=programme_id)


@blp.route("/programmes/<uuid:programme_id>/evaluation-report")
class EvaluationReport(MethodView):
    @blp.auth("organisation:admin", "organisation:read", "consortium:coordinate", "platform:admin")
    @blp.response(200, EvaluationReportSchema)
    @blp.doc(
        responses=reports.documented(
            description="The report as JSON, as CSV (Accept: text/csv) or as a chart "
            "(Accept: image/svg+xml or image/png, 800 x 450 pixels).",
            schema="EvaluationReport",
            csv_example=report.CSV_EXAMPLE,
        )
    )
    @blp.errors(404, 406)
    def get(self, programme_id: uuid.UUID) -> dict[str, Any] | Response:
        """Show a programme's outcomes: completion, goals met, ratings, would recommend.

        For the programme, by sector (the mentees' employers') and by organisation pair. Any
        figure built from fewer than 5 people reads "<5", as do the figures that would let
        one be worked out by subtraction. No comment or person is in it. The consortium's
        coordinators see every pair; a member organisation's admins and API clients see the
        pairs their organisation is in (its other staff get 403). Ask for CSV or a chart with
        the Accept header.
        """
        media_type = reports.chosen()
        data = service.report(programme_id=programme_id)
        if media_type == reports.JSON:
            return data
        return reports.represent(
            media_type,
            table=lambda: report.table(data),
            chart=lambda figure: report.chart(figure, data),
            filename=report.filename(data),
        )
