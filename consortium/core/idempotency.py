"""Idempotency-Key on creating POSTs: the same key and body replay the first response.

The record is written in the same transaction as what the request created, so a replay exists
exactly when the creation committed. Two requests racing with one key both run, but only one
commits: the other loses on the (principal, key) unique constraint and gets a 409.

A response field marked SHOWN_ONCE (a new API client's secret) is never stored: the record
keeps the response without it, and a repeat of that request is refused (422, naming what the
first one created) rather than replayed without the secret, so a client cannot mistake the
replay for credentials it can use.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from consortium.core import tenancy
from consortium.core.db import Base, Entity, utcnow
from consortium.core.errors import Invalid
from consortium.core.tenancy import OrganisationOwned

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")
# Metadata on a response schema's field: its value is shown once, so never stored or replayed.
SHOWN_ONCE = "x-shown-once"
# Fields of the first response that name what it created, quoted when a replay is refused.
IDENTIFYING_FIELDS = ("id", "client_id")


def parameter(withheld: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The header's OpenAPI parameter; an operation whose response shows a secret says so."""
    description = (
        "Retry-safe creation: the same key with the same body within 24 hours returns the first "
        "response instead of creating again; with another body it is refused (422)."
    )
    if withheld:
        description = (
            "Retry-safe creation: the same key with the same body within 24 hours does not "
            "create again. The first response shows "
            + ", ".join(sorted(withheld))
            + " once and it is not kept, so a repeat is refused (422, naming what was created) "
            "instead of replayed; with another body it is refused too (422)."
        )
    return {
        "in": "header",
        "name": HEADER,
        "required": False,
        "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
        "description": description,
        "example": "5b6f3c2e-8d1e-4c55-9f0e-2f8c0b7d9a10",
    }


class IdempotencyRecord(Entity, OrganisationOwned, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal_key", "key"),)

    organisation_id: Mapped[uuid.UUID | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    principal_key: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    response_headers: Mapped[dict[str, Any]]


def _request_hash() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.get_data(cache=True)):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _without(body: str, withheld: frozenset[str]) -> str:
    """The response body with the shown-once fields taken out (a JSON object's keys)."""
    if not withheld:
        return body
    document = json.loads(body)
    if isinstance(document, dict):
        document = {k: v for k, v in document.items() if k not in withheld}
    return json.dumps(document)


def _not_replayed(record: IdempotencyRecord, withheld: frozenset[str]) -> Invalid:
    document = json.loads(record.response_body)
    named = ", ".join(
        f"{name} {document[name]}"
        for name in IDENTIFYING_FIELDS
        if isinstance(document, dict) and name in document
    )
    return Invalid(
        f"This {HEADER} was already used: the first request succeeded"
        + (f" and created {named}" if named else "")
        + f". Its response showed {', '.join(sorted(withheld))} once, and that is not kept, "
        "so it is not replayed. If you did not store it, send the request again with a new key.",
        field=HEADER,
    )


def idempotent(
    view: Callable[..., Any], *, withheld: frozenset[str] = frozenset()
) -> Callable[..., Any]:
    """Make a creating view replay its first response for a repeated Idempotency-Key.

    `withheld` names the response's shown-once fields: they are not stored, and a repeat is
    refused instead of replayed.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from consortium.extensions import db

        key = request.headers.get(HEADER)
        principal = tenancy.current()
        if key is None or principal.kind == "anonymous":
            return view(*args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH:
            raise Invalid(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.", field=HEADER)
        ttl = timedelta(seconds=current_app.config["IDEMPOTENCY_TTL"])
        digest = _request_hash()
        previous = db.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.principal_key == principal.key,
                IdempotencyRecord.key == key,
                IdempotencyRecord.created_at > utcnow() - ttl,
            )
        )
        if previous is not None:
            if previous.request_hash != digest:
                raise Invalid(
                    f"This {HEADER} was already used with a different request; use a new key.",
                    field=HEADER,
                )
            if withheld:
                raise _not_replayed(previous, withheld)
            replay = Response(previous.response_body, status=previous.status_code)
            for name, value in previous.response_headers.items():
                replay.headers[name] = value
            replay.headers["Idempotent-Replayed"] = "true"
            return replay

        response: Response = current_app.make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            # Drop an expired record with this key so the new one can take its place.
            db.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.principal_key == principal.key, IdempotencyRecord.key == key
                )
            )
            db.session.add(
                IdempotencyRecord(
                    organisation_id=principal.organisation_id,
                    principal_key=principal.key,
                    key=key,
                    request_hash=digest,
                    status_code=response.status_code,
                    response_body=_without(response.get_data(as_text=True), withheld),
                    response_headers={
                        h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers
                    },
                )
            )
        return response

    return wrapper


def purge_expired(*, older_than: timedelta) -> int:
    """Delete records past their lifetime (run by the scheduler)."""
    from consortium.extensions import db

    with tenancy.all_tenants():
        result = db.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - older_than)
        )
        db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
