"""The demo ledger: the West Yorkshire network's last year of mentoring, as hours between its
employers, so the reciprocity report (JSON, CSV, chart) shows something on a fresh `make run`.

These stand for sessions held before the demo's own pairings: entries only (the ledger keeps
no person), each with a fixed session id so seeding again adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from consortium.consortia.models import Consortium
from consortium.extensions import db
from consortium.organisations.models import Organisation
from consortium.reciprocity.models import ReciprocityEntry

# (mentor's employer, mentee's employer, sessions of an hour, days ago the last was held)
HISTORY: list[tuple[str, str, int, int]] = [
    ("leeds-teaching-hospitals", "bradford-council", 14, 12),
    ("leeds-teaching-hospitals", "west-yorkshire-police", 9, 30),
    ("west-yorkshire-police", "west-yorkshire-fire", 11, 20),
    ("west-yorkshire-fire", "leeds-teaching-hospitals", 6, 45),
    ("bradford-council", "leeds-teaching-hospitals", 4, 60),
    ("bradford-council", "west-yorkshire-police", 5, 8),
]
NAMESPACE = uuid.UUID("6f1d3c52-8a7e-4b9f-9c1d-2e3f4a5b6c7d")  # the demo's session ids


def seed_ledger(consortium: Consortium) -> int:
    """Book the demo history on `consortium`'s ledger (run under all_tenants); returns the
    number of entries it holds from it."""
    ids = dict(db.session.execute(select(Organisation.slug, Organisation.id)).all())
    today = datetime.now(UTC).date()
    booked = 0
    for giver, receiver, sessions, last in HISTORY:
        if giver not in ids or receiver not in ids:
            continue
        for k in range(sessions):
            session_id = uuid.uuid5(NAMESPACE, f"{consortium.slug}/{giver}/{receiver}/{k}")
            held = datetime.combine(today - timedelta(days=last + 14 * k), time(10), UTC)
            exists = db.session.scalar(
                select(ReciprocityEntry.id).where(ReciprocityEntry.session_id == session_id)
            )
            if exists is None:
                db.session.add(
                    ReciprocityEntry(
                        consortium_id=consortium.id,
                        giver_organisation_id=ids[giver],
                        receiver_organisation_id=ids[receiver],
                        session_id=session_id,
                        minutes=60,
                        held_at=held,
                    )
                )
            booked += 1
    db.session.flush()
    return booked
