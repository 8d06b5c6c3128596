"""Building a Problem for a programme from the database.

Matching reads across tenants on purpose: mentors and mentees of every member organisation,
their line managers' chains, refused pairs and lending between organisations. It does so under
an explicit `tenancy.all_tenants()`, and only the arrays the engine needs leave this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import and_, literal, or_, select

from consortium.availability import service as availability
from consortium.availability.recurrence import DEFAULT_TIMEZONE, is_zone
from consortium.availability.week import CELLS, DAYS, PART_NAMES, cell
from consortium.consortia.models import Consortium, ConsortiumMembership
from consortium.core import tenancy
from consortium.core.db import utcnow
from consortium.extensions import db
from consortium.matches.models import LOAD_STATUSES, REFUSED_STATUSES, Match
from consortium.matching.problem import Mentees, Mentors, Problem, Rules, pairs
from consortium.matching.scoring import weights_of
from consortium.organisations.models import SECTORS, Organisation
from consortium.people.models import Person
from consortium.pool import care
from consortium.pool.models import ICF_RANKS, LEVEL_RANKS, MentorProfile, MentorProfileShare
from consortium.programmes import service as programmes
from consortium.programmes.eligibility import refusals
from consortium.programmes.models import Application, Programme
from consortium.reciprocity import service as reciprocity
from consortium.sensitive import service as sensitive

# The modality a mentor must offer for each type of programme.
PROGRAMME_MODALITY = {
    "mentoring": "mentoring",
    "reverse_mentoring": "reverse_mentoring",
    "coaching": "coaching",
    "shadowing": "shadowing_host",
    "ethical_mentoring": "ethical_mentoring",
    "return_to_work": "mentoring",
    "career_progression": "mentoring",
    "board_mentoring": "mentoring",
    "research_fellowship": "mentoring",
    "team_coaching": "team_coaching",
}
MODALITY_LABELS = {
    "mentoring": "mentoring",
    "reverse_mentoring": "reverse mentoring",
    "coaching": "coaching",
    "team_coaching": "team coaching",
    "shadowing_host": "work shadowing",
    "ethical_mentoring": "ethical mentoring",
    "supervision": "supervision",
}
MAX_CHAIN = 50  # line-management depth followed (a cycle in the data stops here)


def rules_of(programme: Programme) -> Rules:
    modality = PROGRAMME_MODALITY[programme.type]
    level = programme.min_accreditation_level
    return Rules(
        modality=modality,
        modality_label=MODALITY_LABELS[modality],
        cross_organisation_required=programme.cross_organisation_required,
        min_accreditation_rank=LEVEL_RANKS.get(level or "", ICF_RANKS.get(level or "", 0)),
        min_accreditation_label=(level or "").replace("_", " "),
        seniority_direction=programme.seniority_direction,
        vetting_required=programme.vetting_required,
        mode=programme.matching_mode,
        different_discipline_required=programme.different_discipline_required,
        outside_system_required=programme.outside_system_required,
        mentor_seniority_min=programme.mentor_seniority_min,
    )


def load(
    programme: Programme,
    *,
    application_ids: Iterable[uuid.UUID] | None = None,
    profile_ids: Iterable[uuid.UUID] | None = None,
    today: date | None = None,
    places_held: Mapping[uuid.UUID, int] | None = None,
) -> Problem:
    """The programme's open applications without a live pairing, and its mentor pool.

    `application_ids` / `profile_ids` narrow it (a hand-made proposal checks one pair).
    `places_held` (profile id → places) are held by the pairings being re-checked: they are
    not counted against those mentors, so a pairing at approval does not block itself.
    Each side is one query joined with the people's staff records, read as plain rows (no ORM
    objects); line-management chains are followed in SQL.
    """
    today = today or utcnow().date()
    application_ids = None if application_ids is None else list(application_ids)
    profile_ids = None if profile_ids is None else list(profile_ids)
    with tenancy.all_tenants():
        session = db.session
        consortium = session.get(Consortium, programme.consortium_id)
        assert consortium is not None
        members = set(
            session.scalars(
                select(ConsortiumMembership.organisation_id).where(
                    ConsortiumMembership.consortium_id == consortium.id
                )
            )
        )
        applications = _applications(programme, application_ids)
        profiles = _profiles(members, profile_ids)
        organisations = {
            row.id: row
            for row in session.execute(
                select(
                    Organisation.id, Organisation.name, Organisation.sector, Organisation.status
                ).where(
                    Organisation.id.in_(
                        members
                        | {a.organisation_id for a in applications}
                        | {p.organisation_id for p in profiles}
                    )
                )
            )
        }
        codes = _Codes(organisations, [a.person_id for a in applications], profiles)
        suspended = {o for o, row in organisations.items() if row.status != "active"}
        mentees = _mentees(programme, applications, codes, suspended, today)
        mentors = _mentors(programme, profiles, codes, today, suspended, places_held or {})
        mentees.preferred_cells, mentees.zone, mentees.zones = _free_times(applications)
        mentors.free_hours, mentors.published = _free_hours(profiles, mentees.zones)
        # Who takes part, as subqueries rather than lists of thousands of ids.
        applicants = (
            select(Application.person_id).where(Application.id.in_(application_ids))
            if application_ids is not None
            else programmes.open_applicant_ids(programme_id=programme.id)
        )
        problem = Problem(
            rules=rules_of(programme),
            mentees=mentees,
            mentors=mentors,
            visible=_visibility(profiles, codes),
            line_management=_line_management(
                applications,
                profiles,
                select(Application.person_id).where(*_mentees_wanted(programme, application_ids)),
                select(MentorProfile.person_id).where(*_mentors_wanted(members, profile_ids)),
            ),
            refused_before=_refused(applications, profiles, applicants),
            shortlist=np.empty((0, 3), dtype=np.int64),
            shortlist_length=np.zeros(len(applications), dtype=np.int64),
            lent=_lending(consortium.id, codes, today),
            weights=weights_of(consortium.matching_weights),
            organisation_ids=codes.organisation_ids,
            organisation_names=[organisations[o].name for o in codes.organisation_ids],
            sector_names=list(SECTORS),
            profession_names=codes.profession_names,
        )
        problem.shortlist, problem.shortlist_length = _shortlists(applications, profiles)
        problem.supervision = _supervision(
            applications,
            profiles,
            select(Application.person_id).where(*_mentees_wanted(programme, application_ids)),
            select(MentorProfile.person_id).where(*_mentors_wanted(members, profile_ids)),
        )
    return problem


class _Codes:
    """Small integer codes for organisations, sectors, professions and people."""

    def __init__(
        self, organisations: dict[uuid.UUID, Any], mentee_people: list[uuid.UUID], profiles: Any
    ) -> None:
        self.organisation_ids = sorted(organisations)
        self.organisations = {o: k for k, o in enumerate(self.organisation_ids)}
        self.sectors = {
            o: SECTORS.index(row.sector) if row.sector in SECTORS else -1
            for o, row in organisations.items()
        }
        # Only equality matters (never pair a person with themself): first seen, first code.
        self.people = {
            p: k
            for k, p in enumerate(dict.fromkeys([*mentee_people, *(p.person_id for p in profiles)]))
        }
        self.professions: dict[str, int] = {}

    def profession(self, name: str | None) -> int:
        if not name:
            return -1
        return self.professions.setdefault(name.strip().lower(), len(self.professions))

    @property
    def profession_names(self) -> list[str]:
        return list(self.professions)


def _live(programme: Programme) -> Any:
    """The mentees with a live pairing in the programme. NOT IN this is a hashed lookup,
    linear however few rows the planner expects under row-level security (a NOT EXISTS can
    become a nested loop probing every live pairing once per application)."""
    return select(Match.mentee_id).where(
        Match.programme_id == programme.id, Match.status.in_(LOAD_STATUSES)
    )


def _applications(programme: Programme, application_ids: list[uuid.UUID] | None) -> list[Any]:
    """The mentees' applications with their staff records (`staff_*`), one row each."""
    # Plain rows, not entities: only these columns, nothing tracked (10,000s of them).
    statement = (
        select(
            Application.id,
            Application.person_id,
            Application.organisation_id,
            Application.goals,
            Application.topics,
            Application.preferences,
            Application.shortlist,
            Application.protected_time,
            Person.organisation_id.label("staff_organisation_id"),
            Person.status.label("staff_status"),
            Person.profession.label("staff_profession"),
            Person.seniority.label("staff_seniority"),
            Person.started_on.label("staff_started_on"),
            Person.returns_on.label("staff_returns_on"),
        )
        .join(Person, Person.id == Application.person_id)
        .where(*_mentees_wanted(programme, application_ids))
        .order_by(Application.id)
    )
    return list(db.session.execute(statement))


def _mentees_wanted(programme: Programme, application_ids: list[uuid.UUID] | None) -> list[Any]:
    """Which applications are the mentees (criteria on Application)."""
    wanted = [Application.programme_id == programme.id, Application.status == "open"]
    if application_ids is None:
        return [*wanted, Application.person_id.not_in(_live(programme))]
    return [*wanted, Application.id.in_(application_ids)]


def _mentors_wanted(members: set[uuid.UUID], profile_ids: list[uuid.UUID] | None) -> list[Any]:
    """Which profiles are the pool (criteria on MentorProfile)."""
    wanted = [MentorProfile.organisation_id.in_(members)]
    if profile_ids is None:
        return wanted
    return [*wanted, MentorProfile.id.in_(profile_ids)]


def _profiles(members: set[uuid.UUID], profile_ids: list[uuid.UUID] | None) -> list[Any]:
    """The pool's profiles with their mentors' staff records (`staff_*`), one row each."""
    statement = (
        select(
            MentorProfile.id,
            MentorProfile.organisation_id,
            MentorProfile.person_id,
            MentorProfile.modalities,
            MentorProfile.topics,
            MentorProfile.bio,
            MentorProfile.accreditation_rank,
            MentorProfile.capacity,
            MentorProfile.active_load,
            MentorProfile.vetting_status,
            MentorProfile.vetting_expires_on,
            MentorProfile.sharing_scope,
            MentorProfile.released_at,
            MentorProfile.status,
            Person.status.label("staff_status"),
            Person.profession.label("staff_profession"),
            Person.seniority.label("staff_seniority"),
        )
        .join(Person, Person.id == MentorProfile.person_id)
        .where(*_mentors_wanted(members, profile_ids))
        .order_by(MentorProfile.id)
    )
    return list(db.session.execute(statement))


class _Staff(NamedTuple):
    """The staff record fields eligibility reads (eligibility.refusals' `person`)."""

    organisation_id: uuid.UUID
    status: str
    profession: str | None
    seniority: int | None
    started_on: date | None
    returns_on: date | None


def _mentees(
    programme: Programme,
    applications: list[Any],
    codes: _Codes,
    suspended: set[uuid.UUID],
    today: date,
) -> Mentees:
    n = len(applications)
    avoid = np.zeros((n, len(codes.organisations)), dtype=bool)
    preferred = np.zeros((n, len(SECTORS)), dtype=bool)
    ineligible: list[str | None] = []
    positive_action = bool((programme.eligibility or {}).get("positive_action"))
    # Without positive action the refusals depend on the staff record alone: asked once each.
    judged: dict[_Staff, str | None] = {}
    for i, application in enumerate(applications):
        preferences = application.preferences or {}
        for org in preferences.get("avoid_organisation_ids") or []:
            org_id = _uuid(org)
            code = codes.organisations.get(org_id) if org_id else None
            if code is not None:
                avoid[i, code] = True
        for sector in preferences.get("sectors") or []:
            if sector in SECTORS:
                preferred[i, SECTORS.index(sector)] = True
        staff = _Staff(
            application.staff_organisation_id,
            application.staff_status,
            application.staff_profession,
            application.staff_seniority,
            application.staff_started_on,
            application.staff_returns_on,
        )
        if positive_action:
            declared = sensitive.consented_attributes(
                person_id=application.person_id, programme_id=programme.id
            )
            reason = _refused_because(programme, staff, declared, today)
        else:
            if staff not in judged:
                judged[staff] = _refused_because(programme, staff, None, today)
            reason = judged[staff]
        if application.organisation_id in suspended:
            reason = "; ".join(
                r for r in ("your organisation's use of the service is suspended", reason) if r
            )
        ineligible.append(reason)
    return Mentees(
        application_ids=[a.id for a in applications],
        person_ids=[a.person_id for a in applications],
        person=_ints(codes.people[a.person_id] for a in applications),
        organisation=_ints(codes.organisations[a.organisation_id] for a in applications),
        sector=_ints(codes.sectors[a.organisation_id] for a in applications),
        profession=_ints(codes.profession(a.staff_profession) for a in applications),
        seniority=np.array([_seniority(a.staff_seniority) for a in applications], dtype=np.float64),
        ineligible=ineligible,
        waiting=[_waiting_for(a.protected_time) for a in applications],
        documents=[_mentee_document(a) for a in applications],
        topics=[list(a.topics or []) for a in applications],
        avoid=avoid,
        preferred_sectors=preferred,
    )


def _waiting_for(protected_time: str | None) -> str | None:
    """What an application's protected time holds it back by (None: nothing)."""
    if protected_time == "pending":
        return "waiting for your line manager's approval of protected time"
    if protected_time == "declined":
        return "your line manager declined the protected time this programme needs"
    return None


def _refused_because(
    programme: Programme, staff: _Staff, declared: dict[str, Any] | None, today: date
) -> str | None:
    refused = refusals(programme=programme, person=staff, declared=declared, today=today)  # type: ignore[arg-type]
    return "; ".join(r.reason for r in refused) if refused else None


def _mentors(
    programme: Programme,
    profiles: list[Any],
    codes: _Codes,
    today: date,
    suspended: set[uuid.UUID],
    places_held: Mapping[uuid.UUID, int],
) -> Mentors:
    loads = {p.id: max(0, p.active_load - places_held.get(p.id, 0)) for p in profiles}
    cares = care.care_for(profiles, loads=loads)
    modality = PROGRAMME_MODALITY[programme.type]

    def vetted(p: Any) -> bool:
        if not programme.vetting_required:
            return True
        expires = p.vetting_expires_on
        return bool(p.vetting_status == "approved" and (expires is None or expires >= today))

    def freshness(p: Any) -> float:
        c = cares[p.id]
        used = max(
            loads[p.id] / max(p.capacity, 1),
            c.sessions_last_90_days / max(c.limits.max_sessions_90_days, 1),
        )
        return float(min(1.0, max(0.0, 1.0 - used)))

    return Mentors(
        profile_ids=[p.id for p in profiles],
        person_ids=[p.person_id for p in profiles],
        person=_ints(codes.people[p.person_id] for p in profiles),
        organisation=_ints(codes.organisations[p.organisation_id] for p in profiles),
        sector=_ints(codes.sectors[p.organisation_id] for p in profiles),
        profession=_ints(codes.profession(p.staff_profession) for p in profiles),
        seniority=np.array([_seniority(p.staff_seniority) for p in profiles], dtype=np.float64),
        offers_modality=_bools(modality in (p.modalities or []) for p in profiles),
        accreditation_rank=_ints(p.accreditation_rank or 0 for p in profiles),
        vetted=_bools(vetted(p) for p in profiles),
        active=_bools(
            p.status == "active"
            and p.staff_status == "active"
            and p.organisation_id not in suspended
            for p in profiles
        ),
        capacity=_ints(p.capacity for p in profiles),
        active_load=_ints(loads[p.id] for p in profiles),
        fatigued=_bools(cares[p.id].fatigued for p in profiles),
        freshness=np.array([freshness(p) for p in profiles], dtype=np.float64),
        documents=[_mentor_document(p) for p in profiles],
        topics=[list(p.topics or []) for p in profiles],
    )


def _free_times(applications: list[Any]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """When each mentee said they are free (n x cells of the week grid), their time zone's code,
    and the zones (Europe/London first; only zones of mentees who stated times)."""
    cells = np.zeros((len(applications), CELLS), dtype=bool)
    zone_codes = np.zeros(len(applications), dtype=np.int64)
    zones = {DEFAULT_TIMEZONE: 0}
    for i, application in enumerate(applications):
        preferences = application.preferences or {}
        for day, parts in (preferences.get("free_times") or {}).items():
            for part in parts or []:
                if day in DAYS and part in PART_NAMES:
                    cells[i, cell(day, part)] = True
        timezone = preferences.get("timezone") or DEFAULT_TIMEZONE
        if cells[i].any() and is_zone(timezone):
            zone_codes[i] = zones.setdefault(timezone, len(zones))
    return cells, zone_codes, list(zones)


def _free_hours(profiles: list[Any], zones: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each mentor's typical week of free hours (zones x m x cells: each zone's cells), and
    whether they published any availability, from the availability domain in one go."""
    week = availability.weekly_free_hours({p.id: p.person_id for p in profiles}, timezones=zones)
    return np.stack([week.hours[z] for z in zones]), week.published


def _visibility(profiles: list[Any], codes: _Codes) -> np.ndarray:
    """visible[o, j]: organisation o sees profile j (mirrors MentorProfile.tenant_criteria for
    the members of this consortium: own organisation, or released to the consortium, or
    released to o by name)."""
    m = len(profiles)
    visible = np.zeros((len(codes.organisations), m), dtype=bool)
    visible[_ints(codes.organisations[p.organisation_id] for p in profiles), np.arange(m)] = True
    released = _bools(p.released_at is not None for p in profiles)
    scope = np.array([p.sharing_scope for p in profiles], dtype=object)
    visible[:, released & (scope == "consortium")] = True
    named = released & (scope == "organisations")
    if named.any():
        # Read across tenants: the shares of released profiles shared by name only (a share
        # left from an earlier scope is not read).
        shares = db.session.execute(
            select(MentorProfileShare.profile_id, MentorProfileShare.organisation_id)
            .join(MentorProfile, MentorProfile.id == MentorProfileShare.profile_id)
            .where(
                MentorProfileShare.owner_organisation_id.in_({p.organisation_id for p in profiles}),
                MentorProfile.released_at.is_not(None),
                MentorProfile.sharing_scope == "organisations",
            )
        )
        column = {p.id: j for j, p in enumerate(profiles)}
        rows, columns = [], []
        for profile_id, organisation_id in shares:
            code = codes.organisations.get(organisation_id)
            j = column.get(profile_id)
            if code is not None and j is not None:
                rows.append(code)
                columns.append(j)
        hits = _ints(columns)
        keep = named[hits]
        visible[_ints(rows)[keep], hits[keep]] = True
    return visible


def _line_management(
    applications: list[Any], profiles: list[Any], mentees: Any, mentors: Any
) -> np.ndarray:
    """(mentee row, mentor column) pairs where either manages the other, at any depth.

    The chains are followed in SQL (a recursive query up `line_manager_id`, at most MAX_CHAIN
    steps, never back to where it started); only the links between two participants return.
    """
    rows_of: dict[uuid.UUID, list[int]] = {}
    for i, a in enumerate(applications):
        rows_of.setdefault(a.person_id, []).append(i)
    columns_of: dict[uuid.UUID, list[int]] = {}
    for j, p in enumerate(profiles):
        columns_of.setdefault(p.person_id, []).append(j)
    if not rows_of or not columns_of:
        return pairs([], [])
    found: set[tuple[int, int]] = set()
    for person, boss in _chains(mentees, mentors):
        # The mentee's manager who is a mentor, and the mentor's manager who is a mentee.
        found.update((i, j) for i in rows_of.get(person, ()) for j in columns_of.get(boss, ()))
        found.update((i, j) for i in rows_of.get(boss, ()) for j in columns_of.get(person, ()))
    ordered = sorted(found)
    return pairs([i for i, _ in ordered], [j for _, j in ordered])


def _chains(mentees: Any, mentors: Any) -> Any:
    """(person, a manager up their chain) for the participants, both of them participants;
    `mentees` and `mentors` select the participants' person ids."""
    boss = Person.line_manager_id
    up = (
        select(Person.id.label("person"), boss.label("boss"), literal(1).label("depth"))
        .where(or_(Person.id.in_(mentees), Person.id.in_(mentors)))
        .where(boss.is_not(None), boss != Person.id)
        .cte("up", recursive=True)
    )
    up = up.union_all(
        select(up.c.person, boss, up.c.depth + 1)
        .join(Person, Person.id == up.c.boss)
        .where(up.c.depth < MAX_CHAIN, boss.is_not(None), boss != up.c.person)
    )
    return db.session.execute(
        select(up.c.person, up.c.boss)
        .where(
            or_(
                and_(up.c.person.in_(mentees), up.c.boss.in_(mentors)),
                and_(up.c.person.in_(mentors), up.c.boss.in_(mentees)),
            )
        )
        .distinct()
    )


def _supervision(
    applications: list[Any], profiles: list[Any], mentees: Any, mentors: Any
) -> np.ndarray:
    """(mentee row, mentor column) pairs where either names the other as their preceptor or
    clinical supervisor (one step, not a chain: supervision is not a hierarchy). `mentees` and
    `mentors` select the participants' person ids (subqueries, not lists of thousands)."""
    rows_of: dict[uuid.UUID, list[int]] = {}
    for i, a in enumerate(applications):
        rows_of.setdefault(a.person_id, []).append(i)
    columns_of: dict[uuid.UUID, list[int]] = {}
    for j, p in enumerate(profiles):
        columns_of.setdefault(p.person_id, []).append(j)
    if not rows_of or not columns_of:
        return pairs([], [])
    named = db.session.execute(
        select(Person.id, Person.preceptor_id, Person.clinical_supervisor_id).where(
            or_(Person.id.in_(mentees), Person.id.in_(mentors)),
            or_(Person.preceptor_id.is_not(None), Person.clinical_supervisor_id.is_not(None)),
        )
    )
    found: set[tuple[int, int]] = set()
    for person, *supervisors in named:
        for other in supervisors:
            if other is None:
                continue
            found.update((i, j) for i in rows_of.get(person, ()) for j in columns_of.get(other, ()))
            found.update((i, j) for i in rows_of.get(other, ()) for j in columns_of.get(person, ()))
    ordered = sorted(found)
    return pairs([i for i, _ in ordered], [j for _, j in ordered])


def _refused(applications: list[Any], profiles: list[Any], applicants: Any) -> np.ndarray:
    """Pairs declined, rejected or ended with no fault before (in any programme): never
    proposed again."""
    rows_of = {a.person_id: i for i, a in enumerate(applications)}
    column_of = {p.id: j for j, p in enumerate(profiles)}
    if not rows_of or not column_of:
        return pairs([], [])
    found = db.session.execute(
        select(Match.mentee_id, Match.mentor_profile_id)
        .where(
            Match.mentee_id.in_(applicants),
            # A pairing ended with no fault (by a person, or a coordinator's rematch) too.
            or_(Match.status.in_(REFUSED_STATUSES), Match.no_fault.is_(True)),
        )
        .distinct()
    )
    hits = sorted(
        (rows_of[mentee], column_of[profile]) for mentee, profile in found if profile in column_of
    )
    return pairs([i for i, _ in hits], [j for _, j in hits])


def _lending(consortium_id: uuid.UUID, codes: _Codes, today: date) -> np.ndarray:
    """lent[a, b]: the hours organisation a's mentors gave b's staff in held sessions of this
    consortium over the last year (the reciprocity ledger)."""
    size = len(codes.organisations)
    lent = np.zeros((size, size), dtype=np.float64)
    since = datetime.combine(today - reciprocity.DEFAULT_PERIOD, time.min, UTC)
    for lender, borrower, hours in reciprocity.hours_between_organisations(
        consortium_id=consortium_id, since=since
    ):
        a, b = codes.organisations.get(lender), codes.organisations.get(borrower)
        if a is not None and b is not None and a != b:
            lent[a, b] = hours
    return lent


def _shortlists(applications: list[Any], profiles: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    column_of = {str(p.id): j for j, p in enumerate(profiles)}
    rows, columns, ranks = [], [], []
    lengths = np.zeros(len(applications), dtype=np.int64)
    for i, a in enumerate(applications):
        listed = a.shortlist or []
        lengths[i] = len(listed)
        for rank, profile_id in enumerate(listed, start=1):
            j = column_of.get(str(profile_id))
            if j is not None:
                rows.append(i)
                columns.append(j)
                ranks.append(rank)
    out = np.empty((len(rows), 3), dtype=np.int64)
    out[:, 0], out[:, 1], out[:, 2] = rows, columns, ranks
    return out, lengths


def _mentee_document(application: Any) -> str:
    goals = " ".join(
        f"{g.get('statement', '')} {g.get('success_measure', '')}" for g in application.goals or []
    )
    return f"{goals} {_topic_words(application.topics)}"


def _mentor_document(profile: Any) -> str:
    return f"{_topic_words(profile.topics)} {profile.bio or ''}"


def _topic_words(topics: list[str] | None) -> str:
    return " ".join(t.replace("-", " ") for t in topics or [])


def _seniority(value: int | None) -> float:
    return float(value) if value is not None else float("nan")


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _ints(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


def _bools(values: Iterable[bool]) -> np.ndarray:
    return np.fromiter(values, dtype=bool)
