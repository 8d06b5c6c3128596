"""The demo's past cohort: a closed 2025 programme of the West Yorkshire network whose
pairings met, rated their sessions, completed and were evaluated, so the evaluation report
(JSON, CSV, chart) shows something on a fresh `make run`.

Ten people in six pairings: the programme's figures are shown; every sector and organisation
pair holds fewer than 5 people, so the report shows them as "<5" (suppression at work). The
sessions are dated more than a year back, so the reciprocity ledger's default year (the demo
ledger's history) is unchanged. Fixed ids: seeding again adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from consortium.consortia.models import Consortium
from consortium.core.db import utcnow
from consortium.evaluation.models import PairingEvaluation, SessionFeedback
from consortium.extensions import db
from consortium.matches.models import Match, MatchGoal
from consortium.people.models import Person
from consortium.pool.models import MentorProfile
from consortium.programmes.models import Application, Programme
from consortium.reciprocity import service as reciprocity
from consortium.sessions.models import MentoringSession, SessionAttendee

PROGRAMME = {
    "name": "Cross-Sector Leadership Mentoring 2025",
    "type": "mentoring",
    "description": "Last year's cohort: six months with a leader from another public service.",
}
# (mentor email, mentee email, mentee's goal, evaluations: mentor's and mentee's
# (outcome, overall rating, would recommend, hours given), or None if not given)
Evaluation = tuple[str, int, bool, float]
PAIRINGS: list[tuple[str, str, str, Evaluation | None, Evaluation | None]] = [
    ("amara.okafor@nhs.net", "daniel.reid@westyorkshire.police.uk",
     "Lead a neighbourhood team through its restructure.",
     ("met", 5, True, 8.0), ("met", 5, True, 9.5)),
    ("amara.okafor@nhs.net", "kofi.mensah@westyorkshire.police.uk",
     "Build confidence to apply for sergeant.",
     ("partly", 4, True, 7.0), ("met", 4, True, 8.0)),
    ("helen.barker@westyorkshire.police.uk", "ravi.patel@westyorksfire.gov.uk",
     "Prepare for watch manager assessment.",
     ("met", 4, True, 6.0), ("met", 5, True, 7.5)),
    ("sarah.lindqvist@westyorksfire.gov.uk", "tom.hughes@nhs.net",
     "Lead my ward through the move to the new building.",
     ("partly", 3, True, 6.0), ("partly", 4, True, 6.5)),
    ("nadia.hussain@bradford.gov.uk", "priya.shah@nhs.net",
     "Understand how children's services work with the wards.",
     ("met", 5, True, 5.0), ("met", 5, True, 6.0)),
    ("helen.barker@westyorkshire.police.uk", "ben.walsh@bradford.gov.uk",
     "Co-design one discharge pathway with the police and the trust.",
     ("not", 2, False, 4.0), None),
]  # fmt: skip
NAMESPACE = uuid.UUID("0b6c2f0e-7d4a-4c1e-9a8b-3f5e6d7c8b9a")  # the demo cohort's ids
DAYS_AGO = 480  # when the first pairing began; its sessions follow, a fortnight apart


def _id(*parts: Any) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def seed_evaluation(consortium: Consortium) -> int:
    """The past cohort on `consortium` (run under all_tenants); returns its pairings."""
    people = {p.email: p for p in db.session.scalars(select(Person))}
    profiles = {p.person_id: p for p in db.session.scalars(select(MentorProfile))}
    programme_id = _id(consortium.slug, "programme")
    programme = db.session.get(Programme, programme_id)
    start = datetime.combine(utcnow().date() - timedelta(days=DAYS_AGO), time(10), UTC)
    if programme is None:
        programme = Programme(
            id=programme_id,
            consortium_id=consortium.id,
            status="closed",
            opens_at=start - timedelta(days=60),
            closes_at=start - timedelta(days=30),
            created_by="Demo seed",
            **PROGRAMME,
        )
        db.session.add(programme)
        db.session.flush()
    seeded = 0
    for k, (mentor_email, mentee_email, goal, *evaluations) in enumerate(PAIRINGS):
        mentor, mentee = people.get(mentor_email), people.get(mentee_email)
        profile = profiles.get(mentor.id) if mentor else None
        if mentor is None or mentee is None or profile is None:
            continue
        seeded += 1
        if db.session.get(Match, _id(consortium.slug, "match", k)) is None:
            _pairing(k, consortium, programme, profile, mentee, goal, evaluations, start)
    db.session.flush()
    return seeded


def _pairing(
    k: int,
    consortium: Consortium,
    programme: Programme,
    profile: MentorProfile,
    mentee: Person,
    goal: str,
    evaluations: list[Evaluation | None],
    start: datetime,
) -> None:
    slug = consortium.slug
    began = start + timedelta(days=7 * k)
    pair = {
        "consortium_id": consortium.id,
        "mentor_organisation_id": profile.organisation_id,
        "mentee_organisation_id": mentee.organisation_id,
    }
    people = {**pair, "mentee_id": mentee.id, "mentor_person_id": profile.person_id}
    application = Application(
        id=_id(slug, "application", k),
        programme_id=programme.id,
        consortium_id=consortium.id,
        organisation_id=mentee.organisation_id,
        person_id=mentee.id,
        goals=[{"statement": goal, "success_measure": "Agreed with my mentor at the outset."}],
        preferences={"mode": "either", "sectors": [], "avoid_organisation_ids": []},
    )
    match = Match(
        id=_id(slug, "match", k),
        programme_id=programme.id,
        mentor_profile_id=profile.id,
        application_id=application.id,
        status="completed",
        origin="manual",
        reasons=["Proposed by hand for the 2025 cohort."],
        proposed_by="Demo seed",
        coordinator_approved_by="Demo seed",
        coordinator_approved_at=began - timedelta(days=7),
        mentor_accepted_at=began - timedelta(days=6),
        mentee_accepted_at=began - timedelta(days=6),
        activated_at=began - timedelta(days=6),
        ended_by="Demo seed",
        ended_at=began + timedelta(days=180),
        ended_reason="The programme's six months are over.",
        **people,
    )
    goal_row = MatchGoal(
        id=_id(slug, "goal", k), match_id=match.id, position=0, description=goal, **people
    )
    # No relationships tie these rows, so each is written before the ones that refer to it.
    for row in (application, match, goal_row):
        db.session.add(row)
        db.session.flush()
    for n in range(3):  # three sessions, a month apart, each rated by both
        held = began + timedelta(days=30 * n, hours=k)
        session = MentoringSession(
            id=_id(slug, "session", k, n),
            match_id=match.id,
            mentor_profile_id=profile.id,
            starts_at=held,
            ends_at=held + timedelta(hours=1),
            status="held",
            mode="virtual",
            booked_by="Demo seed",
            **people,
        )
        db.session.add(session)
        db.session.flush()
        for role, person_id in (("mentor", profile.person_id), ("mentee", mentee.id)):
            db.session.add(
                SessionAttendee(
                    id=_id(slug, "attendee", k, n, role),
                    session_id=session.id,
                    person_id=person_id,
                    role=role,
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    **pair,
                )
            )
            db.session.add(
                SessionFeedback(
                    id=_id(slug, "feedback", k, n, role),
                    session_id=session.id,
                    match_id=match.id,
                    programme_id=programme.id,
                    author_person_id=person_id,
                    author_role=role,
                    rating=4 + (n + k + len(role)) % 2,
                    comment="Useful: we agreed the next steps.",
                    visibility="pair",
                    **people,
                )
            )
        reciprocity.book(
            session_id=session.id,
            consortium_id=consortium.id,
            giver_organisation_id=profile.organisation_id,
            receiver_organisation_id=mentee.organisation_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
        )
    for role, person_id, given in zip(
        ("mentor", "mentee"), (profile.person_id, mentee.id), evaluations, strict=True
    ):
        if given is None:
            continue
        outcome, overall, recommend, hours = given
        db.session.add(
            PairingEvaluation(
                id=_id(slug, "evaluation", k, role),
                match_id=match.id,
                programme_id=programme.id,
                author_person_id=person_id,
                author_role=role,
                goals=[
                    {
                        "goal_id": str(goal_row.id),
                        "description": goal,
                        "rating": None,
                        "outcome": outcome,
                    }
                ],
                what_changed="More confident leading across organisations.",
                would_recommend=recommend,
                hours_given=hours,
                overall_rating=overall,
                **people,
            )
        )
