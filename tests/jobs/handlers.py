"""A controllable job for the outbox tests, registered as "tests.record_effect".

Its effect is a write in the job's own transaction: it appends `marker` to a Person's job_title.
So the number of markers in the title counts how many runs committed. It can signal that it has
made its write (`reached`: a file it creates, holding its pid) and then block until `release` (a file) exists, so
a test can kill the process that runs it; `fail` makes it raise after writing, and `fail_times`
makes the first runs raise (counted in the file `runs`, which no rollback undoes).

When it has failed for good, its failure hook appends "!" to the same job_title, in a
transaction of its own (or writes and then raises, with `hook_fails`).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from consortium.core.jobs import Job, job
from consortium.extensions import db
from consortium.people.models import Person

RECORD_EFFECT = "tests.record_effect"
BLOCK_TIMEOUT = 120.0


class DeliberateFailure(RuntimeError):
    pass


class DeliberateHookFailure(RuntimeError):
    pass


def _append(person_id: str, marker: str) -> Person:
    person = db.session.scalar(select(Person).where(Person.id == uuid.UUID(person_id)))
    if person is None:
        raise LookupError(f"person {person_id} is not visible to this job")
    person.job_title = (person.job_title or "") + marker
    return person


def record_failure(job: Job) -> None:
    _append(job.arguments["person_id"], "!")
    db.session.flush()
    if job.arguments.get("hook_fails"):
        raise DeliberateHookFailure("the failure hook failed on purpose")


@job(RECORD_EFFECT, on_failure=record_failure)
def record_effect(
    *,
    person_id: str,
    marker: str = "+",
    reached: str | None = None,
    release: str | None = None,
    fail: bool = False,
    fail_times: int = 0,
    runs: str | None = None,
    database_error: bool = False,
    hook_fails: bool = False,
) -> dict[str, Any]:
    person = _append(person_id, marker)
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
    if runs:
        with Path(runs).open("a") as counter:
            counter.write("run\n")
        if len(Path(runs).read_text().splitlines()) <= fail_times:
            raise DeliberateFailure("the handler failed on purpose")
    if database_error:  # the database cancels the statement: an OperationalError
        db.session.execute(text("SET LOCAL statement_timeout = '1ms'"))
        db.session.execute(text("SELECT pg_sleep(0.05)"))
    return {"job_title": person.job_title}
