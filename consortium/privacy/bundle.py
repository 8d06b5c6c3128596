"""What a subject access export holds: every row about one person, table by table, and the
bundle a person downloads (one JSON file of everything and a CSV per table, zipped).

Rows are found through the mapped metadata, so a domain's table is named here once, with the
column that ties its rows to the person. Secrets stored at rest (token hashes, encrypted feed
URLs, ciphertexts) are left out: they are keys to the person's data, not data about them.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, or_, select

from consortium.core import tenancy
from consortium.core.db import Base
from consortium.core.security import ENCRYPTED
from consortium.extensions import db
from consortium.sensitive import service as sensitive

# Columns never exported whatever the table: secrets, not personal data.
WITHHELD = {"token_hash", "secret_hash", "request_hash"}

Criteria = Callable[[Table, uuid.UUID, str], ColumnElement[bool]]


def _column(name: str) -> Criteria:
    return lambda table, person_id, key: table.c[name] == person_id


def _either_side(table: Table, person_id: uuid.UUID, key: str) -> ColumnElement[bool]:
    return or_(table.c.mentee_id == person_id, table.c.mentor_person_id == person_id)


def _of_profiles(table: Table, person_id: uuid.UUID, key: str) -> ColumnElement[bool]:
    profiles = Base.metadata.tables["mentor_profiles"]
    return table.c.profile_id.in_(select(profiles.c.id).where(profiles.c.person_id == person_id))


def _audit(table: Table, person_id: uuid.UUID, key: str) -> ColumnElement[bool]:
    return or_(table.c.subject_id == person_id, table.c.actor == key)


# The tables that hold rows about a person, and how their rows are found.
TABLES: dict[str, Criteria] = {
    "people": _column("id"),
    "person_identities": _column("person_id"),
    "role_assignments": _column("person_id"),
    "mentor_profiles": _column("person_id"),
    "availability_rules": _of_profiles,
    "availability_exceptions": _of_profiles,
    "busy_feeds": _of_profiles,
    "cpd_entries": _of_profiles,
    "vetting_decisions": _of_profiles,
    "applications": _column("person_id"),
    "matches": _either_side,
    "match_goals": _either_side,
    "mentoring_sessions": _either_side,
    "session_attendees": _column("person_id"),
    "goal_reviews": _either_side,
    "session_actions": _either_side,
    # Notes they wrote (another person's private notes are that person's).
    "session_notes": _column("author_person_id"),
    "calendar_feeds": _column("person_id"),
    "consents": _column("person_id"),
    "audit_events": _audit,
}


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(table: Table, criteria: ColumnElement[bool]) -> list[dict[str, Any]]:
    columns = [c for c in table.columns if c.name not in WITHHELD and not c.info.get(ENCRYPTED)]
    statement = select(*columns).where(criteria).order_by(table.c.created_at, table.c.id)
    return [
        {name: _plain(value) for name, value in row._mapping.items()}
        for row in db.session.execute(statement)
    ]


def gather(*, person_id: uuid.UUID, organisation_id: uuid.UUID) -> dict[str, Any]:
    """Everything held about the person, by table, plus their special-category data (this is
    their own export: the one place it may appear)."""
    key = tenancy.Principal(kind="person", id=person_id).key
    tables: dict[str, list[dict[str, Any]]] = {}
    # Across tenants on purpose: a pairing's rows live with both employers.
    with tenancy.all_tenants():
        for name, criteria in TABLES.items():
            table = Base.metadata.tables[name]
            tables[name] = _rows(table, criteria(table, person_id, key))
    as_person = tenancy.Principal(
        kind="person", id=person_id, organisation_id=organisation_id, name="export"
    )
    with tenancy.acting_as(as_person):
        attributes = sensitive.get_my_attributes()
    tables["sensitive_attributes"] = [{k: _plain(v) for k, v in attributes.items()}]
    return {"person_id": str(person_id), "tables": tables}


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    names = sorted({name for row in rows for name in row})
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v
                for k, v in row.items()
            }
        )
    return out.getvalue()


def to_zip(data: dict[str, Any]) -> bytes:
    """The bundle: everything.json, and tables/<table>.csv for each table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("everything.json", json.dumps(data, indent=2, sort_keys=True))
        for name, rows in data["tables"].items():
            archive.writestr(f"tables/{name}.csv", _csv(rows))
    return buffer.getvalue()
