"""The bare endpoints bench/http.py compares the API with: a plain Flask app reading one page
of a table with SQLAlchemy Core and dumping it with marshmallow, and writing a booking.

    BARE_DATABASE_URL=postgresql+psycopg://consortium_app@127.0.0.1:5432/DB \
        gunicorn -w 2 'bench.bare:app'
    GET /people?organisation_id=UUID&page=N&page_size=20            (also /mentor_profiles, /matches)
    POST /sessions?organisation_id=UUID&person_id=UUID  {"match_id", "start", "end", "mode"}

A list reads what the API's list reads (the same table, columns, order and page, as the same
non-owner role under the same row-level security policies, the tenant set with set_config in
the transaction); a booking writes what the API's booking writes (the session and its two
attendees, whose overlap the database refuses), after reading the pairing. None of the
project's machinery: no authentication, no ORM tenancy hook, no count, no availability check,
no events. It imports nothing of `consortium`, whose ORM hooks would apply.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask import Flask, Response, json, request
from sqlalchemy import MetaData, Table, create_engine, insert, select, text, types

engine = create_engine(os.environ["BARE_DATABASE_URL"], pool_size=5, max_overflow=10)
LISTS = ("people", "mentor_profiles", "matches")
metadata = MetaData()
tables = {
    name: Table(name, metadata, autoload_with=engine)
    for name in (*LISTS, "mentoring_sessions", "session_attendees")
}


def _field(column: Any) -> ma.fields.Field:
    """The marshmallow field for a column, by its type (as a hand-written schema would have)."""
    kind = column.type
    if isinstance(kind, types.Uuid):
        field: ma.fields.Field = ma.fields.UUID(allow_none=True)
    elif isinstance(kind, types.DateTime):
        field = ma.fields.AwareDateTime(allow_none=True)
    elif isinstance(kind, types.Date):
        field = ma.fields.Date(allow_none=True)
    elif isinstance(kind, types.Boolean):
        field = ma.fields.Boolean(allow_none=True)
    elif isinstance(kind, types.Integer):
        field = ma.fields.Integer(allow_none=True)
    elif isinstance(kind, types.Float | types.Numeric):
        field = ma.fields.Float(allow_none=True)
    elif isinstance(kind, types.JSON):
        field = ma.fields.Raw(allow_none=True)
    else:
        field = ma.fields.String(allow_none=True)
    return field


schemas = {
    name: ma.Schema.from_dict({c.name: _field(c) for c in table.columns})(many=True)
    for name, table in tables.items()
}


class BookingSchema(ma.Schema):
    match_id = ma.fields.UUID(required=True)
    start = ma.fields.AwareDateTime(required=True)
    end = ma.fields.AwareDateTime(required=True)
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(("virtual", "in_person")))


booking = BookingSchema()
app = Flask(__name__)
TENANT = text(
    "SELECT set_config('app.organisation_id', :org, true),"
    " set_config('app.person_id', :person, true)"
)


def _tenant(connection: Any) -> None:
    connection.execute(
        TENANT,
        {"org": request.args["organisation_id"], "person": request.args.get("person_id", "")},
    )


@app.get("/<any(people, mentor_profiles, matches):name>")
def list_rows(name: str) -> Any:
    table = tables[name]
    page = max(int(request.args.get("page", 1)), 1)
    page_size = min(max(int(request.args.get("page_size", 20)), 1), 100)
    statement = select(table).order_by(table.c.created_at, table.c.id)
    if name == "people":
        statement = statement.where(table.c.organisation_id == request.args["organisation_id"])
    with engine.connect() as connection:
        _tenant(connection)
        rows = connection.execute(
            statement.limit(page_size).offset((page - 1) * page_size)
        ).mappings()
        body = schemas[name].dump(rows)
        connection.rollback()
    return Response(json.dumps(body), mimetype="application/json")


@app.post("/sessions")
def book() -> Any:
    data = booking.load(request.get_json())
    matches, sessions = tables["matches"], tables["mentoring_sessions"]
    attendees, now = tables["session_attendees"], datetime.now(UTC)
    with engine.begin() as connection:
        _tenant(connection)
        match = (
            connection.execute(
                select(matches).where(matches.c.id == data["match_id"]).with_for_update()
            )
            .mappings()
            .one()
        )
        pair = {k: match[k] for k in ("consortium_id", "mentor_organisation_id",
                                      "mentee_organisation_id")}  # fmt: skip
        start, end = data["start"].astimezone(UTC), data["end"].astimezone(UTC)
        row = {
            "id": uuid.uuid4(), **pair, "match_id": match["id"], "mentee_id": match["mentee_id"],
            "mentor_person_id": match["mentor_person_id"],
            "mentor_profile_id": match["mentor_profile_id"], "starts_at": start, "ends_at": end,
            "status": "scheduled", "mode": data["mode"], "sequence": 0, "booked_by": "bare",
            "late_cancellation": False, "created_at": now, "updated_at": now,
        }  # fmt: skip
        connection.execute(insert(sessions), [row])
        connection.execute(
            insert(attendees),
            [
                {
                    "id": uuid.uuid4(),
                    **pair,
                    "session_id": row["id"],
                    "person_id": person,
                    "role": role,
                    "starts_at": start,
                    "ends_at": end,
                    "live": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for role, person in sorted(
                    (("mentor", match["mentor_person_id"]), ("mentee", match["mentee_id"])),
                    key=lambda p: str(p[1]),
                )
            ],
        )
        body = schemas["mentoring_sessions"].dump([row])[0]
    return Response(json.dumps(body), status=201, mimetype="application/json")
