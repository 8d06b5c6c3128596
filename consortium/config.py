"""Settings, read once from the environment (12-factor); everything not given has a safe default."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from limits.strategies import STRATEGIES

ENVIRONMENTS = ("development", "test", "production")
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
# How many times a job is tried before it fails (core.jobs.MAX_ATTEMPTS).
JOB_ATTEMPTS = 4


# The settings that hold rate limits; each is read from the environment variable of its name.
RATE_LIMITS = (
    "ratelimit_client",
    "ratelimit_person",
    "ratelimit_anonymous",
    "ratelimit_token_failures_per_client",
    "ratelimit_token_failures_per_address",
)
RATE_LIMIT_STRINGS = (
    *RATE_LIMITS,
    "ratelimit_storage_url",
    "ratelimit_key_prefix",
    "ratelimit_strategy",
)


class ConfigError(RuntimeError):
    """The environment describes a configuration the service must not start with."""


def normalise_database_url(url: str) -> str:
    """Map the plain URLs platforms hand out onto the driver SQLAlchemy should use."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    """Every setting the service reads; `from_env` documents where each comes from."""

    env: str = "development"
    database_url: str = f"sqlite:///{INSTANCE_DIR / 'consortium.sqlite3'}"
    migration_database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    # Keys SECRET_KEY replaced, newest first: what they encrypted or signed still reads until
    # `flask secrets reencrypt` has moved it (README: rotating SECRET_KEY).
    secret_key_previous: tuple[str, ...] = ()
    public_base_url: str = "http://127.0.0.1:5000"
    # Jobs run in-process after commit unless a worker is expected (production default).
    jobs_inline: bool = True
    # Seconds a job may stay pending/enqueued/running-but-unlocked before the sweeper re-sends it.
    job_stale_after: int = 60
    # Seconds RQ waits before the 2nd, 3rd and 4th attempt of a failed job.
    job_retry_intervals: tuple[int, ...] = (10, 60, 300)
    access_token_ttl: int = 3600
    idempotency_ttl: int = 24 * 3600
    # Retention (days): private notes of ended pairings, ended or expired login sessions, and
    # finished job rows (with the personal exports they built); see privacy.retention.
    private_notes_retention_days: int = 365
    login_session_retention_days: int = 30
    job_retention_days: int = 90
    max_content_length: int = 1024 * 1024
    # Signed-in sessions end after this long without a request, and this long after login.
    session_idle_timeout: int = 3600
    session_max_age: int = 12 * 3600
    log_level: str = "INFO"
    # Outgoing mail: smtp://[user:password@]host[:port] (smtp+starttls:// or smtps:// for
    # TLS); empty: written to the log (development, tests).
    mail_url: str = ""
    mail_from: str = "Consortium <no-reply@consortium.invalid>"
    # Mentors' calendar feeds (busy times): seconds allowed for a whole fetch, and the most
    # bytes read. BUSY_FEED_ALLOW_PRIVATE_NETWORKS lets a feed live on a private or loopback
    # address: for tests against a local server only; refused in production.
    busy_feed_timeout: float = 10.0
    busy_feed_max_bytes: int = 2 * 1024 * 1024
    busy_feed_allow_private_networks: bool = False
    # Identity providers' discovery documents and keys are fetched under the same guard;
    # SSO_ALLOW_PRIVATE_NETWORKS lets them live on private or loopback addresses: the
    # development provider (on by default in development only) and tests; refused in production.
    sso_allow_private_networks: bool = False
    # Webhooks (consortium.webhooks): seconds allowed for one delivery, and the waits before
    # each retry of a failed one (the last failure disables the endpoint).
    # WEBHOOK_ALLOW_PRIVATE_NETWORKS lets endpoints be private addresses (tests only).
    webhook_timeout: float = 10.0
    webhook_retry_schedule: tuple[int, ...] = (60, 240, 960, 3840, 15360, 61440)
    webhook_allow_private_networks: bool = False
    # A session cancelled less than this many hours before it starts counts as a late
    # cancellation (shown on the pairing, for the programme's coordinators).
    late_cancellation_hours: int = 24
    # Minutes before a session that both people are reminded of it by mail.
    session_reminder_minutes: int = 24 * 60
    # Rate limits (core.ratelimit), in flask-limiter's notation ("1200 per minute", several
    # separated by ";"). Across the API, per caller: an API client, a signed-in person, or
    # else the remote address. At /oauth/token, failed client authentications per client_id
    # and per address: the first limit slows a burst of guesses, the second refuses a long run.
    ratelimit_enabled: bool = True
    # How many proxies (ingress, load balancer) stand in front of the app and append to
    # X-Forwarded-For: the client's address is taken that many hops back. 0 trusts none, so a
    # caller cannot choose the address it is counted under.
    trusted_proxy_hops: int = 0
    # Empty: Redis at REDIS_URL, except where jobs run in-process outside production (the
    # SQLite development default, tests), which count in memory.
    ratelimit_storage_url: str = ""
    ratelimit_key_prefix: str = "consortium"
    ratelimit_strategy: str = "fixed-window"
    ratelimit_client: str = "1200 per minute"
    ratelimit_person: str = "300 per minute"
    ratelimit_anonymous: str = "120 per minute"
    ratelimit_token_failures_per_client: str = "5 per minute;20 per hour"  # noqa: S105
    ratelimit_token_failures_per_address: str = "20 per minute;100 per hour"  # noqa: S105

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def issuer(self) -> str:
        """The OAuth issuer and JWT `iss`: this service's public base URL."""
        return self.public_base_url.rstrip("/")

    @property
    def api_audience(self) -> str:
        """The JWT `aud` of access tokens for this API."""
        return self.issuer + "/api/v1"

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.public_base_url).scheme == "https"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read settings from `environ` (default os.environ); keyword overrides win (tests)."""
        e = os.environ if environ is None else environ
        env = e.get("CONSORTIUM_ENV", "development")
        values: dict[str, object] = {"env": env}
        if "DATABASE_URL" in e:
            values["database_url"] = e["DATABASE_URL"]
        if "MIGRATION_DATABASE_URL" in e:
            values["migration_database_url"] = e["MIGRATION_DATABASE_URL"]
        for name, key in (
            ("redis_url", "REDIS_URL"),
            ("secret_key", "SECRET_KEY"),
            ("public_base_url", "PUBLIC_BASE_URL"),
            ("log_level", "LOG_LEVEL"),
            ("mail_url", "MAIL_URL"),
            ("mail_from", "MAIL_FROM"),
            *((name, name.upper()) for name in RATE_LIMIT_STRINGS),
        ):
            if key in e:
                values[name] = e[key]
        values["jobs_inline"] = _flag(e.get("JOBS_INLINE"), default=env != "production")
        for name, key in (
            ("job_stale_after", "JOB_STALE_AFTER"),
            ("access_token_ttl", "ACCESS_TOKEN_TTL"),
            ("session_idle_timeout", "SESSION_IDLE_TIMEOUT"),
            ("session_max_age", "SESSION_MAX_AGE"),
            ("late_cancellation_hours", "LATE_CANCELLATION_HOURS"),
            ("session_reminder_minutes", "SESSION_REMINDER_MINUTES"),
            ("trusted_proxy_hops", "TRUSTED_PROXY_HOPS"),
            ("private_notes_retention_days", "PRIVATE_NOTES_RETENTION_DAYS"),
            ("login_session_retention_days", "LOGIN_SESSION_RETENTION_DAYS"),
            ("job_retention_days", "JOB_RETENTION_DAYS"),
        ):
            if key in e:
                values[name] = int(e[key])
        if "SECRET_KEY_PREVIOUS" in e:
            values["secret_key_previous"] = tuple(
                key.strip() for key in e["SECRET_KEY_PREVIOUS"].split(",") if key.strip()
            )
        if "JOB_RETRY_INTERVALS" in e:
            values["job_retry_intervals"] = _seconds_list(e["JOB_RETRY_INTERVALS"])
        if "BUSY_FEED_TIMEOUT" in e:
            values["busy_feed_timeout"] = float(e["BUSY_FEED_TIMEOUT"])
        if "BUSY_FEED_MAX_BYTES" in e:
            values["busy_feed_max_bytes"] = int(e["BUSY_FEED_MAX_BYTES"])
        values["ratelimit_enabled"] = _flag(e.get("RATELIMIT_ENABLED"), default=True)
        values["busy_feed_allow_private_networks"] = _flag(
            e.get("BUSY_FEED_ALLOW_PRIVATE_NETWORKS"), default=False
        )
        values["sso_allow_private_networks"] = _flag(
            e.get("SSO_ALLOW_PRIVATE_NETWORKS"), default=env == "development"
        )
        values["webhook_allow_private_networks"] = _flag(
            e.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS"), default=False
        )
        if "WEBHOOK_TIMEOUT" in e:
            values["webhook_timeout"] = float(e["WEBHOOK_TIMEOUT"])
        if "WEBHOOK_RETRY_SCHEDULE" in e:
            values["webhook_retry_schedule"] = _seconds_list(
                e["WEBHOOK_RETRY_SCHEDULE"], name="WEBHOOK_RETRY_SCHEDULE"
            )
        values.update(overrides)
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in values.items() if k in known})  # type: ignore[arg-type]
        return settings.validated()

    def validated(self) -> Settings:
        """Return self with URLs normalised, or raise ConfigError for what must not run."""
        if self.env not in ENVIRONMENTS:
            raise ConfigError(
                f"CONSORTIUM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}."
            )
        if self.is_production and self.secret_key == DEVELOPMENT_SECRET_KEY:
            raise ConfigError("SECRET_KEY must be set to a long random value in production.")
        if self.is_production and len(self.secret_key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production.")
        if not 0 < self.session_idle_timeout <= self.session_max_age:
            raise ConfigError("SESSION_IDLE_TIMEOUT must be positive and at most SESSION_MAX_AGE.")
        for name in (
            "private_notes_retention_days",
            "login_session_retention_days",
            "job_retention_days",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name.upper()} must be a positive number of days.")
        if self.late_cancellation_hours < 0:
            raise ConfigError("LATE_CANCELLATION_HOURS must be 0 or more.")
        if self.session_reminder_minutes <= 0:
            raise ConfigError("SESSION_REMINDER_MINUTES must be a positive number of minutes.")
        if self.is_production and self.busy_feed_allow_private_networks:
            raise ConfigError(
                "BUSY_FEED_ALLOW_PRIVATE_NETWORKS is for tests only: it would let a calendar "
                "feed reach the service's private network."
            )
        for name, allowed in (
            ("SSO_ALLOW_PRIVATE_NETWORKS", self.sso_allow_private_networks),
            ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", self.webhook_allow_private_networks),
        ):
            if self.is_production and allowed:
                raise ConfigError(
                    f"{name} is for tests and development only: it would let a request reach "
                    "the service's private network."
                )
        if self.webhook_timeout <= 0 or min(self.webhook_retry_schedule, default=-1) < 0:
            raise ConfigError(
                "WEBHOOK_TIMEOUT must be positive and WEBHOOK_RETRY_SCHEDULE one or more whole "
                "numbers of seconds, comma-separated (the waits before each retry), e.g. 60,240."
            )
        retries = JOB_ATTEMPTS - 1
        if len(self.job_retry_intervals) != retries or min(self.job_retry_intervals) < 0:
            raise ConfigError(
                f"JOB_RETRY_INTERVALS must be {retries} whole numbers of seconds, comma-separated "
                "(the waits before each retry of a failed job), e.g. 10,60,300."
            )
        if self.busy_feed_timeout <= 0 or self.busy_feed_max_bytes <= 0:
            raise ConfigError("BUSY_FEED_TIMEOUT and BUSY_FEED_MAX_BYTES must be positive.")
        storage_url = self._checked_rate_limits()
        database_url = normalise_database_url(self.database_url)
        migration_url = normalise_database_url(self.migration_database_url or database_url)
        return replace(
            self,
            database_url=database_url,
            migration_database_url=migration_url,
            ratelimit_storage_url=storage_url,
        )

    def _checked_rate_limits(self) -> str:
        """The rate limits' storage URL, once every limit setting reads; else ConfigError."""
        for name in RATE_LIMITS:
            try:
                if not parse_many(getattr(self, name)):
                    raise ValueError
            except ValueError:
                raise ConfigError(
                    f"{name.upper()} must be rate limits such as '5 per minute;20 per hour', "
                    f"not {getattr(self, name)!r}."
                ) from None
        if self.trusted_proxy_hops < 0:
            raise ConfigError("TRUSTED_PROXY_HOPS must be 0 or more.")
        if self.ratelimit_strategy not in STRATEGIES:
            raise ConfigError(
                f"RATELIMIT_STRATEGY must be one of {', '.join(sorted(STRATEGIES))}, "
                f"not {self.ratelimit_strategy!r}."
            )
        storage_url = self.ratelimit_storage_url or (
            "memory://" if self.jobs_inline and not self.is_production else self.redis_url
        )
        if self.is_production and self.ratelimit_enabled and storage_url.startswith("memory"):
            raise ConfigError(
                "RATELIMIT_STORAGE_URL=memory:// counts in each process apart, so production "
                "would allow its limits once per worker: use Redis (the default, REDIS_URL)."
            )
        return storage_url


def _seconds_list(value: str, *, name: str = "JOB_RETRY_INTERVALS") -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise ConfigError(
            f"{name} must be whole numbers of seconds, comma-separated, not {value!r}."
        ) from None


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}
