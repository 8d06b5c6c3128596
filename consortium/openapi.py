"""The OpenAPI document: what flask-smorest does not infer, and writing the committed copy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from apispec import BasePlugin
from flask import Flask

from consortium.core.ratelimit import EXEMPT_BLUEPRINTS
from consortium.core.security import SCOPES

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"

# Path segments that name the API or its version, not a resource.
NOT_RESOURCES = re.compile(r"api|v\d+")
# What each method does to an item (a path ending in a parameter) or a singleton resource.
ITEM_VERBS = {"get": "get", "put": "replace", "patch": "update", "delete": "delete", "post": "post"}


def _words(segment: str) -> str:
    """A path segment as snake_case: "mentor-profiles" -> "mentor_profiles",
    "ServiceProviderConfig" -> "service_provider_config", "jwks.json" -> "jwks"."""
    segment = segment.lstrip(".").removesuffix(".json")
    segment = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", segment)
    return re.sub(r"[^0-9a-zA-Z]+", "_", segment).strip("_").lower()


def operation_id(
    method: str, path: str, operation: dict[str, Any], *, has_items: bool = False
) -> str:
    """The operation's id: its resource path in snake_case, then a verb.

    GET /api/v1/people -> people_list, POST -> people_create, GET /api/v1/people/{person_id}
    -> people_get, PATCH -> people_update; an action (a POST to a path that lists and creates
    nothing) is named by its last segment: POST /api/v1/matches/{match_id}/approve ->
    matches_approve, POST /oauth/token -> oauth_token. `has_items` says the path has an item
    route below it (`{path}/{id}`), so it is a collection.
    """
    segments = [s for s in path.strip("/").split("/") if s and not NOT_RESOURCES.fullmatch(s)]
    nouns = [_words(s) for s in segments if not s.startswith("{")]
    if not segments or segments[-1].startswith("{"):
        verb = ITEM_VERBS[method]
    else:
        responses = {str(status): value for status, value in operation.get("responses", {}).items()}
        if method == "get":
            verb = "list" if has_items or _returns_array(responses.get("200")) else "get"
        elif method == "post":
            collection = has_items or "201" in responses
            verb = "create" if collection else nouns.pop()
        else:
            verb = ITEM_VERBS[method]
    return "_".join([*nouns, verb])


def _returns_array(response: Any) -> bool:
    if not isinstance(response, dict):
        return False
    return any(
        isinstance(media.get("schema"), dict) and media["schema"].get("type") == "array"
        for media in response.get("content", {}).values()
    )


class OperationIds(BasePlugin):
    """Give every operation a readable, unique operationId (see operation_id), so generated
    clients get names such as people_list; an operation's own @blp.doc(operationId=...) wins.
    """

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        has_items = rule is not None and any(
            other.rule.startswith(rule.rule + "/<") and "/" not in other.rule[len(rule.rule) + 1 :]
            for other in rule.map.iter_rules()
        )
        for method, operation in (operations or {}).items():
            if method in ITEM_VERBS and isinstance(operation, dict):
                operation.setdefault(
                    "operationId", operation_id(method, path or "", operation, has_items=has_items)
                )


RATE_LIMITED = "RATE_LIMITED"
SCIM_RATE_LIMITED = "SCIM_RATE_LIMITED"
RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "Retry-After": {
        "description": "Seconds to wait before the request may be sent again.",
        "schema": {"type": "integer", "minimum": 0},
        "example": 42,
    },
    "X-RateLimit-Limit": {
        "description": "Requests allowed in the window of the limit that applies.",
        "schema": {"type": "integer"},
        "example": 1200,
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in that window (0 when refused).",
        "schema": {"type": "integer"},
        "example": 0,
    },
    "X-RateLimit-Reset": {
        "description": "When that window ends, in seconds since the Unix epoch.",
        "schema": {"type": "integer"},
        "example": 1796316690,
    },
}


class RateLimits(BasePlugin):
    """Document the 429 every rate-limited operation may answer (core.ratelimit: all but the
    operator probes), once, as a shared response with its Retry-After and X-RateLimit-* headers;
    SCIM's as a SCIM Error, like the rest of SCIM's errors."""

    def init_spec(self, spec: Any) -> None:
        headers = {}
        for name, header in RATE_LIMIT_HEADERS.items():
            component = name.upper().replace("-", "_")  # Retry-After -> RETRY_AFTER
            spec.components.header(component, header)
            headers[name] = component
        detail = (
            "Too many requests: this API client, signed-in person or address has used up its "
            "rate limit, or its failed authentications at the token endpoint have. Retry after "
            "the number of seconds in `Retry-After`."
        )
        for name, media_type, schema in (
            (RATE_LIMITED, "application/problem+json", "Problem"),
            (SCIM_RATE_LIMITED, "application/scim+json", "ScimError"),
        ):
            spec.components.response(
                name,
                {
                    "description": detail,
                    "headers": headers,
                    "content": {
                        media_type: {
                            "schema": {"$ref": f"#/components/schemas/{schema}"},
                            "example": RATE_LIMITED_EXAMPLE[schema],
                        }
                    },
                },
            )

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        if rule is not None and rule.endpoint.partition(".")[0] in EXEMPT_BLUEPRINTS:
            return
        response = SCIM_RATE_LIMITED if (path or "").startswith("/scim/") else RATE_LIMITED
        for method, operation in (operations or {}).items():
            if method in ITEM_VERBS and isinstance(operation, dict):
                operation.setdefault("responses", {}).setdefault(429, response)


RATE_LIMITED_EXAMPLE = {
    "Problem": {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "This API client has sent more requests than it may (1200 per minute). "
        "Retry after the number of seconds in the Retry-After header.",
        "instance": "/api/v1/people",
    },
    "ScimError": {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "429",
        "detail": "This API client has sent more requests than it may (1200 per minute). "
        "Retry after the number of seconds in the Retry-After header.",
    },
}


SPEC_KWARGS: dict[str, Any] = {
    "extra_plugins": [OperationIds(), RateLimits()],
    "info": {
        "description": (
            "Pool mentors and coaches across public-sector employers, share availability and "
            "broker cross-organisation pairings.\n\n"
            "Machine clients authenticate with OAuth 2.0 client credentials at `/oauth/token` "
            "(HTTP Basic) and send `Authorization: Bearer <token>`. Staff sign in with their "
            "employer's identity provider at `/auth/sso/{org_slug}/login`, which sets a session "
            "cookie; cookie-authenticated POST, PUT, PATCH and DELETE requests must send "
            "`X-CSRF-Token` (from `GET /auth/session`). Errors are "
            "`application/problem+json` (RFC 9457), except at `/oauth/token` (RFC 6749's "
            "`error` and `error_description`, as OAuth libraries expect) and under `/scim/v2` "
            "(RFC 7644). Collections page with `page` and "
            "`page_size` (at most 100); the `X-Pagination` header carries the totals. Changes "
            "to a resource need `If-Match` with its `ETag` (428 without, 412 when stale). "
            "Creating requests accept an `Idempotency-Key`; a response that shows a secret "
            "once (`x-shown-once`) is not replayed, the repeat is refused (422). Another "
            "organisation's resources answer 404, exactly like missing ones. Requests are "
            "rate limited per API client, per signed-in person and otherwise per address, and "
            "failed client authentications at `/oauth/token` per client_id and per address: "
            "a refusal is a 429 with `Retry-After`; responses carry `X-RateLimit-Limit`, "
            "`X-RateLimit-Remaining` and `X-RateLimit-Reset`."
        ),
        "contact": {"name": "Consortium platform team"},
    },
    "servers": [{"url": "/", "description": "This server"}],
    "components": {
        "securitySchemes": {
            "oauth2": {
                "type": "oauth2",
                "description": "Client credentials issued by a platform admin.",
                "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": SCOPES}},
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "consortium_session",
                "description": "A person signed in through their organisation's SSO "
                "(`__Host-consortium_session` over https). What it allows follows the person's "
                "roles: staff, org_admin, coordinator.",
            },
            "clientBasic": {
                "type": "http",
                "scheme": "basic",
                "description": "client_id and client_secret, at the token endpoint only.",
            },
        }
    },
}


def spec_json(app: Flask) -> str:
    """The spec as the app generates it, serialised stably for committing and comparing."""
    from consortium.extensions import api

    with app.app_context():
        spec = api.spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_spec(app: Flask, path: Path = SPEC_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec_json(app), encoding="utf-8")
    return path
