"""/api/v1/me/time-approvals and /api/v1/time-approvals/{id}: a manager's protected-time asks."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from sqlalchemy import Select

from consortium.core.api import Blueprint
from consortium.protected_time import service
from consortium.protected_time.models import TimeApproval
from consortium.protected_time.schemas import TimeApprovalQuerySchema, TimeApprovalSchema

blp = Blueprint(
    "protected-time",
    __name__,
    url_prefix="/api/v1",
    description="Line managers approve the protected time their reports ask for to join a "
    "programme.",
)


@blp.route("/me/time-approvals")
class MyTimeApprovals(MethodView):
    @blp.auth("pool:read")
    @blp.arguments(TimeApprovalQuerySchema, location="query")
    @blp.response(200, TimeApprovalSchema(many=True))
    @blp.paginate_sql(present=service.described)
    def get(self, filters: dict[str, Any]) -> Select[TimeApproval]:
        """List the protected-time requests addressed to you, newest first.

        As a line manager, your reports' requests; as an organisation admin, also those of
        staff with no line manager recorded. Each says who applied, to which programme and
        for how much time, and nothing of the application itself.
        """
        return service.list_requests(**filters)


@blp.route("/time-approvals/<uuid:time_approval_id>")
class TimeApprovalItem(MethodView):
    @blp.auth("pool:read")
    @blp.response(200, TimeApprovalSchema)
    @blp.errors(404)
    def get(self, time_approval_id: uuid.UUID) -> service.Request:
        """Show a protected-time request addressed to you (anyone else: 404)."""
        return service.described([service.get_request(approval_id=time_approval_id)])[0]


@blp.route("/time-approvals/<uuid:time_approval_id>/approve")
class TimeApprovalApproval(MethodView):
    @blp.auth("pool:write")
    @blp.response(200, TimeApprovalSchema)
    @blp.errors(404, 409)
    def post(self, time_approval_id: uuid.UUID) -> service.Request:
        """Approve the protected time; the application can then be matched.

        Needs no If-Match: a decision is made once (deciding again is a 409).
        """
        approval = service.decide(approval_id=time_approval_id, approve=True)
        return service.described([approval])[0]


@blp.route("/time-approvals/<uuid:time_approval_id>/decline")
class TimeApprovalDecline(MethodView):
    @blp.auth("pool:write")
    @blp.response(200, TimeApprovalSchema)
    @blp.errors(404, 409)
    def post(self, time_approval_id: uuid.UUID) -> service.Request:
        """Decline the protected time; the application is not matched and its applicant sees why.

        Needs no If-Match: a decision is made once (deciding again is a 409).
        """
        approval = service.decide(approval_id=time_approval_id, approve=False)
        return service.described([approval])[0]
