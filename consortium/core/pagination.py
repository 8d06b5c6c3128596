"""Keyset (cursor) pagination: how every list pages.

A list is ordered by columns that end with its primary key (`created_at, id`; `name, id`;
`held_on, created_at, id`), all ascending or all descending. A page is the first `page_size`
rows after the cursor's key in that order, one more read to tell whether there are more: no
OFFSET, so a deep page costs what the first does when an index leads with the list's tenant or
parent column and follows its order; and no count unless asked for (`count=exact`, which stops
at COUNT_CAP).

The cursor is the page's last key, signed with the app's SECRET_KEY and bound to the list that
issued it (its path, filters, caller and order): an altered, cut or foreign cursor is a 400
naming `cursor`. Page numbers (`page`) work as before (OFFSET, counted in full); deprecated.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NoReturn
from urllib.parse import urlencode

import marshmallow as ma
from flask import current_app, request
from flask_smorest.pagination import PaginationMixin
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from werkzeug.exceptions import BadRequest

from consortium.core import security, tenancy

COUNT_CAP = 10_000  # count=exact counts this many rows at most, then says "more"
MAX_SQL_OFFSET = 2**63 - 1  # the largest OFFSET PostgreSQL and SQLite accept (BIGINT)
MAX_CURSOR_LENGTH = 2_000
PAGING_ARGUMENTS = frozenset({"cursor", "page", "page_size", "count"})
_SALT = "consortium.pagination.cursor"

Presenter = Callable[[list[Any]], list[Any]]


# --- what a client sends and gets back ---------------------------------------------------------


@cache
def arguments_schema(default_size: int, max_size: int) -> type[ma.Schema]:
    """The query parameters of a list with these page sizes (other parameters are its filters)."""

    class PaginationArgumentsSchema(ma.Schema):
        class Meta:
            unknown = ma.EXCLUDE
            ordered = True

        cursor = ma.fields.String(
            metadata={
                "description": "Where the page starts: the `next_cursor` of the page before "
                '(the `Link` header\'s rel="next" URL carries it). Opaque and bound to this '
                "list, its filters and the caller; a cursor that was altered or came from "
                "another list is refused (400). Leave it out for the first page.",
                "example": "eyJrIjpbInQ6MjAyNy0wMS0wNVQwOTozMDowMCswMDowMCJdLCJsIjoiLi4uIn0.sig",
            }
        )
        page_size = ma.fields.Integer(
            load_default=default_size,
            validate=ma.validate.Range(min=1, max=max_size),
            metadata={"description": f"Items per page (1 to {max_size})."},
        )
        count = ma.fields.String(
            validate=ma.validate.OneOf(["exact"]),
            metadata={
                "description": "`exact`: also count the whole list (not only this page) into "
                f"`total`, counting at most {COUNT_CAP:,} rows (`total_capped` says when there "
                "are more). Lists are not counted otherwise.",
            },
        )
        page = ma.fields.Integer(
            validate=ma.validate.Range(min=1),
            metadata={
                "deprecated": True,
                "description": "Deprecated: a page number (offset paging with the old "
                "`X-Pagination` totals, counted in full every time). Use `cursor`. Not with "
                "`cursor`.",
            },
        )

    return PaginationArgumentsSchema


@dataclass(frozen=True)
class PageRequest:
    page_size: int
    cursor: str | None = None
    count: bool = False
    page: int | None = None  # deprecated page numbers

    @classmethod
    def of(cls, arguments: Mapping[str, Any]) -> PageRequest:
        if arguments.get("cursor") is not None and arguments.get("page") is not None:
            _bad_cursor("Send cursor or page, not both: cursor pages follow on from one another.")
        return cls(
            page_size=arguments["page_size"],
            cursor=arguments.get("cursor"),
            count=arguments.get("count") == "exact",
            page=arguments.get("page"),
        )


class PaginationMetadataSchema(ma.Schema):
    """The X-Pagination header (JSON): has_more and next_cursor; total only with count=exact.

    Under the deprecated `page` parameter it carries the page numbers and totals instead."""

    class Meta:
        ordered = True

    page_size = ma.fields.Integer(metadata={"description": "Items per page.", "example": 20})
    has_more = ma.fields.Boolean(
        metadata={"description": "Whether a page follows this one.", "example": True}
    )
    next_cursor = ma.fields.String(
        metadata={
            "description": "The `cursor` of the next page (only when has_more).",
            "example": "eyJrIjpbInQ6MjAyNy0wMS0wNVQwOTozMDowMCswMDowMCJdLCJsIjoiLi4uIn0.sig",
        }
    )
    total = ma.fields.Integer(
        metadata={
            "description": "With count=exact: how many items the whole list holds, counted up "
            f"to {COUNT_CAP:,} (see total_capped). With page: the exact total.",
            "example": 57,
        }
    )
    total_capped = ma.fields.Boolean(
        metadata={
            "description": f"With count=exact: true when the list holds more than {COUNT_CAP:,} "
            'items and counting stopped there (read total as "10000+").',
            "example": False,
        }
    )
    total_pages = ma.fields.Integer(metadata={"description": "With page (deprecated)."})
    first_page = ma.fields.Integer(metadata={"description": "With page (deprecated)."})
    last_page = ma.fields.Integer(metadata={"description": "With page (deprecated)."})
    page = ma.fields.Integer(metadata={"description": "With page (deprecated)."})
    previous_page = ma.fields.Integer(metadata={"description": "With page (deprecated)."})
    next_page = ma.fields.Integer(metadata={"description": "With page (deprecated)."})


# `content`, not `schema`: the value is a JSON object, where a header's `schema` would mean
# OpenAPI's `simple` style (page_size,20,has_more,true).
METADATA_HEADER = {
    "description": "Pagination metadata, as JSON (no count unless count=exact).",
    "content": {"application/json": {"schema": PaginationMetadataSchema}},
}
LINK_HEADER = {
    "description": 'RFC 8288 links: rel="next" is the next page\'s URL (same filters and '
    "page_size, the next cursor); absent on the last page.",
    "schema": {"type": "string"},
    "example": "<https://consortium.example.org/api/v1/people?page_size=20&cursor=eyJr...>; "
    'rel="next"',
}
BAD_CURSOR_EXAMPLE = {
    "bad_cursor": {
        "summary": "A cursor that was altered or came from another list",
        "value": {
            "type": "about:blank",
            "title": "Bad Request",
            "status": 400,
            "detail": "The request has invalid fields: cursor",
            "errors": [
                {
                    "location": "query",
                    "field": "cursor",
                    "detail": "This cursor was not issued by this API, or was altered or cut "
                    "short. Start again without cursor, or follow the Link header's next URL.",
                }
            ],
        },
    }
}


@dataclass(frozen=True)
class Paged:
    """One page: its items, the X-Pagination metadata and the Link header (if any)."""

    items: list[Any]
    metadata: dict[str, Any]
    link: str | None = None


# --- the pagers ----------------------------------------------------------------------------------


def page_select(
    statement: Select[Any], page: PageRequest, *, present: Presenter | None = None
) -> Paged:
    """Page a Select ordered by columns ending with its primary key, all one direction."""
    from consortium.extensions import db

    if page.page is not None:
        first = (page.page - 1) * page.page_size
        rows: list[Any] = []
        if first <= MAX_SQL_OFFSET:  # past any row beyond it; SQL would overflow (500)
            rows = list(db.session.scalars(statement.offset(first).limit(page.page_size)))
        total, _ = _count(statement, cap=None)
        return Paged(_present(present, rows), _page_numbers(page, total))

    columns, descending = order_of(statement)
    scope = _scope(",".join(f"{c}{' desc' if descending else ''}" for c in columns))
    keyed = statement.add_columns(*columns)  # each row: the item, then its key
    if page.cursor is not None:
        after = _read_cursor(page.cursor, scope=scope, size=len(columns))
        bound = tuple_(*(literal(v, type_=c.type) for v, c in zip(after, columns, strict=True)))
        key = tuple_(*columns)
        keyed = keyed.where(key < bound if descending else key > bound)
    found = db.session.execute(keyed.limit(page.page_size + 1)).all()
    has_more = len(found) > page.page_size
    found = found[: page.page_size]
    cursor = _make_cursor(tuple(found[-1])[1:], scope=scope) if has_more else None
    metadata = _metadata(page, has_more, cursor)
    if page.count:
        metadata["total"], metadata["total_capped"] = _count(statement, cap=COUNT_CAP)
    return Paged(_present(present, [row[0] for row in found]), metadata, _next_link(page, cursor))


def page_list(
    items: Iterable[Any],
    page: PageRequest,
    *,
    key: Callable[[Any], tuple[Any, ...]],
    present: Presenter | None = None,
) -> Paged:
    """Page a list a service has built, in the order of `key` (unique per item)."""
    ordered = sorted(items, key=key)
    if page.page is not None:
        first = (page.page - 1) * page.page_size
        rows = ordered[first : first + page.page_size]
        return Paged(_present(present, rows), _page_numbers(page, len(ordered)))

    scope = _scope("list")
    start = 0
    if page.cursor is not None:
        after = _read_cursor(page.cursor, scope=scope, size=None)
        try:
            start = bisect.bisect_right(ordered, tuple(after), key=key)
        except TypeError:  # a key of other types: issued before the list's order changed
            _bad_cursor(_FOREIGN)
    rows = ordered[start : start + page.page_size]
    has_more = start + page.page_size < len(ordered)
    cursor = _make_cursor(key(rows[-1]), scope=scope) if has_more else None
    metadata = _metadata(page, has_more, cursor)
    if page.count:
        metadata["total"] = min(len(ordered), COUNT_CAP)
        metadata["total_capped"] = len(ordered) > COUNT_CAP
    return Paged(_present(present, rows), metadata, _next_link(page, cursor))


def order_of(statement: Select[Any]) -> tuple[list[ColumnElement[Any]], bool]:
    """The Select's ORDER BY columns and whether they descend; refused (TypeError) unless they
    are not null, all one direction and end with a primary key, as a keyset needs."""
    columns: list[ColumnElement[Any]] = []
    directions: set[bool] = set()
    # Select has no public accessor for its ORDER BY (SQLAlchemy 2.x); read here only.
    for clause in statement._order_by_clauses:
        column = clause
        if isinstance(clause, UnaryExpression):
            if clause.modifier not in (operators.asc_op, operators.desc_op):
                raise TypeError(f"A paginated list cannot order by {clause} (NULLS FIRST/LAST).")
            column = clause.element
        directions.add(isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op)
        if getattr(column, "nullable", False):
            raise TypeError(f"A paginated list cannot order by {column}: it may be null.")
        columns.append(column)
    if not columns or len(directions) != 1 or not getattr(columns[-1], "primary_key", False):
        raise TypeError(
            "A paginated list must be ordered by columns ending with its primary key, all "
            f"ascending or all descending (got {[str(c) for c in statement._order_by_clauses]})."
        )
    return columns, directions.pop()


# --- cursors ---------------------------------------------------------------------------------------

_NOT_OURS = (
    "This cursor was not issued by this API, or was altered or cut short. Start again without "
    "cursor, or follow the Link header's next URL."
)
_FOREIGN = (
    "This cursor belongs to another list (another path, filters or caller, or an earlier order "
    "of this list). Start again without cursor, or follow the Link header's next URL."
)

# A key's values as tagged text, so a cursor reads back the types it was made of.
_ENCODERS: tuple[tuple[type, str, Callable[[Any], str]], ...] = (
    (bool, "b", lambda v: "1" if v else "0"),
    (int, "i", str),
    (datetime, "t", datetime.isoformat),
    (date, "d", date.isoformat),
    (uuid.UUID, "u", lambda v: v.hex),
    (str, "s", str),
)
_DECODERS: dict[str, Callable[[str], Any]] = {
    "b": lambda s: {"1": True, "0": False}[s],
    "i": int,
    "t": datetime.fromisoformat,
    "d": date.fromisoformat,
    "u": uuid.UUID,
    "s": str,
}


def _encode(value: Any) -> str:
    for kind, tag, encode in _ENCODERS:  # bool before int, datetime before date
        if isinstance(value, kind):
            return f"{tag}:{encode(value)}"
    raise TypeError(f"A cursor cannot hold a {type(value).__name__} ({value!r}).")


def _decode(text: Any) -> Any:
    tag, _, value = text.partition(":") if isinstance(text, str) else ("", "", "")
    return _DECODERS[tag](value)


def _serializer() -> URLSafeSerializer:
    # itsdangerous signs with the last key and accepts any: a SECRET_KEY rotation (with the old
    # key kept in SECRET_KEY_PREVIOUS) does not end cursors in flight.
    return URLSafeSerializer(list(reversed(security.secret_keys())), salt=_SALT)


def _scope(order: str) -> str:
    """What a cursor is bound to: this list (path and filters), the caller and the order."""
    filters = sorted(
        (name, value)
        for name, value in request.args.items(multi=True)
        if name not in PAGING_ARGUMENTS
    )
    described = json.dumps([request.path, filters, tenancy.current().key, order])
    return hashlib.sha256(described.encode()).hexdigest()[:24]


def _make_cursor(key: Sequence[Any], *, scope: str) -> str:
    return str(_serializer().dumps({"k": [_encode(v) for v in key], "l": scope}))


def _read_cursor(cursor: str, *, scope: str, size: int | None) -> list[Any]:
    """The key a cursor holds; a 400 naming `cursor` for anything this list did not issue."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        _bad_cursor(_NOT_OURS)
    try:
        payload = _serializer().loads(cursor)
    except BadSignature:
        _bad_cursor(_NOT_OURS)
    if not isinstance(payload, dict) or payload.get("l") != scope:
        _bad_cursor(_FOREIGN)
    values = payload.get("k")
    if not isinstance(values, list) or (size is not None and len(values) != size):
        _bad_cursor(_FOREIGN)
    try:
        return [_decode(v) for v in values]
    except (KeyError, ValueError):
        _bad_cursor(_FOREIGN)


def _bad_cursor(detail: str) -> NoReturn:
    error = BadRequest()
    # Named as webargs names invalid parameters (Api.handle_http_exception reads `data`).
    error.data = {"messages": {"query": {"cursor": [detail]}}}  # type: ignore[attr-defined]
    raise error


# --- metadata ----------------------------------------------------------------------------------


def _present(present: Presenter | None, rows: list[Any]) -> list[Any]:
    return present(rows) if present is not None else rows


def _metadata(page: PageRequest, has_more: bool, cursor: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"page_size": page.page_size, "has_more": has_more}
    if cursor is not None:
        metadata["next_cursor"] = cursor
    return metadata


def _page_numbers(page: PageRequest, total: int) -> dict[str, Any]:
    """The deprecated page numbers' metadata, exactly as before (flask-smorest's)."""
    assert page.page is not None
    return dict(PaginationMixin._make_pagination_metadata(page.page, page.page_size, total))


def _next_link(page: PageRequest, cursor: str | None) -> str | None:
    """The Link header: the next page's absolute URL, this page's filters and size kept (a count
    is not carried on: ask again for a recount)."""
    if cursor is None:
        return None
    query = [
        (name, value)
        for name, value in request.args.items(multi=True)
        if name not in PAGING_ARGUMENTS
    ] + [("page_size", str(page.page_size)), ("cursor", cursor)]
    base = current_app.config["SETTINGS"].public_base_url.rstrip("/")
    return f'<{base}{request.path}?{urlencode(query)}>; rel="next"'


def _count(statement: Select[Any], *, cap: int | None) -> tuple[int, bool]:
    """How many rows the list holds (up to `cap` + 1 read), and whether there were more."""
    from consortium.extensions import db

    rows = statement.order_by(None)
    if cap is not None:
        rows = rows.limit(cap + 1)
    total = int(db.session.scalar(select(func.count()).select_from(rows.subquery())) or 0)
    if cap is not None and total > cap:
        return cap, True
    return total, False
