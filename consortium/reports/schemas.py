"""The consortium reports as the API shows them, the period they are asked for, and builds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import marshmallow as ma

from consortium.core.api import Schema
from consortium.core.jobs import STATUSES
from consortium.jobs.schemas import ProgressSchema
from consortium.reports.access import SUPPRESSED

EXAMPLE_ORG = "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b"
# A longer period is a history export, not a board report (and a heavy query).
LONGEST_PERIOD = timedelta(days=3 * 366)


class PeriodQuerySchema(Schema):
    start = ma.fields.Date(
        data_key="from",
        metadata={
            "description": "The first day of the period (default: 364 days before `to`).",
            "example": "2026-01-01",
        },
    )
    end = ma.fields.Date(
        data_key="to",
        metadata={
            "description": "The last day of the period, included (default: today, UTC).",
            "example": "2026-12-31",
        },
    )

    @ma.validates_schema
    def _in_order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ma.ValidationError("to must be on or after from.", field_name="to")
        if start and end and end - start > LONGEST_PERIOD:
            raise ma.ValidationError(
                "A report covers at most three years: move from closer to to.", field_name="from"
            )


class Count(ma.fields.Field):
    """A count of people, or "<5" where it would describe few people of another employer."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


COUNT_DOC = {
    "oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "enum": [SUPPRESSED]}],
    "description": 'A count of people; "<5" where it would count fewer than 5 people of '
    "another member organisation.",
    "example": 12,
}


def count(description: str | None = None) -> Count:
    doc = dict(COUNT_DOC)
    if description:
        doc["description"] = f"{description} {doc['description']}"
    return Count(metadata=doc)


def _suppressed() -> ma.fields.Boolean:
    return ma.fields.Boolean(
        metadata={
            "description": "True where the line is another employer's and counts fewer than 5 "
            'people: its counts read "<5" and what they would reveal is null.'
        }
    )


class ReportOrganisationSchema(Schema):
    id = ma.fields.UUID(metadata={"example": EXAMPLE_ORG})
    name = ma.fields.String(metadata={"example": "Riverside NHS Foundation Trust"})


class ReportProgrammeSchema(Schema):
    id = ma.fields.UUID()
    name = ma.fields.String(metadata={"example": "Leading Across Boundaries"})
    type = ma.fields.String(metadata={"example": "traditional"})


class ReportSchema(Schema):
    consortium_id = ma.fields.UUID()
    start = ma.fields.Date(data_key="from", metadata={"example": "2026-01-01"})
    end = ma.fields.Date(data_key="to", metadata={"example": "2026-12-31"})


# --- flows ------------------------------------------------------------------------------------


class FlowSchema(Schema):
    mentor_organisation = ma.fields.Nested(ReportOrganisationSchema)
    mentee_organisation = ma.fields.Nested(ReportOrganisationSchema)
    pairings = count("Pairings approved in the period.")
    hours = ma.fields.Float(
        allow_none=True,
        metadata={"description": "Hours of sessions held in the period.", "example": 22.5},
    )
    suppressed = _suppressed()


class FlowsReportSchema(ReportSchema):
    """Who mentors whom: pairings approved and session hours held in the period, from the
    mentor's employer to the mentee's."""

    total_pairings = ma.fields.Integer(metadata={"example": 31})
    total_hours = ma.fields.Float(metadata={"example": 84.5})
    flows = ma.fields.List(ma.fields.Nested(FlowSchema))


# --- utilisation ------------------------------------------------------------------------------


class UtilisationLineSchema(Schema):
    organisation = ma.fields.Nested(ReportOrganisationSchema)
    mentors = count("Mentors and coaches released to the consortium.")
    places = ma.fields.Integer(
        metadata={"description": "Their capacity: mentees at a time, in all.", "example": 14}
    )
    taken = count("Places taken now by the consortium's pairings (proposed, approved, active).")
    active_in_period = count("Pairings on these mentors active at some time in the period.")
    utilisation = ma.fields.Float(
        allow_none=True, metadata={"description": "Taken of places (0-1).", "example": 0.64}
    )
    suppressed = _suppressed()


class UtilisationReportSchema(ReportSchema):
    """The pool's capacity released to the consortium against the places pairings take."""

    mentors = ma.fields.Integer(metadata={"example": 40})
    places = ma.fields.Integer(metadata={"example": 95})
    taken = ma.fields.Integer(metadata={"example": 61})
    active_in_period = ma.fields.Integer(metadata={"example": 70})
    utilisation = ma.fields.Float(allow_none=True, metadata={"example": 0.642})
    organisations = ma.fields.List(ma.fields.Nested(UtilisationLineSchema))


# --- coach load -------------------------------------------------------------------------------


class LoadBandsSchema(Schema):
    none = count("Coaches with no pairing.")
    under_half = count("Coaches using under half their capacity.")
    half_or_more = count("Coaches using half their capacity or more, below all of it.")
    at_or_over = count("Coaches at or over capacity.")


class CoachLoadLineSchema(Schema):
    organisation = ma.fields.Nested(ReportOrganisationSchema)
    coaches = count()
    at_or_over_capacity = count()
    share_at_or_over_capacity = ma.fields.Float(allow_none=True, metadata={"example": 0.25})
    sessions_30_days = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Sessions its coaches held in the 30 days to `to`."},
    )
    load_distribution = ma.fields.Nested(LoadBandsSchema)
    suppressed = _suppressed()


class NamedCoachSchema(Schema):
    profile_id = ma.fields.UUID()
    name = ma.fields.String(metadata={"example": "Mona Mentor"})
    organisation = ma.fields.Nested(ReportOrganisationSchema)
    capacity = ma.fields.Integer(metadata={"example": 3})
    pairings = ma.fields.Integer(
        metadata={
            "description": "Places taken in every consortium (proposed, approved, active).",
            "example": 3,
        }
    )
    sessions_30_days = ma.fields.Integer(metadata={"example": 5})
    at_or_over_capacity = ma.fields.Boolean()


class CoachLoadReportSchema(ReportSchema):
    """Coach load and fatigue: places taken against capacity, sessions in the last 30 days,
    the share at or over capacity; coaches named to their own employer and coordinators."""

    coaches = ma.fields.Integer(metadata={"example": 40})
    at_or_over_capacity = ma.fields.Integer(metadata={"example": 6})
    share_at_or_over_capacity = ma.fields.Float(allow_none=True, metadata={"example": 0.15})
    sessions_30_days = ma.fields.Integer(metadata={"example": 52})
    organisations = ma.fields.List(ma.fields.Nested(CoachLoadLineSchema))
    named_coaches = ma.fields.List(
        ma.fields.Nested(NamedCoachSchema),
        metadata={"description": "Your organisation's coaches (coordinators: every coach)."},
    )


# --- programme outcomes -----------------------------------------------------------------------


class OutcomeFiguresSchema(Schema):
    proposed = ma.fields.Integer(metadata={"description": "Pairings proposed in the period."})
    approved = ma.fields.Integer(metadata={"description": "Of those, approved."})
    active = ma.fields.Integer(metadata={"description": "Of those, active now."})
    ended = ma.fields.Integer(metadata={"description": "Of those, completed or closed early."})
    completed = ma.fields.Integer()
    declined = ma.fields.Integer(
        metadata={"description": "Of those, declined by a person or rejected by a coordinator."}
    )
    completion_rate = ma.fields.Float(
        allow_none=True,
        metadata={"description": "Completed of those that ended (0-1).", "example": 0.8},
    )


class OrganisationOutcomesSchema(OutcomeFiguresSchema):
    organisation = ma.fields.Nested(ReportOrganisationSchema)


class ProgrammeOutcomesSchema(OutcomeFiguresSchema):
    programme = ma.fields.Nested(ReportProgrammeSchema)
    by_mentee_organisation = ma.fields.List(
        ma.fields.Nested(OrganisationOutcomesSchema),
        metadata={"description": "Your organisation's mentees (coordinators: every member's)."},
    )


class ProgrammeOutcomesReportSchema(ReportSchema, OutcomeFiguresSchema):
    """What became of the pairings proposed in the period, per programme."""

    programmes = ma.fields.List(ma.fields.Nested(ProgrammeOutcomesSchema))


# --- time to match ----------------------------------------------------------------------------


class WaitFiguresSchema(Schema):
    pairings = ma.fields.Integer(metadata={"description": "Pairings approved in the period."})
    median_days = ma.fields.Float(allow_none=True, metadata={"example": 12.5})
    p90_days = ma.fields.Float(
        allow_none=True,
        metadata={"description": "90% of mentees were matched within this.", "example": 30.0},
    )


class OrganisationWaitSchema(WaitFiguresSchema):
    organisation = ma.fields.Nested(ReportOrganisationSchema)


class ProgrammeWaitSchema(WaitFiguresSchema):
    programme = ma.fields.Nested(ReportProgrammeSchema)
    by_mentee_organisation = ma.fields.List(ma.fields.Nested(OrganisationWaitSchema))


class TimeToMatchReportSchema(ReportSchema, WaitFiguresSchema):
    """Days from a mentee's application to their pairing's approval (pairings approved in the
    period): the median and the 90th percentile, per programme."""

    programmes = ma.fields.List(ma.fields.Nested(ProgrammeWaitSchema))


# --- builds -----------------------------------------------------------------------------------


class BuildSchema(Schema):
    """A report being built in the background (a job), then fetched from `result_url`."""

    id = ma.fields.UUID(metadata={"description": "The build's id: also its job's."})
    kind = ma.fields.String(metadata={"example": "coach-load"})
    consortium_id = ma.fields.UUID()
    start = ma.fields.Date(data_key="from", metadata={"example": "2026-01-01"})
    end = ma.fields.Date(data_key="to", metadata={"example": "2026-12-31"})
    status = ma.fields.String(metadata={"enum": list(STATUSES), "example": "running"})
    progress = ma.fields.Nested(ProgressSchema, allow_none=True)
    error = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    finished_at = ma.fields.AwareDateTime(allow_none=True)
    job_url = ma.fields.String(
        metadata={"example": "/api/v1/jobs/0b8e5f0c-3f7e-4c1a-9a57-6d2f4f0e9b31"}
    )
    result_url = ma.fields.String(
        allow_none=True,
        metadata={"description": "Where the report is, once the build has succeeded."},
    )
