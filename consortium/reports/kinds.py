"""The kinds of consortium report: how each is computed, shown as JSON, CSV and a chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from consortium.core import reports
from consortium.core.api import Schema
from consortium.reports import figures, report, schemas


@dataclass(frozen=True)
class Kind:
    name: str  # its path segment
    summary: str  # the route's summary, imperative
    description: str
    build: Callable[..., dict[str, Any]]
    schema: type[Schema]
    table: Callable[[dict[str, Any]], reports.Table]
    chart: Callable[[Figure, dict[str, Any]], None]
    csv_example: str

    @property
    def schema_name(self) -> str:
        return self.schema.__name__.removesuffix("Schema")


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "flows",
            "Show who mentors whom between member organisations over a period.",
            "Pairings approved and hours of sessions held, per mentor's employer → mentee's.",
            figures.flows,
            schemas.FlowsReportSchema,
            report.flows_table,
            report.flows_chart,
            report.FLOWS_CSV,
        ),
        Kind(
            "utilisation",
            "Show the pool's released capacity against the places taken.",
            "Mentors released to the consortium per member, their places (capacity) and the "
            "places the consortium's pairings take; pairings active in the period.",
            figures.utilisation,
            schemas.UtilisationReportSchema,
            report.utilisation_table,
            report.utilisation_chart,
            report.UTILISATION_CSV,
        ),
        Kind(
            "coach-load",
            "Show coach load and fatigue: places taken against capacity, recent sessions.",
            "Per coach (named to their own employer and the coordinators) and per employer "
            "(counts and a distribution of load for every member): places taken in every "
            "consortium against capacity, sessions held in the 30 days to `to`, and the share "
            "at or over capacity.",
            figures.coach_load,
            schemas.CoachLoadReportSchema,
            report.coach_load_table,
            report.coach_load_chart,
            report.COACH_LOAD_CSV,
        ),
        Kind(
            "programme-outcomes",
            "Show what became of the pairings proposed in each programme over a period.",
            "Proposed, approved, active, ended, completed and declined pairings, and the "
            "completion rate, per programme and by mentee organisation.",
            figures.programme_outcomes,
            schemas.ProgrammeOutcomesReportSchema,
            report.programme_outcomes_table,
            report.programme_outcomes_chart,
            report.OUTCOMES_CSV,
        ),
        Kind(
            "time-to-match",
            "Show the days from application to approved pairing, by programme.",
            "For pairings approved in the period: the median and the 90th percentile of the "
            "days from the mentee's application to the pairing's approval.",
            figures.time_to_match,
            schemas.TimeToMatchReportSchema,
            report.time_to_match_table,
            report.time_to_match_chart,
            report.TIME_TO_MATCH_CSV,
        ),
    )
}
