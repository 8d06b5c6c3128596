"""/api/v1/people: an organisation's staff records."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request
from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.core.jobs import Job
from consortium.jobs.schemas import JobSchema
from consortium.people import importing, service
from consortium.people.models import Person
from consortium.people.schemas import PersonQuerySchema, PersonSchema, PersonUpdateSchema

blp = Blueprint(
    "people",
    __name__,
    url_prefix="/api/v1/people",
    description="Staff records of member organisations.",
)


@blp.route("")
class People(MethodView):
    @blp.auth("people:read")
    @blp.arguments(PersonQuerySchema, location="query")
    @blp.response(200, PersonSchema(many=True))
    @blp.paginate_sql()
    def get(self, filters: dict[str, Any]) -> Any:
        """List staff records (your organisation's; every organisation's for platform admins)."""
        return service.list_people(**filters)

    @blp.auth("people:write")
    @blp.idempotent
    @blp.arguments(PersonSchema)
    @blp.response(201, PersonSchema)
    @blp.errors(409)
    def post(self, data: dict[str, Any]) -> Person:
        """Create a staff record in your organisation."""
        return service.create_person(**data)


@blp.route("/<uuid:person_id>")
class PersonItem(MethodView):
    @blp.auth()
    @blp.etag
    @blp.response(200, PersonSchema)
    @blp.errors(404)
    def get(self, person_id: uuid.UUID) -> Person:
        """Show a staff record (needs people:read, except for a person's own record)."""
        return service.get_staff_record(person_id=person_id)

    @blp.auth("people:write")
    @blp.etag
    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, PersonSchema)
    @blp.errors(404, 409)
    def patch(self, changes: dict[str, Any], person_id: uuid.UUID) -> Person:
        """Change a staff record, or deactivate it with status=inactive (send If-Match)."""
        person = service.get_person(person_id=person_id)
        blp.check_etag(person, PersonSchema)
        return service.update_person(person=person, changes=changes)


IMPORT_BODY = (
    "A UTF-8 CSV file with a header row. Columns: given_name, family_name and email are "
    "required; job_title, profession, seniority (1-9), line_manager_email and external_id are "
    f"optional. At most {importing.MAX_ROWS:,} rows and {importing.MAX_BYTES // 2**20} MiB."
)
IMPORT_RESULT = (
    "The import job, accepted. Poll its Location; when it has succeeded its `result` is "
    '`{"rows", "created", "updated", "unchanged", "failed", "errors": [{"row", "field", '
    '"message"}]}`, where `row` is the line of the file (the header is line 1) and at most '
    f"{importing.MAX_ERRORS:,} errors are listed."
)


@blp.route("/import")
class PeopleImport(MethodView):
    @blp.auth("people:write")
    @blp.idempotent
    @blp.accepts(
        "text/csv",
        description=IMPORT_BODY,
        example=importing.EXAMPLE,
        max_bytes=importing.MAX_BYTES,
    )
    @blp.response(202, JobSchema, description=IMPORT_RESULT)
    @blp.errors(413, 422)
    def post(self) -> tuple[Job, int, dict[str, str]]:
        """Import your organisation's staff records from a CSV file, in the background.

        Each row creates a person or updates the one with its external_id (else its email);
        re-importing a file changes nothing. A row with an error is skipped whole and listed in
        the job's result; line managers may come before or after their reports in the file.
        Deactivated people are updated but stay deactivated. A file that cannot be read at all
        (no header, an unknown or missing column, not UTF-8, too many rows) is refused with 422.
        """
        job = importing.start_import(data=request.get_data(cache=True))
        return job, 202, {"Location": f"/api/v1/jobs/{job.id}"}
