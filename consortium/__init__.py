"""Consortium: a multi-tenant backend for public-sector coaching and mentoring consortia."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, Response, g, request
from redis import Redis
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from werkzeug.middleware.proxy_fix import ProxyFix

from consortium.apidocs import SWAGGER_UI_URL
from consortium.config import INSTANCE_DIR, ConfigError, Settings

API_PREFIXES = ("/api/",)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → request lifecycle → CLI."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    _configure(app, settings)
    if settings.trusted_proxy_hops:
        # The caller's address (rate limits, logs) from the proxies' X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_hops)  # type: ignore[method-assign]
    _init_extensions(app, settings)
    _register_blueprints(app)
    _register_request_lifecycle(app)
    _register_cli(app)
    if settings.is_production:
        _refuse_unsafe_database(app)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        SETTINGS=settings,
        ENV_NAME=settings.env,
        TESTING=settings.env == "test",
        SECRET_KEY=settings.secret_key,
        # Flask's name for the keys that still verify and decrypt (core.security reads it too).
        SECRET_KEY_FALLBACKS=list(settings.secret_key_previous),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        JOBS_INLINE=settings.jobs_inline,
        JOB_STALE_AFTER=settings.job_stale_after,
        JOB_RETRY_INTERVALS=list(settings.job_retry_intervals),
        JOB_TIMEOUT=600,
        ACCESS_TOKEN_TTL=settings.access_token_ttl,
        IDEMPOTENCY_TTL=settings.idempotency_ttl,
        PRIVATE_NOTES_RETENTION_DAYS=settings.private_notes_retention_days,
        LOGIN_SESSION_RETENTION_DAYS=settings.login_session_retention_days,
        JOB_RETENTION_DAYS=settings.job_retention_days,
        SESSION_IDLE_TIMEOUT=settings.session_idle_timeout,
        SESSION_MAX_AGE=settings.session_max_age,
        SECURE_COOKIES=settings.secure_cookies,
        ISSUER=settings.issuer,
        API_AUDIENCE=settings.api_audience,
        LOG_LEVEL=settings.log_level,
        MAIL_URL=settings.mail_url,
        MAIL_FROM=settings.mail_from,
        SESSION_REMINDER_MINUTES=settings.session_reminder_minutes,
        PREFERRED_URL_SCHEME="https" if settings.secure_cookies else "http",
        # OpenAPI document and interactive docs (flask-smorest).
        API_TITLE="Consortium API",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        # Swagger UI's assets come from the package (consortium.apidocs), not a CDN; no
        # validator badge either (it would send the spec's URL to validator.swagger.io).
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_URL,
        OPENAPI_SWAGGER_UI_CONFIG={"persistAuthorization": True, "validatorUrl": None},
    )


def _init_extensions(app: Flask, settings: Settings) -> None:
    from consortium.core import logging as json_logging
    from consortium.core import metrics, ratelimit
    from consortium.core.api import require_json_bodies
    from consortium.extensions import api, db
    from consortium.identity import authentication, tokens
    from consortium.openapi import SPEC_KWARGS

    json_logging.configure(settings.log_level)
    db.init_app(app, settings.database_url)
    app.extensions["consortium.redis"] = Redis.from_url(
        settings.redis_url, socket_connect_timeout=2, socket_timeout=5
    )
    api.init_app(app, spec_kwargs=SPEC_KWARGS)
    require_json_bodies(app, API_PREFIXES)
    tokens.init_app(app)
    metrics.init_app(app)
    authentication.init_app(app)
    # After authentication: requests count against the principal it found.
    ratelimit.init_app(app, settings, failures=tokens.GUESSING_LIMITS)
    _register_jobs()
    _connect_domains()


def _register_jobs() -> None:
    # Importing a domain's jobs module registers its handlers with core.jobs.
    import consortium.availability.jobs
    import consortium.calendar.jobs
    import consortium.core.mail
    import consortium.core.rotation
    import consortium.matching.jobs
    import consortium.organisations.jobs
    import consortium.people.jobs
    import consortium.pool.jobs
    import consortium.privacy.jobs
    import consortium.reports.jobs
    import consortium.webhooks.jobs  # noqa: F401


def _connect_domains() -> None:
    # Higher domains react to and answer lower ones (core.events), so imports point down.
    from consortium.calendar import hooks as calendar
    from consortium.matches import hooks as matches
    from consortium.matching import hooks as matching
    from consortium.protected_time import hooks as protected_time
    from consortium.sensitive import hooks as sensitive
    from consortium.sessions import hooks as sessions
    from consortium.webhooks import hooks as webhooks

    for domain in (matches, matching, protected_time, sessions, calendar, sensitive, webhooks):
        domain.connect()


def _register_blueprints(app: Flask) -> None:
    from consortium.apidocs import blp as apidocs
    from consortium.audit.routes import blp as audit
    from consortium.availability.routes import blp as availability
    from consortium.availability.routes import search as slots
    from consortium.calendar.routes import blp as calendar
    from consortium.calendar.routes import feed as calendar_feed
    from consortium.concerns.routes import blp as concerns
    from consortium.consortia.routes import blp as consortia
    from consortium.evaluation.routes import blp as evaluation
    from consortium.extensions import api
    from consortium.health.routes import blp as health
    from consortium.identity.routes import api as identity
    from consortium.identity.routes import oauth
    from consortium.identity.session_routes import blp as auth
    from consortium.insights.routes import blp as insights
    from consortium.jobs.routes import blp as jobs
    from consortium.matches.routes import blp as matches
    from consortium.matching.routes import blp as matching_runs
    from consortium.organisations.routes import blp as organisations
    from consortium.pages.routes import blp as pages
    from consortium.people.routes import blp as people
    from consortium.pool.routes import blp as pool
    from consortium.privacy.routes import blp as privacy
    from consortium.programmes.routes import blp as programmes
    from consortium.protected_time.routes import blp as protected_time
    from consortium.reciprocity.routes import blp as reciprocity
    from consortium.reports.routes import blp as consortium_reports
    from consortium.scim.routes import blp as scim
    from consortium.sensitive.routes import blp as sensitive
    from consortium.sessions.routes import blp as sessions
    from consortium.webhooks.routes import blp as webhooks

    for blueprint in (
        oauth,
        auth,
        identity,
        organisations,
        consortia,
        reciprocity,
        people,
        pool,
        availability,
        slots,
        programmes,
        protected_time,
        matching_runs,
        matches,
        sessions,
        insights,
        consortium_reports,
        evaluation,
        concerns,
        audit,
        sensitive,
        privacy,
        scim,
        jobs,
        webhooks,
        calendar,
        calendar_feed,
        health,
    ):
        api.register_blueprint(blueprint)
    # Pages for people's browsers: HTML, outside the API and its OpenAPI document.
    app.register_blueprint(pages)
    app.register_blueprint(apidocs)
    if app.config["ENV_NAME"] == "development":
        # Only here, never in production: sign in as any demo person (see consortium.devidp).
        from consortium.devidp import demo

        demo.mount(app)


def _register_request_lifecycle(app: Flask) -> None:
    from consortium.core import tenancy
    from consortium.core.api import problem
    from consortium.extensions import db

    @app.before_request
    def _request_id() -> None:
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = (
            supplied if 0 < len(supplied) <= 64 and supplied.isprintable() else str(uuid.uuid4())
        )

    # Move the request id ahead of authentication, so every log line carries it.
    app.before_request_funcs[None].insert(0, app.before_request_funcs[None].pop())

    @app.teardown_request
    def _forget_principal(_exc: BaseException | None) -> None:
        tenancy.set_principal(tenancy.ANONYMOUS)

    @app.after_request
    def _commit(response: Response) -> Response:
        """One transaction per request: commit what succeeded, roll back what did not."""
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except IntegrityError as exc:
            db.session.rollback()
            app.logger.info("request lost a uniqueness race: %s", exc.orig)
            conflict = problem(409, "This conflicts with a change made at the same time; retry it.")
            conflict.headers["X-Request-ID"] = g.get("request_id", "")
            return conflict
        return response


def _register_cli(app: Flask) -> None:
    from consortium.cli import db_cli, jobs_cli, secrets_cli, seed_cli
    from consortium.identity.cli import platform

    for group in (platform, db_cli, seed_cli, secrets_cli):
        app.cli.add_command(group)
    for command in jobs_cli:
        app.cli.add_command(command)


def _refuse_unsafe_database(app: Flask) -> None:
    """Production must run as a role RLS applies to: no superuser, no BYPASSRLS, no SQLite."""
    from consortium.extensions import db

    settings: Settings = app.config["SETTINGS"]
    if not settings.is_postgres:
        raise ConfigError("Production needs PostgreSQL (row-level security); DATABASE_URL is not.")
    with app.app_context(), db.engine.connect() as connection:
        row: Any = connection.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
    if row.rolsuper or row.rolbypassrls:
        raise ConfigError(
            "DATABASE_URL connects as a superuser or a BYPASSRLS role, which row-level security "
            "does not restrict. Connect as the application role (see README: database roles)."
        )
