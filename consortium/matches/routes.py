"""/api/v1/matches: pairings of a mentor and a mentee, and their approval workflow.

Every action needs If-Match with the ETag of GET /api/v1/matches/{id}. A refusal comes in this
order: 404 (not a pairing you can see), 403 (not yours to do), 428/412 (no or a stale
If-Match), 409 (the status does not allow it, naming what it does allow; or, for approve and
accept, the pair now breaks a hard constraint).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Response
from flask.views import MethodView
from sqlalchemy import Select

from consortium.core.api import Blueprint, problem
from consortium.matches import service
from consortium.matches.models import Match
from consortium.matches.schemas import (
    CloseSchema,
    MatchCreateSchema,
    MatchQuerySchema,
    MatchSchema,
    ReasonSchema,
)

blp = Blueprint(
    "matches",
    __name__,
    url_prefix="/api/v1/matches",
    description="Pairings of mentors and mentees, and their approval workflow.",
)


@blp.errorhandler(service.ConstraintsBroken)
def _constraints_broken(error: service.ConstraintsBroken) -> Response:
    """422 naming every hard constraint a proposal breaks (code, and whether overridable); 409
    when an approval or acceptance finds the pairing now breaks some."""
    errors: list[Any] = [
        {
            "location": "json",
            "field": v["field"],
            "detail": _sentence(v["message"]),
            "code": v["code"],
            "overridable": v["overridable"],
        }
        for v in error.violations
    ]
    return problem(error.status, error.detail, errors=errors, title=error.title)


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _example(
    action: str, summary: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> Any:
    value: dict[str, Any] = {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": detail,
        "instance": f"/api/v1/matches/6f1c2a9e-3b7d-4c1e-9a52-0d8e4f7b2c61/{action}",
    }
    if errors:
        value["errors"] = [{"location": "json", "overridable": False, **e} for e in errors]
    return {"summary": summary, "value": value}


APPROVAL_CONFLICTS = {
    "status": _example(
        "approve",
        "The status does not allow it",
        "An approved pairing cannot be approved; from approved: accept, decline, close.",
    ),
    "constraint": _example(
        "approve",
        "A hard constraint broken since the proposal",
        "This pairing cannot be approved now: it breaks 1 hard constraint: the mentor's vetting "
        "is not approved and current (it is pending, suspended or expired). It stays proposed; "
        "it may be approved once that changes, or rejected.",
        [
            {
                "field": "vetting_status",
                "detail": "The mentor's vetting is not approved and current (it is pending, "
                "suspended or expired).",
                "code": "vetting",
            }
        ],
    ),
}
ACCEPTANCE_CONFLICTS = {
    "constraint": _example(
        "accept",
        "A hard constraint broken since approval, about the other person",
        "This pairing cannot be accepted now: it breaks 1 hard constraint: the pairing no longer "
        "meets a rule of the programme about the mentor (the coordinators of West Yorkshire "
        "Coaching Network can see which). It stays approved; it may be accepted once that "
        "changes, or declined or closed.",
        [
            {
                "field": "mentor_profile_id",
                "detail": "The pairing no longer meets a rule of the programme about the mentor "
                "(the coordinators of West Yorkshire Coaching Network can see which).",
                "code": "counterpart",
            }
        ],
    ),
    "already": _example(
        "accept",
        "Accepted already",
        "You accepted this pairing at 2027-03-02T09:15:00+00:00; it awaits Amara Okafor's "
        "acceptance.",
    ),
}


@blp.route("")
class Matches(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.arguments(MatchQuerySchema, location="query")
    @blp.response(200, MatchSchema(many=True))
    @blp.paginate_sql(present=service.present)
    def get(self, filters: dict[str, Any]) -> Select[Match]:
        """List the pairings you may see, oldest first.

        The two people see their own pairings; org admins (and the organisation's API clients)
        those with a person of their organisation on either side; coordinators those of their
        consortia.
        """
        return service.list_matches(**filters)

    @blp.auth("consortium:coordinate")
    @blp.idempotent
    @blp.etag
    @blp.arguments(MatchCreateSchema)
    @blp.response(201, MatchSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Propose a pairing by hand (coordinators of the programme's consortium).

        The application must be open, and its mentee without a live pairing in the programme
        (409). The hard constraints of the matching engine apply: a proposal breaking any is
        refused (422) naming each, unless every one may be overridden and override_reason says
        why. Under two-key approval the mentor's organisation's admins are asked to consent.
        """
        return service.present_one(service.propose(**data))


@blp.route("/<uuid:match_id>")
class MatchItem(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.etag
    @blp.response(200, MatchSchema)
    @blp.errors(404)
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """Show a pairing; its ETag is what the workflow's actions need in If-Match.

        The two people's email addresses are shown once the pairing is active (and after).
        """
        return service.present_one(service.get_match(match_id=match_id))


def _act(match_id: uuid.UUID, action: str, change: Callable[..., Match], **kw: Any) -> Any:
    """404 → 403 → If-Match (428/412) → the change (409 if the status does not allow it)."""
    match = service.get_match(match_id=match_id, for_update=True)
    service.require_part(match, action)
    blp.require_if_match(service.present_one(match), MatchSchema)
    return service.present_one(change(match=match, **kw))


@blp.route("/<uuid:match_id>/approve")
class MatchApproval(MethodView):
    @blp.auth("consortium:coordinate", "organisation:admin")
    @blp.etag
    @blp.if_match
    @blp.response(200, MatchSchema)
    @blp.errors(404)
    @blp.errors(409, examples={409: APPROVAL_CONFLICTS})
    def post(self, match_id: uuid.UUID) -> dict[str, Any]:
        """Approve a proposed pairing (a coordinator; under two-key, also the mentor's org).

        A coordinator of the consortium approves; when its approval_policy is
        coordinator_and_home_org, an admin of the mentor's organisation must approve too, in
        either order. The pairing is approved once every approval is in, and both people are
        then asked to accept.

        Each approval re-checks the matching engine's hard constraints, since some change after
        a proposal: the mentor's vetting, places, paused profile or withdrawn release, either
        person's staff record or organisation no longer active, a line manager now linking
        them. A constraint a coordinator overrode when proposing by hand stays waived; the
        pairing's own place does not count against its mentor. Any other broken constraint
        refuses the approval (409, each named as a proposal's 422 names them) and leaves the
        pairing as it was: it may be approved once that changes, or rejected. The mentor's
        organisation's admins are told reasons about the mentee only in general terms.
        """
        return _act(match_id, "approve", service.approve)


@blp.route("/<uuid:match_id>/reject")
class MatchRejection(MethodView):
    @blp.auth("consortium:coordinate", "organisation:admin")
    @blp.etag
    @blp.if_match
    @blp.arguments(ReasonSchema)
    @blp.response(200, MatchSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Reject a proposed pairing, saying why (a coordinator; under two-key, the mentor's org).

        The mentee has no live pairing afterwards, so the next matching run considers them
        again; this pair is not proposed again.
        """
        return _act(match_id, "reject", service.reject, reason=data["reason"])


@blp.route("/<uuid:match_id>/accept")
class MatchAcceptance(MethodView):
    @blp.auth("pool:write")
    @blp.etag
    @blp.if_match
    @blp.response(200, MatchSchema)
    @blp.errors(404)
    @blp.errors(409, examples={409: ACCEPTANCE_CONFLICTS})
    def post(self, match_id: uuid.UUID) -> dict[str, Any]:
        """Accept an approved pairing, as its mentor or mentee.

        Once both have accepted the pairing is active and each is sent the other's email.

        An approval does not settle the pairing for good: each acceptance re-checks the hard
        constraints as approval does (overrides still waived, the pairing's own place not
        counted). A broken one refuses the acceptance (409) and records nothing, so the
        pairing stays approved: it may be accepted once that changes (an acceptance made
        before stands), or declined or closed. Each person is told their own side's reasons
        and the pair's in full, the other person's only in general terms (the coordinators
        see which).
        """
        return _act(match_id, "accept", service.accept)


@blp.route("/<uuid:match_id>/decline")
class MatchDecline(MethodView):
    @blp.auth("pool:write")
    @blp.etag
    @blp.if_match
    @blp.arguments(ReasonSchema)
    @blp.response(200, MatchSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Decline a proposed or approved pairing, as its mentor or mentee, saying why.

        The coordinators are told (and the other person, if they had been asked to accept).
        The pair is not proposed again.
        """
        return _act(match_id, "decline", service.decline, reason=data["reason"])


@blp.route("/<uuid:match_id>/close")
class MatchClosure(MethodView):
    @blp.auth("pool:write", "consortium:coordinate", "organisation:admin")
    @blp.etag
    @blp.if_match
    @blp.arguments(CloseSchema)
    @blp.response(200, MatchSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """End an approved or active pairing early.

        For either person, their organisations' admins, or the consortium's coordinators.
        Either of the two people ends it with no fault: a reason is optional and goes to the
        coordinators only; everyone else (the other person, line managers, either
        organisation's admins and clients, webhooks) learns only that it ended, no fault.
        A coordinator or an admin says why (422 without a reason). Upcoming sessions are
        called off either way.
        """
        return _act(match_id, "close", service.close, reason=data["reason"])
