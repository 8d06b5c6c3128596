"""Concerns about a pairing: raised by one of its two people, handled by the coordinators.

POST /api/v1/matches/{id}/concerns raises one (the pair only: anyone else who sees the pairing
gets 403, anyone else 404); GET there lists the caller's own. The consortium's queue and its
actions are its coordinators' (signed in as people; never one of the pairing's two people,
for whom the concern does not exist: 404). Each action needs If-Match with the concern's ETag.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask.views import MethodView

from consortium.concerns import service
from consortium.concerns.models import Concern
from consortium.concerns.schemas import (
    ConcernCreateSchema,
    ConcernQuerySchema,
    ConcernSchema,
    CoordinatorConcernSchema,
    NoteSchema,
    OutcomeSchema,
)
from consortium.core.api import Blueprint

blp = Blueprint(
    "concerns",
    __name__,
    url_prefix="/api/v1",
    description="Concerns about a pairing, for the consortium's coordinators only.",
)

QUEUE = "/consortia/<uuid:consortium_id>/concerns"
ITEM = QUEUE + "/<uuid:concern_id>"


@blp.route("/matches/<uuid:match_id>/concerns")
class MatchConcerns(MethodView):
    @blp.auth("pool:write")
    @blp.response(200, ConcernSchema(many=True))
    @blp.paginate_list(key=lambda c: (c["created_at"], c["id"]))
    @blp.errors(404)
    def get(self, match_id: uuid.UUID) -> list[dict[str, Any]]:
        """List the concerns you raised about your pairing, oldest first, with their status.

        For the pairing's two people, each seeing only their own; anyone else who sees the
        pairing gets 403.
        """
        return [service.raiser_view(c) for c in service.own_concerns(match_id=match_id)]

    @blp.auth("pool:write")
    @blp.idempotent
    @blp.arguments(ConcernCreateSchema)
    @blp.response(201, ConcernSchema)
    @blp.errors(404)
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Raise a concern about your pairing, for the consortium's coordinators only.

        For the pairing's mentor or mentee (anyone else who sees the pairing gets 403). The
        concern goes only to the coordinators of the programme's consortium (a coordinator who
        is one of you two never sees it): not to the other person, either line manager, either
        organisation's admins or API clients, and no webhook tells of it. The coordinators are
        emailed a link, with no details. You see its status, not their notes.
        """
        return service.raiser_view(service.raise_concern(match_id=match_id, **data))


@blp.route(QUEUE)
class ConcernQueue(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.arguments(ConcernQuerySchema, location="query")
    @blp.response(200, CoordinatorConcernSchema(many=True))
    @blp.paginate_list(
        key=service.queue_key,
        present=lambda page: [service.coordinator_view(c) for c in page],
    )
    @blp.errors(404)
    def get(self, filters: dict[str, Any], consortium_id: uuid.UUID) -> list[Concern]:
        """List the consortium's concerns: open first, then acknowledged, then resolved.

        For its coordinators, signed in (a platform client gets 403); concerns about a pairing
        you are one of the two people of are not listed to you.
        """
        return service.queue(consortium_id=consortium_id, **filters)


@blp.route(ITEM)
class ConcernItem(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.etag
    @blp.response(200, CoordinatorConcernSchema)
    @blp.errors(404)
    def get(self, consortium_id: uuid.UUID, concern_id: uuid.UUID) -> dict[str, Any]:
        """Show a concern; its ETag is what the actions need in If-Match."""
        return service.coordinator_view(
            service.get_concern(consortium_id=consortium_id, concern_id=concern_id)
        )


def _act(
    consortium_id: uuid.UUID, concern_id: uuid.UUID, change: Callable[..., Concern], **kw: Any
) -> dict[str, Any]:
    """404 → 403 → If-Match (428/412) → the change (409 if it does not apply)."""
    concern = service.get_concern(
        consortium_id=consortium_id, concern_id=concern_id, for_update=True
    )
    blp.require_if_match(service.coordinator_view(concern), CoordinatorConcernSchema)
    return service.coordinator_view(change(concern=concern, **kw))


@blp.route(ITEM + "/acknowledge")
class ConcernAcknowledgement(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.etag
    @blp.if_match
    @blp.arguments(NoteSchema)
    @blp.response(200, CoordinatorConcernSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], consortium_id: uuid.UUID, concern_id: uuid.UUID
    ) -> dict[str, Any]:
        """Acknowledge an open concern (the person who raised it sees it acknowledged)."""
        return _act(consortium_id, concern_id, service.acknowledge, note=data["note"])


@blp.route(ITEM + "/pause")
class ConcernPause(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.etag
    @blp.if_match
    @blp.arguments(NoteSchema)
    @blp.response(200, CoordinatorConcernSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], consortium_id: uuid.UUID, concern_id: uuid.UUID
    ) -> dict[str, Any]:
        """Pause the concern's active pairing: no new sessions are booked until it is resumed.

        The two people see the pairing paused (and why bookings are refused), never the
        concern; nobody else is told, and no webhook event is sent. Acknowledges an open
        concern.
        """
        return _act(consortium_id, concern_id, service.pause, note=data["note"])


@blp.route(ITEM + "/resume")
class ConcernResumption(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.etag
    @blp.if_match
    @blp.arguments(NoteSchema)
    @blp.response(200, CoordinatorConcernSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], consortium_id: uuid.UUID, concern_id: uuid.UUID
    ) -> dict[str, Any]:
        """Resume the concern's paused pairing: sessions may be booked again."""
        return _act(consortium_id, concern_id, service.resume, note=data["note"])


@blp.route(ITEM + "/resolve")
class ConcernResolution(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.etag
    @blp.if_match
    @blp.arguments(OutcomeSchema)
    @blp.response(200, CoordinatorConcernSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], consortium_id: uuid.UUID, concern_id: uuid.UUID
    ) -> dict[str, Any]:
        """Resolve the concern with an outcome note (the coordinators' only).

        A paused pairing must be resumed, or rematched, first (409).
        """
        return _act(consortium_id, concern_id, service.resolve, outcome=data["outcome"])


@blp.route(ITEM + "/rematch")
class ConcernRematch(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.etag
    @blp.if_match
    @blp.arguments(NoteSchema)
    @blp.response(200, CoordinatorConcernSchema)
    @blp.errors(404, 409)
    def post(
        self, data: dict[str, Any], consortium_id: uuid.UUID, concern_id: uuid.UUID
    ) -> dict[str, Any]:
        """End the concern's pairing with no fault, and resolve the concern, to rematch.

        The pairing is closed as either person's no-fault ending is (upcoming sessions called
        off; everyone but the coordinators sees only that it ended, no fault). The mentee's
        application stays open, so the next matching run (or a coordinator by hand) proposes
        them again, never with this mentor. The note, if any, is the concern's outcome.
        """
        return _act(consortium_id, concern_id, service.rematch, note=data["note"])
