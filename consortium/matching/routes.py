"""/api/v1/programmes/{id}/matching-runs: start the matching engine, and see what it found."""

from __future__ import annotations

import uuid
from typing import Any

from flask import url_for
from flask.views import MethodView
from sqlalchemy import Select

from consortium.core.api import Blueprint
from consortium.matching import service
from consortium.matching.schemas import MatchingRunSchema

blp = Blueprint(
    "matching-runs",
    __name__,
    url_prefix="/api/v1/programmes",
    description="Matching runs: the engine proposes a programme's cross-organisation pairings.",
)


@blp.route("/<uuid:programme_id>/matching-runs")
class MatchingRuns(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.response(200, MatchingRunSchema(many=True))
    @blp.paginate_sql(present=service.present)
    @blp.errors(404)
    def get(self, programme_id: uuid.UUID) -> Select[Any]:
        """List a programme's matching runs, newest first (its coordinators)."""
        return service.list_runs(programme_id=programme_id)

    @blp.auth("consortium:coordinate")
    @blp.idempotent
    @blp.response(202, MatchingRunSchema)
    @blp.errors(404, 409)
    def post(self, programme_id: uuid.UUID) -> Any:
        """Start a matching run: proposals for every open application without a pairing.

        Runs in the background; follow it at the returned run (Location). Hard constraints
        are never broken; each proposal carries its score and reasons, and the run lists
        every mentee left unmatched with the reason. One run per programme at a time (409).
        """
        run = service.start_run(programme_id=programme_id)
        location = url_for(
            "matching-runs.MatchingRunItem", programme_id=programme_id, run_id=run.id
        )
        return service.present_one(run), 202, {"Location": location}


@blp.route("/<uuid:programme_id>/matching-runs/<uuid:run_id>")
class MatchingRunItem(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.response(200, MatchingRunSchema)
    @blp.errors(404)
    def get(self, programme_id: uuid.UUID, run_id: uuid.UUID) -> dict[str, Any]:
        """Show a run: status, seconds per phase, counts, and why each mentee is unmatched."""
        return service.present_one(service.get_run(programme_id=programme_id, run_id=run_id))
