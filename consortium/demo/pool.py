"""The demo pool: released and vetted mentor profiles, two open programmes, applications.

Idempotent like the rest of the seed: profiles are found by person, programmes by name,
applications by person and programme.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from consortium.consortia.models import Consortium
from consortium.core import tenancy
from consortium.core.db import utcnow
from consortium.extensions import db
from consortium.people.models import Person
from consortium.pool.models import LEVELS_BY_BODY, MentorProfile
from consortium.pool.topics import normalise_all
from consortium.programmes.models import Application, Programme

# email → (modalities, topics, accreditation (body, level) or None, capacity, bio)
PROFILES: dict[str, tuple[list[str], list[str], tuple[str, str] | None, int, str]] = {
    "amara.okafor@nhs.net": (
        ["mentoring", "coaching"],
        ["leadership", "quality improvement", "nursing"],
        ("EMCC", "senior_practitioner"),
        3,
        "Director of Nursing; I coach new ward and department leaders.",
    ),
    "helen.barker@westyorkshire.police.uk": (
        ["mentoring", "shadowing_host"],
        ["leadership", "operational command", "wellbeing"],
        ("AC", "practitioner"),
        2,
        "Chief Superintendent; happy to host shadowing of command meetings.",
    ),
    "sarah.lindqvist@westyorksfire.gov.uk": (
        ["coaching", "team_coaching"],
        ["resilience", "leadership", "change management"],
        ("ICF", "PCC"),
        2,
        "Group Manager and ICF-credentialed coach.",
    ),
    "nadia.hussain@bradford.gov.uk": (
        ["mentoring", "ethical_mentoring"],
        ["safeguarding", "partnership working", "leadership"],
        None,
        2,
        "Head of Children's Services; I mentor across health and social care.",
    ),
    "priya.shah@nhs.net": (
        ["reverse_mentoring"],
        ["inclusion", "digital", "frontline experience"],
        None,
        1,
        "Staff nurse; I reverse-mentor senior leaders on life on the wards.",
    ),
    "kofi.mensah@westyorkshire.police.uk": (
        ["reverse_mentoring"],
        ["inclusion", "community engagement"],
        None,
        1,
        "Police constable; reverse mentoring on community relations.",
    ),
    "grace.adeyemi@hullcollegiate.org.uk": (
        ["mentoring"],
        ["leadership", "education"],
        ("EMCC", "practitioner"),
        2,
        "Headteacher mentoring across the blue-light partnership.",
    ),
}

PROGRAMMES: list[dict[str, Any]] = [
    {
        "name": "Cross-Sector Leadership Mentoring 2027",
        "type": "mentoring",
        "description": "Six months of mentoring with a leader from another public service.",
        "eligibility": {"seniority_min": 3, "seniority_max": 7},
        "min_accreditation_level": None,
        "seniority_direction": "mentor_senior",
    },
    {
        "name": "Reverse Mentoring: Seeing Leadership Differently",
        "type": "reverse_mentoring",
        "description": "Senior leaders are mentored by frontline colleagues of another service.",
        "eligibility": {"seniority_min": 7},
        "min_accreditation_level": None,
        "seniority_direction": "mentor_junior",
    },
]

# (applicant email, programme name, goals, topics)
APPLICATIONS: list[tuple[str, str, list[dict[str, str]], list[str]]] = [
    (
        "tom.hughes@nhs.net",
        PROGRAMMES[0]["name"],
        [
            {
                "statement": "Lead my ward through the move to the new building.",
                "success_measure": "Move completed with staff survey scores held.",
            }
        ],
        ["leadership", "change management"],
    ),
    (
        "ravi.patel@westyorksfire.gov.uk",
        PROGRAMMES[0]["name"],
        [
            {
                "statement": "Prepare for watch manager assessment.",
                "success_measure": "Pass the assessment centre next spring.",
            }
        ],
        ["leadership", "resilience"],
    ),
    (
        "ben.walsh@bradford.gov.uk",
        PROGRAMMES[0]["name"],
        [
            {
                "statement": "Understand how the NHS plans discharge.",
                "success_measure": "Co-design one discharge pathway with the trust.",
            }
        ],
        ["partnership working", "safeguarding"],
    ),
    (
        "helen.barker@westyorkshire.police.uk",
        PROGRAMMES[1]["name"],
        [
            {
                "statement": "Hear how new staff experience our culture.",
                "success_measure": "Two changes to induction agreed with my mentor.",
            }
        ],
        ["inclusion", "frontline experience"],
    ),
]


def seed_pool(consortium: Consortium) -> dict[str, int]:
    """Profiles, programmes and applications in `consortium` (run under all_tenants)."""
    people = {p.email: p for p in db.session.scalars(select(Person))}
    profiles = 0
    for email, (modalities, topics, accreditation, capacity, bio) in PROFILES.items():
        person = people.get(email)
        if person is None:
            continue
        exists = db.session.scalar(
            select(MentorProfile.id).where(MentorProfile.person_id == person.id)
        )
        if exists is None:
            body, level = accreditation or (None, None)
            db.session.add(
                MentorProfile(
                    organisation_id=person.organisation_id,
                    person_id=person.id,
                    modalities=modalities,
                    topics=normalise_all(topics),
                    bio=bio,
                    accreditation_body=body,
                    accreditation_level=level,
                    accreditation_rank=LEVELS_BY_BODY[body][level] if body and level else None,
                    capacity=capacity,
                    vetting_status="approved",
                    vetting_expires_on=date.today() + timedelta(days=365),
                    vetting_decided_by="Demo seed",
                    vetting_decided_at=utcnow(),
                    sharing_scope="consortium",
                    released_at=utcnow(),
                    released_by="Demo seed",
                )
            )
        profiles += 1
    programmes: dict[str, Programme] = {}
    for spec in PROGRAMMES:
        programme = db.session.scalar(
            select(Programme).where(
                Programme.consortium_id == consortium.id, Programme.name == spec["name"]
            )
        )
        if programme is None:
            now = utcnow()
            programme = Programme(
                consortium_id=consortium.id,
                status="open",
                opens_at=now - timedelta(days=7),
                closes_at=now + timedelta(days=60),
                created_by="Demo seed",
                **spec,
            )
            db.session.add(programme)
            db.session.flush()
        programmes[programme.name] = programme
    applications = 0
    for email, name, goals, topics in APPLICATIONS:
        person, programme = people.get(email), programmes[name]
        if person is None:
            continue
        found = db.session.scalar(
            select(Application.id).where(
                Application.person_id == person.id, Application.programme_id == programme.id
            )
        )
        if found is None:
            db.session.add(
                Application(
                    programme_id=programme.id,
                    consortium_id=consortium.id,
                    organisation_id=person.organisation_id,
                    person_id=person.id,
                    goals=goals,
                    topics=normalise_all(topics),
                    preferences={"mode": "either", "sectors": [], "avoid_organisation_ids": []},
                )
            )
        applications += 1
    db.session.flush()
    _seed_availability()
    _seed_matching(programmes[PROGRAMMES[0]["name"]])
    return {"profiles": profiles, "programmes": len(programmes), "applications": applications}


# Weekly and monthly windows (local time, Europe/London), handed out in turn to the profiles.
AVAILABILITY = (
    ("FREQ=WEEKLY;BYDAY=TU,TH", time(9, 30), 180),
    ("FREQ=WEEKLY;BYDAY=WE", time(13, 0), 240),
    ("FREQ=MONTHLY;BYDAY=1MO", time(10, 0), 120),
)


def _seed_availability() -> None:
    """Availability for every demo profile that has none, so slots and booking can be tried."""
    from consortium.availability import service as availability
    from consortium.availability.models import AvailabilityRule

    has_rules = set(db.session.scalars(select(AvailabilityRule.profile_id)))
    profiles = db.session.scalars(select(MentorProfile).order_by(MentorProfile.created_at))
    for n, profile in enumerate([p for p in profiles if p.id not in has_rules]):
        rrule, starts, minutes = AVAILABILITY[n % len(AVAILABILITY)]
        # As the mentor's organisation's admin would: the service checks who may write.
        admin = tenancy.Principal(
            kind="system",
            organisation_id=profile.organisation_id,
            roles=frozenset({"org_admin"}),
            name="Demo seed",
        )
        with tenancy.acting_as(admin):
            availability.add_rule(
                profile_id=profile.id,
                dtstart=datetime.combine(date(2026, 1, 5), starts),
                duration_minutes=minutes,
                rrule=rrule,
            )


def _seed_matching(programme: Programme) -> None:
    """A matching run on the first programme (once), so the demo has proposals to approve.

    It is the real job, queued like a coordinator's run; it runs after the seed commits."""
    from consortium.matching.models import MatchingRun
    from consortium.matching.service import queue_run

    ran = db.session.scalar(select(MatchingRun.id).where(MatchingRun.programme_id == programme.id))
    if ran is None:
        queue_run(programme, requested_by="Demo seed")
