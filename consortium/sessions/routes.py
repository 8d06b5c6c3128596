"""/api/v1/matches/{match_id}/sessions: a pairing's sessions, notes, actions and goals.

A refusal comes in this order: 404 (not a pairing or session you can see), 403 (not yours to
do), 428/412 (no or a stale If-Match), 409 (the state does not allow it), 422 (what you sent
breaks a rule, naming the field). Notes and follow-up actions are the pair's alone: anyone
else, admins and coordinators included, gets 404 for them.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from sqlalchemy import Select

from consortium.core.api import Blueprint
from consortium.matches.models import Match
from consortium.sessions import service
from consortium.sessions.models import MentoringSession, SessionAction, SessionNote
from consortium.sessions.schemas import (
    GoalReviewSchema,
    MatchGoalSchema,
    MentoringSessionCreateSchema,
    MentoringSessionQuerySchema,
    MentoringSessionSchema,
    MentoringSessionUpdateSchema,
    SessionActionSchema,
    SessionActionUpdateSchema,
    SessionCancelSchema,
    SessionNoShowSchema,
    SessionNoteQuerySchema,
    SessionNoteSchema,
    SessionNoteUpdateSchema,
)

blp = Blueprint(
    "sessions",
    __name__,
    url_prefix="/api/v1/matches",
    description="A pairing's sessions (never double-booked), their notes, follow-up actions "
    "and goal reviews.",
)

SESSION = "/<uuid:match_id>/sessions/<uuid:session_id>"


@blp.route("/<uuid:match_id>/sessions")
class Sessions(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.arguments(MentoringSessionQuerySchema, location="query")
    @blp.response(200, MentoringSessionSchema(many=True))
    @blp.paginate_sql(present=service.present)
    @blp.errors(404)
    def get(self, filters: dict[str, Any], match_id: uuid.UUID) -> Select[MentoringSession]:
        """List a pairing's sessions, earliest first.

        For whoever sees the pairing: its two people, their organisations' admins and the
        consortium's coordinators.
        """
        return service.list_sessions(match=service.get_match(match_id=match_id), **filters)

    @blp.auth("pool:write")
    @blp.idempotent
    @blp.etag
    @blp.arguments(MentoringSessionCreateSchema)
    @blp.response(201, MentoringSessionSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Book a session of an active pairing (its mentor or mentee).

        The time must be in the future, at most 8 hours long, and inside the mentor's
        availability (422 naming the field); the pairing may hold at most its programme's
        sessions_max sessions, cancelled ones aside (409). A time that overlaps another
        session of the mentor or the mentee, in any pairing, is refused (409). Both people
        are sent a calendar invitation.
        """
        return service.present_one(service.book(match_id=match_id, **data))


@blp.route(SESSION)
class SessionItem(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.etag
    @blp.response(200, MentoringSessionSchema)
    @blp.errors(404)
    def get(self, match_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, Any]:
        """Show a session; its ETag is what changing it needs in If-Match."""
        match = service.get_match(match_id=match_id)
        return service.present_one(service.get_session(match=match, session_id=session_id))

    @blp.auth("pool:write")
    @blp.etag
    @blp.arguments(MentoringSessionUpdateSchema)
    @blp.response(200, MentoringSessionSchema)
    @blp.errors(404, 409)
    def patch(
        self, changes: dict[str, Any], match_id: uuid.UUID, session_id: uuid.UUID
    ) -> dict[str, Any]:
        """Move a scheduled session, or change how or where it happens (send If-Match).

        For the pairing's mentor or mentee, before the session starts. A new time is checked
        as a booking is (422, 409); both people are sent the updated invitation.
        """
        match = service.get_match(match_id=match_id)
        session = service.get_session(match=match, session_id=session_id, for_update=True)
        service.require_pair_of(match, "change its sessions")
        blp.check_etag(service.present_one(session), MentoringSessionSchema)
        changed = service.reschedule(match=match, session=session, changes=changes)
        return service.present_one(changed)


def _for_change(
    match_id: uuid.UUID, session_id: uuid.UUID, doing: str
) -> tuple[Match, MentoringSession]:
    """404 → 403 → If-Match (428/412): the pairing and its session, locked for the change."""
    match = service.get_match(match_id=match_id)
    session = service.get_session(match=match, session_id=session_id, for_update=True)
    if doing == "cancel":
        service.require_may_cancel(match)
    else:
        service.require_pair_of(match, doing)
    blp.require_if_match(service.present_one(session), MentoringSessionSchema)
    return match, session


@blp.route(f"{SESSION}/cancel")
class SessionCancellation(MethodView):
    @blp.auth("pool:write", "consortium:coordinate")
    @blp.etag
    @blp.if_match
    @blp.arguments(SessionCancelSchema)
    @blp.response(200, MentoringSessionSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], match_id: uuid.UUID, session_id: uuid.UUID
    ) -> dict[str, Any]:
        """Cancel a scheduled session, saying why (either person, or a coordinator).

        Possible until the session ends; both people's time is free again and they are sent
        the cancellation for their calendars. Cancelling within the notice period before the
        start (LATE_CANCELLATION_HOURS, 24 by default) counts as a late cancellation.
        """
        match, session = _for_change(match_id, session_id, "cancel")
        return service.present_one(service.cancel(match=match, session=session, **data))


@blp.route(f"{SESSION}/held")
class SessionHeld(MethodView):
    @blp.auth("pool:write")
    @blp.etag
    @blp.if_match
    @blp.response(200, MentoringSessionSchema)
    @blp.errors(404, 409)
    def post(self, match_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, Any]:
        """Mark a scheduled session held, once it has started (the mentor or the mentee).

        Held sessions count towards the mentor's recent load (coach care); goals are then
        reviewed at it.
        """
        match, session = _for_change(match_id, session_id, "mark its sessions held")
        return service.present_one(service.mark_held(match=match, session=session))


@blp.route(f"{SESSION}/no-show")
class SessionNoShow(MethodView):
    @blp.auth("pool:write")
    @blp.etag
    @blp.if_match
    @blp.arguments(SessionNoShowSchema)
    @blp.response(200, MentoringSessionSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], match_id: uuid.UUID, session_id: uuid.UUID
    ) -> dict[str, Any]:
        """Record that the mentor or the mentee did not come, once the session has started.

        For the pairing's mentor or mentee, from scheduled only.
        """
        match, session = _for_change(match_id, session_id, "mark a no-show")
        return service.present_one(service.mark_no_show(match=match, session=session, **data))


# --- notes -----------------------------------------------------------------------------------


@blp.route(f"{SESSION}/notes")
class Notes(MethodView):
    @blp.auth("pool:read")
    @blp.arguments(SessionNoteQuerySchema, location="query")
    @blp.response(200, SessionNoteSchema(many=True))
    @blp.paginate_sql(present=service.present_notes)
    @blp.errors(404)
    def get(
        self, filters: dict[str, Any], match_id: uuid.UUID, session_id: uuid.UUID
    ) -> Select[SessionNote]:
        """List a session's notes you may read, oldest first (the pair only).

        Prep and shared notes are seen by both people; a private note by its author alone.
        """
        _, session, _ = service.pair_session(match_id=match_id, session_id=session_id)
        return service.list_notes(session=session, **filters)

    @blp.auth("pool:write")
    @blp.idempotent
    @blp.etag
    @blp.arguments(SessionNoteSchema)
    @blp.response(201, SessionNoteSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], match_id: uuid.UUID, session_id: uuid.UUID
    ) -> dict[str, Any]:
        """Write a note on a session: prep, shared or private (the pair only).

        prep: the mentee's preparation, before a scheduled session starts (403 for the mentor,
        409 once it has started); shared: either person, seen by both; private: seen by you
        alone — never by the other person, admins or coordinators.
        """
        _, session, side = service.pair_session(match_id=match_id, session_id=session_id)
        return service.present_note(service.add_note(session=session, side=side, **data))


@blp.route(f"{SESSION}/notes/<uuid:note_id>")
class NoteItem(MethodView):
    @blp.auth("pool:read")
    @blp.etag
    @blp.response(200, SessionNoteSchema)
    @blp.errors(404)
    def get(self, match_id: uuid.UUID, session_id: uuid.UUID, note_id: uuid.UUID) -> Any:
        """Show a note you may read (the pair only; a private note its author only)."""
        _, session, _ = service.pair_session(match_id=match_id, session_id=session_id)
        return service.present_note(service.get_note(session=session, note_id=note_id))

    @blp.auth("pool:write")
    @blp.etag
    @blp.arguments(SessionNoteUpdateSchema)
    @blp.response(200, SessionNoteSchema)
    @blp.errors(404, 409)
    def patch(
        self, data: dict[str, Any], match_id: uuid.UUID, session_id: uuid.UUID, note_id: uuid.UUID
    ) -> Any:
        """Change a note's text (its author; send If-Match).

        A prep note changes only before the session starts.
        """
        _, session, side = service.pair_session(match_id=match_id, session_id=session_id)
        note = service.get_note(session=session, note_id=note_id)
        service.require_author(note)
        blp.check_etag(service.present_note(note), SessionNoteSchema)
        changed = service.update_note(session=session, side=side, note=note, body=data["body"])
        return service.present_note(changed)

    @blp.auth("pool:write")
    @blp.etag
    @blp.response(204)
    @blp.errors(404)
    def delete(self, match_id: uuid.UUID, session_id: uuid.UUID, note_id: uuid.UUID) -> None:
        """Delete a note (its author; send If-Match)."""
        _, session, _ = service.pair_session(match_id=match_id, session_id=session_id)
        note = service.get_note(session=session, note_id=note_id)
        service.require_author(note)
        blp.check_etag(service.present_note(note), SessionNoteSchema)
        service.delete_note(note=note)


# --- follow-up actions -----------------------------------------------------------------------


@blp.route(f"{SESSION}/actions")
class Actions(MethodView):
    @blp.auth("pool:read")
    @blp.response(200, SessionActionSchema(many=True))
    @blp.paginate_sql(present=service.present_actions)
    @blp.errors(404)
    def get(self, match_id: uuid.UUID, session_id: uuid.UUID) -> Select[SessionAction]:
        """List the follow-up actions agreed at a session, oldest first (the pair only)."""
        _, session, _ = service.pair_session(match_id=match_id, session_id=session_id)
        return service.list_actions(session=session)

    @blp.auth("pool:write")
    @blp.idempotent
    @blp.etag
    @blp.arguments(SessionActionSchema)
    @blp.response(201, SessionActionSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], match_id: uuid.UUID, session_id: uuid.UUID
    ) -> dict[str, Any]:
        """Record a follow-up action: what, whose (mentor or mentee), and by when.

        For the pairing's two people, on any session that was not cancelled.
        """
        _, session, _ = service.pair_session(match_id=match_id, session_id=session_id)
        return service.present_action(service.add_action(session=session, **data))


@blp.route(f"{SESSION}/actions/<uuid:action_id>")
class ActionItem(MethodView):
    @blp.auth("pool:read")
    @blp.etag
    @blp.response(200, SessionActionSchema)
    @blp.errors(404)
    def get(self, match_id: uuid.UUID, session_id: uuid.UUID, action_id: uuid.UUID) -> Any:
        """Show a follow-up action (the pair only)."""
        _, session, _ = service.pair_session(match_id=match_id, session_id=session_id)
        return service.present_action(service.get_action(session=session, action_id=action_id))

    @blp.auth("pool:write")
    @blp.etag
    @blp.arguments(SessionActionUpdateSchema)
    @blp.response(200, SessionActionSchema)
    @blp.errors(404)
    def patch(
        self,
        changes: dict[str, Any],
        match_id: uuid.UUID,
        session_id: uuid.UUID,
        action_id: uuid.UUID,
    ) -> Any:
        """Tick an action done (or not), move its due date or reword it (send If-Match).

        For either of the pairing's two people.
        """
        _, session, _ = service.pair_session(match_id=match_id, session_id=session_id)
        action = service.get_action(session=session, action_id=action_id)
        blp.check_etag(service.present_action(action), SessionActionSchema)
        return service.present_action(service.update_action(action=action, changes=changes))


# --- goals -----------------------------------------------------------------------------------


@blp.route("/<uuid:match_id>/goals")
class Goals(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.response(200, MatchGoalSchema(many=True))
    @blp.paginate_sql(present=service.present_goals)
    @blp.errors(404)
    def get(self, match_id: uuid.UUID) -> Any:
        """List a pairing's goals in the mentee's order, with their latest progress rating.

        The mentee's application goals, carried into the pairing when it became active. For
        whoever sees the pairing.
        """
        return service.list_goals(match=service.get_match(match_id=match_id))


@blp.route(f"{SESSION}/goal-reviews")
class GoalReviews(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.etag
    @blp.response(200, GoalReviewSchema(many=True))
    @blp.errors(404)
    def get(self, match_id: uuid.UUID, session_id: uuid.UUID) -> list[dict[str, Any]]:
        """List the goals reviewed at a session, in goal order (one review per goal at most).

        For whoever sees the pairing. The ETag is what reviewing needs in If-Match.
        """
        match = service.get_match(match_id=match_id)
        return service.goal_reviews(session=service.get_session(match=match, session_id=session_id))

    @blp.auth("pool:write")
    @blp.etag
    @blp.arguments(GoalReviewSchema(many=True))
    @blp.response(200, GoalReviewSchema(many=True))
    @blp.errors(404, 409)
    def put(
        self, reviews: list[dict[str, Any]], match_id: uuid.UUID, session_id: uuid.UUID
    ) -> list[dict[str, Any]]:
        """Rate progress on goals at a held session (either person; send If-Match).

        Each goal named gets this session's rating (1 not started to 5 achieved), replacing
        one given before at this session; goals not named keep theirs. A goal's latest_rating
        is its rating at the latest session that reviewed it.
        """
        match = service.get_match(match_id=match_id)
        session = service.get_session(match=match, session_id=session_id, for_update=True)
        service.require_pair_of(match, "review its goals")
        blp.check_etag(service.goal_reviews(session=session), GoalReviewSchema(many=True))
        return service.review_goals(match=match, session=session, reviews=reviews)
