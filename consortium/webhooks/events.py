"""The events an endpoint may subscribe to, and what each organisation is told of one.

A change that concerns two organisations (a pairing across them, its sessions) is told to
each of them separately, with only what that organisation may see: the pairing's ids and
status, and its own person's id, never the other organisation's person.
"""

from __future__ import annotations

import uuid
from typing import Any

from consortium.matches.models import Match
from consortium.matching.models import MatchingRun
from consortium.people.models import Person
from consortium.programmes.models import Application, Programme
from consortium.sessions.models import MentoringSession

# type -> what it announces (the README's table and the spec's description)
EVENT_TYPES: dict[str, str] = {
    "match.proposed": "A pairing was proposed by hand (a run's proposals: matching_run.finished).",
    "match.approved": "A pairing was approved (every approval it needs is in).",
    "match.active": "Both people accepted: the pairing is active.",
    "match.ended": "A pairing was rejected, declined or closed (`status` says which).",
    "session.booked": "A session of a pairing was booked.",
    "session.rescheduled": "A session was moved.",
    "session.cancelled": "A session was cancelled.",
    "application.status_changed": "An application was made (status open) or withdrawn.",
    "person.provisioned": "A staff record was created or made active again (API, SCIM, import).",
    "person.deprovisioned": "A staff record was deactivated.",
    "matching_run.finished": "A matching run finished (succeeded or failed), with its counts.",
}

# Per organisation, the `data` of the event it is told.
Told = dict[uuid.UUID, dict[str, Any]]


def _sides(
    *, mentor_organisation_id: uuid.UUID, mentee_organisation_id: uuid.UUID,
    mentor_person_id: uuid.UUID | None, mentee_id: uuid.UUID, common: dict[str, Any],
) -> Told:  # fmt: skip
    """`common` for each organisation of a pairing, with its own person's id only."""
    told: Told = {}
    for organisation_id, key, person_id in (
        (mentor_organisation_id, "mentor_person_id", mentor_person_id),
        (mentee_organisation_id, "mentee_person_id", mentee_id),
    ):
        data = told.setdefault(organisation_id, dict(common))
        data[key] = str(person_id) if person_id else None
    return told


def match_data(match: Match) -> Told:
    common = {
        "match_id": str(match.id),
        "programme_id": str(match.programme_id),
        "consortium_id": str(match.consortium_id),
        "status": match.status,
        "mentor_organisation_id": str(match.mentor_organisation_id),
        "mentee_organisation_id": str(match.mentee_organisation_id),
    }
    return _sides(
        mentor_organisation_id=match.mentor_organisation_id,
        mentee_organisation_id=match.mentee_organisation_id,
        mentor_person_id=match.mentor_person_id,
        mentee_id=match.mentee_id,
        common=common,
    )


def session_data(session: MentoringSession) -> Told:
    common = {
        "session_id": str(session.id),
        "match_id": str(session.match_id),
        "status": session.status,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
    }
    return _sides(
        mentor_organisation_id=session.mentor_organisation_id,
        mentee_organisation_id=session.mentee_organisation_id,
        mentor_person_id=session.mentor_person_id,
        mentee_id=session.mentee_id,
        common=common,
    )


def application_data(application: Application, previous: str | None) -> Told:
    return {
        application.organisation_id: {
            "application_id": str(application.id),
            "programme_id": str(application.programme_id),
            "person_id": str(application.person_id),
            "status": application.status,
            "previous_status": previous,
        }
    }


def person_data(person: Person) -> Told:
    return {
        person.organisation_id: {
            "person_id": str(person.id),
            "status": person.status,
            "external_id": person.external_id,
        }
    }


def run_data(
    run: MatchingRun, programme: Programme, status: str, organisation_ids: set[uuid.UUID]
) -> Told:
    data = {
        "run_id": str(run.id),
        "programme_id": str(programme.id),
        "consortium_id": str(run.consortium_id),
        "status": status,
        "counts": dict(run.counts or {}),
    }
    return {organisation_id: dict(data) for organisation_id in organisation_ids}
