"""Protected time: asking a mentee's line manager to approve the time a programme needs.

When a programme requires it, an application is made `pending`: its applicant's line manager
(or, when the record names none, their organisation's admins, who release staff time in the
first place) is asked by mail, and approves or declines. Until approved, matching leaves the
application out and says why. The manager is told only that their report applied, to which
programme and for how much time: never the goals, topics, preferences or anything declared.

A request is owned by the mentee's organisation (the manager works there too). Only the person
it is addressed to may see or decide it; anyone else, in the organisation or not, gets 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select

from consortium.audit import service as audit
from consortium.core import links, mail, tenancy
from consortium.core.db import utcnow
from consortium.core.errors import Conflict, NotFound
from consortium.extensions import db
from consortium.identity import roles
from consortium.people import service as people
from consortium.programmes import service as programmes
from consortium.programmes.models import Application, Programme
from consortium.protected_time.models import TimeApproval

SIGN_OFF = "\n\nThis message was sent by Consortium on behalf of the programme's consortium."


@dataclass(frozen=True)
class Request:
    """A request with what its approver may know: the report's public details and the ask."""

    approval: TimeApproval
    person: dict[str, Any]
    programme: Programme

    @property
    def time_commitment(self) -> dict[str, Any]:
        return time_commitment(self.programme)


def time_commitment(programme: Programme) -> dict[str, Any]:
    """What the programme asks of a mentee's time: sessions x minutes, at its cadence."""
    minutes = programme.session_minutes
    return {
        "sessions_min": programme.sessions_min,
        "sessions_max": programme.sessions_max,
        "session_minutes": minutes,
        "cadence_days": programme.cadence_days,
        "hours_min": round(programme.sessions_min * minutes / 60, 2),
        "hours_max": round(programme.sessions_max * minutes / 60, 2),
    }


# --- asking ---------------------------------------------------------------------------------


def application_changed(*, application: Application, previous: str | None, **_: Any) -> None:
    """Ask for approval of a new application to a programme that needs it; a withdrawn
    application's request is withdrawn with it (nothing is left to decide)."""
    if previous is None:
        programme = db.session.get(Programme, application.programme_id)
        if programme is not None and programme.protected_time_required:
            _ask(application=application, programme=programme)
        return
    if application.status == "withdrawn":
        approval = db.session.scalar(
            select(TimeApproval).where(
                TimeApproval.application_id == application.id, TimeApproval.status == "pending"
            )
        )
        if approval is not None:
            approval.status = "withdrawn"
            db.session.flush()


def _ask(*, application: Application, programme: Programme) -> TimeApproval:
    person = people.get_person(person_id=application.person_id)
    manager = None
    if person.line_manager_id is not None:
        found = people.get_person(person_id=person.line_manager_id)  # same organisation
        manager = found if found.status == "active" else None
    approval = TimeApproval(
        id=uuid.uuid4(),
        organisation_id=application.organisation_id,
        application_id=application.id,
        programme_id=programme.id,
        person_id=person.id,
        approver_kind="line_manager" if manager else "organisation_admins",
        approver_id=manager.id if manager else None,
        status="pending",
    )
    db.session.add(approval)
    programmes.record_protected_time(application=application, status="pending")
    db.session.flush()
    recipients = (
        [(manager.email, manager.organisation_id)]
        if manager
        else [
            (a.email, a.organisation_id)
            for a in roles.admins_of(organisation_id=person.organisation_id)
        ]
    )
    name = person.display_name
    commitment = time_commitment(programme)
    whose = (
        "your report " if manager else "a member of your staff, who has no line manager recorded, "
    )
    for email, organisation_id in recipients:
        if not email:
            continue
        with tenancy.acting_for(organisation_id, name="protected time"):
            mail.queue(
                to=email,
                subject=f"Please approve protected time: {name} applied to {programme.name}",
                body=(
                    f"{name}, {whose}has applied to {programme.name}. The programme needs "
                    "their line manager to agree the time before they can be matched.\n\n"
                    f"The time asked for: {_sessions(commitment)} of "
                    f"{commitment['session_minutes']} minutes, about every "
                    f"{commitment['cadence_days']} days ({_hours(commitment)} in all). "
                    f"Applications are taken from {programme.opens_at:%d %B %Y} to "
                    f"{programme.closes_at:%d %B %Y}.\n\n"
                    f"The request, and how to approve or decline it: "
                    f"{links.time_approval_page(approval.id)}" + SIGN_OFF
                ),
                organisation_id=organisation_id,
            )
    return approval


def _sessions(c: dict[str, Any]) -> str:
    low, high = c["sessions_min"], c["sessions_max"]
    return f"{low} sessions" if low == high else f"{low} to {high} sessions"


def _hours(c: dict[str, Any]) -> str:
    low, high = c["hours_min"], c["hours_max"]
    return f"{low:g} hours" if low == high else f"{low:g} to {high:g} hours"


# --- the approver's side --------------------------------------------------------------------


def _addressed_to_caller() -> Select[TimeApproval]:
    """The requests addressed to the signed-in person (the tenancy hook keeps to their
    organisation): as the line manager named, or as an admin when no manager is."""
    principal = tenancy.current()
    if principal.person_id is None:
        return select(TimeApproval).where(TimeApproval.id.is_(None))
    addressed = [TimeApproval.approver_id == principal.person_id]
    if "org_admin" in principal.roles and principal.organisation_id is not None:
        addressed.append(
            and_(
                TimeApproval.approver_kind == "organisation_admins",
                TimeApproval.organisation_id == principal.organisation_id,
            )
        )
    return select(TimeApproval).where(or_(*addressed))


def list_requests(*, status: str | None = None) -> Select[TimeApproval]:
    """The requests addressed to the caller, newest first."""
    statement = _addressed_to_caller().order_by(
        TimeApproval.created_at.desc(), TimeApproval.id.desc()
    )
    if status:
        statement = statement.where(TimeApproval.status == status)
    return statement


def get_request(*, approval_id: uuid.UUID) -> TimeApproval:
    """One request addressed to the caller; else 404 (as a missing one)."""
    approval = db.session.scalar(_addressed_to_caller().where(TimeApproval.id == approval_id))
    if approval is None:
        raise NotFound(f"No time approval request {approval_id}.")
    return approval


def described(approvals: list[TimeApproval]) -> list[Request]:
    """Each request with its report's public details and its programme (read once each)."""
    details = people.public_details(person_ids=list({a.person_id for a in approvals}))
    found: dict[uuid.UUID, Programme] = {}
    with tenancy.all_tenants():
        for programme_id in {a.programme_id for a in approvals}:
            programme = db.session.get(Programme, programme_id)
            assert programme is not None
            found[programme_id] = programme
    return [Request(a, details.get(a.person_id) or {}, found[a.programme_id]) for a in approvals]


def decide(*, approval_id: uuid.UUID, approve: bool) -> TimeApproval:
    """Approve or decline a pending request addressed to the caller; returns it."""
    approval = get_request(approval_id=approval_id)
    status = "approved" if approve else "declined"
    if approval.status != "pending":
        when = approval.decided_at.isoformat() if approval.decided_at else "earlier"
        raise Conflict(
            f"This request is already {approval.status}"
            + (f" (at {when})." if approval.decided_at else ".")
            + (" The application was withdrawn." if approval.status == "withdrawn" else "")
        )
    principal = tenancy.current()
    approval.status = status
    approval.decided_at = utcnow()
    approval.decided_by = principal.display
    programmes.record_protected_time_of(application_id=approval.application_id, status=status)
    db.session.flush()
    audit.record(
        action=f"protected_time.{status}",
        subject_type="time_approval",
        subject_id=approval.id,
        organisation_id=approval.organisation_id,
        data={
            "application_id": str(approval.application_id),
            "programme_id": str(approval.programme_id),
            "approver_kind": approval.approver_kind,
        },
    )
    return approval
