"""/api/v1/audit-events: the audit trail, for the admins and coordinators concerned."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import Select

from consortium.audit import service
from consortium.audit.models import AuditEvent
from consortium.audit.schemas import AuditEventQuerySchema, AuditEventSchema
from consortium.core.api import Blueprint

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit-events",
    description="The audit trail: who changed what, when and why.",
)


@blp.route("")
class AuditEvents(MethodView):
    @blp.auth("organisation:admin", "consortium:coordinate", "platform:admin")
    @blp.arguments(AuditEventQuerySchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate_sql()
    def get(self, filters: dict[str, Any]) -> Select[AuditEvent]:
        """List the audit events you may see, newest first.

        An org admin sees the events concerning their organisation (a pairing concerns the
        mentor's and the mentee's); a coordinator those of the consortia they coordinate.
        """
        return service.list_events(**filters)
