"""Random consortia built through the API, as coordinators, employers and staff build them.

A `Plan` is plain data drawn by hypothesis (`plans()`): 2 to 5 member organisations, some empty,
some lending mentors shared with the consortium, with named organisations only, or with
nobody; mentors vetted or not, paused or active, of any capacity; applicants from any
organisation (some with no mentor they could ever have), managed by a mentor directly or
through a middle manager, avoiding organisations, shortlisting mentors they can see.

`build(plan)` makes it real through the HTTP API: the platform creates the organisations and
the consortium; each employer's API client creates staff records and mentor profiles; its
signed-in admin releases and vets them; the coordinator creates the programme; applicants sign
in through their employer's SSO and apply. `allowed(world)` is the plan's own reading of the
hard constraints (DESIGN.md, Matching), independent of the engine, for the tests to judge by.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from flask import Flask
from hypothesis import strategies as st

from tests.conftest import ApiClient
from tests.factories import Tenant, create_organisation, create_person, organisation_client
from tests.identity.role_support import make_consortium
from tests.oidc import LocalIdp, sign_in_as
from tests.programmes.support import apply, create_programme, now, update_person

SECTORS = ("health", "police", "fire", "local_authority", "education")
# Few professions, spelt differently at times, so shared and unknown ones are common.
PROFESSIONS = st.sampled_from((None, "nursing", "Nursing ", "finance", "policing"))
_world_numbers = itertools.count(1)


@dataclass(frozen=True)
class MentorPlan:
    capacity: int
    scope: str  # organisation | consortium | organisations
    named: tuple[int, ...]  # organisation indexes, with scope organisations
    released: bool
    vetted: bool
    paused: bool
    modalities: tuple[str, ...]
    seniority: int | None
    profession: str | None = None


@dataclass(frozen=True)
class ApplicantPlan:
    seniority: int | None
    # None, ("mentor", k): managed by the organisation's k-th mentor, ("via", k): by a middle
    # manager whom the k-th mentor manages.
    manager: tuple[str, int] | None
    avoid: tuple[int, ...]  # organisation indexes
    shortlist: int  # how many visible mentors to shortlist (best first, in id order)
    is_mentor: int | None  # also the organisation's k-th mentor (never paired with oneself)
    profession: str | None = None
    preceptor: int | None = None  # the organisation's k-th mentor is their preceptor


@dataclass(frozen=True)
class OrganisationPlan:
    sector: str
    mentors: tuple[MentorPlan, ...]
    applicants: tuple[ApplicantPlan, ...]


@dataclass(frozen=True)
class Plan:
    organisations: tuple[OrganisationPlan, ...]
    mode: str
    cross_organisation: bool
    seniority_direction: str
    vetting_required: bool
    # The programme's switched-on rules (issue 17); off unless drawn.
    different_discipline: bool = False
    outside_system: bool = False
    mentor_seniority_min: int | None = None


def _mentor(n_organisations: int) -> st.SearchStrategy[MentorPlan]:
    others = st.lists(st.integers(0, n_organisations - 1), min_size=1, max_size=3, unique=True)
    return st.builds(
        MentorPlan,
        capacity=st.integers(1, 3),
        scope=st.sampled_from(("consortium", "consortium", "organisations", "organisation")),
        named=others.map(tuple),
        released=st.booleans() | st.just(True),
        vetted=st.booleans() | st.just(True),
        paused=st.sampled_from((False, False, True)),
        modalities=st.sampled_from((("mentoring",), ("mentoring", "coaching"), ("coaching",))),
        seniority=st.none() | st.integers(1, 9),
        profession=PROFESSIONS,
    )


def _applicant(n_organisations: int, n_mentors: int) -> st.SearchStrategy[ApplicantPlan]:
    manager = st.none()
    is_mentor: st.SearchStrategy[int | None] = st.none()
    preceptor: st.SearchStrategy[int | None] = st.none()
    if n_mentors:
        k = st.integers(0, n_mentors - 1)
        manager = st.none() | st.tuples(st.sampled_from(("mentor", "via")), k)
        is_mentor = st.none() | st.none() | k
        preceptor = st.none() | k
    return st.builds(
        ApplicantPlan,
        seniority=st.none() | st.integers(1, 9),
        manager=manager,
        avoid=st.lists(st.integers(0, n_organisations - 1), max_size=2, unique=True).map(tuple),
        shortlist=st.integers(0, 2),
        is_mentor=is_mentor,
        profession=PROFESSIONS,
        preceptor=preceptor,
    )


@st.composite
def _organisation(draw: st.DrawFn, n_organisations: int) -> OrganisationPlan:
    mentors = draw(st.lists(_mentor(n_organisations), max_size=3))
    applicants = draw(st.lists(_applicant(n_organisations, len(mentors)), max_size=3))
    return OrganisationPlan(draw(st.sampled_from(SECTORS)), tuple(mentors), tuple(applicants))


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n = draw(st.integers(2, 5))
    return Plan(
        organisations=tuple(draw(_organisation(n)) for _ in range(n)),
        mode=draw(st.sampled_from(("optimal", "stable"))),
        cross_organisation=draw(st.booleans() | st.just(True)),
        seniority_direction=draw(st.sampled_from(("any", "any", "mentor_senior", "mentor_junior"))),
        vetting_required=draw(st.booleans() | st.just(True)),
        different_discipline=draw(st.booleans()),
        outside_system=draw(st.booleans()),
        mentor_seniority_min=draw(st.none() | st.integers(1, 9)),
    )


@st.composite
def plans_with_pairing_rules(draw: st.DrawFn) -> Plan:
    """Plans whose programme switches on at least one of issue 17's pairing rules."""
    plan = draw(plans())
    rules = draw(st.tuples(st.booleans(), st.booleans(), st.none() | st.integers(3, 8)).filter(any))
    return replace(
        plan,
        different_discipline=rules[0],
        outside_system=rules[1],
        mentor_seniority_min=rules[2],
    )


# --- building it through the API -------------------------------------------------------------


@dataclass
class Mentor:
    plan: MentorPlan
    organisation: int
    person: dict[str, Any]
    profile: dict[str, Any]


@dataclass
class Applicant:
    plan: ApplicantPlan
    organisation: int
    person: dict[str, Any]
    application: dict[str, Any]
    # people above the applicant, nearest first (staff record ids)
    managers: list[str] = field(default_factory=list)
    preceptor: str | None = None  # their preceptor's staff record id


@dataclass
class World:
    plan: Plan
    tenants: list[Tenant]
    consortium: dict[str, Any]
    coordinator_email: str
    coordinator_slug: str
    programme: dict[str, Any]
    mentors: list[Mentor]
    applicants: list[Applicant]
    # staff record id -> their line manager's id, for everyone the world made
    manager_of: dict[str, str | None]
    # staff record id -> their preceptor's id, for those who have one
    preceptor_of: dict[str, str] = field(default_factory=dict)

    def organisation_ids(self) -> list[str]:
        return [t.id for t in self.tenants]


def build(plan: Plan, *, app: Flask, platform: ApiClient, idp: LocalIdp) -> World:
    number = next(_world_numbers)
    tenants = []
    for i, organisation in enumerate(plan.organisations):
        slug = f"w{number}-org{i}"
        made = create_organisation(platform, slug, organisation.sector)
        api = organisation_client(platform, made["id"])
        tenants.append(Tenant(organisation=made, api=api, person={}))
    consortium = make_consortium(platform, f"w{number}-network", *(t.id for t in tenants))
    coordinator_email = f"coordinator@{tenants[0].organisation['slug']}.example.org"
    create_person(tenants[0].api, coordinator_email, given_name="Cora", family_name="Ord")
    coordinator, _ = sign_in_as(
        app,
        platform,
        idp,
        tenants[0].organisation,
        coordinator_email,
        coordinator_of=[consortium["id"]],
    )
    manager_of: dict[str, str | None] = {}
    serial = itertools.count(1)

    def staff(i: int, name: str, **fields: Any) -> dict[str, Any]:
        email = f"{name}{next(serial)}@{tenants[i].organisation['slug']}.example.org"
        person = create_person(
            tenants[i].api, email, given_name=name.title(), family_name="Test", **fields
        )
        manager_of[person["id"]] = fields.get("line_manager_id")
        return person

    mentors: list[Mentor] = []
    by_organisation: list[list[Mentor]] = []
    for i, organisation in enumerate(plan.organisations):
        mine: list[Mentor] = []
        admin = None
        for m in organisation.mentors:
            person = staff(i, "mentor", seniority=m.seniority, profession=m.profession)
            mine.append(Mentor(m, i, person, _profile(tenants, i, m, person)))
            if (m.scope != "organisation" and m.released) or m.vetted:
                admin = admin or _admin(app, platform, idp, tenants[i], staff)
            if m.scope != "organisation" and m.released:
                response = admin.post(f"/api/v1/mentor-profiles/{mine[-1].profile['id']}/release")
                assert response.status_code == 200, response.get_json()
            if m.vetted:
                expires = (now() + timedelta(days=365)).date().isoformat()
                response = admin.post(
                    f"/api/v1/mentor-profiles/{mine[-1].profile['id']}/vetting",
                    json={"status": "approved", "expires_on": expires, "note": None},
                )
                assert response.status_code == 200, response.get_json()
        by_organisation.append(mine)
        mentors.extend(mine)

    programme = create_programme(
        coordinator,
        consortium["id"],
        name=f"Random programme {number}",
        matching_mode=plan.mode,
        rules={
            "cross_organisation_required": plan.cross_organisation,
            "seniority_direction": plan.seniority_direction,
            "vetting_required": plan.vetting_required,
            "different_discipline_required": plan.different_discipline,
            "outside_system_required": plan.outside_system,
            "mentor_seniority_min": plan.mentor_seniority_min,
        },
    )
    world = World(
        plan,
        tenants,
        consortium,
        coordinator_email,
        tenants[0].organisation["slug"],
        programme,
        mentors,
        [],
        manager_of,
    )
    for i, organisation in enumerate(plan.organisations):
        for a in organisation.applicants:
            world.applicants.append(
                _applicant_of(world, i, a, by_organisation[i], staff, app, platform, idp)
            )
    return world


def _profile(
    tenants: list[Tenant], i: int, m: MentorPlan, person: dict[str, Any]
) -> dict[str, Any]:
    sharing: dict[str, Any] = {"scope": m.scope}
    if m.scope == "organisations":
        named = [tenants[k].id for k in m.named if k != i] or [tenants[(i + 1) % len(tenants)].id]
        sharing["organisation_ids"] = named
    response = tenants[i].api.post(
        "/api/v1/mentor-profiles",
        json={
            "person_id": person["id"],
            "modalities": list(m.modalities),
            "topics": ["leadership", "digital"][: 1 + m.capacity % 2],
            "capacity": m.capacity,
            "sharing": sharing,
            "status": "paused" if m.paused else "active",
        },
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _admin(app: Flask, platform: ApiClient, idp: LocalIdp, tenant: Tenant, staff: Any) -> Any:
    person = staff(tenant_index(tenant), "admin")
    browser, _ = sign_in_as(
        app, platform, idp, tenant.organisation, person["email"], org_admin=True
    )
    return browser


def tenant_index(tenant: Tenant) -> int:
    return int(tenant.organisation["slug"].rsplit("org", 1)[1])


def _applicant_of(
    world: World,
    i: int,
    a: ApplicantPlan,
    mentors: list[Mentor],
    staff: Any,
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
) -> Applicant:
    tenant = world.tenants[i]
    own = mentors[a.is_mentor] if a.is_mentor is not None else None
    if own is not None and any(x.person["id"] == own.person["id"] for x in world.applicants):
        own = None  # one open application per person: this one applies as other staff
    managers: list[str] = []
    boss: str | None = None
    if a.manager is not None and (own is None or a.manager[1] != a.is_mentor):
        kind, k = a.manager
        boss = mentors[k].person["id"]
        managers.append(boss)
        if kind == "via":
            middle = staff(i, "middle", line_manager_id=boss)
            managers.insert(0, middle["id"])
            boss = middle["id"]
    preceptor = mentors[a.preceptor].person["id"] if a.preceptor is not None else None
    if own is not None and preceptor == own.person["id"]:
        preceptor = None  # nobody is their own preceptor
    if own is not None:  # a mentor who also applies to be mentored
        person = own.person
        if boss is not None:
            person = update_person(tenant, person["id"], line_manager_id=boss)
            world.manager_of[person["id"]] = boss
        if preceptor is not None:
            person = update_person(tenant, person["id"], preceptor_id=preceptor)
    else:
        person = staff(
            i,
            "applicant",
            seniority=a.seniority,
            profession=a.profession,
            line_manager_id=boss,
            preceptor_id=preceptor,
        )
    browser, _ = sign_in_as(app, platform, idp, tenant.organisation, person["email"])
    # What the applicant can shortlist: profiles they see in the pool (another organisation's
    # paused profiles are out of it), not their own.
    visible = [
        m.profile["id"]
        for m in sorted(world.mentors, key=lambda m: m.profile["id"])
        if visible_to(world, m, i)
        and (not m.plan.paused or m.organisation == i)
        and m.person["id"] != person["id"]
    ]
    application = apply(
        browser,
        world.programme,
        preferences={
            "avoid_organisation_ids": [world.tenants[k].id for k in a.avoid],
        },
        shortlist=visible[: a.shortlist],
    )
    if preceptor is not None:
        world.preceptor_of[person["id"]] = preceptor
    return Applicant(a, i, person, application, managers, preceptor)


# --- the plan's own reading of the hard constraints --------------------------------------------


def visible_to(world: World, mentor: Mentor, organisation: int) -> bool:
    m = mentor.plan
    if mentor.organisation == organisation:
        return True
    if not m.released:
        return False
    if m.scope == "consortium":
        return True
    if m.scope == "organisations":
        named = {world.tenants[k].id for k in m.named if k != mentor.organisation}
        if not named:
            named = {world.tenants[(mentor.organisation + 1) % len(world.tenants)].id}
        return world.tenants[organisation].id in named
    return False


def chain(world: World, person_id: str) -> list[str]:
    out: list[str] = []
    boss = world.manager_of.get(person_id)
    while boss is not None and boss not in out and boss != person_id:
        out.append(boss)
        boss = world.manager_of.get(boss)
    return out


def allowed(world: World, applicant: Applicant, mentor: Mentor, places: dict[str, int]) -> bool:
    """Whether the hard constraints allow this pair (places: each profile's places left)."""
    plan, m = world.plan, mentor.plan
    mentee_seniority = applicant.person.get("seniority")
    mentor_seniority = mentor.person.get("seniority")
    checks = [
        visible_to(world, mentor, applicant.organisation),
        mentor.person["id"] != applicant.person["id"],
        not plan.cross_organisation or mentor.organisation != applicant.organisation,
        "mentoring" in m.modalities,
        m.vetted or not plan.vetting_required,
        not m.paused,
        places[mentor.profile["id"]] > 0,
        mentor.organisation not in applicant.plan.avoid,
        _direction_ok(plan.seniority_direction, mentor_seniority, mentee_seniority),
        mentor.person["id"] not in chain(world, applicant.person["id"]),
        applicant.person["id"] not in chain(world, mentor.person["id"]),
        # Either names the other as preceptor (a mentor who applies may have one).
        world.preceptor_of.get(applicant.person["id"]) != mentor.person["id"],
        world.preceptor_of.get(mentor.person["id"]) != applicant.person["id"],
        plan.mentor_seniority_min is None
        or (mentor_seniority is not None and mentor_seniority >= plan.mentor_seniority_min),
        not plan.different_discipline
        or _professions_differ(mentor.person.get("profession"), applicant.person.get("profession")),
        not plan.outside_system
        or (
            mentor.organisation != applicant.organisation
            and plan.organisations[mentor.organisation].sector
            != plan.organisations[applicant.organisation].sector
        ),
    ]
    return all(checks)


def _professions_differ(mentor: str | None, mentee: str | None) -> bool:
    if not mentor or not mentee:
        return False  # not proven: excluded
    return " ".join(mentor.split()).casefold() != " ".join(mentee.split()).casefold()


def _direction_ok(direction: str, mentor: int | None, mentee: int | None) -> bool:
    if direction == "any":
        return True
    if mentor is None or mentee is None:
        return False  # not proven: excluded
    return mentor > mentee if direction == "mentor_senior" else mentor < mentee
