"""The tenant settings a transaction receives: all of them in one statement, sent again only
when a change of principal changes them, and never assumed across a savepoint.

Each test reads back what the database holds (current_setting), not only what was sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, text

from consortium.core import tenancy
from consortium.core.tenancy import Principal
from consortium.extensions import db

ORG_A, ORG_B = uuid.uuid4(), uuid.uuid4()


def _client(organisation_id: uuid.UUID, name: str = "a client") -> Principal:
    return Principal(kind="client", id=uuid.uuid4(), organisation_id=organisation_id, name=name)


@contextmanager
def settings_sent() -> Iterator[list[str]]:
    sent: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if "set_config" in sql:
            sent.append(sql)

    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)


def _organisation_setting() -> str:
    return str(db.session.scalar(text("SELECT current_setting('app.organisation_id', true)")))


def test_every_setting_goes_in_one_statement_when_the_transaction_begins(app: Flask) -> None:
    with app.app_context(), settings_sent() as sent, tenancy.acting_as(_client(ORG_A)):
        assert _organisation_setting() == str(ORG_A)
        assert len(sent) == 1
        assert all(f"'{name}'" in sent[0] for name in tenancy.rls_settings(_client(ORG_A)))
        db.session.rollback()


def test_a_principal_with_the_same_settings_sends_nothing(app: Flask) -> None:
    with app.app_context(), settings_sent() as sent, tenancy.acting_as(_client(ORG_A)):
        _organisation_setting()
        with tenancy.acting_as(_client(ORG_A, name="another client of the same organisation")):
            assert _organisation_setting() == str(ORG_A)
        assert _organisation_setting() == str(ORG_A)
        assert len(sent) == 1
        db.session.rollback()


def test_a_principal_with_other_settings_sends_them_and_the_old_ones_on_the_way_back(
    app: Flask,
) -> None:
    with app.app_context(), settings_sent() as sent, tenancy.acting_as(_client(ORG_A)):
        _organisation_setting()
        with tenancy.acting_as(_client(ORG_B)):
            assert _organisation_setting() == str(ORG_B)
            with tenancy.all_tenants():
                assert db.session.scalar(text("SELECT current_setting('app.all_tenants')")) == "on"
        assert _organisation_setting() == str(ORG_A)
        assert len(sent) == 5  # A at the start; B, all, B again, A again on the way back
        db.session.rollback()


def test_a_new_transaction_gets_the_settings_afresh(app: Flask) -> None:
    with app.app_context(), settings_sent() as sent, tenancy.acting_as(_client(ORG_A)):
        _organisation_setting()
        db.session.commit()
        assert _organisation_setting() == str(ORG_A)  # SET LOCAL ended with the last one
        assert len(sent) == 2
        db.session.rollback()


def test_a_rolled_back_savepoint_leaves_nothing_assumed(app: Flask) -> None:
    """A savepoint rolled back takes the settings changed inside it with it: switching back
    to the principal of before must send its settings again, not trust a record of them."""
    with app.app_context(), settings_sent() as sent, tenancy.acting_as(_client(ORG_A)):
        _organisation_setting()
        savepoint = db.session.begin_nested()
        assert len(sent) == 1  # a savepoint inherits its transaction's settings
        tenancy.set_principal(_client(ORG_B))
        assert _organisation_setting() == str(ORG_B)
        savepoint.rollback()
        tenancy.set_principal(_client(ORG_B))
        assert _organisation_setting() == str(ORG_B)
        assert len(sent) == 3
        db.session.rollback()
