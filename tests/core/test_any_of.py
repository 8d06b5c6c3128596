"""AnyOf: one array parameter on PostgreSQL, IN on SQLite; the same rows either way."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Column, MetaData, Table, Uuid, create_engine, select, text

from consortium.core.db import AnyOf
from tests.conftest import ADMIN_URL, _url

TABLE = Table("any_of_probe", MetaData(), Column("id", Uuid, primary_key=True))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_any_of_finds_the_listed_rows_whatever_the_list(backend: str) -> None:
    url = "sqlite://" if backend == "sqlite" else _url(ADMIN_URL, database="postgres")
    engine = create_engine(url)
    ids = [uuid.uuid4() for _ in range(5)]
    with engine.connect() as c:
        if backend == "sqlite":
            TABLE.create(c)
        else:
            c.execute(text("CREATE TEMP TABLE any_of_probe (id uuid PRIMARY KEY)"))
        c.execute(TABLE.insert(), [{"id": i} for i in ids])
        # The same statement shape with other values each time: the compiled form is cached,
        # so a value baked into it would answer the first list again.
        for wanted in (ids[:2], ids[3:], [], [uuid.uuid4()], ids * 2):
            found = set(c.scalars(select(TABLE.c.id).where(AnyOf(TABLE.c.id, wanted))))
            assert found == set(wanted) & set(ids)
        c.rollback()
    sql = str(select(TABLE.c.id).where(AnyOf(TABLE.c.id, ids)).compile(engine))
    assert ("= ANY(" in sql) == (backend == "postgresql")
    engine.dispose()
