"""Our layer over flask-smorest: every domain imports Api pieces from here, never from smorest.

It owns the API conventions: problem+json errors (RFC 9457) for every status, the Blueprint
helpers (documented errors, keyset pagination from core.pagination), strict schemas, and the
JSON-only request rule.
"""

from __future__ import annotations

import http
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass
from functools import wraps
from json import JSONDecodeError
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, Request, Response, current_app, g, json, request
from flask_smorest import etag as fs_etag
from flask_smorest.exceptions import PreconditionFailed, PreconditionRequired
from flask_smorest.utils import resolve_schema_instance, unpack_tuple_response
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, UnsupportedMediaType

from consortium.core import pagination
from consortium.core.db import unstorable
from consortium.core.errors import DomainError
from consortium.core.idempotency import SHOWN_ONCE, idempotent
from consortium.core.idempotency import parameter as idempotency_parameter
from consortium.core.security import requires

PROBLEM_MEDIA_TYPE = "application/problem+json"
MAX_SQL_OFFSET = pagination.MAX_SQL_OFFSET


# RFC 9110 §13.1.1: "*" or a list of entity-tags, each [W/]"etagc*".
IF_MATCH = r'^(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)$'


class Schema(ma.Schema):
    """Base schema: unknown fields are refused, so ids and roles cannot be smuggled in."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def _refuse_unstorable_text(self, data: Any, **kwargs: Any) -> Any:
        """Text PostgreSQL cannot store (U+0000, lone surrogates) is invalid input, not a 500."""
        if isinstance(data, Mapping):
            bad = sorted(str(k) for k, v in data.items() if unstorable(k) or unstorable(v))
            if bad:
                detail = "May not contain NUL or unpaired surrogate characters."
                raise ma.ValidationError({k: [detail] for k in bad})
        return data

    def load(self, data: Any, *, many: bool | None = None, **kwargs: Any) -> Any:
        """A list schema given something else (null, an object) is invalid input: marshmallow
        would iterate it, and fail with a TypeError (a 500) on null."""
        if (self.many if many is None else many) and not isinstance(data, list):
            raise ma.ValidationError({"_schema": ["Send a JSON array."]})
        return super().load(data, many=many, **kwargs)


class JSONParser(FlaskParser):
    """webargs' parser; JSON nested too deeply for Python to decode is a 400, not a 500."""

    def _raw_load_json(self, req: Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            error = JSONDecodeError("JSON nested too deeply", "(body)", 0)
            return self._handle_invalid_json_error(error, req)


class ProblemFieldSchema(Schema):
    location = ma.fields.String(metadata={"example": "json"})
    field = ma.fields.String(metadata={"example": "slug"})
    detail = ma.fields.String(metadata={"example": "Missing data for required field."})
    code = ma.fields.String(
        metadata={
            "description": "A broken rule's code (e.g. a hand-made pairing's hard constraint).",
            "example": "line_management",
        }
    )
    overridable = ma.fields.Boolean(
        metadata={"description": "Whether a coordinator may override it with a recorded reason."}
    )


class ProblemSchema(Schema):
    """An RFC 9457 problem document."""

    type = ma.fields.String(metadata={"example": "about:blank"})
    title = ma.fields.String(metadata={"example": "Unprocessable Content"})
    status = ma.fields.Integer(metadata={"example": 422})
    detail = ma.fields.String(metadata={"example": "The request body has invalid fields."})
    instance = ma.fields.String(metadata={"example": "/api/v1/organisations"})
    request_id = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(ProblemFieldSchema))


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
) -> Response:
    """Build a problem+json response."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
        "instance": request.path if request else None,
    }
    if getattr(g, "request_id", None):
        body["request_id"] = g.request_id
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(
    messages: Any, location: str = "json", prefix: str = ""
) -> list[dict[str, str]]:
    """Turn marshmallow's nested messages into a flat list of {location, field, detail}."""
    out: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "(body)"
            out.extend(flatten_messages(value, location, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.extend({"location": location, "field": prefix, "detail": m} for m in messages)
    elif isinstance(messages, list):
        for m in messages:
            out.extend(flatten_messages(m, location, prefix))
    else:
        out.append({"location": location, "field": prefix, "detail": str(messages)})
    return out


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        """Every HTTP error, 404/405/500 included, as problem+json."""
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        for name, value in error.get_headers():  # e.g. WWW-Authenticate of an invalid token
            if name.lower() != "content-type":
                headers.setdefault(name, value)
        errors: list[dict[str, str]] = []
        detail = data.get("message") or error.description
        messages = data.get("messages")
        if messages:
            for location, fields in messages.items():
                errors.extend(flatten_messages(fields, location))
            detail = "The request has invalid fields: " + ", ".join(
                sorted({e["field"] or e["location"] for e in errors})
            )
        if status == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        if status >= 500:
            detail = "An unexpected error occurred; it has been logged."
        return problem(status, detail, errors=errors, headers=headers)

    def handle_domain_error(self, error: DomainError) -> Response:
        errors = (
            [{"location": "json", "field": error.field, "detail": error.detail}]
            if error.field
            else None
        )
        return problem(error.status, error.detail, errors=errors, title=error.title)

    def _register_responses(self) -> None:
        """flask-smorest's shared error responses (422, 412, ...), as problem+json like the rest."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_MEDIA_TYPE
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE

    def _register_etag_headers(self) -> None:
        """flask-smorest's, with If-Match in RFC 9110's form: * or entity-tags (what is not
        one, an empty value included, reads as no If-Match: 428)."""
        if_match = {**fs_etag.IF_MATCH_HEADER, "schema": {"type": "string", "pattern": IF_MATCH}}
        components = self.spec.components
        components.parameter("IF_NONE_MATCH", "header", fs_etag.IF_NONE_MATCH_HEADER, lazy=True)
        components.parameter("IF_MATCH", "header", if_match, lazy=True)
        components.header("ETAG", fs_etag.ETAG_HEADER, lazy=True)

    def _register_pagination_header(self) -> None:
        """The X-Pagination header as core.pagination fills it, and the Link header."""
        self.spec.components.header("PAGINATION", pagination.METADATA_HEADER, lazy=True)
        self.spec.components.header("LINK", pagination.LINK_HEADER, lazy=True)

    def _register_error_handlers(self) -> None:
        super()._register_error_handlers()
        self._app.register_error_handler(DomainError, self.handle_domain_error)


ACCEPTED_BODY = "_consortium_accepted_body"


@dataclass(frozen=True)
class AcceptedBody:
    """What an operation declared with Blueprint.accepts takes instead of JSON."""

    media_types: tuple[str, ...]
    max_bytes: int | None = None


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with our defaults for documenting errors and paging."""

    ARGUMENTS_PARSER = JSONParser()

    def errors(
        self, *statuses: int, examples: dict[int, dict[str, Any]] | None = None
    ) -> Callable[[Any], Any]:
        """Document the problem responses an operation can return; `examples` gives some
        statuses named OpenAPI examples ({name: {"summary", "value"}})."""

        def decorator(func: Any) -> Any:
            for status in statuses:
                func = self.alt_response(
                    status,
                    schema=ProblemSchema,
                    description=http.HTTPStatus(status).phrase,
                    content_type=PROBLEM_MEDIA_TYPE,
                    examples=(examples or {}).get(status),
                )(func)
            return func

        return decorator

    def auth(self, *scopes: str) -> Callable[[Any], Any]:
        """Require a principal holding one of `scopes` (any principal if none); documented."""

        def decorator(func: Any) -> Any:
            func = requires(*scopes)(func)
            # Either a bearer token with these scopes, or a signed-in person whose roles grant them.
            func = self.doc(security=[{"oauth2": list(scopes)}, {"session": []}])(func)
            return self.errors(401, 403)(func)

        return decorator

    def idempotent(self, func: Any) -> Any:
        """Accept an Idempotency-Key on a creating POST (see core.idempotency).

        Fields of the success response marked SHOWN_ONCE in their metadata are never stored
        or replayed; so that they are seen, this decorator goes above @response.
        """
        withheld = _shown_once_fields(func)
        return self.doc(parameters=[idempotency_parameter(withheld)])(
            idempotent(func, withheld=withheld)
        )

    def accepts(
        self, media_type: str, *, description: str, example: str, max_bytes: int | None = None
    ) -> Callable[[Any], Any]:
        """Take a raw `media_type` body instead of JSON (others get 415); documented.

        `max_bytes` raises the app's MAX_CONTENT_LENGTH for this operation only (e.g. uploads).
        """

        def decorator(func: Any) -> Any:
            setattr(func, ACCEPTED_BODY, AcceptedBody((media_type,), max_bytes))
            body = {
                "required": True,
                "description": description,
                # The raw bytes: generators map such a body to a file upload.
                "content": {
                    media_type: {
                        "schema": {"type": "string", "format": "binary"},
                        "example": example,
                    }
                },
            }
            return self.doc(requestBody=body)(self.errors(415)(func))

        return decorator

    def if_match(self, func: Any) -> Any:
        """Document that an action needs If-Match (checked in the view by `require_if_match`)."""
        func = self.doc(parameters=["IF_MATCH"])(func)
        return self.errors(412, 428)(func)

    def require_if_match(self, data: Any, schema: Any) -> None:
        """Refuse a change unless If-Match holds the ETag a GET returns for `data` dumped by
        `schema`: 428 when missing, 412 when stale.

        flask-smorest checks If-Match on PUT, PATCH and DELETE only; an action (a POST such as
        /matches/{id}/approve) calls this once it knows the caller may act. The ETag is
        computed exactly as flask-smorest computes the GET response's.
        """
        if not self._is_etag_enabled():
            return
        if not request.if_match:
            raise PreconditionRequired(
                description="Send If-Match with the ETag from your last GET of this resource."
            )
        etag = self._generate_etag(resolve_schema_instance(schema).dump(data))
        if etag not in request.if_match:
            raise PreconditionFailed(
                description="This resource has changed since you read it: GET it again, check "
                "it still applies, and retry with the new ETag."
            )

    def paginate_sql(
        self,
        present: Callable[[list[Any]], list[Any]] | None = None,
        *,
        page_size: int = 20,
        max_page_size: int = 100,
    ) -> Callable[[Any], Any]:
        """Page the Select the view returns by keyset (see core.pagination): ?cursor=,
        ?page_size= (max 100), ?count=exact, the deprecated ?page=; X-Pagination and Link.

        The Select's ORDER BY is the cursor: columns ending with the primary key, one direction.
        `present`, if given, turns each page's rows into what the response schema dumps.
        """
        return self._paginated(
            lambda result, page: pagination.page_select(result, page, present=present),
            page_size=page_size,
            max_page_size=max_page_size,
        )

    def paginate_list(
        self,
        key: Callable[[Any], tuple[Any, ...]],
        present: Callable[[list[Any]], list[Any]] | None = None,
        *,
        page_size: int = 20,
        max_page_size: int = 100,
    ) -> Callable[[Any], Any]:
        """Page the list the view returns, as paginate_sql does, in the order of `key` (a
        tuple unique per item: the cursor holds the last one's)."""
        return self._paginated(
            lambda result, page: pagination.page_list(result, page, key=key, present=present),
            page_size=page_size,
            max_page_size=max_page_size,
        )

    def _paginated(
        self,
        pager: Callable[[Any, pagination.PageRequest], pagination.Paged],
        *,
        page_size: int,
        max_page_size: int,
    ) -> Callable[[Any], Any]:
        schema = pagination.arguments_schema(page_size, max_page_size)
        invalid = self.PAGINATION_ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS

        def decorator(func: Any) -> Any:
            @wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                arguments = self.PAGINATION_ARGUMENTS_PARSER.parse(
                    schema, request, location="query"
                )
                page = pagination.PageRequest.of(arguments)
                result, status, headers = unpack_tuple_response(func(*args, **kwargs))
                paged = pager(result, page)
                headers = Headers(headers)
                headers[self.PAGINATION_HEADER_NAME] = json.dumps(paged.metadata)
                if paged.link is not None:
                    headers["Link"] = paged.link
                return paged.items, status, headers

            # Documented as flask-smorest documents its own pagination (parameters, 422, the
            # headers through _document_pagination_metadata), plus the bad cursor's 400.
            wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))  # type: ignore[attr-defined]
            wrapper._apidoc["pagination"] = {  # type: ignore[attr-defined]
                "parameters": {"in": "query", "schema": schema},
                "response": {invalid: http.HTTPStatus(invalid).name},
            }
            return self.errors(400, examples={400: pagination.BAD_CURSOR_EXAMPLE})(wrapper)

        return decorator

    def _document_pagination_metadata(self, spec: Any, resp_doc: dict[str, Any]) -> None:
        resp_doc.setdefault("headers", {}).update(
            {self.PAGINATION_HEADER_NAME: "PAGINATION", "Link": "LINK"}
        )


def _shown_once_fields(func: Any) -> frozenset[str]:
    """Names of the success responses' fields whose metadata marks them SHOWN_ONCE."""
    responses = getattr(func, "_apidoc", {}).get("response", {}).get("responses")
    if responses is None:
        raise TypeError(f"{func.__qualname__}: put @idempotent above @response.")
    names: set[str] = set()
    for status, declared in responses.items():
        if not 200 <= int(status) < 300:
            continue
        for response in declared if isinstance(declared, list) else [declared]:
            schema = response.get("schema") if isinstance(response, dict) else None
            if schema is None:
                continue
            fields = resolve_schema_instance(schema).fields
            names.update(name for name, f in fields.items() if f.metadata.get(SHOWN_ONCE))
    return frozenset(names)


def _accepted_body() -> AcceptedBody | None:
    """The declaration of the view this request is routed to, if it takes a non-JSON body."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, request.method.lower(), None) if view_class else view
    accepted = getattr(handler, ACCEPTED_BODY, None)
    return accepted if isinstance(accepted, AcceptedBody) else None


def require_json_bodies(app: Flask, prefixes: Iterable[str]) -> None:
    """Refuse request bodies that are not JSON under the API prefixes (415, not a guess),
    except the media types an operation declared with Blueprint.accepts."""
    prefixes = tuple(prefixes)

    @app.before_request
    def _require_json() -> None:
        if request.method not in {"POST", "PUT", "PATCH"} or not request.path.startswith(prefixes):
            return
        if request.routing_exception is not None:
            return  # no such route or method: its 404 or 405 comes first
        accepted = _accepted_body()
        if accepted is not None and accepted.max_bytes is not None:
            request.max_content_length = accepted.max_bytes
        has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
        if not has_body:
            return
        if accepted is None and not request.is_json:
            raise UnsupportedMediaType("Send the request body as application/json.")
        if accepted is not None and request.mimetype not in accepted.media_types:
            raise UnsupportedMediaType(
                f"Send the request body as {' or '.join(accepted.media_types)}."
            )
