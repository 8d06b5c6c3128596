"""An RQ worker for the job tests: the app from the environment, plus tests.jobs.handlers.

    python -m tests.jobs.worker_main [--burst]
"""

from __future__ import annotations

import sys

import tests.jobs.handlers  # noqa: F401  (registers tests.record_effect)
from consortium import create_app
from consortium.core.jobs import run_worker


def main() -> None:
    app = create_app()
    with app.app_context():  # as `flask worker` runs it
        run_worker(app, burst="--burst" in sys.argv[1:])


if __name__ == "__main__":
    main()
