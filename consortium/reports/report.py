"""Each consortium report as a table (CSV) and a chart, drawn from its JSON (as the API shows
it, so a build's stored result draws the same as a report made now)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from consortium.core import reports
from consortium.reports.access import SUPPRESSED


def _number(value: Any) -> float:
    """A cell as a bar's length: a suppressed or missing figure draws as nothing."""
    return 0.0 if value is None or value == SUPPRESSED else float(value)


def _period(body: dict[str, Any]) -> str:
    return f"{body['from']} to {body['to']}"


def _bars(
    figure: Figure,
    body: dict[str, Any],
    *,
    labels: Sequence[str],
    series: dict[str, Sequence[Any]],
    title: str,
    unit: str,
    suppressed: bool = False,
) -> None:
    reports.grouped_bars(
        figure,
        labels=labels,
        series={name: [_number(v) for v in values] for name, values in series.items()},
        title=f"{title}, {_period(body)}",
        unit=unit,
    )
    if suppressed:
        figure.text(0.01, 0.01, "Figures under 5 people of other employers are not shown.")


def _org(cell: dict[str, Any]) -> list[Any]:
    return [cell["id"], cell["name"]]


# --- flows ------------------------------------------------------------------------------------

FLOWS_CSV = (
    "mentor_organisation_id,mentor_organisation,mentee_organisation_id,mentee_organisation,"
    "pairings,hours\r\n"
    "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b,Riverside NHS Foundation Trust,"
    "1c9e7a2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d,Northshire Police,7,22.5\r\n"
)


def flows_table(body: dict[str, Any]) -> reports.Table:
    header = (
        "mentor_organisation_id",
        "mentor_organisation",
        "mentee_organisation_id",
        "mentee_organisation",
        "pairings",
        "hours",
    )
    rows = [
        [
            *_org(f["mentor_organisation"]),
            *_org(f["mentee_organisation"]),
            f["pairings"],
            f["hours"],
        ]
        for f in body["flows"]
    ]
    return reports.Table(header=header, rows=rows)


def flows_chart(figure: Figure, body: dict[str, Any]) -> None:
    lines = body["flows"]
    _bars(
        figure,
        body,
        labels=[
            f"{f['mentor_organisation']['name']} → {f['mentee_organisation']['name']}"
            for f in lines
        ],
        series={"Hours held": [f["hours"] for f in lines]},
        title="Mentoring hours by mentor's → mentee's employer",
        unit="hours",
        suppressed=any(f["suppressed"] for f in lines),
    )


# --- utilisation ------------------------------------------------------------------------------

UTILISATION_CSV = (
    "organisation_id,organisation,mentors,places,taken,active_in_period,utilisation\r\n"
    "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b,Riverside NHS Foundation Trust,6,14,9,11,0.643\r\n"
)


def utilisation_table(body: dict[str, Any]) -> reports.Table:
    header = (
        "organisation_id",
        "organisation",
        "mentors",
        "places",
        "taken",
        "active_in_period",
        "utilisation",
    )
    rows = [
        [
            *_org(line["organisation"]),
            line["mentors"],
            line["places"],
            line["taken"],
            line["active_in_period"],
            line["utilisation"],
        ]
        for line in body["organisations"]
    ]
    return reports.Table(header=header, rows=rows)


def utilisation_chart(figure: Figure, body: dict[str, Any]) -> None:
    lines = body["organisations"]
    _bars(
        figure,
        body,
        labels=[line["organisation"]["name"] for line in lines],
        series={
            "Places released": [line["places"] for line in lines],
            "Places taken": [line["taken"] for line in lines],
        },
        title="The pool: places released and taken",
        unit="places (mentees at a time)",
        suppressed=any(line["suppressed"] for line in lines),
    )


# --- coach load -------------------------------------------------------------------------------

COACH_LOAD_CSV = (
    "organisation_id,organisation,coach_profile_id,coach,capacity,pairings,sessions_30_days,"
    "coaches,at_or_over_capacity,share_at_or_over_capacity\r\n"
    "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b,Riverside NHS Foundation Trust,,,,,9,6,1,0.167\r\n"
    "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b,Riverside NHS Foundation Trust,"
    "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b,Mona Mentor,3,3,4,,True,\r\n"
)


def coach_load_table(body: dict[str, Any]) -> reports.Table:
    """One row per organisation (its counts), then one per named coach."""
    header = (
        "organisation_id",
        "organisation",
        "coach_profile_id",
        "coach",
        "capacity",
        "pairings",
        "sessions_30_days",
        "coaches",
        "at_or_over_capacity",
        "share_at_or_over_capacity",
    )
    rows: list[list[Any]] = [
        [
            *_org(line["organisation"]),
            "",
            "",
            "",
            "",
            line["sessions_30_days"],
            line["coaches"],
            line["at_or_over_capacity"],
            line["share_at_or_over_capacity"],
        ]
        for line in body["organisations"]
    ]
    rows += [
        [
            *_org(coach["organisation"]),
            coach["profile_id"],
            coach["name"],
            coach["capacity"],
            coach["pairings"],
            coach["sessions_30_days"],
            "",
            coach["at_or_over_capacity"],
            "",
        ]
        for coach in body["named_coaches"]
    ]
    return reports.Table(header=header, rows=rows)


def coach_load_chart(figure: Figure, body: dict[str, Any]) -> None:
    lines = body["organisations"]
    _bars(
        figure,
        body,
        labels=[line["organisation"]["name"] for line in lines],
        series={
            "No pairing": [line["load_distribution"]["none"] for line in lines],
            "Under half": [line["load_distribution"]["under_half"] for line in lines],
            "Half or more": [line["load_distribution"]["half_or_more"] for line in lines],
            "At or over capacity": [line["load_distribution"]["at_or_over"] for line in lines],
        },
        title="Coach load by employer",
        unit="coaches",
        suppressed=any(line["suppressed"] for line in lines),
    )


# --- programme outcomes -----------------------------------------------------------------------

OUTCOMES_CSV = (
    "programme_id,programme,organisation_id,organisation,proposed,approved,active,ended,"
    "completed,declined,completion_rate\r\n"
    "3f4e5d6c-7b8a-4c9d-8e0f-1a2b3c4d5e6f,Leading Across Boundaries,,,24,20,9,8,7,4,0.875\r\n"
)
OUTCOME_FIGURES = ("proposed", "approved", "active", "ended", "completed", "declined")


def programme_outcomes_table(body: dict[str, Any]) -> reports.Table:
    """One row per programme, then one per mentee organisation shown."""
    return _by_programme(body, (*OUTCOME_FIGURES, "completion_rate"))


def _by_programme(body: dict[str, Any], figures: tuple[str, ...]) -> reports.Table:
    """One row per programme, then one per mentee organisation shown, with `figures`."""
    header = ("programme_id", "programme", "organisation_id", "organisation", *figures)
    rows: list[list[Any]] = []
    for line in body["programmes"]:
        programme = [line["programme"]["id"], line["programme"]["name"]]
        rows.append([*programme, "", "", *(line[f] for f in figures)])
        for org in line["by_mentee_organisation"]:
            rows.append([*programme, *_org(org["organisation"]), *(org[f] for f in figures)])
    return reports.Table(header=header, rows=rows)


def programme_outcomes_chart(figure: Figure, body: dict[str, Any]) -> None:
    lines = body["programmes"]
    _bars(
        figure,
        body,
        labels=[line["programme"]["name"] for line in lines],
        series={
            "Proposed": [line["proposed"] for line in lines],
            "Approved": [line["approved"] for line in lines],
            "Completed": [line["completed"] for line in lines],
            "Declined": [line["declined"] for line in lines],
        },
        title="Programme outcomes of pairings proposed",
        unit="pairings",
    )


# --- time to match ----------------------------------------------------------------------------

TIME_TO_MATCH_CSV = (
    "programme_id,programme,organisation_id,organisation,pairings,median_days,p90_days\r\n"
    "3f4e5d6c-7b8a-4c9d-8e0f-1a2b3c4d5e6f,Leading Across Boundaries,,,20,12.5,30.0\r\n"
)


def time_to_match_table(body: dict[str, Any]) -> reports.Table:
    return _by_programme(body, ("pairings", "median_days", "p90_days"))


def time_to_match_chart(figure: Figure, body: dict[str, Any]) -> None:
    lines = body["programmes"]
    _bars(
        figure,
        body,
        labels=[line["programme"]["name"] for line in lines],
        series={
            "Median": [line["median_days"] for line in lines],
            "90th percentile": [line["p90_days"] for line in lines],
        },
        title="Days from application to approved pairing",
        unit="days",
    )
