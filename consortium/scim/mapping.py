"""Between a Person and the SCIM User that represents it.

userName is the person's work email (stored lower-cased, unique per organisation); emails echoes
it as the one primary work address. name.givenName/familyName, title and externalId map to the
columns of the same meaning; active maps to status active/inactive.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import url_for
from scim2_models import InvalidValueException, Meta

from consortium.core.db import unstorable
from consortium.people.models import Person
from consortium.scim.resources import Email, Name, User

# Column sizes of people (see people.models); longer text is refused, never truncated.
LIMITS = {"email": 254, "given_name": 100, "family_name": 100, "job_title": 200, "external_id": 200}
SCIM_NAMES = {
    "email": "userName",
    "given_name": "name.givenName",
    "family_name": "name.familyName",
    "job_title": "title",
    "external_id": "externalId",
}


def version_of(person: Person) -> str:
    """A weak ETag that changes whenever the record does (meta.version, ETag header)."""
    digest = hashlib.sha256(f"{person.id}:{person.updated_at.isoformat()}".encode()).hexdigest()
    return f'W/"{digest[:20]}"'


def to_scim(person: Person) -> User:
    """The SCIM User representing `person`."""
    return User(
        id=str(person.id),
        external_id=person.external_id,
        user_name=person.email,
        name=Name(given_name=person.given_name, family_name=person.family_name),
        display_name=person.display_name,
        title=person.job_title,
        active=person.status == "active",
        emails=[Email(value=person.email, type="work", primary=True)],
        meta=Meta(
            resource_type="User",
            created=person.created_at,
            last_modified=person.updated_at,
            location=url_for("scim.UserItem", user_id=str(person.id), _external=True),
            version=version_of(person),
        ),
    )


def to_person_changes(user: User) -> dict[str, Any]:
    """The Person columns a validated SCIM User sets; refuses what a Person cannot hold."""
    name = user.name or Name()
    changes: dict[str, Any] = {
        "email": (user.user_name or "").strip().lower(),
        "given_name": (name.given_name or "").strip(),
        "family_name": (name.family_name or "").strip(),
        "job_title": user.title or None,
        "external_id": user.external_id or None,
        "status": "inactive" if user.active is False else "active",
    }
    for column in ("email", "given_name", "family_name"):
        if not changes[column]:
            raise InvalidValueException(detail=f"{SCIM_NAMES[column]} may not be empty.")
    if any(c.isspace() or not c.isprintable() for c in changes["email"]):
        raise InvalidValueException(detail="userName may not contain spaces or control characters.")
    for column, limit in LIMITS.items():
        value = changes[column]
        if value is None:
            continue
        if len(value) > limit:
            raise InvalidValueException(
                detail=f"{SCIM_NAMES[column]} is longer than {limit} characters."
            )
        if unstorable(value):
            raise InvalidValueException(
                detail=f"{SCIM_NAMES[column]} may not contain NUL or unpaired surrogate characters."
            )
    return changes
