"""/api/v1/organisations: the tenants."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.core.jobs import Job
from consortium.jobs.schemas import JobSchema
from consortium.organisations import service
from consortium.organisations.models import Organisation
from consortium.organisations.schemas import (
    OrganisationQuerySchema,
    OrganisationSchema,
    OrganisationUpdateSchema,
)

blp = Blueprint(
    "organisations",
    __name__,
    url_prefix="/api/v1/organisations",
    description="Member employers: the tenants of the service.",
)


@blp.route("")
class Organisations(MethodView):
    @blp.auth("platform:admin", "organisation:read")
    @blp.arguments(OrganisationQuerySchema, location="query")
    @blp.response(200, OrganisationSchema(many=True))
    @blp.paginate_sql()
    def get(self, filters: dict[str, Any]) -> Any:
        """List the organisations you may see (an organisation's client sees its own)."""
        return service.list_organisations(**filters)

    @blp.auth("platform:admin")
    @blp.idempotent
    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    @blp.errors(409)
    def post(self, data: dict[str, Any]) -> Organisation:
        """Create an organisation (platform admins)."""
        return service.create_organisation(**data)


@blp.route("/<uuid:organisation_id>")
class OrganisationItem(MethodView):
    @blp.auth("platform:admin", "organisation:read")
    @blp.etag
    @blp.response(200, OrganisationSchema)
    @blp.errors(404)
    def get(self, organisation_id: uuid.UUID) -> Organisation:
        """Show an organisation."""
        return service.get_organisation(organisation_id=organisation_id)

    @blp.auth("platform:admin")
    @blp.etag
    @blp.arguments(OrganisationUpdateSchema)
    @blp.response(200, OrganisationSchema)
    @blp.errors(404)
    def patch(self, changes: dict[str, Any], organisation_id: uuid.UUID) -> Organisation:
        """Change an organisation's details or status (send If-Match)."""
        organisation = service.get_organisation(organisation_id=organisation_id)
        blp.check_etag(organisation, OrganisationSchema)
        return service.update_organisation(organisation=organisation, changes=changes)


@blp.route("/<uuid:organisation_id>/exports")
class OrganisationExports(MethodView):
    @blp.auth("platform:admin", "people:read")
    @blp.idempotent
    @blp.response(202, JobSchema)
    @blp.errors(404)
    def post(self, organisation_id: uuid.UUID) -> tuple[Job, int, dict[str, str]]:
        """Start an export of the organisation and its staff records; poll the job for it."""
        job = service.start_export(organisation_id=organisation_id)
        return job, 202, {"Location": f"/api/v1/jobs/{job.id}"}
