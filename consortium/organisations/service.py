"""Organisations: the tenants. Created by the platform; each sees itself."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, Select, select

from consortium.audit import service as audit
from consortium.core import tenancy
from consortium.core.errors import Conflict, NotFound
from consortium.core.jobs import Job, enqueue
from consortium.extensions import db
from consortium.organisations.models import Organisation


def create_organisation(
    *, name: str, slug: str, sector: str, email_domains: list[str], ods_code: str | None = None
) -> Organisation:
    """Create an organisation; slugs are unique across the platform."""
    with tenancy.all_tenants():
        if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
            raise Conflict(f"An organisation with the slug '{slug}' already exists.", field="slug")
        organisation = Organisation(
            name=name,
            slug=slug,
            sector=sector,
            ods_code=ods_code,
            email_domains=sorted({d.lower() for d in email_domains}),
        )
        db.session.add(organisation)
        db.session.flush()
    return organisation


def list_organisations(
    *, sector: str | None = None, slug: str | None = None
) -> Select[Organisation]:
    """The organisations the caller may see, by name."""
    statement = select(Organisation).order_by(Organisation.name, Organisation.id)
    if sector:
        statement = statement.where(Organisation.sector == sector)
    if slug:
        statement = statement.where(Organisation.slug == slug)
    return statement


def get_organisation(*, organisation_id: uuid.UUID) -> Organisation:
    """The organisation, if the caller may see it (another tenant's is 'not found')."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.id == organisation_id))
    if organisation is None:
        raise NotFound(f"No organisation {organisation_id}.")
    return organisation


def update_organisation(*, organisation: Organisation, changes: dict[str, Any]) -> Organisation:
    """Apply a PATCH; email domains are kept lower-cased and unique."""
    if "email_domains" in changes:
        changes["email_domains"] = sorted({d.lower() for d in changes["email_domains"]})
    for field, value in changes.items():
        setattr(organisation, field, value)
    db.session.flush()
    return organisation


def ids_in_sector(*, sector: str) -> list[uuid.UUID]:
    """Every organisation of a sector, across tenants: only for narrowing what a caller
    already sees (e.g. the pool by sector), never to be shown."""
    with tenancy.all_tenants():
        return list(
            db.session.scalars(select(Organisation.id).where(Organisation.sector == sector))
        )


def public_profiles(*, organisation_ids: list[uuid.UUID]) -> list[Row[Any]]:
    """Id, name, slug and sector of organisations another tenant may know about (shared on
    purpose): only these columns leave the cross-tenant read."""
    with tenancy.all_tenants():
        return list(
            db.session.execute(
                select(Organisation.id, Organisation.name, Organisation.slug, Organisation.sector)
                .where(Organisation.id.in_(organisation_ids))
                .order_by(Organisation.name)
            )
        )


def start_export(*, organisation_id: uuid.UUID) -> Job:
    """Queue an export of the organisation and its staff records (an audited event)."""
    organisation = get_organisation(organisation_id=organisation_id)
    job = enqueue(
        db.session,
        "organisations.export",
        tenant_id=organisation.id,
        organisation_id=str(organisation.id),
    )
    audit.record(
        action="organisation.exported",
        subject_type="organisation",
        subject_id=organisation.id,
        organisation_id=organisation.id,
        data={"job_id": job.id},
    )
    return job
