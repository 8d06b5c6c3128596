"""Roles: who a signed-in person is allowed to be, and granting or removing admin roles.

staff        any signed-in person, in their own organisation
org_admin    per organisation: staff records, SSO, admins, API clients
coordinator  per consortium: programmes, matching, approvals
A platform admin (an API client with platform:admin) may act as any org admin or coordinator.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from consortium.audit import service as audit
from consortium.consortia import service as consortia
from consortium.core import tenancy
from consortium.core.db import add_once
from consortium.core.errors import Forbidden, Invalid, NotFound
from consortium.core.tenancy import Principal
from consortium.extensions import db
from consortium.identity.models import RoleAssignment
from consortium.organisations import service as organisations
from consortium.people.models import Person

# What each role lets a person do, in the scopes the routes already check.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "staff": frozenset({"organisation:read", "pool:read", "pool:write"}),
    "org_admin": frozenset(
        {
            "organisation:read",
            "organisation:admin",
            "people:read",
            "people:write",
            "jobs:read",
            "pool:read",
            "pool:write",
            "webhooks:manage",
        }
    ),
    "coordinator": frozenset({"consortium:coordinate"}),
}


def principal_for_person(person: Person) -> Principal:
    """The principal a signed-in person runs as: their organisation, consortia and roles."""
    # Role rows belong to the person's organisation (a coordinator's too: it names the consortium).
    with tenancy.acting_for(person.organisation_id, name="roles"):
        assignments = db.session.scalars(
            select(RoleAssignment).where(RoleAssignment.person_id == person.id)
        ).all()
    roles = {"staff"}
    scopes = set(ROLE_SCOPES["staff"])
    for assignment in assignments:
        roles.add(assignment.role)
        if assignment.consortium_id:
            roles.add(f"coordinator:{assignment.consortium_id}")
        scopes |= ROLE_SCOPES[assignment.role]
    return Principal(
        kind="person",
        id=person.id,
        organisation_id=person.organisation_id,
        consortium_ids=consortia.consortium_ids_of(person.organisation_id),
        scopes=frozenset(scopes),
        roles=frozenset(roles),
        name=person.display_name,
    )


def role_summary(principal: Principal) -> list[dict[str, Any]]:
    """The principal's roles as the API shows them: [{role, organisation_id, consortium_id}]."""
    summary: list[dict[str, Any]] = []
    for role in sorted(principal.roles):
        name, _, consortium_id = role.partition(":")
        if name == "coordinator" and not consortium_id:
            continue  # listed once per consortium below
        summary.append(
            {
                "role": name,
                "organisation_id": None if consortium_id else principal.organisation_id,
                "consortium_id": uuid.UUID(consortium_id) if consortium_id else None,
            }
        )
    return summary


# --- organisation admins ---------------------------------------------------------------


def require_admin_of(organisation_id: uuid.UUID) -> None:
    """Refuse unless the caller administers the organisation (SSO, admins, API clients).

    Another organisation's is not even visible: 404, as if it did not exist.
    """
    principal = tenancy.current()
    if not principal.administers(organisation_id):
        raise NotFound(f"No organisation {organisation_id}.")
    organisations.get_organisation(organisation_id=organisation_id)


def _admin_person(*, person_id: uuid.UUID) -> Person:
    # Called acting for the organisation: the tenancy hook keeps this to its staff.
    person = db.session.scalar(select(Person).where(Person.id == person_id))
    if person is None:
        raise Invalid("No such person in this organisation.", field="person_id")
    return person


def list_admins(*, organisation_id: uuid.UUID) -> list[Person]:
    """The organisation's admins, by name."""
    require_admin_of(organisation_id)
    return list(db.session.scalars(_admins(organisation_id)))


def admins_of(*, organisation_id: uuid.UUID) -> list[Person]:
    """The organisation's active admins, for notices sent on the system's behalf (read across
    tenants explicitly: the caller may be another organisation's person or a job)."""
    with tenancy.all_tenants():
        return list(db.session.scalars(_admins(organisation_id).where(Person.status == "active")))


def _admins(organisation_id: uuid.UUID) -> Select[Person]:
    return (
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(
            RoleAssignment.organisation_id == organisation_id, RoleAssignment.role == "org_admin"
        )
        .order_by(Person.family_name, Person.given_name, Person.id)
    )


def add_admin(*, organisation_id: uuid.UUID, person_id: uuid.UUID) -> Person:
    """Make a person of the organisation one of its admins (idempotent); returns the person."""
    require_admin_of(organisation_id)
    caller = tenancy.current()
    with tenancy.acting_for(organisation_id, name="roles"):
        person = _admin_person(person_id=person_id)
        if person.status != "active":
            raise Invalid("A deactivated person cannot be an admin.", field="person_id")
        if _assignment(person_id=person.id, role="org_admin", consortium_id=None) is None:
            _grant(
                RoleAssignment(
                    organisation_id=organisation_id, person_id=person.id, role="org_admin"
                )
            )
            _audit_role("role.granted", person.id, organisation_id, "org_admin", caller)
    return person


def remove_admin(*, organisation_id: uuid.UUID, person_id: uuid.UUID) -> None:
    """Take the org_admin role away from a person of the organisation."""
    require_admin_of(organisation_id)
    caller = tenancy.current()
    with tenancy.acting_for(organisation_id, name="roles"):
        assignment = _assignment(person_id=person_id, role="org_admin", consortium_id=None)
        if assignment is None:
            raise NotFound("This person is not an admin of the organisation.")
        db.session.delete(assignment)
        db.session.flush()
        _audit_role("role.removed", person_id, organisation_id, "org_admin", caller)


# --- consortium coordinators ------------------------------------------------------------


def _coordinated(consortium_id: uuid.UUID) -> None:
    consortia.get_consortium(consortium_id=consortium_id)  # 404 unless visible to the caller
    if not tenancy.current().coordinates(consortium_id):
        raise Forbidden("Only the consortium's coordinators or a platform admin may do this.")


def list_coordinators(*, consortium_id: uuid.UUID) -> list[Person]:
    """The consortium's coordinators (from any member organisation), by name."""
    consortia.get_consortium(consortium_id=consortium_id)
    # Coordinators come from every member organisation; member staff may see who they are.
    with tenancy.all_tenants():
        return list(
            db.session.scalars(
                select(Person)
                .join(RoleAssignment, RoleAssignment.person_id == Person.id)
                .where(
                    RoleAssignment.consortium_id == consortium_id,
                    RoleAssignment.role == "coordinator",
                    Person.status == "active",  # a deactivated person coordinates nothing
                )
                .order_by(Person.family_name, Person.given_name, Person.id)
            )
        )


def add_coordinator(*, consortium_id: uuid.UUID, person_id: uuid.UUID) -> Person:
    """Make a person of a member organisation a coordinator of the consortium (idempotent)."""
    _coordinated(consortium_id)
    caller = tenancy.current()
    members = {m["organisation"].id for m in consortia.list_members(consortium_id=consortium_id)}
    # The person may work for any member organisation, not only the caller's.
    with tenancy.all_tenants():
        person = db.session.scalar(select(Person).where(Person.id == person_id))
        if person is None or person.organisation_id not in members:
            raise Invalid(
                "A coordinator must be a person of one of the consortium's member organisations.",
                field="person_id",
            )
        if person.status != "active":
            raise Invalid("A deactivated person cannot be a coordinator.", field="person_id")
        if (
            _assignment(person_id=person.id, role="coordinator", consortium_id=consortium_id)
            is None
        ):
            _grant(
                RoleAssignment(
                    organisation_id=person.organisation_id,
                    person_id=person.id,
                    role="coordinator",
                    consortium_id=consortium_id,
                )
            )
            _audit_role(
                "role.granted",
                person.id,
                person.organisation_id,
                "coordinator",
                caller,
                consortium_id=consortium_id,
            )
    return person


def remove_coordinator(*, consortium_id: uuid.UUID, person_id: uuid.UUID) -> None:
    """Take the coordinator role of this consortium away from a person."""
    _coordinated(consortium_id)
    caller = tenancy.current()
    with tenancy.all_tenants():
        assignment = _assignment(
            person_id=person_id, role="coordinator", consortium_id=consortium_id
        )
        if assignment is None:
            raise NotFound("This person is not a coordinator of the consortium.")
        db.session.delete(assignment)
        db.session.flush()
        _audit_role(
            "role.removed",
            person_id,
            assignment.organisation_id,
            "coordinator",
            caller,
            consortium_id=consortium_id,
        )


def _audit_role(
    action: str,
    person_id: uuid.UUID,
    organisation_id: uuid.UUID,
    role: str,
    caller: Principal,
    *,
    consortium_id: uuid.UUID | None = None,
) -> None:
    """A role granted or removed: seen by the person's organisation's admins (and, for a
    coordinator, the consortium's coordinators)."""
    audit.record(
        action=action,
        subject_type="person",
        subject_id=person_id,
        organisation_id=organisation_id,
        consortium_id=consortium_id,
        data={"role": role},
        by=caller,
    )


def _grant(assignment: RoleAssignment) -> None:
    """Insert a role row; the same grant made at the same moment by another request (a unique
    violation) is the same outcome, so adding stays idempotent instead of failing with a 500."""
    add_once(
        db.session,
        assignment,
        lambda: _assignment(
            person_id=assignment.person_id,
            role=assignment.role,
            consortium_id=assignment.consortium_id,
        ),
    )


def _assignment(
    *, person_id: uuid.UUID, role: str, consortium_id: uuid.UUID | None
) -> RoleAssignment | None:
    statement = select(RoleAssignment).where(
        RoleAssignment.person_id == person_id, RoleAssignment.role == role
    )
    if consortium_id is None:
        statement = statement.where(RoleAssignment.consortium_id.is_(None))
    else:
        statement = statement.where(RoleAssignment.consortium_id == consortium_id)
    return db.session.scalar(statement)
