"""The evaluation report as a table (CSV) and as a chart, for board papers."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from consortium.core import reports
from consortium.evaluation.figures import FAMILIES, FIGURES
from consortium.evaluation.suppression import SUPPRESSED

COLUMNS = tuple(f"{family}.{figure}" for family in FAMILIES for figure in FIGURES[family])
HEADER = ("breakdown", "sector", "mentor_organisation", "mentee_organisation", *COLUMNS)
CSV_EXAMPLE = (
    ",".join(HEADER)
    + "\r\n"
    + "programme,,,,12,6,5,0.833,11,11,24,15,7,0.625,4.27,0.909,98.5,10,31,4.1\r\n"
    + "sector,fire,,,<5,<5,<5,<5,<5,<5,<5,<5,<5,<5,<5,<5,<5,<5,<5,<5\r\n"
)


def _values(cell: dict[str, Any]) -> list[Any]:
    return [cell[family][figure] for family in FAMILIES for figure in FIGURES[family]]


def table(data: dict[str, Any]) -> reports.Table:
    """The programme's row, then one per sector, then one per organisation pair."""
    rows: list[list[Any]] = [["programme", "", "", "", *_values(data["total"])]]
    rows += [["sector", c["sector"], "", "", *_values(c)] for c in data["by_sector"]]
    rows += [
        [
            "organisation_pair",
            c["sector"],
            c["mentor_organisation"]["name"],
            c["mentee_organisation"]["name"],
            *_values(c),
        ]
        for c in data["by_organisation_pair"]
    ]
    return reports.Table(header=HEADER, rows=rows)


def _percent(value: Any) -> float:
    # A suppressed or undefined figure is drawn as no bar; its label says why.
    return 0.0 if value in (SUPPRESSED, None) else round(100 * float(value), 1)


def chart(figure: Figure, data: dict[str, Any]) -> None:
    cells = [("Whole programme", data["total"])] + [
        (c["sector"].replace("_", " ").capitalize(), c) for c in data["by_sector"]
    ]

    def label(name: str, cell: dict[str, Any]) -> str:
        suppressed = any(cell[f]["people"] == SUPPRESSED for f in ("completion", "evaluations"))
        return f"{name} (<5, not shown)" if suppressed else name

    reports.grouped_bars(
        figure,
        labels=[label(name, cell) for name, cell in cells],
        series={
            "Completed with both evaluations": [
                _percent(c["completion"]["completion_rate"]) for _, c in cells
            ],
            "Goals met": [_percent(c["evaluations"]["goals_met_share"]) for _, c in cells],
            "Would recommend": [
                _percent(c["evaluations"]["would_recommend_share"]) for _, c in cells
            ],
        },
        title=f"{data['programme']['name']}: outcomes by sector",
        unit="% (cells of fewer than 5 people are not shown)",
    )


def filename(data: dict[str, Any]) -> str:
    return f"evaluation-{data['programme']['id']}"
