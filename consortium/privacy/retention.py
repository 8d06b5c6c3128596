"""Retention: what is kept only for a while, removed once past its configured period.

- private session notes of pairings that ended (closed or completed) PRIVATE_NOTES_RETENTION_DAYS
  ago: the author's reflections, of no use once the pairing is over;
- login sessions that expired or ended LOGIN_SESSION_RETENTION_DAYS ago;
- idempotency records older than IDEMPOTENCY_TTL (their stored responses hold personal data);
- finished (succeeded or failed) job rows older than JOB_RETENTION_DAYS, and with them the
  personal exports they built (their bundles are copies of a person's whole record).
Each run logs and audits how many rows of each it removed; the event names no one.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from consortium.audit import service as audit
from consortium.core import tenancy
from consortium.core.db import Base, utcnow
from consortium.extensions import db

log = logging.getLogger(__name__)
ENDED = ("closed", "completed")


def _deleted(statement: object) -> int:
    result = db.session.execute(statement)  # type: ignore[call-overload]
    return int(result.rowcount or 0)


def run() -> dict[str, int]:
    """Remove everything past its retention; return how many rows of each kind (committed)."""
    config = current_app.config
    now = utcnow()
    tables = Base.metadata.tables
    notes, matches = tables["session_notes"], tables["matches"]
    logins, jobs = tables["login_sessions"], tables["jobs"]
    keys = tables["idempotency_keys"]
    with tenancy.all_tenants():
        notes_cutoff = now - timedelta(days=config["PRIVATE_NOTES_RETENTION_DAYS"])
        ended = select(matches.c.id).where(
            matches.c.status.in_(ENDED),
            func.coalesce(matches.c.ended_at, matches.c.updated_at) < notes_cutoff,
        )
        logins_cutoff = now - timedelta(days=config["LOGIN_SESSION_RETENTION_DAYS"])
        jobs_cutoff = now - timedelta(days=config["JOB_RETENTION_DAYS"])
        counts = {
            "private_notes": _deleted(
                delete(notes).where(notes.c.kind == "private", notes.c.match_id.in_(ended))
            ),
            "login_sessions": _deleted(
                delete(logins).where(
                    func.coalesce(logins.c.ended_at, logins.c.expires_at) < logins_cutoff
                )
            ),
            "jobs": _deleted(
                delete(jobs).where(
                    jobs.c.status.in_(("succeeded", "failed")), jobs.c.finished_at < jobs_cutoff
                )
            ),
            # Also purged hourly by core.jobs; counted here so the audit shows every removal.
            "idempotency_keys": _deleted(
                delete(keys).where(
                    keys.c.created_at < now - timedelta(seconds=config["IDEMPOTENCY_TTL"])
                )
            ),
        }
        audit.record(
            action="retention.applied",
            subject_type="retention",
            subject_id=uuid.uuid4(),
            data={"removed": counts},
        )
        db.session.commit()
    log.info("retention removed %s", ", ".join(f"{n} {k}" for k, n in counts.items()))
    return counts
