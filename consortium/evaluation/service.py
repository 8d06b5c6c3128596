"""Feedback on held sessions, evaluations of ended pairings, and who may read them.

- Either person of a pairing rates a held session (1-5) and comments once, choosing who else
  reads the comment: `pair` (the other person) or `coordinator` (the consortium's
  coordinators only); giving it again replaces their own. Before the session is held: 409.
- Once the pairing has ended (completed, or closed after it was active), each person
  evaluates it once: every goal of the application rated, what changed, would recommend,
  hours given.
Anyone but the pair's two people is told there is no such thing to give (404), as the API
answers for pairings one cannot see. Every feedback and evaluation writes an audit event
(naming no comment: the trail is read by admins who may not read the feedback).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from consortium.audit import service as audit
from consortium.core import tenancy
from consortium.core.errors import Conflict, Forbidden, Invalid, NotFound
from consortium.evaluation import figures
from consortium.evaluation.models import PairingEvaluation, SessionFeedback
from consortium.evaluation.suppression import MIN_PEOPLE, SUPPRESSED
from consortium.extensions import db
from consortium.matches.models import Match, MatchGoal
from consortium.organisations import service as organisations_service
from consortium.programmes import service as programmes
from consortium.programmes.models import Programme
from consortium.sessions import service as sessions
from consortium.sessions.models import MentoringSession

# A pairing that ended this way may be evaluated (closed: only if it had been active).
ENDED_STATUSES = ("completed", "closed")
# A goal rated 1-5 counts as met from 4, partly met at 2-3 (when no outcome is given).
OUTCOME_OF_RATING = {1: "not", 2: "partly", 3: "partly", 4: "met", 5: "met"}


def ended(match: Match) -> bool:
    """Whether the pairing has ended after being active (what an evaluation looks back on)."""
    return match.status in ENDED_STATUSES and match.activated_at is not None


def _party(match_id: uuid.UUID, what: str) -> tuple[Match, str]:
    """The pairing and the caller's side in it; 404 for anyone but its two people."""
    match = sessions.get_match(match_id=match_id)
    side = sessions.side_of(match)
    if side is None:
        raise NotFound(f"No {what} here for you: it is given by the pairing's mentor and mentee.")
    return match, side


def _pair_columns(match: Match, side: str) -> dict[str, Any]:
    return {
        "match_id": match.id,
        "programme_id": match.programme_id,
        "consortium_id": match.consortium_id,
        "mentor_organisation_id": match.mentor_organisation_id,
        "mentee_organisation_id": match.mentee_organisation_id,
        "mentee_id": match.mentee_id,
        "mentor_person_id": match.mentor_person_id,
        "author_person_id": tenancy.current().person_id,
        "author_role": side,
    }


def _write(row: SessionFeedback | PairingEvaluation, what: str) -> None:
    """Write the row; one written at the same moment by the same person (the unique index)
    is a 409, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(f"{what} was being written at the same time; read it and retry.") from None


def _own_organisation(match: Match, side: str) -> uuid.UUID:
    return match.mentor_organisation_id if side == "mentor" else match.mentee_organisation_id


# --- session feedback ------------------------------------------------------------------------


def _session(match: Match, session_id: uuid.UUID) -> MentoringSession:
    return sessions.get_session(match=match, session_id=session_id)


def list_feedback(*, match_id: uuid.UUID, session_id: uuid.UUID) -> list[SessionFeedback]:
    """A session's feedback as one of its two people reads it: their own, and the other's
    when it was shared with the pair; the mentor's first."""
    match, _ = _party(match_id, "session feedback")
    session = _session(match, session_id)
    return list(
        db.session.scalars(
            select(SessionFeedback)
            .where(SessionFeedback.session_id == session.id)
            .order_by(SessionFeedback.author_role.desc(), SessionFeedback.id)
        )
    )


def give_feedback(
    *, match_id: uuid.UUID, session_id: uuid.UUID, rating: int, comment: str, visibility: str
) -> list[SessionFeedback]:
    """Rate a held session and comment (one of its two people); again replaces your own.
    Returns the session's feedback as the caller reads it."""
    match, side = _party(match_id, "session feedback")
    session = _session(match, session_id)
    if session.status != "held":
        raise Conflict(
            f"This session is {session.status}; feedback is given once it has been held.",
            field="session_id",
        )
    person_id = tenancy.current().person_id
    feedback = db.session.scalar(
        select(SessionFeedback).where(
            SessionFeedback.session_id == session.id,
            SessionFeedback.author_person_id == person_id,
        )
    )
    replaced = feedback is not None
    if feedback is None:
        feedback = SessionFeedback(
            id=uuid.uuid4(), session_id=session.id, **_pair_columns(match, side)
        )
    feedback.rating, feedback.comment, feedback.visibility = rating, comment, visibility
    _write(feedback, "Your feedback on this session")
    audit.record(
        action="session.feedback_given",
        subject_type="session_feedback",
        subject_id=feedback.id,
        consortium_id=match.consortium_id,
        organisation_id=_own_organisation(match, side),
        data={
            "match_id": match.id,
            "session_id": session.id,
            "programme_id": match.programme_id,
            "by_part": side,
            "rating": rating,
            "visibility": visibility,
            "replaced": replaced,
        },
    )
    return list_feedback(match_id=match_id, session_id=session_id)


def present_feedback(rows: list[SessionFeedback]) -> list[dict[str, Any]]:
    me = tenancy.current().person_id
    return [
        {
            "id": f.id,
            "match_id": f.match_id,
            "session_id": f.session_id,
            "author": {"person_id": f.author_person_id, "role": f.author_role},
            "mine": f.author_person_id == me,
            "rating": f.rating,
            "comment": f.comment,
            "visibility": f.visibility,
            "created_at": f.created_at,
            "updated_at": f.updated_at,
        }
        for f in rows
    ]


def programme_feedback(*, programme_id: uuid.UUID) -> Select[SessionFeedback]:
    """The feedback the programme's people left for its coordinators (visibility
    `coordinator`), oldest first: for the consortium's coordinators only."""
    programme = _coordinated(programme_id, "read feedback left for them")
    return (
        select(SessionFeedback)
        .where(
            SessionFeedback.programme_id == programme.id,
            SessionFeedback.visibility == "coordinator",
        )
        .order_by(SessionFeedback.created_at, SessionFeedback.id)
    )


def _coordinated(programme_id: uuid.UUID, doing: str) -> Programme:
    programme = programmes.get_programme(programme_id=programme_id)
    if not tenancy.current().coordinates(programme.consortium_id):
        raise Forbidden(
            f"Only the coordinators of the consortium that runs {programme.name} {doing}."
        )
    return programme


# --- pairing evaluations ---------------------------------------------------------------------


def list_evaluations(*, match_id: uuid.UUID) -> list[PairingEvaluation]:
    """A pairing's evaluations: one of its two people reads their own, the consortium's
    coordinators both; anyone else is told there are none to read (404)."""
    match = sessions.get_match(match_id=match_id)
    principal = tenancy.current()
    if sessions.side_of(match) is None and not principal.coordinates(match.consortium_id):
        raise NotFound(
            "No evaluations here for you: they are read by their authors and the "
            "consortium's coordinators."
        )
    return list(
        db.session.scalars(
            select(PairingEvaluation)
            .where(PairingEvaluation.match_id == match.id)
            .order_by(PairingEvaluation.author_role.desc(), PairingEvaluation.id)
        )
    )


def submit_evaluation(
    *,
    match_id: uuid.UUID,
    goals: list[dict[str, Any]],
    what_changed: str,
    would_recommend: bool,
    hours_given: float,
    overall_rating: int,
) -> PairingEvaluation:
    """Evaluate an ended pairing, once (one of its two people)."""
    match, side = _party(match_id, "evaluation")
    if not ended(match):
        raise Conflict(
            f"This pairing is {match.status}; it is evaluated once it has ended "
            "(completed, or closed after it was active).",
            field="match_id",
        )
    person_id = tenancy.current().person_id
    existing = db.session.scalar(
        select(PairingEvaluation.id).where(
            PairingEvaluation.match_id == match.id,
            PairingEvaluation.author_person_id == person_id,
        )
    )
    if existing is not None:
        raise Conflict(f"You evaluated this pairing already ({existing}).", field="match_id")
    evaluation = PairingEvaluation(
        id=uuid.uuid4(),
        goals=_rated_goals(match, goals),
        what_changed=what_changed,
        would_recommend=would_recommend,
        hours_given=hours_given,
        overall_rating=overall_rating,
        **_pair_columns(match, side),
    )
    _write(evaluation, "Your evaluation of this pairing")
    audit.record(
        action="pairing.evaluation_submitted",
        subject_type="pairing_evaluation",
        subject_id=evaluation.id,
        consortium_id=match.consortium_id,
        organisation_id=_own_organisation(match, side),
        data={
            "match_id": match.id,
            "programme_id": match.programme_id,
            "by_part": side,
            "overall_rating": overall_rating,
            "would_recommend": would_recommend,
            "goals_met": sum(1 for g in evaluation.goals if g["outcome"] == "met"),
            "goals": len(evaluation.goals),
        },
    )
    return evaluation


def _rated_goals(match: Match, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each of the pairing's goals with its rating, in goal order; every goal rated once."""
    pairing_goals = list(
        db.session.scalars(
            select(MatchGoal).where(MatchGoal.match_id == match.id).order_by(MatchGoal.position)
        )
    )
    known = {g.id: g for g in pairing_goals}
    by_goal: dict[uuid.UUID, dict[str, Any]] = {}
    for k, item in enumerate(given):
        if item["goal_id"] not in known:
            raise Invalid(
                f"{item['goal_id']} is not a goal of this pairing.", field=f"goals.{k}.goal_id"
            )
        if item["goal_id"] in by_goal:
            raise Invalid(f"Goal {item['goal_id']} is rated twice.", field=f"goals.{k}.goal_id")
        by_goal[item["goal_id"]] = item
    missing = [g for g in pairing_goals if g.id not in by_goal]
    if missing:
        raise Invalid(
            "Rate every goal of the pairing; not rated: "
            + "; ".join(f"{g.id} ({g.description[:60]})" for g in missing)
            + ".",
            field="goals",
        )
    out = []
    for goal in pairing_goals:
        item = by_goal[goal.id]
        rating: int | None = item.get("rating")
        outcome = item.get("outcome") or OUTCOME_OF_RATING[rating or 0]
        out.append(
            {
                "goal_id": str(goal.id),
                "description": goal.description,
                "rating": rating,
                "outcome": outcome,
            }
        )
    return out


def present_evaluation(e: PairingEvaluation) -> dict[str, Any]:
    return {
        "id": e.id,
        "match_id": e.match_id,
        "programme_id": e.programme_id,
        "author": {"person_id": e.author_person_id, "role": e.author_role},
        "mine": e.author_person_id == tenancy.current().person_id,
        "goals": [
            {
                "goal_id": uuid.UUID(g["goal_id"]),
                "description": g["description"],
                "rating": g["rating"],
                "outcome": g["outcome"],
            }
            for g in e.goals
        ],
        "what_changed": e.what_changed,
        "would_recommend": e.would_recommend,
        "hours_given": e.hours_given,
        "overall_rating": e.overall_rating,
        "created_at": e.created_at,
    }


# --- the programme report --------------------------------------------------------------------


def report(*, programme_id: uuid.UUID) -> dict[str, Any]:
    """The programme's evaluation figures, small numbers suppressed.

    The consortium's coordinators (and the platform) see every organisation pair; an admin or
    an API client of a member organisation sees the programme's and each sector's figures and
    the pairs its own organisation is in; other staff are refused (403); anyone whose
    organisation is not a member is told there is no such programme (404).
    """
    programme = programmes.get_programme(programme_id=programme_id)
    principal = tenancy.current()
    full_view = principal.all_tenants or principal.coordinates(programme.consortium_id)
    if not full_view:
        if principal.organisation_id is None or (
            programme.consortium_id not in principal.consortium_ids
        ):
            raise NotFound(f"No programme {programme_id}.")
        if principal.kind == "person" and not principal.has_scope("organisation:admin"):
            raise Forbidden(
                "The evaluation report is for the consortium's coordinators and the member "
                "organisations' admins."
            )
    # Read across tenants on purpose: only suppressed aggregates leave this function.
    with tenancy.all_tenants():
        matches = list(
            db.session.scalars(
                select(Match).where(
                    Match.programme_id == programme.id, Match.activated_at.is_not(None)
                )
            )
        )
        feedback = [
            figures.FeedbackRow(match_id, author, rating)
            for match_id, author, rating in db.session.execute(
                select(
                    SessionFeedback.match_id,
                    SessionFeedback.author_person_id,
                    SessionFeedback.rating,
                ).where(SessionFeedback.programme_id == programme.id)
            )
        ]
        evaluations = [
            figures.EvaluationRow(
                e.match_id,
                e.author_person_id,
                tuple(g["outcome"] for g in e.goals),
                e.overall_rating,
                e.would_recommend,
                e.hours_given,
            )
            for e in db.session.scalars(
                select(PairingEvaluation).where(PairingEvaluation.programme_id == programme.id)
            )
        ]
    organisations = {
        o.id: o
        for o in organisations_service.public_profiles(
            organisation_ids=list(
                {m.mentor_organisation_id for m in matches}
                | {m.mentee_organisation_id for m in matches}
            )
        )
    }

    def sector(organisation_id: uuid.UUID) -> str:
        found = organisations.get(organisation_id)
        return found.sector if found else "other"

    def organisation(organisation_id: uuid.UUID) -> dict[str, Any]:
        found = organisations.get(organisation_id)
        return {"id": organisation_id, "name": found.name if found else ""}

    pairings = [
        figures.PairingRow(
            id=m.id,
            ended=ended(m),
            mentor_person_id=m.mentor_person_id,
            mentee_id=m.mentee_id,
            mentor_organisation_id=m.mentor_organisation_id,
            mentee_organisation_id=m.mentee_organisation_id,
            sector=sector(m.mentee_organisation_id),
        )
        for m in matches
    ]
    table = figures.cells(pairings, feedback, evaluations)
    own = principal.organisation_id
    by_pair: list[dict[str, Any]] = [
        {
            "mentor_organisation": organisation(key[1]),
            "mentee_organisation": organisation(key[2]),
            "sector": sector(key[2]),
            **cell,
        }
        for key, cell in table.items()
        if key[0] == "pair" and (full_view or own in (key[1], key[2]))
    ]
    by_pair.sort(key=lambda c: (c["mentor_organisation"]["name"], c["mentee_organisation"]["name"]))
    return {
        "programme": {"id": programme.id, "name": programme.name},
        "consortium_id": programme.consortium_id,
        "minimum_people": MIN_PEOPLE,
        "total": table.get(figures.TOTAL, _empty()),
        "by_sector": sorted(
            ({"sector": key[1], **cell} for key, cell in table.items() if key[0] == "sector"),
            key=lambda c: c["sector"],
        ),
        "by_organisation_pair": by_pair,
    }


def _empty() -> dict[str, dict[str, Any]]:
    return {
        family: dict.fromkeys(figures.FIGURES[family], SUPPRESSED) for family in figures.FAMILIES
    }
