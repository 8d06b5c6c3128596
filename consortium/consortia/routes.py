"""/api/v1/consortia: consortia and their member organisations."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from consortium.consortia import service
from consortium.consortia.models import Consortium
from consortium.consortia.schemas import (
    ConsortiumSchema,
    ConsortiumUpdateSchema,
    MemberSchema,
    MembershipCreateSchema,
)
from consortium.core.api import Blueprint

blp = Blueprint(
    "consortia",
    __name__,
    url_prefix="/api/v1/consortia",
    description="Consortia of member organisations, e.g. an integrated care system's network.",
)


@blp.route("")
class Consortia(MethodView):
    @blp.auth("platform:admin", "organisation:read")
    @blp.response(200, ConsortiumSchema(many=True))
    @blp.paginate_sql()
    def get(self) -> Any:
        """List the consortia you may see (an organisation sees those it belongs to)."""
        return service.list_consortia()

    @blp.auth("platform:admin")
    @blp.idempotent
    @blp.arguments(ConsortiumSchema)
    @blp.response(201, ConsortiumSchema)
    @blp.errors(409)
    def post(self, data: dict[str, Any]) -> Consortium:
        """Create a consortium (platform admins)."""
        return service.create_consortium(**data)


@blp.route("/<uuid:consortium_id>")
class ConsortiumItem(MethodView):
    @blp.auth("platform:admin", "organisation:read")
    @blp.etag
    @blp.response(200, ConsortiumSchema)
    @blp.errors(404)
    def get(self, consortium_id: uuid.UUID) -> Consortium:
        """Show a consortium."""
        return service.get_consortium(consortium_id=consortium_id)

    @blp.auth("platform:admin")
    @blp.etag
    @blp.arguments(ConsortiumUpdateSchema)
    @blp.response(200, ConsortiumSchema)
    @blp.errors(404)
    def patch(self, changes: dict[str, Any], consortium_id: uuid.UUID) -> Consortium:
        """Change a consortium's name, approval policy, care limits or matching weights (send If-Match)."""
        consortium = service.get_consortium(consortium_id=consortium_id)
        blp.check_etag(consortium, ConsortiumSchema)
        return service.update_consortium(consortium=consortium, changes=changes)


@blp.route("/<uuid:consortium_id>/members")
class Members(MethodView):
    @blp.auth("platform:admin", "organisation:read")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate_list(key=lambda member: (member["organisation"].name, member["organisation"].id))
    @blp.errors(404)
    def get(self, consortium_id: uuid.UUID) -> list[dict[str, Any]]:
        """List the member organisations (their public profile: name, slug, sector)."""
        return service.list_members(consortium_id=consortium_id)

    @blp.auth("platform:admin")
    @blp.idempotent
    @blp.arguments(MembershipCreateSchema)
    @blp.response(201, MemberSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], consortium_id: uuid.UUID) -> dict[str, Any]:
        """Add a member organisation (platform admins)."""
        return service.add_member(
            consortium_id=consortium_id, organisation_id=data["organisation_id"]
        )
