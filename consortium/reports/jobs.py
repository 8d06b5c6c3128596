"""RQ entry points of the reports: building one in the background."""

from __future__ import annotations

from typing import Any

from consortium.core.jobs import job
from consortium.reports import service


# The result is a report in its reader's view: fetched through the build's own resource,
# which checks that view; the job resource shows it to the platform only.
@job(service.BUILD_JOB, title="The report build", result_scope="platform:admin")
def build_report(*, kind: str, consortium_id: str, start: str, end: str, view: str) -> Any:
    return service.run_build(
        kind=kind, consortium_id=consortium_id, start=start, end=end, view=view
    )
