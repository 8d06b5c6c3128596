"""Rate limits (flask-limiter): per caller across the API, and on failures where secrets are guessed.

The caller is whom authentication found: an API client (by its id), a signed-in person (by
theirs), or else the remote address. Each kind has its own limits (Settings.ratelimit_*),
counted over every route but the operator probes. A `FailureLimit` counts only the failed
attempts at one endpoint (guessed client secrets at /oauth/token); once it is reached, every
attempt is refused until its window has passed, a right guess too, or guessing would pay.

Refusals are 429s, rendered like every other error (problem+json), with `Retry-After` and the
`X-RateLimit-*` headers. Counts live in Redis, so all web workers share them; in memory only
where jobs run in-process outside production (one process: the development default, tests).
A Redis that stops answering falls back to counting in memory rather than refusing everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, Response, request
from flask_limiter import ApplicationLimit, Limit, Limiter

from consortium.config import Settings
from consortium.core import tenancy

# Blueprints whose routes are never limited: the probes a platform polls must not be refused.
EXEMPT_BLUEPRINTS = frozenset({"health"})
# Statuses whose Retry-After means something (RFC 9110 §10.2.3); flask-limiter sets it on all.
RETRY_AFTER_STATUSES = frozenset({429, 503})
EXTENSION = "consortium.limiter"


@dataclass(frozen=True)
class FailureLimit:
    """Limits on failed attempts at one endpoint, counted per `key` (a client_id, an address).

    Only responses `failed` says failed are counted; once the limits are reached, every request
    there from the same key is refused until the window passes.
    """

    endpoint: str
    # The Settings field holding the limits, e.g. "ratelimit_token_failures_per_client".
    setting: str
    key: Callable[[], str]
    failed: Callable[[Response], bool]
    # What the refused caller reads; the limits themselves are appended.
    detail: str


def remote_address() -> str:
    return f"address:{request.remote_addr or 'unknown'}"


def caller_key() -> str:
    """Who a request counts against: its API client or person, else its address."""
    principal = tenancy.current()
    if principal.kind in {"client", "person"} and principal.id is not None:
        return principal.key
    return remote_address()


CALLERS = {
    "client": ("ratelimit_client", "This API client has sent more requests than it may"),
    "person": ("ratelimit_person", "You have sent more requests than you may"),
    "anonymous": ("ratelimit_anonymous", "This address has sent more requests than it may"),
}


def _caller_kind() -> str:
    kind = caller_key().partition(":")[0]
    return kind if kind in CALLERS else "anonymous"


def _refusal(detail: str, limits: str) -> str:
    return f"{detail} ({limits}). Retry after the number of seconds in the Retry-After header."


def _caller_limit(settings: Settings) -> ApplicationLimit:
    def limits() -> str:
        return str(getattr(settings, CALLERS[_caller_kind()][0]))

    def message() -> str:
        setting, detail = CALLERS[_caller_kind()]
        return _refusal(detail, getattr(settings, setting))

    return ApplicationLimit(limits, key_function=caller_key, error_message=message)


def _failure_limit(settings: Settings, failure: FailureLimit) -> Limit:
    limits = str(getattr(settings, failure.setting))
    return Limit(
        limits,
        key_function=failure.key,
        scope=failure.setting,
        exempt_when=lambda: request.endpoint != failure.endpoint,
        deduct_when=failure.failed,
        error_message=_refusal(failure.detail, limits),
    )


def init_app(app: Flask, settings: Settings, failures: Iterable[FailureLimit] = ()) -> None:
    """Limit `app`'s requests as `settings` say; call after authentication is set up, so the
    principal is known when a request is counted."""

    @app.after_request
    def _retry_after_only_when_refused(response: Response) -> Response:
        # Registered before the limiter's own after_request, so it runs after it (Flask runs
        # them in reverse).
        if response.status_code not in RETRY_AFTER_STATUSES:
            response.headers.pop("Retry-After", None)
        return response

    storage_options: dict[str, str | int] = {}
    if settings.ratelimit_storage_url.startswith("redis"):
        storage_options = {"socket_connect_timeout": 2, "socket_timeout": 2}
    # One Limiter per app (its storage and limits are the app's own settings).
    limiter = Limiter(
        caller_key,
        application_limits=[_caller_limit(settings)],
        default_limits=[_failure_limit(settings, f) for f in failures],
        headers_enabled=True,
        strategy=settings.ratelimit_strategy,
        storage_uri=settings.ratelimit_storage_url,
        storage_options=storage_options,
        key_prefix=settings.ratelimit_key_prefix,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        enabled=settings.ratelimit_enabled,
    )
    limiter.request_filter(lambda: request.blueprint in EXEMPT_BLUEPRINTS)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
