"""People jobs: a bulk import of staff records, run as the organisation that sent the file."""

from __future__ import annotations

from typing import Any

from consortium.core.jobs import job
from consortium.people import importing


@job(importing.JOB_NAME, result_scope="people:read", bulk=True)
def import_people(*, csv: str) -> dict[str, Any]:
    """Apply the CSV to the job's organisation; a re-run finds every row unchanged."""
    return importing.import_people(text=csv).as_dict()
