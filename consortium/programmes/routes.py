"""/api/v1/programmes: programmes a consortium runs, and applications to them."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from sqlalchemy import Select

from consortium.core.api import Blueprint
from consortium.programmes import service
from consortium.programmes.models import Application, Programme
from consortium.programmes.schemas import (
    ApplicationQuerySchema,
    ApplicationSchema,
    ProgrammeQuerySchema,
    ProgrammeSchema,
    ProgrammeUpdateSchema,
)

blp = Blueprint(
    "programmes",
    __name__,
    url_prefix="/api/v1/programmes",
    description="Programmes a consortium runs, and staff's applications to them.",
)


@blp.route("")
class Programmes(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.arguments(ProgrammeQuerySchema, location="query")
    @blp.response(200, ProgrammeSchema(many=True))
    @blp.paginate_sql()
    def get(self, filters: dict[str, Any]) -> Select[Programme]:
        """List the programmes of your consortia (drafts only for their coordinators)."""
        return service.list_programmes(**filters)

    @blp.auth("consortium:coordinate")
    @blp.idempotent
    @blp.arguments(ProgrammeSchema)
    @blp.response(201, ProgrammeSchema)
    @blp.errors(404)
    def post(self, data: dict[str, Any]) -> Programme:
        """Create a programme in a consortium you coordinate."""
        return service.create_programme(**data)


@blp.route("/<uuid:programme_id>")
class ProgrammeItem(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.etag
    @blp.response(200, ProgrammeSchema)
    @blp.errors(404)
    def get(self, programme_id: uuid.UUID) -> Programme:
        """Show a programme."""
        return service.get_programme(programme_id=programme_id)

    @blp.auth("consortium:coordinate")
    @blp.etag
    @blp.arguments(ProgrammeUpdateSchema)
    @blp.response(200, ProgrammeSchema)
    @blp.errors(404, 409)
    def patch(self, changes: dict[str, Any], programme_id: uuid.UUID) -> Programme:
        """Change a programme you coordinate, or move its status on (send If-Match)."""
        programme = service.get_programme_to_run(programme_id=programme_id)
        blp.check_etag(programme, ProgrammeSchema)
        return service.update_programme(programme=programme, changes=changes)


@blp.route("/<uuid:programme_id>/applications")
class Applications(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.arguments(ApplicationQuerySchema, location="query")
    @blp.response(200, ApplicationSchema(many=True))
    @blp.paginate_sql()
    @blp.errors(404)
    def get(self, filters: dict[str, Any], programme_id: uuid.UUID) -> Select[Application]:
        """List a programme's applications you may see (yours, your staff's, or all of them)."""
        return service.list_applications(programme_id=programme_id, **filters)

    @blp.auth("pool:write")
    @blp.idempotent
    @blp.arguments(ApplicationSchema)
    @blp.response(201, ApplicationSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], programme_id: uuid.UUID) -> Application:
        """Apply to a programme, signed in as yourself."""
        return service.create_application(programme_id=programme_id, **data)


@blp.route("/<uuid:programme_id>/applications/<uuid:application_id>")
class ApplicationItem(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.etag
    @blp.response(200, ApplicationSchema)
    @blp.errors(404)
    def get(self, programme_id: uuid.UUID, application_id: uuid.UUID) -> Application:
        """Show an application."""
        return service.get_application(programme_id=programme_id, application_id=application_id)


@blp.route("/<uuid:programme_id>/applications/<uuid:application_id>/withdraw")
class ApplicationWithdrawal(MethodView):
    @blp.auth("pool:write")
    @blp.response(200, ApplicationSchema)
    @blp.errors(404, 409)
    def post(self, programme_id: uuid.UUID, application_id: uuid.UUID) -> Application:
        """Withdraw an application (yours, or as your organisation's admin)."""
        return service.withdraw_application(
            programme_id=programme_id, application_id=application_id
        )
