"""The database: engine and request-scoped session, the declarative Base, shared column types."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from flask.globals import app_ctx
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    MetaData,
    String,
    Table,
    TypeDecorator,
    Uuid,
    bindparam,
    create_engine,
    insert,
    literal,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def unstorable(value: Any) -> bool:
    """Whether `value` holds text PostgreSQL cannot store (U+0000, lone surrogates)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return "\x00" in value
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(unstorable(v) for v in value)
    return False


T = TypeVar("T")


def add_once(
    session: Session | scoped_session[Session], row: T, existing: Callable[[], T | None]
) -> tuple[T, bool]:
    """Insert `row` in a savepoint; if a unique index refuses it because a concurrent request
    inserted the same thing first, return that one instead. Returns (row, created)."""
    try:
        with session.begin_nested():
            session.add(row)
        return row, True
    except IntegrityError:
        found = existing()
        if found is None:  # refused for another reason
            raise
        return found, False


def insert_rows(session: Any, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert many rows (every row gives every column) in one statement on PostgreSQL.

    For tens of thousands of rows: an executemany sends a statement per row, and a multi-row
    VALUES list is slow to build; PostgreSQL takes the rows as one JSON document instead
    (INSERT … SELECT FROM jsonb_to_recordset(…)). Other databases get an executemany. No ORM
    events run; row-level security applies as to any INSERT.
    """
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    connection = session.connection()
    if connection.dialect.name != "postgresql" or len(rows) == 1:
        connection.execute(insert(table), rows)
        return
    from psycopg.types.json import Jsonb

    first = rows[0]
    constants: list[Any] = []
    varying: list[Any] = []  # a value shared by every row is sent once, not as an array
    for column in (c for c in table.columns if c.key in first):
        value = first[column.key]
        same = all(r[column.key] == value for r in rows)
        (constants if same else varying).append(column)

    def cast(column: Any) -> str:
        return f"%s::{column.type.compile(dialect=connection.dialect)}"

    def value_of(column: Any, value: Any) -> Any:
        return Jsonb(value) if isinstance(column.type, JSON) else value

    # The varying columns travel as one JSON document of rows (PostgreSQL parses it far faster
    # than the driver adapts tens of thousands of values one by one).
    parameters: list[Any] = [value_of(c, first[c.key]) for c in constants]
    parameters.append(json.dumps([{c.name: r[c.key] for c in varying} for r in rows], default=str))
    names = ", ".join(f'"{c.name}"' for c in (*constants, *varying))
    selected = ", ".join([cast(c) for c in constants] + [f'u."{c.name}"' for c in varying])
    record = ", ".join(f'"{c.name}" {c.type.compile(dialect=connection.dialect)}' for c in varying)
    statement = (
        f'INSERT INTO "{table.name}" ({names}) SELECT {selected} '  # noqa: S608 - model names
        f"FROM jsonb_to_recordset(%s::jsonb) AS u({record})"
    )
    # The session's own connection (same transaction); binary arrays skip text escaping.
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(statement, tuple(parameters), binary=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class JsonArrayContains(ColumnElement[bool]):
    """`value` is an element of the JSON array in `column` (portable: PostgreSQL and SQLite)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("value", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any], value: str) -> None:
        self.column = column
        self.value = literal(value, String())


@compiles(JsonArrayContains, "postgresql")
def _contains_postgresql(element: JsonArrayContains, compiler: Any, **kw: Any) -> str:
    column, value = compiler.process(element.column, **kw), compiler.process(element.value, **kw)
    return f"({column} @> jsonb_build_array(CAST({value} AS text)))"


@compiles(JsonArrayContains)
def _contains_sqlite(element: JsonArrayContains, compiler: Any, **kw: Any) -> str:
    column, value = compiler.process(element.column, **kw), compiler.process(element.value, **kw)
    # Both parts are compiled SQL (a column and a bound parameter), not client text.
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"  # noqa: S608


class AnyOf(ColumnElement[bool]):
    """`column` is one of `values`. On PostgreSQL one array parameter (`= ANY(...)`): a list of
    thousands of ids costs the driver one value, not thousands of placeholders to parse (a
    matching run's load spent half a second there); IN elsewhere."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("array", InternalTraversal.dp_clauseelement),
        ("listed", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any], values: Any) -> None:
        values = list(values)
        self.column = column
        self.array = bindparam(None, values, type_=ARRAY(column.type))
        self.listed = bindparam(None, values, type_=column.type, expanding=True)


@compiles(AnyOf, "postgresql")
def _any_of_postgresql(element: AnyOf, compiler: Any, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.array, **kw)
    return f"({column} = ANY({values}))"


@compiles(AnyOf)
def _any_of_other(element: AnyOf, compiler: Any, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.listed, **kw)
    return f"({column} IN {values})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql"),
        list[str]: JSON().with_variant(JSONB(), "postgresql"),
        list[dict[str, Any]]: JSON().with_variant(JSONB(), "postgresql"),
    }


class Entity:
    """UUID key and created/updated timestamps, shared by every table."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Database:
    """Binds one engine per app and hands out one session per app context."""

    def __init__(self) -> None:
        self.session: scoped_session[Session] = scoped_session(
            self._new_session,  # type: ignore[arg-type]  # any Session factory will do
            scopefunc=_context_key,
        )

    def init_app(self, app: Flask, url: str) -> None:
        app.extensions["consortium.db"] = make_engine(url)
        app.teardown_appcontext(self._remove_session)

    @property
    def engine(self) -> Engine:
        engine: Engine = current_app.extensions["consortium.db"]
        return engine

    def _new_session(self) -> Session:
        return Session(bind=self.engine, expire_on_commit=False, autoflush=True)

    def _remove_session(self, _exc: BaseException | None) -> None:
        self.session.remove()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys on, PostgreSQL a checked pool."""
    if url.startswith("sqlite"):
        from sqlalchemy import event

        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    # PostgreSQL hands JSON back as text for the driver to parse: orjson parses it several
    # times faster than the standard library (bulk reads such as a matching run's load).
    import orjson
    from psycopg.types.json import set_json_loads

    set_json_loads(orjson.loads)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _context_key() -> int:
    # One session per app context (request, CLI command, job); outside one, per thread.
    if has_app_context():
        return id(app_ctx._get_current_object())  # type: ignore[attr-defined]
    import threading

    return threading.get_ident()
