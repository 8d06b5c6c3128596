"""Consortia and their member organisations."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from consortium.consortia.models import Consortium, ConsortiumMembership
from consortium.core import tenancy
from consortium.core.errors import Conflict, NotFound
from consortium.extensions import db
from consortium.organisations import service as organisations


def create_consortium(*, name: str, slug: str, **settings: Any) -> Consortium:
    """Create a consortium; slugs are unique across the platform."""
    if db.session.scalar(select(Consortium.id).where(Consortium.slug == slug)):
        raise Conflict(f"A consortium with the slug '{slug}' already exists.", field="slug")
    consortium = Consortium(name=name, slug=slug, **settings)
    db.session.add(consortium)
    db.session.flush()
    return consortium


def list_consortia() -> Select[Consortium]:
    """The consortia the caller may see (its organisation's, or all for the platform)."""
    return select(Consortium).order_by(Consortium.name, Consortium.id)


def get_consortium(*, consortium_id: uuid.UUID) -> Consortium:
    consortium = db.session.scalar(select(Consortium).where(Consortium.id == consortium_id))
    if consortium is None:
        raise NotFound(f"No consortium {consortium_id}.")
    return consortium


def update_consortium(*, consortium: Consortium, changes: dict[str, Any]) -> Consortium:
    for field, value in changes.items():
        setattr(consortium, field, value)
    db.session.flush()
    return consortium


def add_member(*, consortium_id: uuid.UUID, organisation_id: uuid.UUID) -> dict[str, Any]:
    """Make an organisation a member; 409 if it already is."""
    consortium = get_consortium(consortium_id=consortium_id)
    organisation = organisations.get_organisation(organisation_id=organisation_id)
    existing = db.session.scalar(
        select(ConsortiumMembership.id).where(
            ConsortiumMembership.consortium_id == consortium.id,
            ConsortiumMembership.organisation_id == organisation.id,
        )
    )
    if existing:
        raise Conflict(
            f"{organisation.name} is already a member of {consortium.name}.",
            field="organisation_id",
        )
    membership = ConsortiumMembership(consortium_id=consortium.id, organisation_id=organisation.id)
    db.session.add(membership)
    db.session.flush()
    return {"organisation": organisation, "joined_at": membership.created_at}


def list_members(*, consortium_id: uuid.UUID) -> list[dict[str, Any]]:
    """Member organisations' public profiles: shared on purpose with fellow members."""
    consortium = get_consortium(consortium_id=consortium_id)
    memberships = {
        m.organisation_id: m.created_at
        for m in db.session.scalars(
            select(ConsortiumMembership).where(ConsortiumMembership.consortium_id == consortium.id)
        )
    }
    profiles = organisations.public_profiles(organisation_ids=list(memberships))
    return [{"organisation": o, "joined_at": memberships[o.id]} for o in profiles]


def consortium_ids_of(organisation_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """The consortia an organisation belongs to (read while building its principal)."""
    with tenancy.all_tenants():
        return frozenset(
            db.session.scalars(
                select(ConsortiumMembership.consortium_id).where(
                    ConsortiumMembership.organisation_id == organisation_id
                )
            )
        )


def requiring_mentor_training(organisation_id: uuid.UUID) -> list[str]:
    """The names of the organisation's consortia that require mentor training, by name."""
    with tenancy.all_tenants():
        return list(
            db.session.scalars(
                select(Consortium.name)
                .join(ConsortiumMembership, ConsortiumMembership.consortium_id == Consortium.id)
                .where(
                    ConsortiumMembership.organisation_id == organisation_id,
                    Consortium.mentor_training_required.is_(True),
                )
                .order_by(Consortium.name)
            )
        )


def with_consortium_ids(statement: Select[Any], organisation_id: Any) -> Select[Any]:
    """`statement` with one more column, a consortium `organisation_id` (a column of it)
    belongs to: a row for each, or one with None when it belongs to none. For reading a
    caller's memberships in the query that reads the caller."""
    return statement.add_columns(ConsortiumMembership.consortium_id).outerjoin(
        ConsortiumMembership, ConsortiumMembership.organisation_id == organisation_id
    )


def fellow_members_of(organisation_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """Organisations sharing at least one consortium with `organisation_id` (itself included)."""
    mine = select(ConsortiumMembership.consortium_id).where(
        ConsortiumMembership.organisation_id == organisation_id
    )
    with tenancy.all_tenants():
        return frozenset(
            db.session.scalars(
                select(ConsortiumMembership.organisation_id).where(
                    ConsortiumMembership.consortium_id.in_(mine)
                )
            )
        )
