"""Settings from the environment, and the checks that stop production starting unsafely."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from consortium import create_app
from consortium.config import DEVELOPMENT_SECRET_KEY, ConfigError, Settings
from tests.conftest import make_settings

LONG_SECRET = "a-production-secret-key-that-is-comfortably-over-32-chars"


@pytest.fixture
def built_apps() -> Iterator[list[Flask]]:
    """Apps a test builds; their engines are disposed afterwards so no connection lingers."""
    apps: list[Flask] = []
    yield apps
    for app in apps:
        app.extensions["consortium.db"].dispose()


# --- Settings.from_env -----------------------------------------------------------------------


def test_production_with_the_default_secret_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"CONSORTIUM_ENV": "production"})


def test_production_with_the_development_secret_key_given_explicitly_is_refused() -> None:
    env = {"CONSORTIUM_ENV": "production", "SECRET_KEY": DEVELOPMENT_SECRET_KEY}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env(env)


def test_production_with_a_short_secret_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="32"):
        Settings.from_env({"CONSORTIUM_ENV": "production", "SECRET_KEY": "too-short"})


def test_production_with_a_long_secret_key_is_accepted() -> None:
    settings = Settings.from_env({"CONSORTIUM_ENV": "production", "SECRET_KEY": LONG_SECRET})
    assert settings.is_production
    assert settings.secret_key == LONG_SECRET
    # Production expects a worker: jobs are not run in-process unless asked for.
    assert settings.jobs_inline is False


def test_previous_secret_keys_are_read_newest_first_and_reach_flask(runtime_url: str) -> None:
    env = {"SECRET_KEY": LONG_SECRET, "SECRET_KEY_PREVIOUS": " older-key-one , older-key-two,"}
    settings = Settings.from_env(env)
    assert settings.secret_key_previous == ("older-key-one", "older-key-two")
    assert Settings.from_env({}).secret_key_previous == ()
    app = create_app(make_settings(runtime_url, secret_key_previous=settings.secret_key_previous))
    # Flask's own name for them: its signed session (and ours, and the ciphers) accept them.
    assert app.config["SECRET_KEY_FALLBACKS"] == ["older-key-one", "older-key-two"]
    app.extensions["consortium.db"].dispose()


def test_development_may_use_the_default_secret_key() -> None:
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert settings.secret_key == DEVELOPMENT_SECRET_KEY
    assert not settings.is_production


@pytest.mark.parametrize("env", ["prod", "staging", "Production", ""])
def test_an_unknown_environment_is_refused(env: str) -> None:
    with pytest.raises(ConfigError, match="CONSORTIUM_ENV"):
        Settings.from_env({"CONSORTIUM_ENV": env})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.sqlite3", "sqlite:///x.sqlite3"),
    ],
)
def test_database_urls_are_normalised_to_the_psycopg_driver(given: str, expected: str) -> None:
    settings = Settings.from_env({"DATABASE_URL": given})
    assert settings.database_url == expected
    assert settings.migration_database_url == expected


def test_migration_database_url_defaults_to_database_url() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgres://app@db:5432/consortium"})
    assert settings.migration_database_url == "postgresql+psycopg://app@db:5432/consortium"


def test_migration_database_url_is_kept_separate_and_normalised() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://app@db:5432/consortium",
            "MIGRATION_DATABASE_URL": "postgres://owner@db:5432/consortium",
        }
    )
    assert settings.database_url == "postgresql+psycopg://app@db:5432/consortium"
    assert settings.migration_database_url == "postgresql+psycopg://owner@db:5432/consortium"


def test_keyword_overrides_win_over_the_environment() -> None:
    settings = Settings.from_env(
        {"LOG_LEVEL": "DEBUG", "ACCESS_TOKEN_TTL": "60"}, log_level="ERROR"
    )
    assert settings.log_level == "ERROR"
    assert settings.access_token_ttl == 60


def test_job_retry_intervals_are_read_as_seconds_before_each_retry() -> None:
    assert Settings.from_env({}).job_retry_intervals == (10, 60, 300)
    assert Settings.from_env({"JOB_RETRY_INTERVALS": "5, 30,0"}).job_retry_intervals == (5, 30, 0)


@pytest.mark.parametrize("value", ["10,60", "10,60,300,900", "10,-1,300", "ten,60,300", ""])
def test_job_retry_intervals_other_than_three_whole_seconds_are_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="JOB_RETRY_INTERVALS"):
        Settings.from_env({"JOB_RETRY_INTERVALS": value})



# --- create_app's production start checks ----------------------------------------------------


def _production(url: str, **overrides: Any) -> Settings:
    return make_settings(
        url, env="production", secret_key=LONG_SECRET, jobs_inline=False, **overrides
    )


def test_production_refuses_a_superuser_database_role(owner_url: str) -> None:
    # owner_url connects as `postgres`, a superuser: row-level security would not apply to it.
    with pytest.raises(ConfigError, match="superuser or a BYPASSRLS role"):
        create_app(_production(owner_url))


def test_production_refuses_sqlite() -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        create_app(_production("sqlite://"))


def test_production_starts_as_the_non_superuser_runtime_role(
    runtime_url: str, built_apps: list[Flask]
) -> None:
    app = create_app(_production(runtime_url))
    built_apps.append(app)
    assert app.config["ENV_NAME"] == "production"
    assert app.config["TESTING"] is False
    # It really is serving: liveness answers, and an unauthenticated API call is refused.
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/people").status_code == 401
