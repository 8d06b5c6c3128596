"""The dense bits of the reports, unit by unit: small-number suppression, load bands, the
median and nearest-rank 90th percentile, and job progress while a job runs."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from flask import Flask

from consortium.core import jobs
from consortium.reports.access import SUPPRESSED, Viewer
from consortium.reports.figures import _band, _days

OURS, THEIRS = uuid.uuid4(), uuid.uuid4()


def test_another_employers_small_counts_are_suppressed_but_not_ours_or_nobody() -> None:
    member = Viewer(full=False, organisation_id=OURS)
    assert [member.count(n, THEIRS) for n in (0, 1, 4, 5, 9)] == [0, SUPPRESSED, SUPPRESSED, 5, 9]
    assert member.count(1, OURS) == 1 and member.count(1, THEIRS, OURS) == 1
    assert Viewer(full=True).count(1, THEIRS) == 1


def test_a_build_is_read_in_its_own_view_or_by_a_coordinator() -> None:
    ours, theirs = Viewer(False, OURS), Viewer(False, THEIRS)
    assert ours.covers(Viewer.from_key(ours.key)) and not ours.covers(theirs)
    assert not ours.covers(Viewer.from_key("full")) and Viewer(full=True).covers(theirs)


def test_load_bands() -> None:
    assert [_band(n, 4) for n in (0, 1, 2, 3, 4, 5)] == [
        "none",
        "under_half",
        "half_or_more",
        "half_or_more",
        "at_or_over",
        "at_or_over",
    ]
    assert _band(1, 1) == "at_or_over"


def test_median_and_nearest_rank_90th_percentile() -> None:
    assert _days([]) == {"pairings": 0, "median_days": None, "p90_days": None}
    assert _days([3.0]) == {"pairings": 1, "median_days": 3.0, "p90_days": 3.0}
    ten = [float(d) for d in range(1, 11)]
    assert _days(ten) == {"pairings": 10, "median_days": 5.5, "p90_days": 9.0}
    assert _days([*ten, 100.0])["p90_days"] == 10.0


def test_progress_reported_while_a_job_runs_is_read_back_from_redis(app: Flask) -> None:
    job_id = uuid.uuid4()
    with app.app_context():
        jobs.progress(1, 2)  # outside a job: nothing happens
        with jobs._reporting_progress(app, job_id) as reported:
            jobs.progress(1, 3, stage="pairings")
            running = SimpleNamespace(id=job_id, status="running", progress=None)
            assert jobs.progress_of(running) == {"done": 1, "total": 3, "stage": "pairings"}
        assert reported == [{"done": 1, "total": 3, "stage": "pairings"}]
        # Once it has finished, the row's own figure is the answer.
        done = SimpleNamespace(id=job_id, status="succeeded", progress={"done": 3, "total": 3})
        assert jobs.progress_of(done) == {"done": 3, "total": 3}
