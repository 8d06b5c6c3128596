"""The rows the reports are computed from, read across the consortium's members on purpose.

Every reader is authorised first (access.viewer_for); what each may see of these rows is
decided by the report that uses them. Rows are read once per report and counted in Python:
a consortium has thousands of pairings, not millions, and the large reports run as jobs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from consortium.consortia.models import ConsortiumMembership
from consortium.core import tenancy
from consortium.extensions import db
from consortium.matches.models import LOAD_STATUSES, Match
from consortium.organisations.models import Organisation
from consortium.people.models import Person
from consortium.pool.models import MentorProfile
from consortium.programmes.models import Application, Programme
from consortium.sessions.models import MentoringSession

# Statuses a pairing reaches only after its approval (declined: by a person, once approved).
APPROVED_STATUSES = ("approved", "active", "completed", "closed", "declined")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, UTC)

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.since <= moment < self.until


@dataclass(frozen=True)
class Pairing:
    id: uuid.UUID
    programme_id: uuid.UUID
    application_id: uuid.UUID | None
    mentor_profile_id: uuid.UUID
    mentor_organisation_id: uuid.UUID
    mentee_organisation_id: uuid.UUID
    status: str
    created_at: datetime
    approved_at: datetime | None
    activated_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class HeldSession:
    match_id: uuid.UUID
    mentor_profile_id: uuid.UUID
    mentor_organisation_id: uuid.UUID
    mentee_organisation_id: uuid.UUID
    starts_at: datetime
    minutes: int


@dataclass(frozen=True)
class Coach:
    profile_id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    capacity: int
    released: bool


def members(consortium_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The member organisations' names by id."""
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(Organisation.id, Organisation.name)
            .join(ConsortiumMembership, ConsortiumMembership.organisation_id == Organisation.id)
            .where(ConsortiumMembership.consortium_id == consortium_id)
        ).all()
    return {id_: name for id_, name in rows}


def organisation_names(ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    return {id_: name for id_, name in rows}


def pairings(consortium_id: uuid.UUID) -> list[Pairing]:
    """Every pairing of the consortium, with the moment it was approved (both keys, if two)."""
    with tenancy.all_tenants():
        rows = db.session.scalars(select(Match).where(Match.consortium_id == consortium_id)).all()
    return [
        Pairing(
            id=m.id,
            programme_id=m.programme_id,
            application_id=m.application_id,
            mentor_profile_id=m.mentor_profile_id,
            mentor_organisation_id=m.mentor_organisation_id,
            mentee_organisation_id=m.mentee_organisation_id,
            status=m.status,
            created_at=m.created_at,
            approved_at=_approved_at(m),
            activated_at=m.activated_at,
            ended_at=m.ended_at,
        )
        for m in rows
    ]


def _approved_at(match: Match) -> datetime | None:
    if match.status not in APPROVED_STATUSES or match.coordinator_approved_at is None:
        return None
    keys = [t for t in (match.coordinator_approved_at, match.home_org_approved_at) if t]
    return max(keys)


def held_sessions(
    *,
    since: datetime,
    until: datetime,
    consortium_id: uuid.UUID | None = None,
    profile_ids: set[uuid.UUID] | None = None,
) -> list[HeldSession]:
    """Sessions held in [since, until): of the consortium, or of these mentors anywhere."""
    conditions = [
        MentoringSession.status == "held",
        MentoringSession.starts_at >= since,
        MentoringSession.starts_at < until,
    ]
    if consortium_id is not None:
        conditions.append(MentoringSession.consortium_id == consortium_id)
    if profile_ids is not None:
        if not profile_ids:
            return []
        conditions.append(MentoringSession.mentor_profile_id.in_(profile_ids))
    with tenancy.all_tenants():
        rows = db.session.scalars(select(MentoringSession).where(*conditions)).all()
    return [
        HeldSession(
            match_id=s.match_id,
            mentor_profile_id=s.mentor_profile_id,
            mentor_organisation_id=s.mentor_organisation_id,
            mentee_organisation_id=s.mentee_organisation_id,
            starts_at=s.starts_at,
            minutes=round((s.ends_at - s.starts_at).total_seconds() / 60),
        )
        for s in rows
    ]


def coaches(consortium_id: uuid.UUID, member_ids: set[uuid.UUID]) -> list[Coach]:
    """Members' mentors released beyond their employer (the pool), and any other mentor with
    a pairing in the consortium."""
    with tenancy.all_tenants():
        paired = select(Match.mentor_profile_id).where(Match.consortium_id == consortium_id)
        released = (
            MentorProfile.released_at.is_not(None)
            & MentorProfile.sharing_scope.in_(("consortium", "organisations"))
            & (MentorProfile.status == "active")
            & MentorProfile.organisation_id.in_(member_ids)
        )
        rows = db.session.execute(
            select(MentorProfile, Person.given_name, Person.family_name)
            .join(Person, Person.id == MentorProfile.person_id)
            .where(released | MentorProfile.id.in_(paired))
        ).all()
    return [
        Coach(
            profile_id=p.id,
            organisation_id=p.organisation_id,
            name=f"{given} {family}".strip(),
            capacity=p.capacity,
            released=(
                p.released_at is not None
                and p.sharing_scope in ("consortium", "organisations")
                and p.status == "active"
                and p.organisation_id in member_ids
            ),
        )
        for p, given, family in rows
    ]


def live_pairings_by_profile(profile_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Places each mentor has taken in every consortium (proposed, approved or active)."""
    if not profile_ids:
        return {}
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(Match.mentor_profile_id).where(
                Match.mentor_profile_id.in_(profile_ids), Match.status.in_(LOAD_STATUSES)
            )
        ).all()
    counts: dict[uuid.UUID, int] = {}
    for (profile_id,) in rows:
        counts[profile_id] = counts.get(profile_id, 0) + 1
    return counts


def programmes(consortium_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, type) of the consortium's programmes, by name."""
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(Programme.id, Programme.name, Programme.type)
            .where(Programme.consortium_id == consortium_id)
            .order_by(Programme.name, Programme.id)
        ).all()
    return [(id_, name, type_) for id_, name, type_ in rows]


def applications_submitted(ids: set[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each application was submitted."""
    if not ids:
        return {}
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(Application.id, Application.created_at).where(Application.id.in_(ids))
        ).all()
    return {id_: created for id_, created in rows}
