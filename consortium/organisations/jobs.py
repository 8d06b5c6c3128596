"""Organisation jobs: a full export of what the service holds for one employer."""

from __future__ import annotations

import uuid
from typing import Any

from consortium.core.jobs import job
from consortium.extensions import db
from consortium.organisations.schemas import OrganisationSchema
from consortium.organisations.service import get_organisation
from consortium.people.schemas import PersonSchema
from consortium.people.service import list_people


@job("organisations.export", result_scope="people:read", bulk=True)
def export_organisation(*, organisation_id: str) -> dict[str, Any]:
    """Collect the organisation and its staff records. Read-only, so a re-run is harmless."""
    organisation = get_organisation(organisation_id=uuid.UUID(organisation_id))
    # The job runs as the organisation's tenant: the tenancy hook limits this to its staff.
    people = db.session.scalars(list_people())
    return {
        "organisation": OrganisationSchema().dump(organisation),
        "people": PersonSchema(many=True).dump(people),
    }
