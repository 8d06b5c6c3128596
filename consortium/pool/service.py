"""Mentor and coach profiles: offering, sharing, release by the employer, vetting, CPD.

Who may do what:
- the mentor edits their own profile and CPD log; their org admins (and the organisation's
  API client) may do so too, and may create a profile for a colleague;
- only an org admin of the mentor's organisation releases the profile beyond it (it commits
  the employer's time);
- vetting is decided by that org admin, or by a coordinator of a consortium the profile is
  shared with, who writes on the mentor's organisation's behalf.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, delete, or_, select

from consortium.audit import service as audit
from consortium.consortia import service as consortia
from consortium.core import mail, tenancy
from consortium.core.db import JsonArrayContains, utcnow
from consortium.core.errors import Conflict, Forbidden, Invalid, NotFound
from consortium.extensions import db
from consortium.organisations import service as organisations
from consortium.people import service as people
from consortium.people.models import Person
from consortium.pool import care, topics
from consortium.pool.models import (
    LEVEL_RANKS,
    LEVELS_BY_BODY,
    CpdEntry,
    MentorProfile,
    MentorProfileShare,
    VettingDecision,
)


def today() -> date:
    """Today's date in UTC, the service's calendar (vetting expiry, CPD dates)."""
    return utcnow().date()


# --- who may do what ------------------------------------------------------------------------


def _manages(organisation_id: uuid.UUID) -> bool:
    """An org admin of the organisation, its own API client, or a platform admin."""
    principal = tenancy.current()
    return principal.administers(organisation_id) or (
        principal.kind == "client" and principal.organisation_id == organisation_id
    )


def _may_edit(profile: MentorProfile) -> bool:
    principal = tenancy.current()
    return principal.person_id == profile.person_id or _manages(profile.organisation_id)


def _assesses(profile: MentorProfile, organisation_consortia: frozenset[uuid.UUID]) -> bool:
    """Whether the caller coordinates a consortium this profile is shared with.

    `organisation_consortia` are the consortia of the profile's organisation.
    """
    principal = tenancy.current()
    return (
        profile.released_at is not None
        and profile.sharing_scope == "consortium"
        and bool(organisation_consortia & principal.coordinated_consortium_ids)
    )


def _consortia_of(organisation_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    # Only coordinators need them (to see shared profiles in full and vet them).
    coordinator = bool(tenancy.current().coordinated_consortium_ids)
    return {
        o: consortia.consortium_ids_of(o) if coordinator else frozenset()
        for o in set(organisation_ids)
    }


# --- reading ---------------------------------------------------------------------------------


def get_profile(*, profile_id: uuid.UUID) -> MentorProfile:
    """A profile the caller may see; 404 otherwise."""
    profile = db.session.scalar(_in_pool().where(MentorProfile.id == profile_id))
    if profile is None:
        raise NotFound(f"No mentor profile {profile_id}.")
    return profile


def mentors_of(*, profile_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Profile id → the mentor's person id, for those of `profile_ids` the caller sees."""
    rows = db.session.execute(
        _in_pool()
        .with_only_columns(MentorProfile.id, MentorProfile.person_id)
        .where(MentorProfile.id.in_(profile_ids))
    )
    return {profile_id: person_id for profile_id, person_id in rows}


def _in_pool() -> Select[MentorProfile]:
    """The profiles the caller sees (the tenancy hook), less paused ones of other
    organisations: only the platform and the coordinators assessing them still see those."""
    principal = tenancy.current()
    statement = select(MentorProfile)
    if principal.all_tenants:
        return statement
    return statement.where(
        or_(
            MentorProfile.status == "active",
            MentorProfile.organisation_id == principal.organisation_id,
            MentorProfile.released_to_consortia(principal.coordinated_consortium_ids),
        )
    )


def list_profiles(
    *,
    modality: str | None = None,
    topic: str | None = None,
    sector: str | None = None,
    organisation_id: uuid.UUID | None = None,
    consortium_id: uuid.UUID | None = None,
    accreditation_level: str | None = None,
    has_capacity: bool | None = None,
    person_id: uuid.UUID | None = None,
    status: str | None = None,
    vetting_status: str | None = None,
) -> Select[MentorProfile]:
    """The profiles the caller may see that match every filter, oldest first."""
    statement = _in_pool().order_by(MentorProfile.created_at, MentorProfile.id)
    if modality:
        statement = statement.where(JsonArrayContains(MentorProfile.modalities, modality))
    if topic:
        statement = statement.where(
            JsonArrayContains(MentorProfile.topics, topics.normalise(topic))
        )
    if sector:
        statement = statement.where(
            MentorProfile.organisation_id.in_(organisations.ids_in_sector(sector=sector))
        )
    if organisation_id:
        statement = statement.where(MentorProfile.organisation_id == organisation_id)
    if consortium_id:
        statement = statement.where(MentorProfile.released_to_consortia([consortium_id]))
    if accreditation_level:
        statement = statement.where(
            MentorProfile.accreditation_rank >= LEVEL_RANKS[accreditation_level]
        )
    if has_capacity is not None:
        free = MentorProfile.capacity > MentorProfile.active_load
        statement = statement.where(free if has_capacity else ~free)
    if person_id:
        statement = statement.where(MentorProfile.person_id == person_id)
    if status:
        statement = statement.where(MentorProfile.status == status)
    if vetting_status:
        statement = statement.where(MentorProfile.vetting_status == vetting_status)
        if vetting_status == "approved":  # an approval past its expiry no longer counts
            statement = statement.where(MentorProfile.vetting_expires_on >= today())
    return statement


def present(profiles: Iterable[MentorProfile]) -> list[dict[str, Any]]:
    """Each profile as this caller may see it: the full view, or the public fields only."""
    profiles = list(profiles)
    if not profiles:
        return []
    # Both read only public fields across tenants; together, the RLS settings change once.
    with tenancy.all_tenants():
        details = people.public_details(person_ids=[p.person_id for p in profiles])
        orgs = {
            o.id: o
            for o in organisations.public_profiles(
                organisation_ids=list({p.organisation_id for p in profiles})
            )
        }
    memberships = _consortia_of(p.organisation_id for p in profiles)
    full = [p for p in profiles if _may_edit(p) or _assesses(p, memberships[p.organisation_id])]
    cares = care.care_for(full)
    shares = _shares_of([p.id for p in full])
    out = []
    for p in profiles:
        organisation = orgs[p.organisation_id]
        view: dict[str, Any] = {
            "id": p.id,
            "view": "public",
            "person": details.get(p.person_id, {}),
            "organisation": {
                "id": organisation.id,
                "name": organisation.name,
                "sector": organisation.sector,
            },
            "modalities": p.modalities,
            "topics": p.topics,
            "accreditation": (
                {"body": p.accreditation_body, "level": p.accreditation_level}
                if p.accreditation_body
                else None
            ),
            "capacity_left": max(0, p.capacity - p.active_load),
        }
        if p.id in cares:
            view.update(_full_fields(p, cares[p.id], shares.get(p.id, [])))
        out.append(view)
    return out


def present_one(profile: MentorProfile) -> dict[str, Any]:
    return present([profile])[0]


def _full_fields(
    p: MentorProfile, figures: care.Care, shared_with: list[uuid.UUID]
) -> dict[str, Any]:
    return {
        "view": "full",
        "person_id": p.person_id,
        "bio": p.bio,
        "capacity": p.capacity,
        "status": p.status,
        "paused_reason": p.paused_reason,
        "vetting": {
            "status": p.vetting_status,
            "expires_on": p.vetting_expires_on,
            "approved_by": p.vetting_decided_by,
            "decided_at": p.vetting_decided_at,
            "note": p.vetting_note,
            "expired": p.vetting_expires_on is not None and p.vetting_expires_on < today(),
        },
        "sharing": {"scope": p.sharing_scope, "organisation_ids": shared_with},
        "release": {
            "released": p.released_at is not None,
            "released_at": p.released_at,
            "released_by": p.released_by,
        },
        "care": figures,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _shares_of(profile_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    if not profile_ids:
        return out
    rows = db.session.execute(
        select(MentorProfileShare.profile_id, MentorProfileShare.organisation_id)
        .where(MentorProfileShare.profile_id.in_(profile_ids))
        .order_by(MentorProfileShare.created_at, MentorProfileShare.id)
    )
    for profile_id, organisation_id in rows:
        out.setdefault(profile_id, []).append(organisation_id)
    return out


# --- writing ---------------------------------------------------------------------------------


def create_profile(*, person_id: uuid.UUID | None = None, **fields: Any) -> MentorProfile:
    """Create a person's offer to mentor or coach (their own, or a colleague's as org admin)."""
    principal = tenancy.current()
    person_id = person_id or principal.person_id
    if person_id is None:
        raise Invalid("Say whose profile this is.", field="person_id")
    person = db.session.scalar(select(Person).where(Person.id == person_id))
    if person is None:
        raise Invalid("No such person in your organisation.", field="person_id")
    if person.id != principal.person_id and not _manages(person.organisation_id):
        raise Forbidden("Only the person or their organisation's admins create their profile.")
    if person.status != "active":
        raise Invalid("This person is deactivated.", field="person_id")
    if db.session.scalar(select(MentorProfile.id).where(MentorProfile.person_id == person.id)):
        raise Conflict(f"{person.display_name} already has a mentor profile.", field="person_id")
    profile = MentorProfile(
        id=uuid.uuid4(), organisation_id=person.organisation_id, person_id=person.id
    )
    db.session.add(profile)
    _apply(profile, fields)
    db.session.flush()
    return profile


def require_editor(profile: MentorProfile, what: str = "change this profile") -> None:
    """Refuse (403) unless the caller is the mentor or manages their organisation."""
    if not _may_edit(profile):
        raise Forbidden(f"Only the mentor and their organisation's admins {what}.")


def update_profile(*, profile: MentorProfile, changes: dict[str, Any]) -> MentorProfile:
    """Change a profile; changing who it is shared with withdraws the employer's release."""
    require_editor(profile)
    resuming = changes.get("status") == "active" and profile.paused_reason == "vetting_expired"
    if resuming and (profile.vetting_expires_on is None or profile.vetting_expires_on < today()):
        raise Conflict(
            "Vetting has expired; the profile can be resumed once vetting is renewed.",
            field="status",
        )
    _apply(profile, changes)
    db.session.flush()
    return profile


def _apply(profile: MentorProfile, changes: dict[str, Any]) -> None:
    if "topics" in changes:
        profile.topics = topics.normalise_all(changes["topics"])
    if "modalities" in changes:
        profile.modalities = list(changes["modalities"])
    if "accreditation" in changes:
        accreditation = changes["accreditation"]
        profile.accreditation_body = accreditation["body"] if accreditation else None
        profile.accreditation_level = accreditation["level"] if accreditation else None
        profile.accreditation_rank = (
            LEVELS_BY_BODY[accreditation["body"]][accreditation["level"]] if accreditation else None
        )
    for field in ("bio", "capacity"):
        if field in changes:
            setattr(profile, field, changes[field])
    if "status" in changes and changes["status"] != profile.status:
        profile.status = changes["status"]
        profile.paused_reason = "requested" if profile.status == "paused" else None
    if "sharing" in changes:
        _share(profile, changes["sharing"])


def _share(profile: MentorProfile, sharing: dict[str, Any]) -> None:
    scope, named = sharing.get("scope", "organisation"), list(sharing.get("organisation_ids", []))
    current = sorted(
        db.session.scalars(
            select(MentorProfileShare.organisation_id).where(
                MentorProfileShare.profile_id == profile.id
            )
        )
    )
    if scope == profile.sharing_scope and sorted(named) == current:
        return
    if named:
        _check_partners(profile.organisation_id, named)
    db.session.execute(
        delete(MentorProfileShare).where(MentorProfileShare.profile_id == profile.id)
    )
    for organisation_id in named:
        db.session.add(
            MentorProfileShare(
                profile_id=profile.id,
                owner_organisation_id=profile.organisation_id,
                organisation_id=organisation_id,
            )
        )
    profile.sharing_scope = scope
    # The employer approved lending under that sharing (scope consortium: every consortium the
    # organisation belongs to, now or later); a different sharing needs a new approval.
    profile.released_at = profile.released_by = None


def _check_partners(organisation_id: uuid.UUID, named: list[uuid.UUID]) -> None:
    """Named organisations must be fellow members of one of the organisation's consortia."""
    partners = consortia.fellow_members_of(organisation_id)
    unknown = [str(o) for o in named if o not in partners or o == organisation_id]
    if unknown:
        raise Invalid(
            "Share only with other members of your consortia; not: " + ", ".join(unknown),
            field="sharing.organisation_ids",
        )


def release(*, profile: MentorProfile) -> MentorProfile:
    """Approve lending the mentor's time beyond their organisation (org admins)."""
    principal = tenancy.current()
    if not principal.administers(profile.organisation_id):
        raise Forbidden("Only an admin of the mentor's organisation releases them to the pool.")
    if profile.sharing_scope == "organisation":
        raise Conflict(
            "The profile is shared with the organisation only; share it with the consortium or "
            "named organisations first.",
            field="sharing.scope",
        )
    _ensure_trained(profile)
    if profile.released_at is None:
        profile.released_at = utcnow()
        profile.released_by = principal.display
        db.session.flush()
        audit.record(
            action="profile.released",
            subject_type="mentor_profile",
            subject_id=profile.id,
            organisation_id=profile.organisation_id,
            data={"sharing_scope": profile.sharing_scope},
        )
    return profile


def _ensure_trained(profile: MentorProfile) -> None:
    """409 unless the mentor has logged training, when a consortium of theirs requires it."""
    requiring = consortia.requiring_mentor_training(profile.organisation_id)
    if not requiring:
        return
    trained = db.session.scalar(
        select(CpdEntry.id)
        .where(CpdEntry.profile_id == profile.id, CpdEntry.kind == "training")
        .limit(1)
    )
    if trained is None:
        raise Conflict(
            f"{', '.join(requiring)} require{'s' if len(requiring) == 1 else ''} mentors to "
            "complete mentor training before their profile is released: log the training in "
            "the mentor's CPD (kind: training), then release the profile.",
            field="cpd.kind",
        )


def decide_vetting(
    *, profile: MentorProfile, status: str, expires_on: date | None, note: str | None
) -> MentorProfile:
    """Record a vetting decision (the mentor's org admin, or a coordinator assessing them)."""
    principal = tenancy.current()
    organisation_consortia = consortia.consortium_ids_of(profile.organisation_id)
    if not (
        principal.administers(profile.organisation_id) or _assesses(profile, organisation_consortia)
    ):
        raise Forbidden(
            "Vetting is decided by the mentor's organisation's admins or by coordinators of a "
            "consortium the profile is shared with."
        )
    if status == "approved" and (expires_on is None or expires_on <= today()):
        raise Invalid("Approval needs an expiry date in the future.", field="expires_on")
    decided_by = principal.display
    # A coordinator from another organisation writes on the mentor's organisation's behalf.
    with tenancy.acting_for(profile.organisation_id, name=f"vetting by {decided_by}"):
        profile.vetting_status = status
        profile.vetting_expires_on = expires_on if status == "approved" else None
        profile.vetting_note = note
        profile.vetting_decided_by = decided_by
        profile.vetting_decided_at = utcnow()
        if status == "approved" and profile.paused_reason == "vetting_expired":
            profile.status, profile.paused_reason = "active", None
        db.session.add(
            VettingDecision(
                organisation_id=profile.organisation_id,
                profile_id=profile.id,
                status=status,
                expires_on=profile.vetting_expires_on,
                note=note,
                decided_by=decided_by,
                decided_by_id=principal.person_id,
            )
        )
        _tell(profile, f"Your mentor vetting is now {status}", _vetting_message(profile))
        db.session.flush()
        audit.record(
            action="profile.vetting_decided",
            subject_type="mentor_profile",
            subject_id=profile.id,
            organisation_id=profile.organisation_id,
            reason=note,
            data={"status": status, "expires_on": str(profile.vetting_expires_on or "") or None},
            by=principal,
        )
    return profile


def _vetting_message(profile: MentorProfile) -> str:
    if profile.vetting_status == "approved":
        return f"Your vetting was approved until {profile.vetting_expires_on:%d %B %Y}."
    return f"Your vetting status is now {profile.vetting_status}."


def _tell(profile: MentorProfile, subject: str, body: str) -> None:
    """Mail the mentor (after commit, through the job queue)."""
    with tenancy.acting_for(profile.organisation_id, name="pool notifications"):
        email = db.session.scalar(select(Person.email).where(Person.id == profile.person_id))
        if email:
            mail.queue(
                to=email, subject=subject, body=body, organisation_id=profile.organisation_id
            )


def expire_vetting(*, today: date) -> list[uuid.UUID]:
    """Pause every active profile whose approved vetting expired before `today`; tell each
    mentor. Runs as the system (all tenants); a second run finds nothing more to do."""
    expired = db.session.scalars(
        select(MentorProfile)
        .where(
            MentorProfile.status == "active",
            MentorProfile.vetting_status == "approved",
            MentorProfile.vetting_expires_on < today,
        )
        .order_by(MentorProfile.id)
        .with_for_update(skip_locked=True)
    ).all()
    for profile in expired:
        profile.status, profile.paused_reason = "paused", "vetting_expired"
        _tell(
            profile,
            "Your mentor profile is paused: vetting expired",
            f"Your vetting expired on {profile.vetting_expires_on:%d %B %Y}, so your profile "
            "has been paused and you will not be offered new pairings. Ask your organisation's "
            "mentoring lead or your consortium coordinator to renew it.",
        )
    db.session.flush()
    return [p.id for p in expired]


# --- CPD log ---------------------------------------------------------------------------------


def add_cpd(
    *, profile: MentorProfile, held_on: date, kind: str, hours: float, note: str
) -> CpdEntry:
    """Log supervision, training or reflection for a mentor."""
    require_editor(profile, "keep the CPD log")
    if held_on > today():
        raise Invalid("CPD is logged once it has happened.", field="date")
    entry = CpdEntry(
        organisation_id=profile.organisation_id,
        profile_id=profile.id,
        held_on=held_on,
        kind=kind,
        hours=hours,
        note=note,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def list_cpd(*, profile: MentorProfile) -> Select[CpdEntry]:
    """The mentor's CPD log, most recent first."""
    require_editor(profile, "see the CPD log")
    return (
        select(CpdEntry)
        .where(CpdEntry.profile_id == profile.id)
        .order_by(CpdEntry.held_on.desc(), CpdEntry.created_at.desc(), CpdEntry.id.desc())
    )
