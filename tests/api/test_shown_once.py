"""A secret shown once (a new API client's client_secret) is stored nowhere in plaintext, and a
repeated Idempotency-Key does not show it again: the repeat is refused, naming what was made."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from consortium.core.api import Blueprint
from tests.api.helpers import assert_problem, row_counts
from tests.conftest import ApiClient, fetch_token

NEW_CLIENT = {"name": "ESR nightly feed", "scopes": ["people:read"]}


def _tables_holding(engine: Engine, needle: str) -> dict[str, list[str]]:
    """Every table and column of the public schema (information_schema), each value cast to
    text, that contains `needle`: {table: [columns]}. Read as the superuser: RLS hides none."""
    with engine.connect() as c:
        columns = c.execute(
            text(
                "SELECT c.table_name, c.column_name FROM information_schema.columns c "
                "JOIN information_schema.tables t USING (table_schema, table_name) "
                "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
                "ORDER BY c.table_name, c.ordinal_position"
            )
        ).all()
        assert {"api_clients", "idempotency_keys", "audit_events", "jobs"} <= {
            table for table, _ in columns
        }
        found: dict[str, list[str]] = {}
        for table, column in columns:
            hits = c.execute(
                text(
                    f'SELECT count(*) FROM "{table}" '
                    f'WHERE strpos(CAST("{column}" AS text), :needle) > 0'
                ),
                {"needle": needle},
            ).scalar_one()
            if hits:
                found.setdefault(table, []).append(column)
    return found


@pytest.fixture
def created(platform: Any, tenant_a: Any) -> tuple[dict[str, str], Any]:
    """A client of tenant A created with an Idempotency-Key (by the platform, which may act
    as any org admin): (headers, response)."""
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    response = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients", json=NEW_CLIENT, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return headers, response


def test_the_new_secret_is_nowhere_at_rest(
    created: tuple[dict[str, str], Any], owner_engine: Engine, client: Any
) -> None:
    _, response = created
    issued = response.get_json()
    # The secret shown works...
    assert ApiClient(client, fetch_token(client, issued["client_id"], issued["client_secret"]))
    # ...and no table holds it; the scan does find what is stored (the client's id), in the
    # client's row and in the Idempotency-Key record.
    assert _tables_holding(owner_engine, issued["client_secret"]) == {}
    holding_id = _tables_holding(owner_engine, issued["client_id"])
    assert {"api_clients", "idempotency_keys"} <= set(holding_id), holding_id


def test_a_repeat_with_the_same_key_is_refused_and_names_the_client(
    created: tuple[dict[str, str], Any], platform: Any, tenant_a: Any, owner_engine: Engine
) -> None:
    headers, first = created
    issued = first.get_json()
    before = row_counts(owner_engine)

    again = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients", json=NEW_CLIENT, headers=headers
    )
    body = assert_problem(again, 422, field="Idempotency-Key")
    assert "Idempotent-Replayed" not in again.headers
    assert issued["client_id"] in body["detail"] and issued["id"] in body["detail"]
    assert "client_secret" in body["detail"]
    assert issued["client_secret"] not in again.get_data(as_text=True)
    assert row_counts(owner_engine) == before  # not created again

    listed = platform.get(f"/api/v1/organisations/{tenant_a.id}/api-clients").get_json()
    assert [c["client_id"] for c in listed if c["name"] == NEW_CLIENT["name"]] == [
        issued["client_id"]
    ]

    # Another body with the key is refused as before; a new key creates a new client.
    other = {**NEW_CLIENT, "name": "another feed"}
    assert_problem(
        platform.post(
            f"/api/v1/organisations/{tenant_a.id}/api-clients", json=other, headers=headers
        ),
        422,
        field="Idempotency-Key",
    )
    fresh = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients",
        json=NEW_CLIENT,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert fresh.status_code == 201
    assert fresh.get_json()["client_secret"] not in {issued["client_secret"], None}


def test_operations_without_a_shown_once_field_still_replay(tenant_a: Any) -> None:
    """The control: the same header on a person's creation replays the first response."""
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    person = {"given_name": "Ada", "family_name": "King", "email": "ada@alpha-trust.example.org"}
    first = tenant_a.api.post("/api/v1/people", json=person, headers=headers)
    again = tenant_a.api.post("/api/v1/people", json=person, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()


def test_the_spec_says_the_repeat_is_refused(app: Any) -> None:
    from consortium.extensions import api

    with app.app_context():
        paths = api.spec.to_dict()["paths"]
    issue = paths["/api/v1/organisations/{organisation_id}/api-clients"]["post"]
    (key,) = [p for p in issue["parameters"] if p["name"] == "Idempotency-Key"]
    assert "refused (422" in key["description"] and "client_secret" in key["description"]
    (person_key,) = [p for p in paths["/api/v1/people"]["post"]["parameters"]]
    assert "returns the first response" in person_key["description"]


def test_idempotent_must_see_the_response_schema() -> None:
    """Below @response it could not see a shown-once field, so it refuses to be put there."""
    blp = Blueprint("probe", __name__)

    def view() -> None:
        """A view."""

    with pytest.raises(TypeError, match="above @response"):
        blp.idempotent(view)
