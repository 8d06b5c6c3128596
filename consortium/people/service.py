"""Staff records: each person belongs to the organisation of the caller that created them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from consortium.core import tenancy
from consortium.core.errors import Conflict, Forbidden, Invalid, NotFound
from consortium.extensions import db
from consortium.people.models import Person

MAX_MANAGEMENT_DEPTH = 50


def create_person(*, given_name: str, family_name: str, email: str, **fields: Any) -> Person:
    """Create a staff record in the caller's own organisation."""
    organisation_id = tenancy.current().organisation_id
    if organisation_id is None:
        raise Forbidden("Staff records are created by their own organisation's client.")
    email = email.strip().lower()
    _ensure_email_free(organisation_id=organisation_id, email=email)
    person = Person(
        organisation_id=organisation_id,
        given_name=given_name,
        family_name=family_name,
        email=email,
    )
    db.session.add(person)
    db.session.flush()
    return update_person(person=person, changes=fields)


def list_people(
    *, email: str | None = None, profession: str | None = None, status: str | None = None
) -> Select[Person]:
    """The staff records the caller may see, oldest first."""
    statement = select(Person).order_by(Person.created_at, Person.id)
    if email:
        statement = statement.where(Person.email == email.strip().lower())
    if profession:
        statement = statement.where(Person.profession == profession)
    if status:
        statement = statement.where(Person.status == status)
    return statement


def get_person(*, person_id: uuid.UUID) -> Person:
    person = db.session.scalar(select(Person).where(Person.id == person_id))
    if person is None:
        raise NotFound(f"No person {person_id}.")
    return person


def update_person(*, person: Person, changes: dict[str, Any]) -> Person:
    """Apply changes, keeping emails unique and the line-management chain acyclic."""
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
    for field, value in changes.items():
        setattr(person, field, value)
    db.session.flush()
    return person


def _ensure_email_free(*, organisation_id: uuid.UUID, email: str) -> None:
    # Uniqueness is per organisation (a platform admin sees every organisation's people).
    taken = select(Person.id).where(
        Person.organisation_id == organisation_id, Person.email == email
    )
    if db.session.scalar(taken):
        raise Conflict(f"A person with the email {email} already exists.", field="email")


def _ensure_valid_manager(*, person: Person, manager_id: uuid.UUID) -> None:
    # The manager must be a colleague the caller can see, and not one of the person's reports.
    chain: set[uuid.UUID] = set()
    current = db.session.scalar(
        select(Person).where(
            Person.id == manager_id, Person.organisation_id == person.organisation_id
        )
    )
    if current is None:
        raise Invalid("No such person in your organisation.", field="line_manager_id")
    while current is not None and len(chain) < MAX_MANAGEMENT_DEPTH:
        if current.id == person.id:
            raise Invalid(
                "This line manager would make a management loop.", field="line_manager_id"
            )
        chain.add(current.id)
        current = (
            db.session.scalar(select(Person).where(Person.id == current.line_manager_id))
            if current.line_manager_id
            else None
        )
