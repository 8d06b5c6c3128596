"""GDPR rights as operations: a person's own export (subject access) and an organisation
admin's erasure of one of their staff."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from sqlalchemy import select

from consortium.audit import service as audit
from consortium.core import tenancy
from consortium.core.errors import Conflict, Forbidden, NotFound
from consortium.core.jobs import enqueue
from consortium.core.security import decrypt
from consortium.extensions import db
from consortium.jobs import service as jobs
from consortium.people import service as people
from consortium.privacy import erasure
from consortium.privacy.models import PersonalExport

ONLY_A_PERSON = (
    "Only a signed-in person can ask for their own data: an API client or the platform has "
    "no personal record to export."
)


def _me() -> tenancy.Principal:
    principal = tenancy.current()
    if principal.person_id is None or principal.organisation_id is None:
        raise Forbidden(ONLY_A_PERSON)
    return principal


def start_export() -> PersonalExport:
    """Queue an export of everything held about the signed-in person (an audited event)."""
    me = _me()
    assert me.person_id is not None
    export_id = uuid.uuid4()
    job = enqueue(
        db.session, "privacy.export", tenant_id=me.organisation_id, export_id=str(export_id)
    )
    export = PersonalExport(
        id=export_id, organisation_id=me.organisation_id, person_id=me.person_id, job_id=job.id
    )
    db.session.add(export)
    db.session.flush()
    audit.record(
        action="person.exported",
        subject_type="person",
        subject_id=me.person_id,
        organisation_id=me.organisation_id,
        data={"export_id": export.id, "job_id": job.id},
    )
    return export


def get_export(*, export_id: uuid.UUID) -> PersonalExport:
    """The signed-in person's own export (anyone else's is 'not found', admins' included)."""
    _me()
    export = db.session.scalar(select(PersonalExport).where(PersonalExport.id == export_id))
    if export is None:
        raise NotFound(f"No export {export_id}.")
    return export


def describe(export: PersonalExport) -> dict[str, Any]:
    """The export as the API shows it: its job's status, and whether the bundle is ready."""
    job = jobs.get_job(job_id=export.job_id)
    return {
        "id": export.id,
        "status": job.status,
        "job_id": export.job_id,
        "created_at": export.created_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "ready": export.bundle_encrypted is not None,
    }


def bundle_of(*, export_id: uuid.UUID) -> bytes:
    """The zip of the signed-in person's finished export."""
    export = get_export(export_id=export_id)
    if export.bundle_encrypted is None:
        raise Conflict("This export is not ready yet: poll it until its status is succeeded.")
    return base64.b64decode(decrypt(export.bundle_encrypted))


def erase_person(*, organisation_id: uuid.UUID, person_id: uuid.UUID) -> dict[str, Any]:
    """Erase one of the organisation's staff everywhere; return what was removed (counts)."""
    principal = tenancy.current()
    if principal.organisation_id != organisation_id and not principal.all_tenants:
        raise NotFound(f"No organisation {organisation_id}.")
    person = people.get_person(person_id=person_id)
    if person.organisation_id != organisation_id:
        raise NotFound(f"No person {person_id}.")
    if person.email == erasure.pseudonymous_email(person.id):
        raise Conflict("This person has already been erased.")
    if principal.person_id == person.id:
        raise Conflict("You cannot erase yourself: another admin of your organisation must.")
    counts = erasure.erase(
        person_id=person.id,
        email=person.email,
        given_name=person.given_name,
        family_name=person.family_name,
    )
    db.session.expire(person)
    audit.record(
        action="person.erased",
        subject_type="person",
        subject_id=person_id,
        organisation_id=organisation_id,
        data={"removed": counts},
    )
    return {"person_id": person_id, "erased_at": person.updated_at, "removed": counts}
