"""GDPR rights: your own data export (/me/exports) and an admin's erasure of a person."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, url_for
from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.privacy import service
from consortium.privacy.schemas import ErasureSchema, PersonalExportSchema

blp = Blueprint(
    "privacy",
    __name__,
    url_prefix="/api/v1",
    description="GDPR rights: subject access exports and erasure.",
)

YOURS_ALONE = (
    "Yours alone: another person's export answers 404, whoever asks (their organisation's "
    "admins included). API clients and the platform get 403: they have no personal record."
)


def _shown(export: Any) -> dict[str, Any]:
    view = service.describe(export)
    view["download_url"] = (
        url_for("privacy.MyExportDownload", export_id=export.id) if view["ready"] else None
    )
    return view


@blp.route("/me/exports")
class MyExports(MethodView):
    @blp.auth()
    @blp.idempotent
    @blp.response(202, PersonalExportSchema, description=YOURS_ALONE)
    def post(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Ask for everything held about you; poll the export until it is ready.

        The bundle is a zip: everything.json (every record, by table) and a CSV per table.
        It holds your staff record, sign-in identities, mentor profiles and availability,
        applications and goals, pairings, sessions, the notes you wrote, consents, your
        declared special-category attributes, and the audit events about you.
        """
        export = service.start_export()
        return _shown(export), 202, {"Location": f"/api/v1/me/exports/{export.id}"}


@blp.route("/me/exports/<uuid:export_id>")
class MyExport(MethodView):
    @blp.auth()
    @blp.response(200, PersonalExportSchema, description=YOURS_ALONE)
    @blp.errors(404)
    def get(self, export_id: uuid.UUID) -> dict[str, Any]:
        """Show one of your exports: its status, and where to download it once ready."""
        return _shown(service.get_export(export_id=export_id))


@blp.route("/me/exports/<uuid:export_id>/download")
class MyExportDownload(MethodView):
    @blp.auth()
    @blp.doc(
        responses={
            "200": {
                "description": "The bundle. " + YOURS_ALONE,
                "content": {
                    "application/zip": {
                        "schema": {"type": "string", "format": "binary"},
                        "example": "(zip: everything.json, tables/people.csv, …)",
                    }
                },
            }
        }
    )
    @blp.errors(404, 409)
    def get(self, export_id: uuid.UUID) -> Response:
        """Download one of your finished exports (a zip); 409 while it is being built."""
        response = Response(service.bundle_of(export_id=export_id), mimetype="application/zip")
        response.headers["Content-Disposition"] = 'attachment; filename="my-data.zip"'
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/organisations/<uuid:organisation_id>/people/<uuid:person_id>/erasure")
class PersonErasure(MethodView):
    @blp.auth("organisation:admin")
    @blp.response(200, ErasureSchema)
    @blp.errors(404, 409)
    def post(self, organisation_id: uuid.UUID, person_id: uuid.UUID) -> dict[str, Any]:
        """Erase a member of your staff: their personal data removed everywhere, for good.

        Names, email, sign-in identities, calendar feeds, availability, profile text, goals,
        the notes they wrote, consents and declared attributes are deleted or replaced by
        "[erased]"; their staff record becomes "Erased Person" and can no longer sign in.
        Pairings, sessions and the reciprocity ledger keep their counts and hours. Cannot be
        undone. Organisation admins only; another organisation's person is 404.
        """
        return service.erase_person(organisation_id=organisation_id, person_id=person_id)
