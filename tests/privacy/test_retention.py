"""Retention: the scheduler's job removes what is past its configured period, and logs and
audits how much of each it removed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from consortium.core.jobs import PERIODIC
from consortium.privacy.jobs import apply_retention
from tests.privacy.conftest import Life


def run(owner_engine: Engine, sql: str, **params: Any) -> Any:
    with owner_engine.begin() as c:
        c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return c.execute(text(sql), params)


def ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def test_retention_removes_what_is_past_its_period(
    life: Life, owner_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    assert any(func is apply_retention for func, _, _ in PERIODIC)  # the scheduler runs it
    match_id = life.sw.match["id"]
    # The life ended the pairing; it ended 400 days ago (private notes are kept 365 days).
    assert life.subject.get(f"/api/v1/matches/{match_id}").get_json()["status"] == "closed"
    run(owner_engine, "UPDATE matches SET ended_at = :t WHERE id = :m", t=ago(400), m=match_id)
    # The mentor's login session expired 40 days ago (30); the subject's is current.
    run(
        owner_engine,
        "UPDATE login_sessions SET expires_at = :t WHERE person_id = :p",
        t=ago(40),
        p=life.mentor.id,
    )
    # One finished job 100 days old (90); an idempotency record two days old (24 hours).
    old_job = run(owner_engine, "SELECT id FROM jobs ORDER BY created_at LIMIT 1").scalar_one()
    run(
        owner_engine,
        "UPDATE jobs SET status = 'succeeded', finished_at = :t WHERE id = :j",
        t=ago(100),
        j=old_job,
    )
    jobs_before = run(owner_engine, "SELECT count(*) FROM jobs").scalar_one()
    life.subject.post("/api/v1/me/exports", headers={"Idempotency-Key": "export-1"})
    run(owner_engine, "UPDATE idempotency_keys SET created_at = :t", t=ago(2))

    with life.world.app.app_context(), caplog.at_level(logging.INFO, "consortium.privacy"):
        counts = apply_retention()

    assert counts["private_notes"] == 1
    assert counts["login_sessions"] >= 1
    assert counts["jobs"] == 1
    assert counts["idempotency_keys"] >= 1
    kinds = run(
        owner_engine, "SELECT kind FROM session_notes WHERE match_id = :m ORDER BY kind", m=match_id
    ).scalars()
    assert list(kinds) == ["shared", "shared"]  # shared notes stay with the pairing's record
    mentor_sessions = "SELECT count(*) FROM login_sessions WHERE person_id = :p"
    assert run(owner_engine, mentor_sessions, p=life.mentor.id).scalar_one() == 0
    assert life.subject.get("/api/v1/me").status_code == 200  # a current session stays
    # The export's job is new (and kept); the old one is gone.
    assert run(owner_engine, "SELECT count(*) FROM jobs").scalar_one() == jobs_before
    assert run(owner_engine, "SELECT count(*) FROM idempotency_keys").scalar_one() == 0
    # Logged and audited, with counts and nothing else.
    assert any("retention removed" in r.getMessage() for r in caplog.records)
    event = run(
        owner_engine, "SELECT data FROM audit_events WHERE action = 'retention.applied'"
    ).scalar_one()
    assert event == {"removed": counts}

    # A second run finds nothing more to remove.
    with life.world.app.app_context():
        again = apply_retention()
    assert again == dict.fromkeys(counts, 0)


def test_retention_periods_come_from_the_environment() -> None:
    from consortium.config import ConfigError, Settings

    settings = Settings.from_env(
        {
            "PRIVATE_NOTES_RETENTION_DAYS": "30",
            "LOGIN_SESSION_RETENTION_DAYS": "7",
            "JOB_RETENTION_DAYS": "14",
        }
    )
    assert (
        settings.private_notes_retention_days,
        settings.login_session_retention_days,
        settings.job_retention_days,
    ) == (30, 7, 14)
    with pytest.raises(ConfigError, match="JOB_RETENTION_DAYS"):
        Settings.from_env({"JOB_RETENTION_DAYS": "0"})
