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

import numpy as np
import orjson
from sqlalchemy import func, select

from consortium.audit import service as audit
from consortium.audit.models import AuditEvent
from consortium.consortia.models import Consortium
from consortium.core import events, links, mail
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

# Announced when a run has finished (run=, programme=, status= succeeded | failed), in the
# run's (or its failure hook's) transaction: the webhooks domain tells the coordinators'
# organisations.
RUN_FINISHED = "matching.run_finished"


def tell_coordinators_of_failure(job: Job) -> None:
    """The coordinators hear that the run failed for good, why, and what to do next."""
    run = db.session.get(MatchingRun, uuid.UUID(job.arguments["run_id"]))
    programme = db.session.get(Programme, run.programme_id) if run else None
    if run is None or programme is None:
        return  # deleted since: nobody left to tell about it
    events.publish(RUN_FINISHED, run=run, programme=programme, status="failed")
    _tell_coordinators(
        programme,
        subject=f"Matching run failed: {programme.name}",
        body=(
            f"The matching run for {programme.name} did not finish and proposed nothing.\n\n"
            f"{job.error}\n\nThe run, and how to start a new one: "
            f"{links.programme_page(programme.id, links.run_anchor(run.id))}"
        ),
    )


def _tell_coordinators(programme: Programme, *, subject: str, body: str) -> None:
    """Mail each coordinator of the programme's consortium (through the job queue)."""
    for coordinator in roles.list_coordinators(consortium_id=programme.consortium_id):
        mail.queue(
            to=coordinator.email,
            subject=subject,
            body=body,
            organisation_id=coordinator.organisation_id,
        )


@job(
    "matching.run",
    title="The matching run",
    on_failure=tell_coordinators_of_failure,
    bulk=True,
)
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
    if session.connection().dialect.name == "postgresql":
        # The row-level security policies' subplans inflate every estimate, so PostgreSQL would
        # JIT-compile these short statements: seconds of compiling for milliseconds of work.
        session.execute(select(func.set_config("jit", "off", True)))
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
    audit.record(
        action="matching_run.finished",
        subject_type="matching_run",
        subject_id=run.id,
        consortium_id=run.consortium_id,
        data={"programme_id": programme.id, **run.counts},
    )
    events.publish(RUN_FINISHED, run=run, programme=programme, status="succeeded")
    return {"run_id": run_id, **run.counts}


def write(run: MatchingRun, programme: Programme, problem: Problem, outcome: Outcome) -> None:
    """Insert the proposals and their audit events in bulk; recount the mentors' load."""
    if not outcome.proposals:
        return
    session = db.session
    mentees, mentors = problem.mentees, problem.mentors
    org_ids = problem.organisation_ids
    columns = np.fromiter((p.column for p in outcome.proposals), dtype=np.int64)
    # What differs between proposals; the rest is the same for the whole run.
    varying = [
        {
            "mentor_profile_id": mentors.profile_ids[p.column],
            "mentor_person_id": mentors.person_ids[p.column],
            "mentor_organisation_id": org_ids[mentors.organisation[p.column]],
            "mentee_id": mentees.person_ids[p.row],
            "mentee_organisation_id": org_ids[mentees.organisation[p.row]],
            "application_id": mentees.application_ids[p.row],
            "score": p.score,
            "score_parts": p.parts,
            "reasons": p.reasons,
        }
        for p in outcome.proposals
    ]
    same = {
        "created_at": utcnow(),
        "consortium_id": programme.consortium_id,
        "programme_id": programme.id,
        "matching_run_id": run.id,
        "proposed_by": run.requested_by,
        # The same for every proposal of the run (sent once); the score is on the match.
        "event_data": {"to": "proposed", "matching_run_id": str(run.id)},
    }
    if session.connection().dialect.name == "postgresql":
        _insert_proposals(session, varying, same)
    else:
        _insert_proposal_rows(session, varying, same)
    care.recount_load(profile_ids=[mentors.profile_ids[j] for j in np.unique(columns).tolist()])
    lenders = {org_ids[o] for o in np.unique(mentors.organisation[columns]).tolist()}
    _notify(run, programme, len(varying), lenders)


# The proposals go in as one JSON document of rows (`json`, not `jsonb`: the document is only
# read once, so parsing it into jsonb first is wasted), each match's audit event is inserted from
# the RETURNING rows of the same statement (nothing per row built or sent twice), and the ids
# are PostgreSQL's own. Row-level security applies as to any INSERT.
_PROPOSALS_SQL = """
WITH proposed AS (
    INSERT INTO matches (
        id, created_at, updated_at, consortium_id, programme_id, matching_run_id, status, origin,
        proposed_by, overridden, mentor_profile_id, mentor_person_id, mentor_organisation_id,
        mentee_id, mentee_organisation_id, application_id, score, score_parts, reasons
    )
    SELECT
        gen_random_uuid(), %(created_at)s, %(created_at)s, %(consortium_id)s, %(programme_id)s,
        %(matching_run_id)s, 'proposed', 'run', %(proposed_by)s, '[]'::jsonb,
        u.mentor_profile_id, u.mentor_person_id, u.mentor_organisation_id, u.mentee_id,
        u.mentee_organisation_id, u.application_id, u.score, u.score_parts, u.reasons
    FROM json_to_recordset(%(rows)s::json) AS u(
        mentor_profile_id uuid, mentor_person_id uuid, mentor_organisation_id uuid,
        mentee_id uuid, mentee_organisation_id uuid, application_id uuid,
        score double precision, score_parts jsonb, reasons jsonb
    )
    RETURNING id, mentor_organisation_id, mentee_organisation_id
)
INSERT INTO audit_events (
    id, created_at, updated_at, consortium_id, organisation_id, other_organisation_id,
    action, subject_type, subject_id, actor, actor_name, reason, data
)
SELECT
    gen_random_uuid(), %(created_at)s, %(created_at)s, %(consortium_id)s,
    mentor_organisation_id, mentee_organisation_id, 'match.proposed', 'match', id,
    %(proposed_by)s, 'matching run', NULL, %(event_data)s::jsonb
FROM proposed
"""


def _insert_proposals(session: Any, varying: list[dict[str, Any]], same: dict[str, Any]) -> None:
    parameters = {
        **same,
        "event_data": orjson.dumps(same["event_data"]).decode(),
        "rows": orjson.dumps(varying).decode(),
    }
    with session.connection().connection.driver_connection.cursor() as cursor:
        cursor.execute(_PROPOSALS_SQL, parameters)


def _insert_proposal_rows(
    session: Any, varying: list[dict[str, Any]], same: dict[str, Any]
) -> None:
    """The same rows on other databases (SQLite in development), built here."""
    now = same["created_at"]
    matches, events = [], []
    for row in varying:
        match_id = uuid.uuid4()
        matches.append(
            {
                **row,
                "id": match_id,
                "created_at": now,
                "updated_at": now,
                "consortium_id": same["consortium_id"],
                "programme_id": same["programme_id"],
                "matching_run_id": same["matching_run_id"],
                "status": "proposed",
                "origin": "run",
                "proposed_by": same["proposed_by"],
                "overridden": [],
            }
        )
        events.append(
            {
                "id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
                "consortium_id": same["consortium_id"],
                "organisation_id": row["mentor_organisation_id"],
                "other_organisation_id": row["mentee_organisation_id"],
                "action": "match.proposed",
                "subject_type": "match",
                "subject_id": match_id,
                "actor": same["proposed_by"],
                "actor_name": "matching run",
                "reason": None,
                "data": same["event_data"],
            }
        )
    insert_rows(session, Match, matches)
    insert_rows(session, AuditEvent, events)


def _notify(run: MatchingRun, programme: Programme, proposed: int, lending: set[uuid.UUID]) -> None:
    """The coordinators hear the run finished; under two-key approval, each lending
    organisation's admins hear that proposals await their consent."""
    consortium = db.session.get(Consortium, programme.consortium_id)
    assert consortium is not None
    _tell_coordinators(
        programme,
        subject=f"Matching run finished: {programme.name}",
        body=(
            f"The matching run for {programme.name} proposed {proposed} pairing"
            f"{'s' if proposed != 1 else ''}. Review them: "
            f"{links.programme_page(programme.id, links.PROPOSALS)}"
        ),
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
                    "coordinator's. Review them: "
                    f"{links.programme_page(programme.id, links.CONSENT)}"
                ),
                organisation_id=organisation_id,
            )
