"""Concerns and no-fault endings, built on the pairing tests' world (tests/matches/conftest.py):
Mona (tenant_a) mentors Gail (gamma) in a programme of alpha-network, coordinated by Cora
(delta); the sessions tests' `sw` makes that pairing active with Mona's availability.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    act_ok,
    delta,
    gamma,
    match_url,
    pool,
    world,
)
from tests.sessions.conftest import sw  # noqa: F401 - a fixture used by these tests

DETAILS = "He keeps cancelling at the last minute and was rude about my team."


def concerns_url(match: dict[str, Any] | str) -> str:
    return match_url(match, "/concerns")


def queue_url(mw: MatchWorld) -> str:
    return f"/api/v1/consortia/{mw.network_id}/concerns"


def concern_url(mw: MatchWorld, concern: dict[str, Any] | str, action: str = "") -> str:
    concern_id = concern if isinstance(concern, str) else concern["id"]
    return f"{queue_url(mw)}/{concern_id}" + (f"/{action}" if action else "")


def active(mw: MatchWorld) -> dict[str, Any]:
    match = mw.proposal()
    act_ok(mw.coordinator, match, "approve")
    act_ok(mw.mentee, match, "accept")
    return dict(act_ok(mw.mentor, match, "accept"))


def raise_concern(
    caller: Any, match: dict[str, Any], kind: str = "conduct", details: str = DETAILS
) -> dict[str, Any]:
    response = caller.post(concerns_url(match), json={"kind": kind, "details": details})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def concern_act(
    mw: MatchWorld, caller: Any, concern: dict[str, Any], action: str, **body: Any
) -> Any:
    etag = caller.get(concern_url(mw, concern)).headers["ETag"]
    return caller.post(concern_url(mw, concern, action), json=body, headers={"If-Match": etag})


def concern_act_ok(
    mw: MatchWorld, caller: Any, concern: dict[str, Any], action: str, **body: Any
) -> dict[str, Any]:
    response = concern_act(mw, caller, concern, action, **body)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def stored_anywhere_else(owner_engine: Engine, needle: str) -> list[str]:
    """Tables other than concerns and matches whose rows hold `needle` (audit, jobs: mail and
    webhooks, webhook deliveries), read as the owner."""
    found = []
    with owner_engine.connect() as c:
        for table in ("audit_events", "jobs", "webhook_deliveries"):
            count = c.execute(
                text(f"SELECT count(*) FROM {table} t WHERE CAST(row_to_json(t) AS text) LIKE :n"),
                {"n": f"%{needle}%"},
            ).scalar_one()
            if count:
                found.append(table)
    return found
