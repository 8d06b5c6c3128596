"""/api/v1/people: an organisation's staff records."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.people import service
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
    @blp.auth("people:read")
    @blp.etag
    @blp.response(200, PersonSchema)
    @blp.errors(404)
    def get(self, person_id: uuid.UUID) -> Person:
        """Show a staff record."""
        return service.get_person(person_id=person_id)

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
