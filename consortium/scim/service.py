"""SCIM provisioning of an organisation's staff, over the people service.

Tenancy: every query goes through people.service, whose Person is OrganisationOwned, so the ORM
hook and row-level security keep a client to its own organisation; another organisation's user
is simply not found (404).

DELETE never removes a row: mentoring history (matches, sessions, feedback) hangs off a Person.
RFC 7644 §3.6 still requires a deleted user to be gone for the SCIM client (GET answers 404), and
a user deactivated with `active: false` must stay visible. DELETE therefore deactivates the
person (status "inactive") and stamps `deprovisioned_at`; the SCIM view leaves such people out.
Re-creating the same userName later revives that record (same id and history) rather than
answering 409: the returning member of staff is the same person.
"""

from __future__ import annotations

import uuid
from typing import Any

from scim2_models import (
    ForbiddenException,
    NotFoundException,
    UniquenessException,
)
from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from consortium.core import tenancy
from consortium.core.api import MAX_SQL_OFFSET
from consortium.core.db import utcnow
from consortium.core.errors import NotFound
from consortium.extensions import db
from consortium.people import service as people
from consortium.people.models import Person


def _visible() -> ColumnElement[bool]:
    """People the SCIM client has not deleted."""
    return Person.deprovisioned_at.is_(None)


def is_deleted(person: Person) -> bool:
    return person.deprovisioned_at is not None


def _require_organisation() -> uuid.UUID:
    # SCIM provisions one organisation's staff; a platform client belongs to none.
    organisation_id = tenancy.current().organisation_id
    if organisation_id is None:
        raise ForbiddenException(
            detail="SCIM provisions one organisation's staff: use that organisation's API client "
            "with the scope 'scim'."
        )
    return organisation_id


def find_users(
    *, criteria: ColumnElement[bool] | None, start_index: int, count: int
) -> tuple[int, list[Person]]:
    """(total matching, the page of people from 1-based `start_index`, at most `count`)."""
    _require_organisation()
    statement = people.list_people().where(_visible())
    if criteria is not None:
        statement = statement.where(criteria)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    offset = start_index - 1
    if count == 0 or offset > MAX_SQL_OFFSET:
        return int(total or 0), []
    page = db.session.scalars(statement.offset(offset).limit(count))
    return int(total or 0), list(page)


def get_user(*, user_id: str) -> Person:
    """The person behind a SCIM id; missing, deleted and other organisations' alike are 404."""
    _require_organisation()
    try:
        person = people.get_person(person_id=uuid.UUID(user_id))
    except (ValueError, NotFound):
        person = None
    if person is None or is_deleted(person):
        raise NotFoundException(detail=f"No user {user_id}.")
    return person


def create_user(*, changes: dict[str, Any]) -> Person:
    """Create the person, or revive the one a SCIM client deleted with this userName (or,
    failing that, this externalId)."""
    _require_organisation()
    existing = db.session.scalar(people.list_people(email=changes["email"]))
    if existing is not None and not is_deleted(existing):
        raise UniquenessException(
            detail=f"A user with the userName {changes['email']} already exists."
        )
    if existing is None and changes.get("external_id"):
        # Someone who left and is re-hired under a new email keeps their HR id.
        existing = db.session.scalar(
            people.list_people().where(
                Person.external_id == changes["external_id"], Person.deprovisioned_at.is_not(None)
            )
        )
    if existing is not None:
        return people.update_person(
            person=existing,
            changes={"status": "active", **changes, "deprovisioned_at": None},
        )
    fields = dict(changes)
    return people.create_person(
        given_name=fields.pop("given_name"),
        family_name=fields.pop("family_name"),
        email=fields.pop("email"),
        **fields,
    )


def update_user(*, person: Person, changes: dict[str, Any]) -> Person:
    """Apply a replacement or a patch already turned into Person columns."""
    return people.update_person(person=person, changes=changes)


def delete_user(*, person: Person) -> None:
    """Deactivate the person and detach it from SCIM (see the module docstring); no row goes."""
    people.update_person(
        person=person,
        changes={"status": "inactive", "deprovisioned_at": utcnow()},
    )
