"""Consortium reports over the sessions tests' world (tests/sessions/conftest.py).

`rw` (the reports' world): Mona of tenant_a (capacity 2) mentors Gail of gamma and Dora of
delta in "Leading Across Boundaries"; both pairings are active. Gail's session of 90 minutes
and Dora's of 60 are held. Gail applied 10 days before her pairing was approved, Dora 4 days
before. Cora of delta coordinates the network (tenant_a, gamma, delta); tenant_b is outside.
"""

from __future__ import annotations

import csv
import io
import struct
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.sessions.conftest import (  # noqa: F401 - fixtures used by these tests
    SessionWorld,
    at,
    delta,
    gamma,
    pool,
    post_action,
    slot,
    sw,
    world,
)

KINDS = ("flows", "utilisation", "coach-load", "programme-outcomes", "time-to-match")


@dataclass
class ReportsWorld:
    sw: SessionWorld
    second: dict[str, Any]
    dora: Any

    @property
    def network_id(self) -> str:
        return self.sw.world.network_id

    def url(self, kind: str, suffix: str = "", **query: str) -> str:
        # The period runs to a month ahead: the held sessions are a few days in the future.
        query = {"to": (date.today() + timedelta(days=30)).isoformat(), **query}
        path = f"/api/v1/reports/consortia/{self.network_id}/{kind}{suffix}"
        return path + "?" + "&".join(f"{k}={v}" for k, v in query.items())

    def tenant(self, key: str) -> Any:
        members = self.sw.world.pool
        return {"a": members.a, "gamma": members.gamma, "delta": members.delta}[key]

    def name(self, key: str) -> str:
        return str(self.tenant(key).organisation["name"])


def hold(
    pair: SessionWorld, days_ahead: int, minutes: int, match: Any = None, mentee: Any = None
) -> dict[str, Any]:
    """A session booked by the mentee and marked held by the mentor once it has started."""
    session = pair.booked(mentee, match, **slot(days_ahead, 10, minutes=minutes), mode="virtual")
    pair.clock(at(days_ahead, 10, 1))
    response = post_action(pair.mentor, session, "held")
    assert response.status_code == 200, response.get_json()
    return session


def backdate_application(owner: Engine, match_id: str, days: int) -> None:
    """The pairing's application submitted `days` before its approval (API calls run now)."""
    with owner.begin() as c:
        c.execute(
            text(
                "UPDATE applications SET created_at = m.coordinator_approved_at - make_interval("
                "days => :days) FROM matches m WHERE m.application_id = applications.id"
                " AND m.id = :id"
            ),
            {"id": match_id, "days": days},
        )


@pytest.fixture
def rw(sw: SessionWorld, owner_engine: Engine) -> ReportsWorld:  # noqa: F811
    hold(sw, 2, 90)
    second, dora = sw.second_pair()
    hold(sw, 3, 60, match=second, mentee=dora)
    backdate_application(owner_engine, sw.match["id"], 10)
    backdate_application(owner_engine, second["id"], 4)
    return ReportsWorld(sw, second, dora)


def ok(caller: Any, url: str, accept: str = "application/json") -> Any:
    response = caller.get(url, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == accept
    return response


def csv_rows(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def svg_root(data: bytes) -> str:
    return ElementTree.fromstring(data).tag
