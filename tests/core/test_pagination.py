"""core.pagination's dense parts: a cursor's values read back as the types they were, and only
an order a keyset can follow is accepted (the HTTP behaviour is in tests/api/test_pagination.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from consortium.audit.models import AuditEvent
from consortium.core import pagination
from consortium.people.models import Person


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        0,
        -7,
        2**40,
        "Beta: Police",  # the tag's separator inside the value
        "",
        uuid.UUID("00000000-0000-4000-8000-000000000001"),
        date(2027, 1, 4),
        datetime(2027, 1, 4, 9, 30, 0, 123456, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 30, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_a_key_value_reads_back_as_it_was(value: object) -> None:
    read = pagination._decode(pagination._encode(value))
    assert read == value and type(read) is type(value)


def test_a_value_a_cursor_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError):
        pagination._encode(1.5)
    with pytest.raises(KeyError):
        pagination._decode("x:1")  # an unknown tag: the caller answers 400


def test_an_order_ending_with_the_primary_key_in_one_direction_is_a_keyset() -> None:
    columns, descending = pagination.order_of(select(Person).order_by(Person.created_at, Person.id))
    assert [c.key for c in columns] == ["created_at", "id"] and descending is False
    newest = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    assert pagination.order_of(newest)[1] is True


@pytest.mark.parametrize(
    "order",
    [
        (),  # unordered
        (Person.created_at,),  # ties would repeat or skip rows
        (Person.id, Person.created_at),  # the primary key not last
        (Person.created_at.desc(), Person.id),  # two directions
        (Person.job_title, Person.id),  # may be null: a row comparison skips nulls
        (Person.created_at.desc().nulls_last(), Person.id.desc()),
    ],
)
def test_an_order_a_keyset_cannot_follow_is_refused(order: tuple[object, ...]) -> None:
    with pytest.raises(TypeError):
        pagination.order_of(select(Person).order_by(*order))


def test_a_cursor_survives_a_secret_key_rotation_that_keeps_the_old_key() -> None:
    from flask import Flask

    old, new = "o" * 40, "n" * 40
    app = Flask(__name__)
    app.config.update(SECRET_KEY=old)
    with app.test_request_context("/api/v1/people"):
        cursor = pagination._serializer().dumps({"k": ["i:1"]})
    app.config.update(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old])
    with app.test_request_context("/api/v1/people"):
        assert pagination._serializer().loads(cursor) == {"k": ["i:1"]}
        fresh = pagination._serializer().dumps({"k": ["i:1"]})
    app.config.update(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[])
    with app.test_request_context("/api/v1/people"):
        assert pagination._serializer().loads(fresh) == {"k": ["i:1"]}  # signed with the new key
        with pytest.raises(pagination.BadSignature):
            pagination._serializer().loads(cursor)  # the old key dropped: the cursor ends
