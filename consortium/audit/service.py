"""The audit trail: recording what someone changed and why, and reading it back.

Events are append-only. Whoever records one must act for an organisation or consortium it
names (the tenancy hook and the row-level security policy both check); who reads them is
AuditEvent.tenant_criteria's business: the admins of the organisations concerned and the
consortium's coordinators (a platform admin sees all).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, or_, select

from consortium.audit.models import AuditEvent
from consortium.core import tenancy
from consortium.extensions import db


def record(
    *,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID,
    consortium_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    other_organisation_id: uuid.UUID | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    by: tenancy.Principal | None = None,
) -> AuditEvent:
    """Write one event in the current transaction; returns it. Its actor is `by` (default:
    the current principal): a change written while acting for another tenant is recorded as
    the caller's, not the stand-in's."""
    principal = by or tenancy.current()
    event = AuditEvent(
        id=uuid.uuid4(),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        consortium_id=consortium_id,
        organisation_id=organisation_id,
        other_organisation_id=other_organisation_id,
        actor=principal.key,
        actor_name=principal.display,
        reason=reason,
        data=_jsonable(data or {}),
    )
    db.session.add(event)
    db.session.flush()
    return event


def _jsonable(value: Any) -> Any:
    """Ids and other plain values as JSON stores them (UUIDs as strings)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def list_events(
    *,
    subject_id: uuid.UUID | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    consortium_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
) -> Select[AuditEvent]:
    """The events the caller may see matching every filter, newest first."""
    statement = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if subject_id is not None:
        statement = statement.where(AuditEvent.subject_id == subject_id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    if subject_type:
        statement = statement.where(AuditEvent.subject_type == subject_type)
    if consortium_id is not None:
        statement = statement.where(AuditEvent.consortium_id == consortium_id)
    if organisation_id is not None:
        statement = statement.where(
            or_(
                AuditEvent.organisation_id == organisation_id,
                AuditEvent.other_organisation_id == organisation_id,
            )
        )
    return statement
