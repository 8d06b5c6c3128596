"""The ledger as a table (CSV) and as a chart, for board papers."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from consortium.core import reports

CSV_EXAMPLE = (
    "organisation_id,organisation,counterpart_id,counterpart,hours_given,hours_received,balance\r\n"
    "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b,Riverside NHS Foundation Trust,,,42.5,30.0,12.5\r\n"
    "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b,Riverside NHS Foundation Trust,"
    "1c9e7a2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d,Northshire Police,20.0,12.0,8.0\r\n"
)


def table(ledger: dict[str, Any]) -> reports.Table:
    """One row per organisation (its totals), then one per counterpart where shown."""
    rows: list[list[Any]] = []
    for line in ledger["organisations"]:
        organisation = line["organisation"]
        rows.append([organisation["id"], organisation["name"], "", "", *_figures(line)])
        for other in line["counterparts"] or []:
            rows.append(
                [
                    organisation["id"],
                    organisation["name"],
                    other["organisation"]["id"],
                    other["organisation"]["name"],
                    *_figures(other),
                ]
            )
    header = (
        "organisation_id",
        "organisation",
        "counterpart_id",
        "counterpart",
        "hours_given",
        "hours_received",
        "balance",
    )
    return reports.Table(header=header, rows=rows)


def chart(figure: Figure, ledger: dict[str, Any]) -> None:
    lines = ledger["organisations"]
    reports.grouped_bars(
        figure,
        labels=[line["organisation"]["name"] for line in lines],
        series={
            "Hours given": [line["hours_given"] for line in lines],
            "Hours received": [line["hours_received"] for line in lines],
        },
        title=f"Mentoring hours given and received, {ledger['start']} to {ledger['end']}",
        unit="hours",
    )


def filename(ledger: dict[str, Any]) -> str:
    return f"reciprocity-{ledger['start']}-to-{ledger['end']}"


def _figures(line: dict[str, Any]) -> list[float]:
    return [line["hours_given"], line["hours_received"], line["balance"]]
