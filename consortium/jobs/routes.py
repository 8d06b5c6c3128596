"""/api/v1/jobs/{id}: the state of a background job, for the tenant that caused it."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.jobs import service
from consortium.jobs.schemas import JobSchema

blp = Blueprint(
    "jobs", __name__, url_prefix="/api/v1/jobs", description="Background jobs and their results."
)


@blp.route("/<uuid:job_id>")
class JobItem(MethodView):
    @blp.auth("platform:admin", "jobs:read", "people:read")
    @blp.response(200, JobSchema)
    @blp.errors(404)
    def get(self, job_id: uuid.UUID) -> Any:
        """Show a job's status, attempts and result.

        A result that holds staff records (an export, an import, a message) is shown only to
        callers who may read staff records (people:read); others see it as null.
        """
        return service.get_job(job_id=job_id)
