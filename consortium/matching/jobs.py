"""The matching-run job: load the programme, run the engine, write the proposals.

It runs as the platform (tenant None): matching reads every member organisation's pool.
The proposals, their audit events and the run's figures commit in the job's transaction,
together with the job's success, so a retried job starts from nothing written; a run that
already finished does nothing, and the one-live-pairing-per-mentee index refuses duplicates.
A run that fails its last attempt is reported to the consortium's coordinators by mail.
"""

from __future__ import annotations

import uuid
from typing import Any

from consortium.audit.models import AuditEvent
from consortium.consortia.models import Consortium
from consortium.core import mail
from consortium.core.db import insert_rows, utcnow
from consortium.core.jobs import Job, job
from consortium.extensions import db
from consortium.identity import roles
from consortium.matches.models import Match
from consortium.matches.service import TWO_KEY
from consortium.matching import engine
from consortium.matching.engine import Outcome, Timer
from consortium.matching.load import load
from consortium.matching.models import MatchingRun
from consortium.matching.problem import Problem
from consortium.pool import care
from consortium.programmes.models import Programme


def tell_coordinators_of_failure(job: Job) -> None:
    """The coordinators hear that the run failed for good, why, and what to do next."""
    from consortium.identity import roles

    run = db.session.get(MatchingRun, uuid.UUID(job.arguments["run_id"]))
    programme = db.session.get(Programme, run.programme_id) if run else None
    if run is None or programme is None:
        return  # deleted since: nobody left to tell about it
    runs = f"/api/v1/programmes/{programme.id}/matching-runs"
    for coordinator in roles.list_coordinators(consortium_id=programme.consortium_id):
        mail.queue(
            to=coordinator.email,
            subject=f"Matching run failed: {programme.name}",
            body=(
                f"The matching run for {programme.name} did not finish and proposed nothing.\n\n"
                f"{job.error}\n\nThe run: {runs}/{run.id}\nTo try again, start a new run: "
                f"POST {runs}"
            ),
            organisation_id=coordinator.organisation_id,
        )


@job("matching.run", title="The matching run", on_failure=tell_coordinators_of_failure)
def run_matching(*, run_id: str) -> dict[str, Any]:
    session = db.session
    run = session.get(MatchingRun, uuid.UUID(run_id))
    if run is None:
        return {"run_id": run_id, "skipped": "the run no longer exists"}
    if run.finished_at is not None:
        return {"run_id": run_id, **run.counts}
    programme = session.get(Programme, run.programme_id)
    assert programme is not None
    run.started_at = utcnow()
    timer = Timer()
    with timer.phase("load"):
        problem = load(programme)
    outcome = engine.run(problem, timer)
    with timer.phase("write"):
        write(run, programme, problem, outcome)
    run.timings = timer.timings
    run.counts = outcome.counts(problem)
    run.unmatched = [
        {
            "application_id": str(problem.mentees.application_ids[u.row]),
            "mentee_id": str(problem.mentees.person_ids[u.row]),
            "reason": u.reason,
            "candidates": u.candidates,
        }
        for u in outcome.unmatched
    ]
    run.finished_at = utcnow()
    session.flush()
    return {"run_id": run_id, **run.counts}


def write(run: MatchingRun, programme: Programme, problem: Problem, outcome: Outcome) -> None:
    """Insert the proposals and their audit events in bulk; recount the mentors' load."""
    if not outcome.proposals:
        return
    session = db.session
    now = utcnow()
    mentees, mentors = problem.mentees, problem.mentors
    org_ids = problem.organisation_ids
    matches: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    mentor_profiles: set[uuid.UUID] = set()
    lenders: set[uuid.UUID] = set()
    for p in outcome.proposals:
        match_id = uuid.uuid4()
        mentor_org = org_ids[int(mentors.organisation[p.column])]
        mentee_org = org_ids[int(mentees.organisation[p.row])]
        mentor_profiles.add(mentors.profile_ids[p.column])
        lenders.add(mentor_org)
        matches.append(
            {
                "id": match_id,
                "created_at": now,
                "updated_at": now,
                "consortium_id": programme.consortium_id,
                "programme_id": programme.id,
                "mentor_profile_id": mentors.profile_ids[p.column],
                "mentor_person_id": mentors.person_ids[p.column],
                "mentor_organisation_id": mentor_org,
                "mentee_id": mentees.person_ids[p.row],
                "mentee_organisation_id": mentee_org,
                "application_id": mentees.application_ids[p.row],
                "matching_run_id": run.id,
                "status": "proposed",
                "origin": "run",
                "score": p.score,
                "score_parts": p.parts,
                "reasons": p.reasons,
                "proposed_by": run.requested_by,
                "overridden": [],
            }
        )
        events.append(
            {
                "id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
                "consortium_id": programme.consortium_id,
                "organisation_id": mentor_org,
                "other_organisation_id": mentee_org,
                "action": "match.proposed",
                "subject_type": "match",
                "subject_id": match_id,
                "actor": run.requested_by,
                "actor_name": "matching run",
                "reason": None,
                # The same for every proposal of the run (sent once); the score is on the match.
                "data": {"to": "proposed", "matching_run_id": str(run.id)},
            }
        )
    insert_rows(session, Match, matches)
    insert_rows(session, AuditEvent, events)
    care.recount_load(profile_ids=mentor_profiles)
    _notify(run, programme, len(matches), lenders)


def _notify(run: MatchingRun, programme: Programme, proposed: int, lending: set[uuid.UUID]) -> None:
    """The coordinators hear the run finished; under two-key approval, each lending
    organisation's admins hear that proposals await their consent."""
    consortium = db.session.get(Consortium, programme.consortium_id)
    assert consortium is not None
    for coordinator in roles.list_coordinators(consortium_id=consortium.id):
        mail.queue(
            to=coordinator.email,
            subject=f"Matching run finished: {programme.name}",
            body=(
                f"The matching run for {programme.name} proposed {proposed} pairing"
                f"{'s' if proposed != 1 else ''}. Review them at /api/v1/matches"
                f"?programme_id={programme.id}&status=proposed"
            ),
            organisation_id=coordinator.organisation_id,
        )
    if consortium.approval_policy != TWO_KEY:
        return
    for organisation_id in sorted(lending):
        for admin in roles.admins_of(organisation_id=organisation_id):
            mail.queue(
                to=admin.email,
                subject=f"Pairings await your organisation's consent: {programme.name}",
                body=(
                    f"The matching run for {programme.name} proposed pairings with your staff as "
                    "mentors. Each needs your organisation's consent as well as the "
                    "coordinator's: see /api/v1/matches?status=proposed"
                ),
                organisation_id=organisation_id,
            )
