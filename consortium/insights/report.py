"""The collated feedback as a table (CSV: a row per comment of each whole group) and a chart."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from consortium.core import reports
from consortium.insights.models import THEMES

CSV_EXAMPLE = (
    "round,published_on,mentee_organisation_id,mentee_organisation,theme,contributors,"
    "mean_sentiment,sentiment_1,sentiment_2,sentiment_3,sentiment_4,sentiment_5,comment\r\n"
    "1,2027-03-31,8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b,Riverside NHS Foundation Trust,"
    "inclusion,3,3.7,0,1,0,2,0,Decisions are made in the corridor.\r\n"
)
HEADER = (
    "round",
    "published_on",
    "mentee_organisation_id",
    "mentee_organisation",
    "theme",
    "contributors",
    "mean_sentiment",
    "sentiment_1",
    "sentiment_2",
    "sentiment_3",
    "sentiment_4",
    "sentiment_5",
    "comment",
)


def table(collated: dict[str, Any]) -> reports.Table:
    """The same whole groups as the JSON: each comment a row carrying its group's figures."""
    rows: list[list[Any]] = []
    for group in collated["groups"]:
        organisation = group["mentee_organisation"]
        counts = group["sentiment"]["counts"]
        figures = [
            group["round"],
            group["published_on"].isoformat(),
            organisation["id"],
            organisation["name"],
            group["theme"],
            group["contributors"],
            group["sentiment"]["mean"],
            *(counts[n] for n in ("1", "2", "3", "4", "5")),
        ]
        rows.extend([*figures, comment] for comment in group["comments"])
    return reports.Table(header=HEADER, rows=rows)


def chart(figure: Figure, collated: dict[str, Any]) -> None:
    """Mean sentiment per organisation (and round), a bar per theme."""
    labels: list[str] = []
    means: dict[str, dict[str, float]] = {}
    for group in collated["groups"]:
        label = f"{group['mentee_organisation']['name']} (round {group['round']})"
        if label not in means:
            labels.append(label)
            means[label] = {}
        means[label][group["theme"]] = group["sentiment"]["mean"] or 0.0
    shown = [t for t in THEMES if any(t in m for m in means.values())]
    reports.grouped_bars(
        figure,
        labels=labels,
        series={t.title(): [means[label].get(t, 0.0) for label in labels] for t in shown[:4]},
        title=f"{collated['programme']}: how junior mentors see their mentees' organisations",
        unit="mean sentiment (1-5), groups of 3 or more people",
    )


def filename(collated: dict[str, Any]) -> str:
    return f"reverse-mentoring-feedback-{collated['programme_id']}"
