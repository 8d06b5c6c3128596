"""Moving every secret stored at rest onto the current SECRET_KEY after a key rotation.

The columns are found from the metadata (`info={ENCRYPTED: True}`), so a domain that adds an
encrypted column needs nothing here. The work is a chain of outbox jobs, one batch each: a job
re-encrypts up to `batch_size` values, in id order, column after column, and queues the next
batch in its own transaction, so a crash loses at most one batch and a re-run skips what is
already under SECRET_KEY.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, select, update

from consortium.core import security
from consortium.core.db import Base
from consortium.core.jobs import Job, enqueue, job
from consortium.extensions import db

JOB = "secrets.reencrypt"
BATCH_SIZE = 500


@dataclass(frozen=True)
class EncryptedColumn:
    table: Table
    column: Column[Any]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def encrypted_columns() -> list[EncryptedColumn]:
    """Every column holding `security.encrypt()` ciphertext, in a fixed order."""
    return sorted(
        (
            EncryptedColumn(table, column)
            for table in Base.metadata.tables.values()
            for column in table.columns
            if column.info.get(security.ENCRYPTED)
        ),
        key=lambda c: c.name,
    )


class MissingKey(RuntimeError):
    """A stored value decrypts under none of the configured keys."""

    def __init__(self, column: EncryptedColumn, row_id: Any) -> None:
        super().__init__(
            f"{column.name} of row {row_id} decrypts under none of the configured keys: put the "
            "key it was written under in SECRET_KEY_PREVIOUS and run "
            "`flask --app wsgi secrets reencrypt` again."
        )


def start(*, batch_size: int = BATCH_SIZE) -> Job:
    """Queue the re-encryption of every stored secret; return the chain's first job."""
    return enqueue(db.session, JOB, tenant_id=None, batch_size=batch_size)


@job(JOB, queue="maintenance", title="Re-encrypting the stored secrets")
def reencrypt_batch(
    *, batch_size: int = BATCH_SIZE, column: str | None = None, after: str | None = None
) -> dict[str, Any]:
    """Re-encrypt one batch from (`column`, `after`) on; queue the next batch if any is left.

    Runs as the platform: the secrets of every tenant move.
    """
    columns = encrypted_columns()
    position = [c.name for c in columns].index(column) if column else 0
    cursor = uuid.UUID(after) if after else None
    budget, reencrypted, already_current = batch_size, 0, 0
    while position < len(columns) and budget > 0:
        target = columns[position]
        rows = _rows(target, after=cursor, limit=budget)
        for row_id, value in rows:
            try:
                moved = security.reencrypt(value)
            except security.SecretUnreadable as exc:
                raise MissingKey(target, row_id) from exc
            if moved is None:
                already_current += 1
                continue
            table = target.table
            db.session.execute(
                update(table)
                # Unchanged since read: a value written meanwhile is under SECRET_KEY already.
                .where(table.c.id == row_id, target.column == value)
                # Not a change anyone made: updated_at (shown, and in ETags) stays.
                .values({target.column: moved, table.c.updated_at: table.c.updated_at})
            )
            reencrypted += 1
        budget -= len(rows)
        if budget > 0:  # this column is done
            position, cursor = position + 1, None
        else:
            cursor = rows[-1][0]
    next_job = None
    if position < len(columns):
        next_job = enqueue(
            db.session,
            JOB,
            tenant_id=None,
            batch_size=batch_size,
            column=columns[position].name,
            after=str(cursor) if cursor else None,
        )
    return {
        "reencrypted": reencrypted,
        "already_current": already_current,
        "next_job_id": str(next_job.id) if next_job else None,
    }


def _rows(target: EncryptedColumn, *, after: uuid.UUID | None, limit: int) -> list[Any]:
    id_column = target.table.c.id
    statement = select(id_column, target.column).where(target.column.is_not(None))
    if after is not None:
        statement = statement.where(id_column > after)
    return list(db.session.execute(statement.order_by(id_column).limit(limit)))


@dataclass(frozen=True)
class Census:
    """How many of one column's values each key opens."""

    column: str
    current: int
    previous: int
    unreadable: int


def census(*, batch_size: int = 1000) -> list[Census]:
    """Count every encrypted column's values under SECRET_KEY, a previous key, and neither."""
    out = []
    for target in encrypted_columns():
        counts = {"current": 0, "previous": 0, "unreadable": 0}
        cursor = None
        while rows := _rows(target, after=cursor, limit=batch_size):
            for _, value in rows:
                index = security.key_of(value)
                counts[
                    "unreadable" if index is None else "current" if index == 0 else "previous"
                ] += 1
            cursor = rows[-1][0]
        out.append(Census(column=target.name, **counts))
    return out
