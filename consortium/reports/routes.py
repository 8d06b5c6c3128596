"""/api/v1/reports/consortia/{id}/{kind}: consortium reports for boards, and their builds.

Each kind (flows, utilisation, coach-load, programme-outcomes, time-to-match) answers now, as
JSON, CSV or a chart by the Accept header; or is built by a job: POST .../{kind}/builds → 202
with the build (its progress on the build and on /api/v1/jobs/{id}), then
GET .../builds/{id}/result in any of the same media types once it has succeeded.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Response
from flask.views import MethodView

from consortium.core import reports
from consortium.core.api import Blueprint
from consortium.reports import service
from consortium.reports.kinds import KINDS, Kind
from consortium.reports.schemas import BuildSchema, PeriodQuerySchema

blp = Blueprint(
    "consortium_reports",
    __name__,
    url_prefix="/api/v1/reports/consortia",
    description="Consortium reports for boards and funders: flows between employers, use of "
    "the pool, coach load, programme outcomes and time to match, as JSON, CSV or a chart.",
)

READERS = ("organisation:admin", "organisation:read", "consortium:coordinate", "platform:admin")
WHO = (
    " The consortium's coordinators see everything; a member organisation's admins and API "
    "clients see the consortium's totals and their own organisation in full, other employers' "
    'counts of fewer than 5 people as "<5" (their other staff get 403). Ask for CSV or a '
    "chart (800 x 450 pixels as PNG) with the Accept header."
)


def answer(kind: Kind, body: dict[str, Any], media_type: str, filename: str) -> Response:
    """The report (as the API shows it) in the media type asked for."""
    if media_type == reports.JSON:
        return Response(json.dumps(body), mimetype=reports.JSON, headers={"Vary": "Accept"})
    return reports.represent(
        media_type,
        table=lambda: kind.table(body),
        chart=lambda figure: kind.chart(figure, body),
        filename=filename,
    )


def _filename(body: dict[str, Any], kind: Kind) -> str:
    return f"{kind.name}-{body['from']}-to-{body['to']}"


def _report_view(kind: Kind) -> type[MethodView]:
    class ReportView(MethodView):
        @blp.auth(*READERS)
        @blp.arguments(PeriodQuerySchema, location="query")
        @blp.response(200, kind.schema)
        @blp.doc(
            responses=reports.documented(
                description=kind.description + " As JSON, CSV or a chart.",
                schema=kind.schema_name,
                csv_example=kind.csv_example,
            )
        )
        @blp.errors(404, 406)
        def get(self, period: dict[str, Any], consortium_id: uuid.UUID) -> Any:
            media_type = reports.chosen()
            data = service.report(kind=kind, consortium_id=consortium_id, **period)
            if media_type == reports.JSON:
                return data
            body = kind.schema().dump(data)
            return answer(kind, body, media_type, _filename(body, kind))

        get.__doc__ = f"{kind.summary}\n\n{kind.description}{WHO}"

    ReportView.__name__ = ReportView.__qualname__ = "".join(
        part.title() for part in kind.name.split("-")
    )
    return ReportView


for _kind in KINDS.values():
    blp.route(f"/<uuid:consortium_id>/{_kind.name}")(_report_view(_kind))

KIND_PARAMETER = {
    "in": "path",
    "name": "kind",
    "required": True,
    "description": "The report: " + ", ".join(KINDS) + ".",
    "schema": {"type": "string", "enum": list(KINDS)},
}


@blp.route("/<uuid:consortium_id>/<kind>/builds", parameters=[KIND_PARAMETER])
class Builds(MethodView):
    @blp.auth(*READERS)
    @blp.idempotent
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(202, BuildSchema)
    @blp.errors(404)
    def post(
        self, period: dict[str, Any], consortium_id: uuid.UUID, kind: str
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Start building a report in the background; follow the build for its progress.

        For a large consortium or a long period. The build is the report as you may see it
        now (see the report itself); fetch it from its `result_url` once it has succeeded,
        as JSON, CSV or a chart. Its progress is on the build and on its job.
        """
        build = service.start_build(
            kind=service.kind_named(kind), consortium_id=consortium_id, **period
        )
        location = f"/api/v1/reports/consortia/{consortium_id}/{kind}/builds/{build['id']}"
        return build, 202, {"Location": location}


@blp.route("/<uuid:consortium_id>/<kind>/builds/<uuid:build_id>", parameters=[KIND_PARAMETER])
class BuildItem(MethodView):
    @blp.auth(*READERS)
    @blp.response(200, BuildSchema)
    @blp.errors(404)
    def get(self, consortium_id: uuid.UUID, kind: str, build_id: uuid.UUID) -> dict[str, Any]:
        """Show a report build: its status, progress and, once done, where its result is.

        A build is seen by readers of the view it was made in (its organisation's admins and
        clients) and by the consortium's coordinators; to anyone else it does not exist.
        """
        return service.get_build(
            kind=service.kind_named(kind), consortium_id=consortium_id, build_id=build_id
        )


RESULT_DOC = {
    "200": {
        "description": "The built report: as JSON (the report's own schema), CSV "
        "(Accept: text/csv) or a chart (Accept: image/svg+xml or image/png).",
        "content": {
            reports.JSON: {
                "schema": {
                    "oneOf": [
                        {"$ref": f"#/components/schemas/{k.schema_name}"} for k in KINDS.values()
                    ]
                }
            },
            reports.CSV: {"schema": {"type": "string"}, "example": KINDS["flows"].csv_example},
            reports.SVG: {"schema": {"type": "string"}},
            reports.PNG: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@blp.route(
    "/<uuid:consortium_id>/<kind>/builds/<uuid:build_id>/result", parameters=[KIND_PARAMETER]
)
class BuildResult(MethodView):
    @blp.auth(*READERS)
    @blp.doc(responses=RESULT_DOC)
    @blp.errors(404, 406, 409)
    def get(self, consortium_id: uuid.UUID, kind: str, build_id: uuid.UUID) -> Response:
        """Fetch a built report as JSON, CSV or a chart (409 until the build has succeeded)."""
        chosen = service.kind_named(kind)
        media_type = reports.chosen()
        body = service.build_result(kind=chosen, consortium_id=consortium_id, build_id=build_id)
        return answer(chosen, body, media_type, _filename(body, chosen))
