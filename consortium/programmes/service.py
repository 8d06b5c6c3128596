"""Programmes (run by a consortium's coordinators) and staff's applications to them.

Visibility: the tenancy hook shows a principal the programmes of its organisation's consortia
and the applications of its organisation (or of the consortia it coordinates); this module
narrows further what the hook cannot know: drafts are for coordinators, and plain staff see
only their own applications.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select

from consortium.availability.recurrence import DEFAULT_TIMEZONE
from consortium.availability.week import DAYS, PART_NAMES
from consortium.consortia import service as consortia
from consortium.core import events, tenancy
from consortium.core.db import add_once, utcnow
from consortium.core.errors import Conflict, Forbidden, Invalid, NotFound
from consortium.extensions import db
from consortium.people import service as people
from consortium.pool import service as pool
from consortium.pool.topics import normalise_all
from consortium.programmes import eligibility
from consortium.programmes.models import BOARD_MENTOR_SENIORITY, Application, Programme

# A question the sensitive domain answers (it builds on this one): the attributes a person
# declared and validly consented to this programme using, or None. Asked with person_id and
# programme_id, as the applying person.
CONSENTED_ATTRIBUTES = "programmes.consented_attributes"

# Where a programme's status may move next (forwards, plus closing early and reopening).
# Announced when an application is made (previous=None) or withdrawn (application=,
# previous=), in the same transaction: the webhooks domain tells the applicant's organisation.
APPLICATION_CHANGED = "programmes.application_changed"

NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "draft": ("open", "closed"),
    "open": ("matching", "closed"),
    "matching": ("running", "open"),
    "running": ("closed",),
    "closed": (),
}


# --- programmes --------------------------------------------------------------------------


def accepting_applications(*, programme: Programme, at: datetime | None = None) -> bool:
    """Whether the programme takes applications now: open, and within its window."""
    now = at or utcnow()
    return programme.status == "open" and programme.opens_at <= now < programme.closes_at


def create_programme(
    *,
    consortium_id: uuid.UUID,
    name: str,
    type: str,
    rules: dict[str, Any],
    application_window: dict[str, datetime],
    description: str = "",
    matching_mode: str = "optimal",
    status: str = "draft",
) -> Programme:
    """Create a programme in a consortium the caller coordinates; returns it."""
    _require_coordinator(consortium_id=consortium_id)
    rules = dict(rules)
    if rules.get("seniority_direction") is None:
        # In reverse mentoring the junior mentors the senior.
        rules["seniority_direction"] = "mentor_junior" if type == "reverse_mentoring" else "any"
    if "mentor_seniority_min" not in rules:
        # Board mentors are board-level (an explicit null asks for no floor).
        rules["mentor_seniority_min"] = (
            BOARD_MENTOR_SENIORITY if type == "board_mentoring" else None
        )
    rules["eligibility"] = _eligibility_document(
        consortium_id=consortium_id, given=rules.get("eligibility") or {}
    )
    programme = Programme(
        id=uuid.uuid4(),
        consortium_id=consortium_id,
        name=name,
        description=description,
        type=type,
        status=status,
        opens_at=application_window["opens_at"],
        closes_at=application_window["closes_at"],
        matching_mode=matching_mode,
        created_by=tenancy.current().key,
        **rules,
    )
    db.session.add(programme)
    db.session.flush()
    return programme


def list_programmes(
    *,
    consortium_id: uuid.UUID | None = None,
    status: str | None = None,
    type: str | None = None,
) -> Select[Programme]:
    """The programmes the caller may see matching every filter given, oldest first."""
    statement = select(Programme).order_by(Programme.created_at, Programme.id)
    principal = tenancy.current()
    if not principal.is_platform_admin:
        coordinated = principal.coordinated_consortium_ids
        statement = statement.where(
            or_(Programme.status != "draft", Programme.consortium_id.in_(coordinated))
            if coordinated
            else Programme.status != "draft"
        )
    if consortium_id is not None:
        statement = statement.where(Programme.consortium_id == consortium_id)
    if status:
        statement = statement.where(Programme.status == status)
    if type:
        statement = statement.where(Programme.type == type)
    return statement


def get_programme(*, programme_id: uuid.UUID) -> Programme:
    """A programme the caller may see (drafts only for its coordinators); else 404."""
    programme = db.session.scalar(select(Programme).where(Programme.id == programme_id))
    if programme is None or (
        programme.status == "draft" and not tenancy.current().coordinates(programme.consortium_id)
    ):
        raise NotFound(f"No programme {programme_id}.")
    return programme


def get_programme_to_run(*, programme_id: uuid.UUID) -> Programme:
    """A programme the caller coordinates: 404 if not visible, 403 if visible but not theirs."""
    programme = get_programme(programme_id=programme_id)
    if not tenancy.current().coordinates(programme.consortium_id):
        raise Forbidden(
            f"Only coordinators of the consortium that runs {programme.name} may change it."
        )
    return programme


def update_programme(*, programme: Programme, changes: dict[str, Any]) -> Programme:
    """Apply a coordinator's changes, checked as a whole before any is written; returns it."""
    rules = dict(changes.get("rules") or {})
    window = changes.get("application_window") or {}
    sessions_min = rules.get("sessions_min", programme.sessions_min)
    sessions_max = rules.get("sessions_max", programme.sessions_max)
    if sessions_min > sessions_max:
        field = "sessions_max" if "sessions_max" in rules else "sessions_min"
        raise Invalid(
            f"sessions_max ({sessions_max}) is below sessions_min ({sessions_min}).",
            field=f"rules.{field}",
        )
    opens_at = window.get("opens_at", programme.opens_at)
    closes_at = window.get("closes_at", programme.closes_at)
    if closes_at <= opens_at:
        field = "closes_at" if "closes_at" in window else "opens_at"
        raise Invalid(
            f"The application window must close after it opens ({opens_at.isoformat()}).",
            field=f"application_window.{field}",
        )
    status = changes.get("status")
    if status is not None and status != programme.status:
        allowed = NEXT_STATUSES[programme.status]
        if status not in allowed:
            raise Conflict(_transition_refusal(programme=programme, to=status), field="status")
    if "eligibility" in rules:
        rules["eligibility"] = _eligibility_document(
            consortium_id=programme.consortium_id, given=rules["eligibility"]
        )
    for field, value in rules.items():
        setattr(programme, field, value)
    programme.opens_at, programme.closes_at = opens_at, closes_at
    for field in ("name", "description", "matching_mode", "status"):
        if field in changes:
            setattr(programme, field, changes[field])
    db.session.flush()
    return programme


def _transition_refusal(*, programme: Programme, to: str) -> str:
    allowed = NEXT_STATUSES[programme.status]
    if not allowed:
        return f"{programme.name} is {programme.status}; its status cannot change any more."
    return (
        f"{programme.name} cannot move from {programme.status} to {to}; "
        f"from {programme.status} it can move to: {', '.join(allowed)}."
    )


def _require_coordinator(*, consortium_id: uuid.UUID) -> None:
    """404 (naming consortium_id) unless the consortium is visible; 403 unless coordinated."""
    try:
        consortium = consortia.get_consortium(consortium_id=consortium_id)
    except NotFound:
        raise NotFound(f"No consortium {consortium_id}.", field="consortium_id") from None
    if not tenancy.current().coordinates(consortium_id):
        raise Forbidden(
            f"Only coordinators of {consortium.name} may create its programmes.",
            field="consortium_id",
        )


def _eligibility_document(*, consortium_id: uuid.UUID, given: dict[str, Any]) -> dict[str, Any]:
    """The eligibility rules as stored (JSON): organisations must be the consortium's members."""
    organisation_ids = [str(o) for o in given.get("organisation_ids") or []]
    if organisation_ids:
        members = {
            str(m["organisation"].id) for m in consortia.list_members(consortium_id=consortium_id)
        }
        strangers = [o for o in organisation_ids if o not in members]
        if strangers:
            raise Invalid(
                f"These organisations are not members of the consortium: {', '.join(strangers)}.",
                field="rules.eligibility.organisation_ids",
            )
    positive_action = given.get("positive_action")
    return {
        "professions": [p.strip() for p in given.get("professions") or []],
        "seniority_min": given.get("seniority_min"),
        "seniority_max": given.get("seniority_max"),
        "organisation_ids": organisation_ids,
        "started_within_months": given.get("started_within_months"),
        "return_window": (
            {"days_before": window["days_before"], "days_after": window["days_after"]}
            if (window := given.get("return_window"))
            else None
        ),
        "positive_action": (
            {"attribute": positive_action["attribute"], "values": list(positive_action["values"])}
            if positive_action
            else None
        ),
    }


# --- applications ------------------------------------------------------------------------


def create_application(
    *,
    programme_id: uuid.UUID,
    goals: list[dict[str, str]],
    topics: list[str] | None = None,
    preferences: dict[str, Any] | None = None,
    shortlist: list[uuid.UUID] | None = None,
) -> Application:
    """Apply to a programme as the signed-in person; returns the open application."""
    principal = tenancy.current()
    # The programme first: another tenant's answers 404 whoever asks.
    programme = get_programme(programme_id=programme_id)
    if principal.person_id is None:
        raise Forbidden("Applications are made by the person applying, signed in.")
    _ensure_taking_applications(programme=programme)
    person = people.get_person(person_id=principal.person_id)
    if _open_application(programme_id=programme.id, person_id=person.id) is not None:
        raise _already_applied(programme)
    found = eligibility.refusals(
        programme=programme, person=person, declared=_declared(programme=programme)
    )
    if found:
        raise Forbidden(
            eligibility.refusal_detail(programme_name=programme.name, found=found),
            field=found[0].field,
        )
    ranked = list(shortlist or [])
    _check_shortlist(shortlist=ranked, person_id=person.id)
    preferences = dict(preferences or {})
    free_times = preferences.get("free_times") or {}
    application = Application(
        id=uuid.uuid4(),
        programme_id=programme.id,
        consortium_id=programme.consortium_id,
        organisation_id=person.organisation_id,
        person_id=person.id,
        goals=[dict(goal) for goal in goals],
        topics=normalise_all(topics or []),
        preferences={
            "sectors": list(preferences.get("sectors") or []),
            "avoid_organisation_ids": [
                str(o) for o in preferences.get("avoid_organisation_ids") or []
            ],
            "mode": preferences.get("mode") or "either",
            "location": preferences.get("location"),
            # every day of the week grid, its parts in the grid's order
            "free_times": {
                day: [part for part in PART_NAMES if part in free_times.get(day, ())]
                for day in DAYS
            },
            "timezone": preferences.get("timezone") or DEFAULT_TIMEZONE,
        },
        shortlist=[str(profile_id) for profile_id in ranked],
        status="open",
    )
    # Losing a race on the one-open-application index is the same as having applied.
    _, created = add_once(
        db.session,
        application,
        lambda: _open_application(programme_id=programme.id, person_id=person.id),
    )
    if not created:
        raise _already_applied(programme)
    events.publish(APPLICATION_CHANGED, application=application, previous=None)
    return application


def _already_applied(programme: Programme) -> Conflict:
    return Conflict(
        f"You already have an open application to {programme.name}; withdraw it to apply again."
    )


def _ensure_taking_applications(*, programme: Programme) -> None:
    if programme.status != "open":
        raise Conflict(f"{programme.name} is not taking applications (status: {programme.status}).")
    now = utcnow()
    if now < programme.opens_at:
        raise Conflict(
            f"Applications to {programme.name} open at {programme.opens_at.isoformat()}."
        )
    if now >= programme.closes_at:
        raise Conflict(
            f"Applications to {programme.name} closed at {programme.closes_at.isoformat()}."
        )


def _open_application(*, programme_id: uuid.UUID, person_id: uuid.UUID) -> Application | None:
    return db.session.scalar(
        select(Application).where(
            Application.programme_id == programme_id,
            Application.person_id == person_id,
            Application.status == "open",
        )
    )


def _declared(*, programme: Programme) -> dict[str, Any] | None:
    """The applicant's consented attributes, read only when a positive-action rule needs them."""
    rule = (programme.eligibility or {}).get("positive_action")
    principal = tenancy.current()
    if not rule or principal.person_id is None:
        return None
    answer: dict[str, Any] | None = events.ask(
        CONSENTED_ATTRIBUTES, person_id=principal.person_id, programme_id=programme.id
    )
    return answer


def _check_shortlist(*, shortlist: list[uuid.UUID], person_id: uuid.UUID) -> None:
    """Each shortlisted profile must be one the applicant can see, and not their own."""
    if not shortlist:
        return
    visible = pool.mentors_of(profile_ids=shortlist)
    unknown = [str(p) for p in shortlist if p not in visible]
    if unknown:
        raise Invalid(
            f"No mentor profile you can see has the id {', '.join(unknown)}.", field="shortlist"
        )
    if person_id in visible.values():
        raise Invalid("Your own mentor profile cannot be on your shortlist.", field="shortlist")


def list_applications(
    *,
    programme_id: uuid.UUID,
    status: str | None = None,
    organisation_id: uuid.UUID | None = None,
) -> Select[Application]:
    """The programme's applications the caller may see matching every filter, oldest first."""
    programme = get_programme(programme_id=programme_id)
    statement = _visible_applications(programme=programme).order_by(
        Application.created_at, Application.id
    )
    if status:
        statement = statement.where(Application.status == status)
    if organisation_id is not None:
        statement = statement.where(Application.organisation_id == organisation_id)
    return statement


def get_application(*, programme_id: uuid.UUID, application_id: uuid.UUID) -> Application:
    """One application to the programme that the caller may see; else 404."""
    programme = get_programme(programme_id=programme_id)
    application = db.session.scalar(
        _visible_applications(programme=programme).where(Application.id == application_id)
    )
    if application is None:
        raise NotFound(f"No application {application_id} to {programme.name}.")
    return application


def applications_of(*, person_id: uuid.UUID) -> list[Application]:
    """The person's applications, newest first, to the programmes the caller may see."""
    visible_programmes = list_programmes().with_only_columns(Programme.id).order_by(None)
    return list(
        db.session.scalars(
            select(Application)
            .where(
                Application.person_id == person_id,
                Application.programme_id.in_(visible_programmes.scalar_subquery()),
            )
            .order_by(Application.created_at.desc(), Application.id)
        )
    )


def open_applicant_ids(*, programme_id: uuid.UUID) -> Select[uuid.UUID]:
    """The people with an open application to the programme (a subquery for reports)."""
    return select(Application.person_id).where(
        Application.programme_id == programme_id, Application.status == "open"
    )


def _visible_applications(*, programme: Programme) -> Select[Application]:
    """Coordinators see all; org admins and clients their staff's; anyone else their own."""
    principal = tenancy.current()
    statement = select(Application).where(Application.programme_id == programme.id)
    if principal.coordinates(programme.consortium_id):
        return statement
    # Otherwise the tenancy hook already keeps to the caller's organisation's applications.
    if principal.kind == "person" and "org_admin" not in principal.roles:
        return statement.where(Application.person_id == principal.person_id)
    return statement


def withdraw_application(*, programme_id: uuid.UUID, application_id: uuid.UUID) -> Application:
    """Withdraw an open application (as the applicant or their org admin); returns it."""
    application = get_application(programme_id=programme_id, application_id=application_id)
    principal = tenancy.current()
    if not (
        application.person_id == principal.person_id
        or principal.administers(application.organisation_id)
    ):
        raise Forbidden("Only the applicant or their organisation's admin may withdraw it.")
    if application.status == "withdrawn":
        when = application.withdrawn_at.isoformat() if application.withdrawn_at else "earlier"
        raise Conflict(f"This application was already withdrawn at {when}.")
    _withdraw(application, reason="by_applicant")
    db.session.flush()
    return application


def withdraw_for_consent(*, person_id: uuid.UUID, programme_id: uuid.UUID, attribute: str) -> int:
    """Withdraw a person's open application that relied on a consent they withdrew (to use
    `attribute`, the one the programme's positive-action rule reads); a count."""
    programme = db.session.scalar(select(Programme).where(Programme.id == programme_id))
    rule = (programme.eligibility or {}).get("positive_action") if programme else None
    if not rule or rule.get("attribute") != attribute:
        return 0
    applications = list(
        db.session.scalars(
            select(Application).where(
                Application.programme_id == programme_id,
                Application.person_id == person_id,
                Application.status == "open",
            )
        )
    )
    for application in applications:
        _withdraw(application, reason="consent_withdrawn")
    db.session.flush()
    return len(applications)


def record_protected_time(*, application: Application, status: str) -> Application:
    """Record where the application stands with its protected-time approval (the
    protected_time domain decides it); matching reads it."""
    application.protected_time = status
    return application


def record_protected_time_of(*, application_id: uuid.UUID, status: str) -> Application:
    """As record_protected_time, for an application of the caller's organisation by id."""
    application = db.session.scalar(select(Application).where(Application.id == application_id))
    if application is None:
        raise NotFound(f"No application {application_id}.")
    return record_protected_time(application=application, status=status)


def _withdraw(application: Application, *, reason: str) -> None:
    previous = application.status
    application.status = "withdrawn"
    application.withdrawn_at = utcnow()
    application.withdrawn_reason = reason
    events.publish(APPLICATION_CHANGED, application=application, previous=previous)


def applicants(*, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Applicants' display name, job title and profession (shared with coordinators on purpose)."""
    return people.public_details(person_ids=list(dict.fromkeys(person_ids)))
