"""A controllable job for the outbox tests, registered as "tests.record_effect".

Its effect is a write in the job's own transaction: it appends `marker` to a Person's job_title.
So the number of markers in the title counts how many runs committed. It can signal that it has
made its write (`reached`: a file it creates, holding its pid) and then block until `release` (a file) exists, so
a test can kill the process that runs it; `fail` makes it raise after writing.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from consortium.core.jobs import job
from consortium.extensions import db
from consortium.people.models import Person

RECORD_EFFECT = "tests.record_effect"
BLOCK_TIMEOUT = 120.0


class DeliberateFailure(RuntimeError):
    pass


@job(RECORD_EFFECT)
def record_effect(
    *,
    person_id: str,
    marker: str = "+",
    reached: str | None = None,
    release: str | None = None,
    fail: bool = False,
    database_error: bool = False,
) -> dict[str, Any]:
    person = db.session.scalar(select(Person).where(Person.id == uuid.UUID(person_id)))
    if person is None:
        raise LookupError(f"person {person_id} is not visible to this job")
    person.job_title = (person.job_title or "") + marker
    db.session.flush()  # the write is made (and its row locked) before we block or fail
    if reached:  # tell the test which process is running the job (an RQ work-horse)
        Path(reached).write_text(str(os.getpid()))
    if release:
        deadline = time.monotonic() + BLOCK_TIMEOUT
        while not Path(release).exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{release} never appeared")
            time.sleep(0.05)
    if fail:
        raise DeliberateFailure("the handler failed on purpose")
    if database_error:  # the database cancels the statement: an OperationalError
        db.session.execute(text("SET LOCAL statement_timeout = '1ms'"))
        db.session.execute(text("SELECT pg_sleep(0.05)"))
    return {"job_title": person.job_title}
