"""What each page shows, gathered through the domains' services as the caller may see it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from consortium.availability import service as availability
from consortium.consortia import service as consortia
from consortium.core import tenancy
from consortium.core.db import utcnow
from consortium.core.errors import Forbidden
from consortium.extensions import db
from consortium.identity import me
from consortium.matches import service as matches
from consortium.matches.service import Pairing
from consortium.matching import service as matching
from consortium.programmes import service as programmes
from consortium.programmes.models import Programme
from consortium.protected_time import service as protected_time
from consortium.sessions import service as sessions
from consortium.sessions.models import MentoringSession

# The pages read what the API's GETs of the same things need.
READ_SCOPE = "pool:read"
LISTED = 50  # proposals listed on a programme's page; the rest are counted
RUNS_LISTED = 10
SLOTS_AHEAD = timedelta(days=14)
SLOTS_LISTED = 10
ROLE_NAMES = {"staff": "Staff", "org_admin": "Organisation admin", "coordinator": "Coordinator"}


@dataclass(frozen=True)
class Role:
    name: str
    of: str  # the organisation or consortium it is held for


def _require_reader() -> None:
    if not tenancy.current().has_scope(READ_SCOPE):
        raise Forbidden(f"This page needs the scope {READ_SCOPE}.")


def landing() -> dict[str, Any]:
    """The signed-in caller, their roles by name, their pairings and coordinated programmes."""
    caller = me.describe_caller()
    principal = tenancy.current()
    organisation = caller["organisation"]
    roles = []
    for role in caller["roles"]:
        if role["consortium_id"] is not None:
            of = consortia.get_consortium(consortium_id=role["consortium_id"]).name
        else:
            of = organisation.name if organisation else ""
        roles.append(Role(ROLE_NAMES.get(role["role"], role["role"]), of))
    view: dict[str, Any] = {
        **caller,
        "role_names": roles,
        "own_links": me.own_links(caller) if caller["person"] else None,
        "pairings": [],
        "coordinated": [],
    }
    if principal.person_id is not None and principal.has_scope(READ_SCOPE):
        found = db.session.scalars(matches.list_matches(person_id=principal.person_id))
        view["pairings"] = [
            (p, "mentor" if p.match.mentor_person_id == principal.person_id else "mentee")
            for p in matches.pairings(found)
        ]
    for consortium_id in sorted(principal.coordinated_consortium_ids):
        consortium = consortia.get_consortium(consortium_id=consortium_id)
        listed = db.session.scalars(programmes.list_programmes(consortium_id=consortium_id))
        view["coordinated"].append((consortium, list(listed)))
    return view


def pairing(*, match_id: uuid.UUID) -> dict[str, Any]:
    """A pairing the caller may see, its sessions, what the caller may do, and (for its two
    people, while it is active) the mentor's next free times; 404 for anyone else."""
    _require_reader()
    match = matches.get_match(match_id=match_id)
    p = matches.pairing(match)
    side = sessions.side_of(match)
    found: list[MentoringSession] = list(db.session.scalars(sessions.list_sessions(match=match)))
    free = []
    if side is not None and match.status == "active":
        now = utcnow()
        free = availability.profile_slots(
            profile_id=match.mentor_profile_id, start=now, end=now + SLOTS_AHEAD
        )[:SLOTS_LISTED]
    return {
        "pairing": p,
        "shown": matches.present_one(match),
        "side": side,
        "actions": matches.actions_for_caller(p),
        "sessions": found,
        "free_slots": free,
    }


def programme(*, programme_id: uuid.UUID) -> dict[str, Any]:
    """A programme the caller may see; for its coordinators its runs and the proposals
    awaiting them, for the mentors' organisations' admins those awaiting their consent."""
    _require_reader()
    found: Programme = programmes.get_programme(programme_id=programme_id)
    principal = tenancy.current()
    coordinates = principal.coordinates(found.consortium_id)
    view: dict[str, Any] = {
        "programme": found,
        "consortium": consortia.get_consortium(consortium_id=found.consortium_id),
        "coordinates": coordinates,
        "counts": matches.count_by_status(programme_id=found.id),
        "runs": [],
        "proposals": [],
        "consent": [],
    }
    if coordinates:
        runs = db.session.scalars(matching.list_runs(programme_id=found.id).limit(RUNS_LISTED))
        view["runs"] = matching.present(list(runs))
        view["proposals"] = _proposed(found.id)
    # Two-key approval: the proposals lending the admin's organisation's staff, not yet
    # consented to.
    view["asks_consent"] = (
        view["consortium"].approval_policy == matches.TWO_KEY
        and principal.organisation_id is not None
        and principal.administers(principal.organisation_id)
    )
    if view["asks_consent"]:
        view["consent"] = [
            p
            for p in _proposed(found.id, organisation_id=principal.organisation_id)
            if p.match.mentor_organisation_id == principal.organisation_id
            and p.match.home_org_approved_at is None
        ]
    return view


def _proposed(
    programme_id: uuid.UUID, *, organisation_id: uuid.UUID | None = None
) -> list[Pairing]:
    statement = matches.list_matches(
        programme_id=programme_id, status="proposed", organisation_id=organisation_id
    )
    return matches.pairings(db.session.scalars(statement.limit(LISTED)))


def time_approval(*, approval_id: uuid.UUID) -> protected_time.Request:
    """A protected-time request addressed to the caller (as the API shows it); else 404."""
    _require_reader()
    return protected_time.described([protected_time.get_request(approval_id=approval_id)])[0]
