"""Booking held sessions' hours to the ledger, and reading it back per organisation.

The ledger is read across tenants on purpose: a member organisation sees the others' totals
(what the consortium is for), but only its own line broken down by counterpart; coordinators
and the platform see every line in full. Who may ask is decided here, before reading.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from consortium.consortia.models import ConsortiumMembership
from consortium.core import tenancy
from consortium.core.errors import Forbidden, NotFound
from consortium.extensions import db
from consortium.organisations.models import Organisation
from consortium.reciprocity.models import ReciprocityEntry

# The default period of GET .../reciprocity, and the window matching weighs.
DEFAULT_PERIOD = timedelta(days=365)


def book(
    *,
    session_id: uuid.UUID,
    consortium_id: uuid.UUID,
    giver_organisation_id: uuid.UUID,
    receiver_organisation_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> ReciprocityEntry | None:
    """Book a held session's hours from the mentor's employer to the mentee's, once.

    Nothing is booked within one employer (nothing was lent) or for a session already booked.
    """
    if giver_organisation_id == receiver_organisation_id:
        return None
    minutes = round((ends_at - starts_at).total_seconds() / 60)
    if minutes <= 0:
        return None
    existing = db.session.scalar(
        select(ReciprocityEntry).where(ReciprocityEntry.session_id == session_id)
    )
    if existing is not None:
        return existing
    entry = ReciprocityEntry(
        consortium_id=consortium_id,
        giver_organisation_id=giver_organisation_id,
        receiver_organisation_id=receiver_organisation_id,
        session_id=session_id,
        minutes=minutes,
        held_at=starts_at,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def hours_between_organisations(
    *, consortium_id: uuid.UUID, since: datetime, until: datetime | None = None
) -> list[tuple[uuid.UUID, uuid.UUID, float]]:
    """(giver, receiver, hours) of the consortium's sessions held in [since, until)."""
    conditions = [
        ReciprocityEntry.consortium_id == consortium_id,
        ReciprocityEntry.held_at >= since,
    ]
    if until is not None:
        conditions.append(ReciprocityEntry.held_at < until)
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(
                ReciprocityEntry.giver_organisation_id,
                ReciprocityEntry.receiver_organisation_id,
                func.sum(ReciprocityEntry.minutes),
            )
            .where(*conditions)
            .group_by(
                ReciprocityEntry.giver_organisation_id, ReciprocityEntry.receiver_organisation_id
            )
        ).all()
    return [(giver, receiver, int(minutes) / 60) for giver, receiver, minutes in rows]


def default_period(today: date | None = None) -> tuple[date, date]:
    end = today or datetime.now(UTC).date()
    return end - DEFAULT_PERIOD + timedelta(days=1), end


def ledger(
    *, consortium_id: uuid.UUID, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """Hours given and received per organisation over [start, end] (both days included).

    Coordinators of the consortium and platform admins see every line with its counterparts;
    an admin or an API client of a member organisation sees its own line so and the others'
    totals; its other staff are refused (403); anyone else is told there is no such consortium.
    """
    principal = tenancy.current()
    full_view = principal.all_tenants or principal.coordinates(consortium_id)
    own = principal.organisation_id
    if not full_view:
        if own is None or consortium_id not in principal.consortium_ids:
            raise NotFound(f"No consortium {consortium_id}.")
        # A member's ledger is its admins' (and its API clients') to read, not all its staff's.
        if principal.kind == "person" and not principal.has_scope("organisation:admin"):
            raise Forbidden(
                "The reciprocity ledger is for the organisation's admins and the "
                "consortium's coordinators."
            )
    default_start, default_end = default_period()
    start, end = start or default_start, end or default_end
    with tenancy.all_tenants():
        members = set(
            db.session.scalars(
                select(ConsortiumMembership.organisation_id).where(
                    ConsortiumMembership.consortium_id == consortium_id
                )
            )
        )
        if not members and not full_view:
            raise NotFound(f"No consortium {consortium_id}.")
        flows = hours_between_organisations(
            consortium_id=consortium_id,
            since=datetime.combine(start, time.min, UTC),
            until=datetime.combine(end + timedelta(days=1), time.min, UTC),
        )
        # Organisations that have left keep their hours on the ledger.
        involved = members | {g for g, _, _ in flows} | {r for _, r, _ in flows}
        names = dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(involved))
            ).all()
        )
    given: dict[uuid.UUID, dict[uuid.UUID, float]] = defaultdict(dict)
    for giver, receiver, hours in flows:
        given[giver][receiver] = hours

    def line(organisation_id: uuid.UUID) -> dict[str, Any]:
        out = sum(given[organisation_id].values())
        received = sum(given[g].get(organisation_id, 0.0) for g in list(given))
        counterparts = None
        if full_view or organisation_id == own:
            others = set(given[organisation_id]) | {
                g for g in list(given) if organisation_id in given[g]
            }
            counterparts = [
                _figures(
                    other,
                    names.get(other, ""),
                    given[organisation_id].get(other, 0.0),
                    given[other].get(organisation_id, 0.0),
                )
                for other in sorted(others, key=lambda o: (names.get(o, ""), o))
            ]
        return {
            **_figures(organisation_id, names.get(organisation_id, ""), out, received),
            "member": organisation_id in members,
            "counterparts": counterparts,
        }

    lines = [line(o) for o in sorted(involved, key=lambda o: (names.get(o, ""), o))]
    return {
        "consortium_id": consortium_id,
        "start": start,
        "end": end,
        "total_hours": round(sum(h for _, _, h in flows), 2),
        "organisations": lines,
    }


def _figures(
    organisation_id: uuid.UUID, name: str, given: float, received: float
) -> dict[str, Any]:
    return {
        "organisation": {"id": organisation_id, "name": name},
        "hours_given": round(given, 2),
        "hours_received": round(received, 2),
        "balance": round(given - received, 2),
    }
