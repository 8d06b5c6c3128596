"""The bare endpoint bench/http.py compares the API with: one page of a tenant's staff records
read with SQLAlchemy Core and dumped with marshmallow, in a plain Flask app.

    BARE_DATABASE_URL=postgresql+psycopg://consortium_app@127.0.0.1:5432/DB \
        gunicorn -w 2 'bench.bare_people:app'
    GET /people?organisation_id=UUID&page=N&page_size=20

It reads what `GET /api/v1/people` reads (the same columns, filter, order and page of the same table,
as the same non-owner role under the same row-level security policies: the tenant set with
set_config in the transaction), with none of the project's machinery: no authentication, no
ORM tenancy hook, no count. It imports nothing of `consortium`, whose ORM hooks would apply.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import marshmallow as ma
from flask import Flask, Response, json, request
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    create_engine,
    select,
    text,
)

people = Table(
    "people",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid),
    Column("given_name", String),
    Column("family_name", String),
    Column("email", String),
    Column("job_title", String),
    Column("profession", String),
    Column("seniority", Integer),
    Column("line_manager_id", Uuid),
    Column("external_id", String),
    Column("status", String),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)


class PersonSchema(ma.Schema):
    id = ma.fields.UUID()
    organisation_id = ma.fields.UUID()
    given_name = ma.fields.String()
    family_name = ma.fields.String()
    email = ma.fields.String()
    job_title = ma.fields.String(allow_none=True)
    profession = ma.fields.String(allow_none=True)
    seniority = ma.fields.Integer(allow_none=True)
    line_manager_id = ma.fields.UUID(allow_none=True)
    external_id = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


schema = PersonSchema(many=True)
engine = create_engine(os.environ["BARE_DATABASE_URL"], pool_size=5, max_overflow=10)
app = Flask(__name__)
TENANT = text("SELECT set_config('app.organisation_id', :org, true)")


@app.get("/people")
def list_people() -> Any:
    organisation_id = uuid.UUID(request.args["organisation_id"])
    page = max(int(request.args.get("page", 1)), 1)
    page_size = min(max(int(request.args.get("page_size", 20)), 1), 100)
    with engine.connect() as connection:
        connection.execute(TENANT, {"org": str(organisation_id)})
        rows = connection.execute(
            select(people)
            .where(people.c.organisation_id == organisation_id)
            .order_by(people.c.created_at, people.c.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).mappings()
        body = schema.dump(rows)
        connection.rollback()
    return Response(json.dumps(body), mimetype="application/json")
