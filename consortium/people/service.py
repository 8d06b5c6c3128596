"""Staff records: each person belongs to the organisation of the caller that created them."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import Select, bindparam, literal, or_, select
from sqlalchemy.orm import aliased

from consortium.core import events, tenancy
from consortium.core.errors import Conflict, Forbidden, Invalid, NotFound
from consortium.extensions import db
from consortium.people.models import Person

MAX_MANAGEMENT_DEPTH = 50
# Announced when a staff record is created or made active again (change="provisioned") or
# deactivated (change="deprovisioned"), by the API, SCIM or an import (person=, change=), in
# the same transaction: the webhooks domain tells the person's organisation.
PERSON_CHANGED = "people.person_changed"
LIKE_ESCAPE = "\\"


def create_person(*, given_name: str, family_name: str, email: str, **fields: Any) -> Person:
    """Create a staff record in the caller's own organisation."""
    organisation_id = tenancy.current().organisation_id
    if organisation_id is None:
        raise Forbidden("Staff records are created by their own organisation's client.")
    person = Person(id=uuid.uuid4(), organisation_id=organisation_id)
    changes = {"given_name": given_name, "family_name": family_name, "email": email, **fields}
    _check_changes(person=person, changes=changes)
    for field, value in changes.items():
        setattr(person, field, value)
    db.session.add(person)
    db.session.flush()
    if person.status == "active":
        events.publish(PERSON_CHANGED, person=person, change="provisioned")
    return person


def list_people(
    *,
    search: str | None = None,
    email: str | None = None,
    profession: str | None = None,
    seniority: int | None = None,
    seniority_min: int | None = None,
    seniority_max: int | None = None,
    status: str | None = None,
) -> Select[Person]:
    """The staff records the caller may see that match every filter given, oldest first."""
    statement = select(Person).order_by(Person.created_at, Person.id)
    if search:
        pattern = f"%{_escape_like(search.strip())}%"
        statement = statement.where(
            or_(
                *(
                    column.ilike(pattern, escape=LIKE_ESCAPE)
                    for column in (
                        Person.given_name,
                        Person.family_name,
                        Person.email,
                        Person.job_title,
                    )
                )
            )
        )
    if email:
        statement = statement.where(Person.email == email.strip().lower())
    if profession:
        statement = statement.where(Person.profession == profession)
    if seniority is not None:
        statement = statement.where(Person.seniority == seniority)
    if seniority_min is not None:
        statement = statement.where(Person.seniority >= seniority_min)
    if seniority_max is not None:
        statement = statement.where(Person.seniority <= seniority_max)
    if status:
        statement = statement.where(Person.status == status)
    return statement


def _escape_like(text: str) -> str:
    """`text` with LIKE's wildcards escaped, so % and _ match themselves."""
    for char in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, LIKE_ESCAPE + char)
    return text


def public_details(*, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Display name, job title and profession of people another tenant may know about.

    Shared on purpose (a released mentor profile, an application a coordinator reviews): read
    across tenants explicitly, and only these three fields.
    """
    if not person_ids:
        return {}
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(
                Person.id,
                Person.given_name,
                Person.family_name,
                Person.job_title,
                Person.profession,
            ).where(Person.id.in_(person_ids))
        ).all()
    return {
        row.id: {
            "display_name": f"{row.given_name} {row.family_name}",
            "job_title": row.job_title,
            "profession": row.profession,
        }
        for row in rows
    }


def get_staff_record(*, person_id: uuid.UUID) -> Person:
    """A staff record for a caller with people:read; a signed-in person may read their own."""
    principal = tenancy.current()
    if not (principal.has_scope("people:read") or principal.person_id == person_id):
        raise Forbidden("This needs the scope people:read (without it, only your own record).")
    return get_person(person_id=person_id)


def get_person(*, person_id: uuid.UUID) -> Person:
    person = db.session.scalar(select(Person).where(Person.id == person_id))
    if person is None:
        raise NotFound(f"No person {person_id}.")
    return person


def update_person(*, person: Person, changes: dict[str, Any]) -> Person:
    """Apply changes, keeping emails unique and the line-management chain acyclic."""
    _check_changes(person=person, changes=changes)
    before = person.status
    for field, value in changes.items():
        setattr(person, field, value)
    db.session.flush()
    if person.status != before:
        change = "provisioned" if person.status == "active" else "deprovisioned"
        events.publish(PERSON_CHANGED, person=person, change=change)
    return person


def _check_changes(*, person: Person, changes: dict[str, Any]) -> None:
    # Normalises the email in `changes`; raises before anything is written.
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
        if changes["email"] != person.email:
            _ensure_email_free(organisation_id=person.organisation_id, email=changes["email"])
    if changes.get("external_id") and changes["external_id"] != person.external_id:
        taken = db.session.scalar(
            select(Person.id).where(
                Person.organisation_id == person.organisation_id,
                Person.external_id == changes["external_id"],
            )
        )
        if taken:
            raise Conflict("Another person already has this external_id.", field="external_id")
    if changes.get("line_manager_id"):
        _ensure_valid_manager(person=person, manager_id=changes["line_manager_id"])
    for field in ("preceptor_id", "clinical_supervisor_id"):
        if changes.get(field):
            _ensure_colleague(person=person, colleague_id=changes[field], field=field)


def _ensure_colleague(*, person: Person, colleague_id: uuid.UUID, field: str) -> None:
    # A preceptor or clinical supervisor: another person of the same organisation.
    if colleague_id == person.id:
        raise Invalid("A person cannot be their own preceptor or supervisor.", field=field)
    found = db.session.scalar(
        select(Person.id).where(
            Person.id == colleague_id, Person.organisation_id == person.organisation_id
        )
    )
    if found is None:
        raise Invalid("No such person in your organisation.", field=field)


def _ensure_email_free(*, organisation_id: uuid.UUID, email: str) -> None:
    # Uniqueness is per organisation (a platform admin sees every organisation's people).
    taken = select(Person.id).where(
        Person.organisation_id == organisation_id, Person.email == email
    )
    if db.session.scalar(taken):
        raise Conflict(f"A person with the email {email} already exists.", field="email")


def _ensure_valid_manager(*, person: Person, manager_id: uuid.UUID) -> None:
    # The manager must be a colleague the caller can see, and not one of the person's reports.
    managers = set(
        db.session.scalars(
            _management_chain(),
            {"manager_id": manager_id, "organisation_id": person.organisation_id},
        )
    )
    if not managers:
        raise Invalid("No such person in your organisation.", field="line_manager_id")
    if person.id in managers:
        raise Invalid("This line manager would make a management loop.", field="line_manager_id")


@functools.cache
def _management_chain() -> Select[uuid.UUID]:
    """A manager and everyone above them, at most 50 deep: one recursive query."""
    chain = (
        select(Person.id, Person.line_manager_id, literal(1).label("depth"))
        .where(
            Person.id == bindparam("manager_id"),
            Person.organisation_id == bindparam("organisation_id"),
        )
        .cte("chain", recursive=True)
    )
    above = aliased(Person)
    chain = chain.union_all(
        select(above.id, above.line_manager_id, chain.c.depth + 1).where(
            above.id == chain.c.line_manager_id, chain.c.depth < MAX_MANAGEMENT_DEPTH
        )
    )
    return select(chain.c.id)
