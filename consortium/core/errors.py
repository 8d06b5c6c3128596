"""Domain errors: services raise these; `core.api` turns them into problem+json responses."""

from __future__ import annotations


class DomainError(Exception):
    """An error a client can act on. `status` is the HTTP status it maps to at the edge."""

    status = 400
    title = "Bad Request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(DomainError):
    status = 404
    title = "Not Found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule; `field` names the part that is wrong."""

    status = 422
    title = "Unprocessable Content"


class Unauthenticated(DomainError):
    """The caller could not be signed in (a failed login, a missing session)."""

    status = 401
    title = "Unauthorized"


class BadGateway(DomainError):
    """A service we depend on (an identity provider) failed or answered nonsense."""

    status = 502
    title = "Bad Gateway"
