"""The consortium page's evidence reports: each read through the service its API route calls
(the same figures, the same suppression of small numbers, the same 403/404), drawn and
tabled by the report's own table and chart functions, as the API's CSV and charts are.

A link cannot set Accept, which is how the API chooses CSV or a chart, so the console serves
the same representations at its own addresses (…/reports/flows.csv, .png, .svg); the API's
JSON addresses are linked beside them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure
from werkzeug.wrappers import Response

from consortium.core import reports
from consortium.core.errors import NotFound
from consortium.evaluation import report as evaluation_report
from consortium.evaluation import service as evaluation
from consortium.pages.actions import needs
from consortium.reciprocity import report as reciprocity_report
from consortium.reciprocity import service as reciprocity
from consortium.reports import service as consortium_reports
from consortium.reports.kinds import KINDS
from consortium.reports.routes import READERS

FORMATS = {"csv": reports.CSV, "png": reports.PNG, "svg": reports.SVG}
RECIPROCITY = "reciprocity"
# Headings for the page (each kind's description, a sentence, is shown under its heading).
TITLES = {
    "flows": "Flows between employers",
    "utilisation": "Use of the pool",
    "coach-load": "Coach load",
    "programme-outcomes": "Programme outcomes",
    "time-to-match": "Time to match",
}


@dataclass(frozen=True)
class Evidence:
    """One report, as data the caller may see, with its table, chart and file name."""

    name: str
    title: str
    description: str
    api_url: str
    data: dict[str, Any]
    table: Callable[[dict[str, Any]], reports.Table]
    chart: Callable[[Figure, dict[str, Any]], None]
    filename: str

    def rows(self) -> reports.Table:
        return self.table(self.data)

    def represent(self, fmt: str) -> Response:
        return reports.represent(
            FORMATS[fmt],
            table=self.rows,
            chart=lambda figure: self.chart(figure, self.data),
            filename=self.filename,
        )


def consortium_report(*, consortium_id: uuid.UUID, name: str) -> Evidence:
    """A consortium report by name (a KINDS kind, or the reciprocity ledger), as its API
    route reads it for the caller (default period: the year to today)."""
    needs(*READERS)  # the routes' @blp.auth (the ledger's and the evaluation report's alike)
    if name == RECIPROCITY:
        ledger = reciprocity.ledger(consortium_id=consortium_id)
        return Evidence(
            RECIPROCITY,
            "Reciprocity: hours given and received",
            "Mentoring hours each member organisation gave and received, from the held sessions.",
            f"/api/v1/consortia/{consortium_id}/reciprocity",
            ledger,
            reciprocity_report.table,
            reciprocity_report.chart,
            reciprocity_report.filename(ledger),
        )
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(f"No report called {name}.")
    # As the API's route: the data dumped by its schema is what the table and chart read.
    body = kind.schema().dump(consortium_reports.report(kind=kind, consortium_id=consortium_id))
    return Evidence(
        kind.name,
        TITLES.get(kind.name, kind.name),
        kind.description,
        f"/api/v1/reports/consortia/{consortium_id}/{kind.name}",
        body,
        kind.table,
        kind.chart,
        f"{kind.name}-{body['from']}-to-{body['to']}",
    )


def programme_report(*, programme_id: uuid.UUID) -> Evidence:
    """A programme's evaluation report, as GET /api/v1/programmes/{id}/evaluation-report."""
    needs(*READERS)
    data = evaluation.report(programme_id=programme_id)
    return Evidence(
        "evaluation",
        "Evaluation: completion, goals met, ratings",
        "The programme's outcomes, by sector and by organisation pair.",
        f"/api/v1/programmes/{programme_id}/evaluation-report",
        data,
        evaluation_report.table,
        evaluation_report.chart,
        evaluation_report.filename(data),
    )


def names() -> list[str]:
    return [RECIPROCITY, *KINDS]
