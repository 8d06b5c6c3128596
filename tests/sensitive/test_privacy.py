"""Values stay private: never logged, never exported, encrypted at rest, hidden by RLS.

The RLS tests connect with the application's runtime role directly (no Flask, no ORM hook):
only the PostgreSQL policies stand between a person's rows and anyone else.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from consortium.core.security import decrypt
from tests.oidc import SessionClient
from tests.sensitive.conftest import Network, add_application, put_attributes

ATTRIBUTES_URL = "/api/v1/me/sensitive-attributes"
SET = "SELECT set_config(:name, :value, true)"
# Values chosen to be unlikely anywhere else in a log line or a document.
DECLARED = {"ethnicity": "mixed", "disability": True, "returning_from_parental_leave": False}
TELL_TALES = ("mixed", "ethnicity", "disability", "returning_from_parental_leave", "parental")


def _record_text(record: logging.LogRecord) -> str:
    return " ".join([record.getMessage(), repr(record.args), repr(vars(record))])


def test_values_never_reach_the_logs(
    app: Flask,
    network: Network,
    pat: tuple[SessionClient, dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    browser, person = pat
    programme_id = network.programme("Coaching for All", positive_action=None)
    add_application(app, programme_id, person)
    caplog.set_level(logging.DEBUG)
    # Every SQL statement and its parameters too: only ciphertext may pass through SQL.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    caplog.clear()

    assert put_attributes(browser, DECLARED).status_code == 200
    assert browser.get(ATTRIBUTES_URL).get_json()["ethnicity"] == "mixed"
    refused = put_attributes(browser, {"ethnicity": "martian-mixed"})
    assert refused.status_code == 422
    report = network.coordinator.get(f"/api/v1/reports/programmes/{programme_id}/equality")
    assert report.status_code == 200
    assert browser.delete(ATTRIBUTES_URL).status_code == 204

    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    for record in caplog.records:
        logged = _record_text(record)
        for word in TELL_TALES:
            assert word not in logged, (word, record.getMessage())


def test_values_never_reach_the_organisation_export(
    network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, person = pat
    assert put_attributes(browser, DECLARED).status_code == 200
    programme_id = network.programme()
    assert (
        browser.post("/api/v1/me/consents", json={"programme_id": programme_id}).status_code == 201
    )

    api = network.a.api
    started = api.post(f"/api/v1/organisations/{network.a.id}/exports")
    assert started.status_code == 202, started.get_json()
    job = api.get(f"/api/v1/jobs/{started.get_json()['id']}").get_json()
    assert job["status"] == "succeeded", job
    exported = json.dumps(job["result"])
    assert person["id"] in exported  # the person is exported ...
    for word in (*TELL_TALES, "consent", "I agree"):
        assert word not in exported, word  # ... but nothing special-category about them


def test_values_are_encrypted_at_rest(
    app: Flask, owner_engine: Engine, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, person = pat
    assert put_attributes(browser, DECLARED).status_code == 200
    with owner_engine.connect() as c:
        rows = (
            c.execute(
                text("SELECT * FROM sensitive_attributes WHERE person_id = :p"), {"p": person["id"]}
            )
            .mappings()
            .all()
        )
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0].values())
    for word in (*TELL_TALES, "true", "false"):
        assert word not in stored.lower(), word
    # It is the real thing, not a stand-in: the app's key opens it.
    with app.app_context():
        assert json.loads(decrypt(rows[0]["ciphertext"])) == DECLARED


# --- row-level security with the runtime role -------------------------------------------------


@pytest.fixture
def runtime_engine(runtime_url: str) -> Iterator[Engine]:
    engine = create_engine(runtime_url)
    yield engine
    engine.dispose()


def _as(c: Connection, **settings: str) -> None:
    for name, value in settings.items():
        c.execute(text(SET), {"name": f"app.{name}", "value": value})


def _counts(c: Connection) -> tuple[int, int]:
    attributes = c.execute(text("SELECT count(*) FROM sensitive_attributes")).scalar_one()
    consents = c.execute(text("SELECT count(*) FROM consents")).scalar_one()
    return int(attributes), int(consents)


def test_only_the_person_sees_their_rows_in_the_database(
    runtime_engine: Engine, network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    browser, person = pat
    assert put_attributes(browser, DECLARED).status_code == 200
    programme_id = network.programme()
    assert (
        browser.post("/api/v1/me/consents", json={"programme_id": programme_id}).status_code == 201
    )
    _colleague_browser, colleague = network.sign_in("cal.colleague@alpha-trust.example.org")
    _admin_browser, admin = network.sign_in("ada.admin@alpha-trust.example.org", org_admin=True)
    organisation = network.a.id
    consortium = network.consortium["id"]

    with runtime_engine.begin() as c:
        _as(c, organisation_id=organisation, person_id=person["id"], consortium_ids=consortium)
        assert _counts(c) == (1, 1)
    for other in (colleague, admin):  # same organisation, another person (an admin too)
        with runtime_engine.begin() as c:
            _as(c, organisation_id=organisation, person_id=other["id"], consortium_ids=consortium)
            assert _counts(c) == (0, 0)
            by_id = c.execute(
                text("SELECT count(*) FROM sensitive_attributes WHERE person_id = :p"),
                {"p": person["id"]},
            ).scalar_one()
            assert by_id == 0
    # The organisation as a whole (its API client, its jobs) and a coordinator see nothing.
    with runtime_engine.begin() as c:
        _as(c, organisation_id=organisation, consortium_ids=consortium, coordinated_ids=consortium)
        assert _counts(c) == (0, 0)
    with runtime_engine.begin() as c:
        assert _counts(c) == (0, 0)
    # Only an explicit all_tenants (the system's aggregate report) reads across.
    with runtime_engine.begin() as c:
        _as(c, all_tenants="on")
        assert _counts(c) == (1, 1)


def test_another_person_cannot_write_or_erase_the_rows(
    runtime_engine: Engine, network: Network, pat: tuple[SessionClient, dict[str, Any]]
) -> None:
    from sqlalchemy.exc import DBAPIError

    browser, person = pat
    assert put_attributes(browser, DECLARED).status_code == 200
    _, colleague = network.sign_in("cal.colleague@alpha-trust.example.org")
    with runtime_engine.begin() as c:
        _as(c, organisation_id=network.a.id, person_id=colleague["id"])
        assert c.execute(text("UPDATE sensitive_attributes SET ciphertext = 'x'")).rowcount == 0
        assert c.execute(text("DELETE FROM sensitive_attributes")).rowcount == 0
    with pytest.raises(DBAPIError, match="row-level security"), runtime_engine.begin() as c:
        _as(c, organisation_id=network.a.id, person_id=colleague["id"])
        c.execute(
            text(
                "INSERT INTO sensitive_attributes (id, organisation_id, person_id, ciphertext,"
                " created_at, updated_at) VALUES (:id, :o, :p, 'x', now(), now())"
            ),
            {"id": str(uuid.uuid4()), "o": network.a.id, "p": person["id"]},
        )
    assert browser.get(ATTRIBUTES_URL).get_json()["ethnicity"] == "mixed"
