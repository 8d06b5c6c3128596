"""Privacy jobs: building a person's export, and the periodic retention sweep."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from consortium.core import tenancy
from consortium.core.jobs import in_worker_app, job, periodic
from consortium.core.security import encrypt
from consortium.extensions import db
from consortium.privacy import bundle, retention
from consortium.privacy.models import PersonalExport


@job("privacy.export", title="Your data export")
def build_export(*, export_id: str) -> dict[str, Any]:
    """Gather the person's data into their export's bundle; the job's result holds counts only
    (the job is visible to the organisation, the bundle to the person alone)."""
    with tenancy.all_tenants():
        export = db.session.get(PersonalExport, uuid.UUID(export_id))
        if export is None:  # the person was erased meanwhile: nothing to build
            return {"tables": {}}
        data = bundle.gather(person_id=export.person_id, organisation_id=export.organisation_id)
        archive = bundle.to_zip(data)
        export.bundle_encrypted = encrypt(base64.b64encode(archive).decode())
        db.session.flush()
    return {
        "tables": {name: len(rows) for name, rows in data["tables"].items()},
        "bytes": len(archive),
    }


@periodic(every=3600)
def apply_retention() -> dict[str, int]:
    """RQ entry point: remove what is past its configured retention (see privacy.retention)."""
    return in_worker_app(retention.run)
