"""A report in the form its reader asks for: JSON for programs, CSV for spreadsheets, and a
chart (SVG or PNG, drawn by matplotlib) that a coordinator can paste into a board paper.

A route builds its report once as data, then `represent(...)` answers in the media type the
Accept header prefers (JSON when it names none of these; 406 when it only names others).
`documented(...)` is the matching OpenAPI fragment for the route's 200 response.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, request

# Figures made directly, never through pyplot: no global state and no display (thread-safe).
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from werkzeug.exceptions import NotAcceptable

JSON, CSV, SVG, PNG = "application/json", "text/csv", "image/svg+xml", "image/png"
MEDIA_TYPES = (JSON, CSV, SVG, PNG)
# Charts: 8 x 4.5 inches; a PNG at 100 dots per inch is 800 x 450 pixels.
CHART_SIZE, PNG_DPI = (8.0, 4.5), 100
# Okabe-Ito colours: told apart with any colour vision, and in greyscale print (with hatching).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")


@dataclass(frozen=True)
class Table:
    """A report as rows under a header (what CSV shows and the chart is drawn from)."""

    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


def chosen() -> str:
    """The media type to answer in: the best of MEDIA_TYPES by Accept (JSON by default)."""
    accept = request.accept_mimetypes
    if not accept or accept.best == "*/*":
        return JSON
    best = accept.best_match(MEDIA_TYPES)
    if best is None:
        raise NotAcceptable(
            "This report is available as " + ", ".join(MEDIA_TYPES) + "; the Accept header "
            "names none of them."
        )
    return best


def represent(
    media_type: str,
    *,
    table: Callable[[], Table],
    chart: Callable[[Figure], None],
    filename: str,
) -> Response:
    """The CSV or chart response for a report (JSON is the route's own serialisation)."""
    if media_type == CSV:
        return _download(csv_text(table()), f"{CSV}; charset=utf-8", f"{filename}.csv")
    figure = Figure(figsize=CHART_SIZE, layout="constrained")
    chart(figure)
    buffer = io.BytesIO()
    if media_type == SVG:
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        return _download(buffer.getvalue(), SVG, f"{filename}.svg")
    figure.savefig(buffer, format="png", dpi=PNG_DPI)
    return _download(buffer.getvalue(), PNG, f"{filename}.png")


def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(table.header)
    writer.writerows([_safe_cell(v) for v in row] for row in table.rows)
    return out.getvalue()


def _safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs: names may start with = + - @ (OWASP
    CSV injection), so such text gets a leading apostrophe. Numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Vary"] = "Accept"
    return response


def grouped_bars(
    figure: Figure,
    *,
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    unit: str,
) -> None:
    """Horizontal bars, one group per label (e.g. organisations), one bar per series."""
    axes = figure.add_subplot()
    count = max(len(series), 1)
    height = 0.8 / count
    for k, (name, values) in enumerate(series.items()):
        positions = [i + (k - (count - 1) / 2) * height for i in range(len(labels))]
        axes.barh(
            positions,
            values,
            height=height,
            label=name,
            color=COLOURS[k % len(COLOURS)],
            hatch=("", "//", "..", "xx")[k % 4],
            edgecolor="white",
        )
    axes.set_yticks(range(len(labels)), labels=[_wrapped(label) for label in labels])
    axes.invert_yaxis()  # the first label at the top, as in the table
    axes.set_xlabel(unit)
    # Over the whole figure, not the axes: the labels' width does not push it off the edge.
    figure.suptitle(title)
    # Below the axes (the constrained layout makes room): it never hides a bar.
    figure.legend(loc="outside lower center", ncols=min(count, 4), frameon=False)
    if all(float(v).is_integer() for values in series.values() for v in values):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2 of a coach
    axes.grid(axis="x", alpha=0.3)
    if not labels:
        axes.text(
            0.5, 0.5, "Nothing to show for this period", ha="center", transform=axes.transAxes
        )


def _wrapped(label: str, width: int = 32) -> str:
    """A long label on at most two lines: "giver → receiver" one each, else wrapped, each line
    cut short with an ellipsis past `width`."""
    giver, arrow, receiver = label.partition(" → ")
    if arrow:
        lines = [giver, f"→ {receiver}"]
    else:
        lines = textwrap.wrap(label, width) or [""]
        lines = [lines[0], " ".join(lines[1:])] if len(lines) > 2 else lines
    return "\n".join(textwrap.shorten(line, width, placeholder="…") for line in lines if line)


def documented(*, description: str, schema: str, csv_example: str) -> dict[str, Any]:
    """The OpenAPI content of a report's 200: JSON (`schema`, a component's name), CSV, SVG
    and PNG (document 406 with the route's errors)."""
    return {
        "200": {
            "description": description,
            "headers": {
                "Content-Disposition": {
                    "description": "A file name for the CSV or chart (inline).",
                    "schema": {"type": "string"},
                }
            },
            "content": {
                JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}},
                CSV: {"schema": {"type": "string"}, "example": csv_example},
                SVG: {"schema": {"type": "string"}},
                PNG: {"schema": {"type": "string", "format": "binary"}},
            },
        },
    }
