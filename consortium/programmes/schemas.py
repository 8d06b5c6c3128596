"""Programmes and applications as the API shows and accepts them.

A programme's rules are flat columns on the model; the API nests them (`rules`,
`rules.eligibility`, `application_window`), so the response schemas build that shape in a
pre_dump from the row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.availability.recurrence import DEFAULT_TIMEZONE, zone
from consortium.availability.week import DAYS, PART_NAMES, PARTS
from consortium.core.api import Schema
from consortium.core.errors import Invalid
from consortium.organisations.models import SECTORS
from consortium.people.attributes import ATTRIBUTES, is_allowed
from consortium.pool.models import LEVEL_RANKS
from consortium.pool.topics import MAX_TOPIC_LENGTH, MAX_TOPICS
from consortium.programmes.models import (
    APPLICATION_STATUSES,
    BOARD_MENTOR_SENIORITY,
    MATCHING_MODES,
    PROGRAMME_STATUSES,
    PROGRAMME_TYPES,
    PROTECTED_TIME_STATUSES,
    SENIORITY_DIRECTIONS,
    WITHDRAWAL_REASONS,
    Application,
    Programme,
)

MAX_SESSIONS = 50
MAX_CADENCE_DAYS = 365
MAX_PROFESSIONS = 50
MAX_ORGANISATIONS = 100
MAX_GOALS = 5
MAX_STARTED_MONTHS = 120
MAX_WINDOW_DAYS = 730
MAX_SHORTLIST = 10
CREATE_STATUSES = ("draft", "open")
MODES = ("in_person", "virtual", "either")
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 15, 480
PROTECTED_TIME_HELP = (
    "Each applicant's line manager (or, when none is recorded, their organisation's admins) "
    "must approve the time before the application can be matched; they are asked by email "
    "and see only the programme and the time it needs, never the application."
)
SESSION_MINUTES_HELP = (
    f"How long one session is, {MIN_SESSION_MINUTES} to {MAX_SESSION_MINUTES} minutes: the "
    "time a manager is asked to protect is sessions x session_minutes."
)
SENIORITY_HELP = "1 (entry) to 9 (executive), the same scale as a person's seniority."
DISCIPLINE_HELP = (
    "Mentor and mentee must be of different professions (as their staff records give them; "
    "a pair with a profession not recorded is not proposed)."
)
OUTSIDE_SYSTEM_HELP = (
    "The mentor must come from outside the mentee's immediate system: another organisation "
    "in another sector (a trust's mentee gets no mentor from any health organisation)."
)
MENTOR_SENIORITY_HELP = (
    "Mentors need at least this seniority, 1 (entry) to 9 (executive); a mentor with none "
    "recorded is not proposed."
)
EXAMPLE_ID = "3f2b8c1e-6a4d-4e2f-9b7a-1c5d8e9f0a12"
CREATED = {"description": "When it was created (UTC).", "example": "2026-11-22T10:15:00+00:00"}
UPDATED = {"description": "When it last changed (UTC).", "example": "2026-11-23T08:30:00+00:00"}


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ma.ValidationError("Each value may appear once.")


def _json_text(value: Any) -> str:
    """A value as JSON spells it (true/false, not True/False)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- programmes --------------------------------------------------------------------------


class PositiveActionSchema(Schema):
    """A positive-action rule: only staff who declared one of `values` (and consented) apply."""

    attribute = ma.fields.String(
        required=True,
        validate=validate.OneOf(ATTRIBUTES),
        metadata={
            "description": "The self-declared attribute the rule reads: "
            + "; ".join(
                f"{name} ({', '.join(map(_json_text, v))})" for name, v in ATTRIBUTES.items()
            )
            + ".",
            "example": "ethnicity",
        },
    )
    values = ma.fields.List(
        ma.fields.Raw(metadata={"description": "One of the attribute's values."}),
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "The values the programme is for (text for ethnicity, true/false "
            "for yes/no attributes). Applicants must have declared one of them and consented "
            "to its use for this programme.",
            "example": ["asian", "black", "mixed", "other"],
        },
    )

    @ma.validates_schema
    def _values_of_attribute(self, data: dict[str, Any], **kwargs: Any) -> None:
        allowed = ATTRIBUTES.get(data.get("attribute", ""))
        if allowed is None:
            return
        values = data.get("values") or []
        bad = [v for v in values if not is_allowed(data["attribute"], v)]
        if bad:
            raise ma.ValidationError(
                f"{data['attribute']} takes these values: "
                f"{', '.join(_json_text(a) for a in allowed)}.",
                field_name="values",
            )
        if len(set(values)) != len(values):
            raise ma.ValidationError("Each value may appear once.", field_name="values")


class ReturnWindowSchema(Schema):
    """When, around their return date, a returner may apply (and still be matched)."""

    days_before = ma.fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(0, MAX_WINDOW_DAYS),
        metadata={"description": "Days before the return date the window opens.", "example": 60},
    )
    days_after = ma.fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(0, MAX_WINDOW_DAYS),
        metadata={"description": "Days after the return date it closes.", "example": 180},
    )


class EligibilitySchema(Schema):
    """Who may apply. Each rule given must hold; a rule left out does not restrict."""

    professions = ma.fields.List(
        ma.fields.String(
            validate=[
                validate.Length(1, 100),
                validate.Regexp(r"\S", error="A profession cannot be blank."),
            ]
        ),
        load_default=list,
        validate=[validate.Length(max=MAX_PROFESSIONS), _unique],
        metadata={
            "description": "Only staff whose recorded profession is one of these (ignoring "
            "case); empty means any profession.",
            "example": ["nursing", "midwifery"],
        },
    )
    seniority_min = ma.fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(1, 9),
        metadata={"description": f"At least this seniority. {SENIORITY_HELP}", "example": 3},
    )
    seniority_max = ma.fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(1, 9),
        metadata={"description": f"At most this seniority. {SENIORITY_HELP}", "example": 6},
    )
    organisation_ids = ma.fields.List(
        ma.fields.UUID(),
        load_default=list,
        validate=[validate.Length(max=MAX_ORGANISATIONS), _unique],
        metadata={
            "description": "Only staff of these member organisations; empty means every "
            "member organisation.",
            "example": [EXAMPLE_ID],
        },
    )
    started_within_months = ma.fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(1, MAX_STARTED_MONTHS),
        metadata={
            "description": "Graduate / new-starter: only staff whose recorded start date "
            "(a person's started_on) is within this many months before today, or still to "
            "come; none means any start date.",
            "example": 12,
        },
    )
    return_window = ma.fields.Nested(
        ReturnWindowSchema,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Return to work: only staff whose recorded return date (a person's "
            "returns_on) is at most days_before days ahead or days_after days past; none means "
            "no return date is needed."
        },
    )
    positive_action = ma.fields.Nested(
        PositiveActionSchema,
        allow_none=True,
        load_default=None,
        metadata={"description": "Optional positive-action rule (Equality Act 2010 s.158)."},
    )

    @ma.validates_schema
    def _range_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("seniority_min"), data.get("seniority_max")
        if low is not None and high is not None and low > high:
            raise ma.ValidationError(
                f"seniority_max ({high}) is below seniority_min ({low}).", "seniority_max"
            )


class RulesSchema(Schema):
    """How the programme runs and who may join it (defaults apply to what is left out)."""

    cross_organisation_required = ma.fields.Boolean(
        load_default=True,
        metadata={
            "description": "Mentor and mentee must work for different organisations.",
            "example": True,
        },
    )
    sessions_min = ma.fields.Integer(
        strict=True,
        load_default=3,
        validate=validate.Range(1, MAX_SESSIONS),
        metadata={"description": "Fewest sessions a pairing should hold.", "example": 3},
    )
    sessions_max = ma.fields.Integer(
        strict=True,
        load_default=6,
        validate=validate.Range(1, MAX_SESSIONS),
        metadata={
            "description": "Most sessions a pairing should hold; not below sessions_min.",
            "example": 6,
        },
    )
    cadence_days = ma.fields.Integer(
        strict=True,
        load_default=30,
        validate=validate.Range(1, MAX_CADENCE_DAYS),
        metadata={"description": "Days between sessions (30: monthly).", "example": 30},
    )
    min_accreditation_level = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(LEVEL_RANKS),
        metadata={
            "description": "Mentors need at least this accreditation level (ICF credentials "
            "count at their equivalent level); none means no requirement.",
            "example": "practitioner",
        },
    )
    seniority_direction = ma.fields.String(
        validate=validate.OneOf(SENIORITY_DIRECTIONS),
        metadata={
            "description": "any; mentor_senior (the mentor is more senior); mentor_junior (the "
            "mentor is more junior). Defaults to mentor_junior for reverse_mentoring, else any.",
            "example": "any",
        },
    )
    vetting_required = ma.fields.Boolean(
        load_default=True,
        metadata={"description": "Mentors must have current vetting.", "example": True},
    )
    protected_time_required = ma.fields.Boolean(
        load_default=False,
        metadata={"description": PROTECTED_TIME_HELP, "example": False},
    )
    session_minutes = ma.fields.Integer(
        strict=True,
        load_default=60,
        validate=validate.Range(MIN_SESSION_MINUTES, MAX_SESSION_MINUTES),
        metadata={"description": SESSION_MINUTES_HELP, "example": 60},
    )
    different_discipline_required = ma.fields.Boolean(
        load_default=False,
        metadata={"description": DISCIPLINE_HELP, "example": False},
    )
    outside_system_required = ma.fields.Boolean(
        load_default=False,
        metadata={"description": OUTSIDE_SYSTEM_HELP, "example": False},
    )
    mentor_seniority_min = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(1, 9),
        metadata={
            "description": f"{MENTOR_SENIORITY_HELP} Defaults to "
            f"{BOARD_MENTOR_SENIORITY} for board_mentoring, else none.",
            "example": None,
        },
    )
    eligibility = ma.fields.Nested(EligibilitySchema, load_default=dict)

    @ma.pre_load
    def _empty_eligibility(self, data: Any, **kwargs: Any) -> Any:
        # Nested defaults apply only to a nested object that is there.
        if isinstance(data, dict) and "eligibility" not in data:
            data = {**data, "eligibility": {}}
        return data

    @ma.validates_schema
    def _sessions_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("sessions_min"), data.get("sessions_max")
        if low is not None and high is not None and low > high:
            raise ma.ValidationError(
                f"sessions_max ({high}) is below sessions_min ({low}).", "sessions_max"
            )


class RulesUpdateSchema(Schema):
    """Rules to change; those left out stay. `eligibility`, when sent, replaces the old one."""

    cross_organisation_required = ma.fields.Boolean(metadata={"example": True})
    sessions_min = ma.fields.Integer(
        strict=True, validate=validate.Range(1, MAX_SESSIONS), metadata={"example": 3}
    )
    sessions_max = ma.fields.Integer(
        strict=True, validate=validate.Range(1, MAX_SESSIONS), metadata={"example": 6}
    )
    cadence_days = ma.fields.Integer(
        strict=True, validate=validate.Range(1, MAX_CADENCE_DAYS), metadata={"example": 30}
    )
    min_accreditation_level = ma.fields.String(
        allow_none=True, validate=validate.OneOf(LEVEL_RANKS), metadata={"example": None}
    )
    seniority_direction = ma.fields.String(
        validate=validate.OneOf(SENIORITY_DIRECTIONS), metadata={"example": "mentor_junior"}
    )
    vetting_required = ma.fields.Boolean(metadata={"example": True})
    protected_time_required = ma.fields.Boolean(
        metadata={"description": PROTECTED_TIME_HELP, "example": True}
    )
    session_minutes = ma.fields.Integer(
        strict=True,
        validate=validate.Range(MIN_SESSION_MINUTES, MAX_SESSION_MINUTES),
        metadata={"description": SESSION_MINUTES_HELP, "example": 90},
    )
    different_discipline_required = ma.fields.Boolean(
        metadata={"description": DISCIPLINE_HELP, "example": True}
    )
    outside_system_required = ma.fields.Boolean(
        metadata={"description": OUTSIDE_SYSTEM_HELP, "example": True}
    )
    mentor_seniority_min = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(1, 9),
        metadata={"description": f"{MENTOR_SENIORITY_HELP} null: none.", "example": 8},
    )
    eligibility = ma.fields.Nested(EligibilitySchema)


def _in_range(value: datetime) -> None:
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:  # e.g. year 1 with a positive offset
        raise ma.ValidationError("This time is out of range.") from exc


class WindowSchema(Schema):
    """When applications are taken: from opens_at, up to (not including) closes_at."""

    opens_at = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={"description": "With an offset.", "example": "2027-01-10T09:00:00+00:00"},
    )
    closes_at = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={
            "description": "With an offset; after opens_at.",
            "example": "2027-02-07T17:00:00+00:00",
        },
    )

    @ma.validates_schema
    def _closes_after_opening(self, data: dict[str, Any], **kwargs: Any) -> None:
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens is not None and closes is not None and closes <= opens:
            raise ma.ValidationError("closes_at must be after opens_at.", "closes_at")

    @ma.post_load
    def _in_utc(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {name: value.astimezone(UTC) for name, value in data.items()}


class WindowUpdateSchema(WindowSchema):
    """Either end of the window, or both; the result must still close after it opens."""

    opens_at = ma.fields.AwareDateTime(
        validate=_in_range, metadata={"example": "2027-01-10T09:00:00+00:00"}
    )
    closes_at = ma.fields.AwareDateTime(
        validate=_in_range, metadata={"example": "2027-02-07T17:00:00+00:00"}
    )


NAME = {"example": "Reverse mentoring 2027", "description": "1 to 200 characters."}
DESCRIPTION = {
    "example": "Senior leaders are mentored by staff from under-represented groups.",
    "description": "Up to 5,000 characters.",
}
MATCHING_MODE = {
    "description": "optimal: the best total fit (minimum-cost flow); stable: both sides rank "
    "and no pair would rather swap.",
    "example": "optimal",
}
STATUS_HELP = (
    "draft (seen by coordinators only) → open (taking applications while the window is open) "
    "→ matching → running → closed. Also open → closed, draft → closed and matching → open."
)


class ProgrammeSchema(Schema):
    """A programme: sent to create one, and as every programme response."""

    id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    consortium_id = ma.fields.UUID(
        required=True,
        metadata={"description": "The consortium that runs it (you must coordinate it)."},
    )
    name = ma.fields.String(required=True, validate=validate.Length(1, 200), metadata=NAME)
    description = ma.fields.String(
        load_default="", validate=validate.Length(max=5000), metadata=DESCRIPTION
    )
    type = ma.fields.String(
        required=True,
        validate=validate.OneOf(PROGRAMME_TYPES),
        metadata={"description": ", ".join(PROGRAMME_TYPES), "example": "reverse_mentoring"},
    )
    rules = ma.fields.Nested(RulesSchema, load_default=dict)
    application_window = ma.fields.Nested(WindowSchema, required=True)
    matching_mode = ma.fields.String(
        load_default="optimal", validate=validate.OneOf(MATCHING_MODES), metadata=MATCHING_MODE
    )
    status = ma.fields.String(
        load_default="draft",
        validate=validate.OneOf(CREATE_STATUSES),
        metadata={
            "description": f"{STATUS_HELP} A new programme starts as draft or open.",
            # Responses carry every status; a create is refused (422) for any but these two.
            "enum": list(PROGRAMME_STATUSES),
            "example": "draft",
        },
    )
    accepting_applications = ma.fields.Boolean(
        dump_only=True,
        metadata={
            "description": "Open, and now is within the application window.",
            "example": False,
        },
    )
    created_by = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The principal that created it.",
            "example": "person:" + EXAMPLE_ID,
        },
    )
    created_at = ma.fields.AwareDateTime(dump_only=True, metadata=CREATED)
    updated_at = ma.fields.AwareDateTime(dump_only=True, metadata=UPDATED)

    @ma.pre_load
    def _empty_rules(self, data: Any, **kwargs: Any) -> Any:
        # Nested defaults apply only to a nested object that is there.
        if isinstance(data, dict) and "rules" not in data:
            data = {**data, "rules": {}}
        return data

    @ma.pre_dump
    def _nest(self, programme: Any, **kwargs: Any) -> Any:
        return programme_document(programme) if isinstance(programme, Programme) else programme


def programme_document(programme: Programme) -> dict[str, Any]:
    """The row in the API's nested shape."""
    from consortium.programmes.service import accepting_applications

    eligibility = dict(programme.eligibility or {})
    return {
        "id": programme.id,
        "consortium_id": programme.consortium_id,
        "name": programme.name,
        "description": programme.description,
        "type": programme.type,
        "rules": {
            "cross_organisation_required": programme.cross_organisation_required,
            "sessions_min": programme.sessions_min,
            "sessions_max": programme.sessions_max,
            "cadence_days": programme.cadence_days,
            "min_accreditation_level": programme.min_accreditation_level,
            "seniority_direction": programme.seniority_direction,
            "vetting_required": programme.vetting_required,
            "protected_time_required": programme.protected_time_required,
            "session_minutes": programme.session_minutes,
            "different_discipline_required": programme.different_discipline_required,
            "outside_system_required": programme.outside_system_required,
            "mentor_seniority_min": programme.mentor_seniority_min,
            "eligibility": {
                "professions": eligibility.get("professions") or [],
                "seniority_min": eligibility.get("seniority_min"),
                "seniority_max": eligibility.get("seniority_max"),
                "organisation_ids": eligibility.get("organisation_ids") or [],
                "started_within_months": eligibility.get("started_within_months"),
                "return_window": eligibility.get("return_window"),
                "positive_action": eligibility.get("positive_action"),
            },
        },
        "application_window": {"opens_at": programme.opens_at, "closes_at": programme.closes_at},
        "matching_mode": programme.matching_mode,
        "status": programme.status,
        "accepting_applications": accepting_applications(programme=programme),
        "created_by": programme.created_by,
        "created_at": programme.created_at,
        "updated_at": programme.updated_at,
    }


class ProgrammeUpdateSchema(Schema):
    """What a coordinator may change; the consortium and type stay as created."""

    name = ma.fields.String(validate=validate.Length(1, 200), metadata=NAME)
    description = ma.fields.String(validate=validate.Length(max=5000), metadata=DESCRIPTION)
    rules = ma.fields.Nested(RulesUpdateSchema)
    application_window = ma.fields.Nested(WindowUpdateSchema)
    matching_mode = ma.fields.String(
        validate=validate.OneOf(MATCHING_MODES), metadata=MATCHING_MODE
    )
    status = ma.fields.String(
        validate=validate.OneOf(PROGRAMME_STATUSES),
        metadata={"description": STATUS_HELP, "example": "open"},
    )


class ProgrammeQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    consortium_id = ma.fields.UUID(metadata={"description": "Only this consortium's programmes."})
    status = ma.fields.String(
        validate=validate.OneOf(PROGRAMME_STATUSES),
        metadata={"description": "Only programmes in this status.", "example": "open"},
    )
    type = ma.fields.String(
        validate=validate.OneOf(PROGRAMME_TYPES),
        metadata={"description": "Only programmes of this type.", "example": "coaching"},
    )


# --- applications ------------------------------------------------------------------------


class GoalSchema(Schema):
    statement = ma.fields.String(
        required=True,
        validate=validate.Length(1, 500),
        metadata={
            "description": "What you want to achieve.",
            "example": "Lead my first service-improvement project.",
        },
    )
    success_measure = ma.fields.String(
        required=True,
        validate=validate.Length(1, 500),
        metadata={
            "description": "How you will know you have.",
            "example": "The project's plan is signed off by the board by June.",
        },
    )


def _known_zone(value: str) -> None:
    try:
        zone(value)
    except Invalid as exc:
        raise ma.ValidationError(exc.detail) from None


PARTS_HELP = ", ".join(
    f"{name} {start:02d}:00-{end:02d}:00" for name, (start, end) in PARTS.items()
)


def _day_field(day: str) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=validate.OneOf(PART_NAMES)),
        load_default=list,
        validate=_unique,
        metadata={
            "description": f"The parts of {day.title()} you are free for sessions.",
            "example": ["morning"] if day == "tuesday" else [],
        },
    )


class FreeTimesSchema(Schema):
    """The week grid's days, each with the parts of the day the mentee is free."""

    monday = _day_field("monday")
    tuesday = _day_field("tuesday")
    wednesday = _day_field("wednesday")
    thursday = _day_field("thursday")
    friday = _day_field("friday")
    saturday = _day_field("saturday")
    sunday = _day_field("sunday")


assert tuple(FreeTimesSchema._declared_fields) == DAYS  # the grid's days, in its order


class PreferencesSchema(Schema):
    sectors = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(SECTORS)),
        load_default=list,
        validate=_unique,
        metadata={
            "description": f"Sectors you would like a mentor from ({', '.join(SECTORS)}); "
            "empty means any.",
            "example": ["police", "local_authority"],
        },
    )
    avoid_organisation_ids = ma.fields.List(
        ma.fields.UUID(),
        load_default=list,
        validate=[validate.Length(max=MAX_ORGANISATIONS), _unique],
        metadata={
            "description": "Organisations you do not want a mentor from.",
            "example": [EXAMPLE_ID],
        },
    )
    mode = ma.fields.String(
        load_default="either",
        validate=validate.OneOf(MODES),
        metadata={"description": "in_person, virtual or either.", "example": "either"},
    )
    location = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "Where you could meet in person.", "example": "Leeds"},
    )
    free_times = ma.fields.Nested(
        FreeTimesSchema,
        load_default=dict,
        metadata={
            "description": "When in a usual week you are free for sessions: for each day, the "
            f"parts of the day ({PARTS_HELP}, local time in `timezone`). Matching prefers "
            "mentors free then; none stated: any time suits you.",
            "example": {
                "monday": [],
                "tuesday": ["morning"],
                "wednesday": [],
                "thursday": ["afternoon", "evening"],
                "friday": [],
                "saturday": [],
                "sunday": [],
            },
        },
    )
    timezone = ma.fields.String(
        load_default=DEFAULT_TIMEZONE,
        validate=[validate.Length(1, 64), _known_zone],
        metadata={
            "description": "The IANA time zone `free_times` are in (clock changes followed).",
            "example": DEFAULT_TIMEZONE,
        },
    )

    @ma.pre_load
    def _empty_free_times(self, data: Any, **kwargs: Any) -> Any:
        # Nested defaults apply only to a nested object that is there.
        if isinstance(data, dict) and "free_times" not in data:
            data = {**data, "free_times": {}}
        return data


class ApplicantSchema(Schema):
    display_name = ma.fields.String(metadata={"example": "Amara Okafor"})
    job_title = ma.fields.String(allow_none=True, metadata={"example": "Ward Manager"})
    profession = ma.fields.String(allow_none=True, metadata={"example": "nursing"})


class ApplicationSchema(Schema):
    """An application: sent by the person applying, and as every application response."""

    id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    programme_id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    consortium_id = ma.fields.UUID(dump_only=True, metadata={"example": EXAMPLE_ID})
    organisation_id = ma.fields.UUID(
        dump_only=True, metadata={"description": "The applicant's organisation."}
    )
    person_id = ma.fields.UUID(dump_only=True, metadata={"description": "The applicant."})
    applicant = ma.fields.Nested(
        ApplicantSchema,
        dump_only=True,
        metadata={"description": "What the programme's coordinators may know of the applicant."},
    )
    goals = ma.fields.List(
        ma.fields.Nested(GoalSchema),
        required=True,
        validate=validate.Length(1, MAX_GOALS),
        metadata={"description": f"1 to {MAX_GOALS} goals."},
    )
    topics = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, MAX_TOPIC_LENGTH)),
        load_default=list,
        validate=validate.Length(max=MAX_TOPICS),
        metadata={
            "description": "What you want to work on; stored normalised (lower case, "
            'hyphenated): "Quality Improvement" becomes "quality-improvement".',
            "example": ["leadership", "quality-improvement"],
        },
    )
    preferences = ma.fields.Nested(PreferencesSchema, load_default=dict)
    shortlist = ma.fields.List(
        ma.fields.UUID(),
        load_default=list,
        validate=[validate.Length(max=MAX_SHORTLIST), _unique],
        metadata={
            "description": f"Up to {MAX_SHORTLIST} mentor profiles you would like, best first "
            "(profiles you can see, not your own).",
            "example": [EXAMPLE_ID],
        },
    )
    status = ma.fields.String(
        dump_only=True,
        metadata={"description": ", ".join(APPLICATION_STATUSES), "example": "open"},
    )
    withdrawn_at = ma.fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When it was withdrawn; null while open.", "example": None},
    )
    withdrawn_reason = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "by_applicant, or consent_withdrawn (the applicant withdrew the "
            "consent a positive-action programme relies on).",
            "enum": list(WITHDRAWAL_REASONS),
            "example": None,
        },
    )
    protected_time = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Where the line manager's approval of your protected time stands, "
            "when the programme needs it: pending (not matched until approved), approved, or "
            "declined (not matched; talk to your manager); null when it is not needed.",
            "enum": list(PROTECTED_TIME_STATUSES),
            "example": None,
        },
    )
    created_at = ma.fields.AwareDateTime(dump_only=True, metadata=CREATED)
    updated_at = ma.fields.AwareDateTime(dump_only=True, metadata=UPDATED)

    @ma.pre_load
    def _empty_preferences(self, data: Any, **kwargs: Any) -> Any:
        # Nested defaults apply only to a nested object that is there.
        if isinstance(data, dict) and "preferences" not in data:
            data = {**data, "preferences": {}}
        return data

    @ma.pre_dump(pass_collection=True)
    def _with_applicants(self, data: Any, many: bool, **kwargs: Any) -> Any:
        # One look-up for a whole page of applications, not one per row.
        from consortium.programmes.service import applicants

        rows = list(data) if many else [data]
        if not all(isinstance(row, Application) for row in rows):
            return data
        details = applicants(person_ids=[row.person_id for row in rows])
        documents = [application_document(row, details.get(row.person_id)) for row in rows]
        return documents if many else documents[0]


def application_document(
    application: Application, applicant: dict[str, Any] | None
) -> dict[str, Any]:
    """The row with its applicant's public details."""
    return {
        "id": application.id,
        "programme_id": application.programme_id,
        "consortium_id": application.consortium_id,
        "organisation_id": application.organisation_id,
        "person_id": application.person_id,
        "applicant": applicant,
        "goals": application.goals,
        "topics": application.topics,
        "preferences": application.preferences,
        "shortlist": application.shortlist,
        "status": application.status,
        "withdrawn_at": application.withdrawn_at,
        "withdrawn_reason": application.withdrawn_reason,
        "protected_time": application.protected_time,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
    }


class ApplicationQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = ma.fields.String(
        validate=validate.OneOf(APPLICATION_STATUSES),
        metadata={"description": "Only applications in this status.", "example": "open"},
    )
    organisation_id = ma.fields.UUID(
        metadata={"description": "Only applications from staff of this organisation."}
    )
