"""SCIM error responses (RFC 7644 §3.12): every failure under /scim/v2 answers a SCIM Error.

The rest of the API answers problem+json; SCIM clients (Entra ID, Okta, HR feeds) only read the
SCIM Error schema, so this blueprint registers its own handlers, which Flask prefers to the app's
for errors raised in its views and in before_request (authentication included).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, request
from pydantic import ValidationError
from scim2_models import Context, Error, SCIMException
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from consortium.core import errors as domain

SCIM_MEDIA_TYPE = "application/scim+json"

log = logging.getLogger(__name__)


def scim_response(
    body: str | None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A response carrying an already-serialised SCIM document (or nothing, for 204)."""
    response = Response(body, status=status, mimetype=SCIM_MEDIA_TYPE)
    if body is None:  # 204/304 carry no document
        del response.headers["Content-Type"]
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(
    status: int,
    detail: str,
    scim_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A SCIM Error document: status as a string, scimType where RFC 7644 defines one."""
    error = Error(status=status, scim_type=scim_type, detail=detail)
    return scim_response(error.model_dump_json(scim_ctx=Context.DEFAULT), status, headers)


def handle_scim_exception(error: SCIMException) -> Response:
    scim_error = error.to_error()
    return error_response(scim_error.status or 400, str(error), scim_error.scim_type)


def handle_validation_error(error: ValidationError) -> Response:
    """Pydantic refused a payload: the first error, mapped to its RFC 7644 scimType."""
    first = Error.from_validation_errors(error)[0]
    return error_response(first.status or 400, first.detail or "Invalid request.", first.scim_type)


def handle_domain_error(error: domain.DomainError) -> Response:
    """A people-service error: the same sentence, in SCIM's shape."""
    if isinstance(error, domain.Conflict):
        return error_response(409, error.detail, "uniqueness")
    if isinstance(error, domain.Invalid):
        return error_response(400, error.detail, "invalidValue")
    return error_response(error.status, error.detail)


def handle_integrity_error(error: IntegrityError) -> Response:
    # Two provisioning requests raced for the same userName or externalId.
    log.info("SCIM request lost a uniqueness race: %s", error.orig)
    return error_response(
        409, "This conflicts with a change made at the same time; retry it.", "uniqueness"
    )


def handle_http_error(error: HTTPException) -> Response:
    """Routing, authentication, size and server errors as SCIM Errors (headers kept)."""
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    detail = error.description or "The request failed."
    if status >= 500:
        detail = "An unexpected error occurred; it has been logged."
    if status == 404 and request.url_rule is None:
        detail = f"There is no SCIM endpoint at {request.path}."
    return error_response(status, detail, headers=headers)


def routing_error(prefix: str) -> Any:
    """before_app_request: a path under `prefix` that matched no route gets a SCIM 404/405.

    Flask only uses a blueprint's handlers once a route of it matched, so unknown SCIM paths and
    wrong methods are answered here, before the app's problem+json handler would be.
    """

    def answer() -> Response | None:
        failure = request.routing_exception
        if failure is None or not (request.path == prefix or request.path.startswith(prefix + "/")):
            return None
        if isinstance(failure, RequestRedirect):  # e.g. a missing trailing slash: not an error
            return None
        return handle_http_error(failure) if isinstance(failure, HTTPException) else None

    return answer


def register(blueprint: Any) -> None:
    """Install the SCIM error handlers on `blueprint`."""
    blueprint.register_error_handler(SCIMException, handle_scim_exception)
    blueprint.register_error_handler(ValidationError, handle_validation_error)
    blueprint.register_error_handler(domain.DomainError, handle_domain_error)
    blueprint.register_error_handler(IntegrityError, handle_integrity_error)
    blueprint.register_error_handler(HTTPException, handle_http_error)
