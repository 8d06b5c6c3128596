"""The reciprocity ledger: each held session books its hours from the mentor's employer to the
mentee's, and GET /api/v1/consortia/{id}/reciprocity shows them per member organisation.

The world (tests/sessions/conftest.py): Mona of tenant_a mentors Gail of gamma, and (second
pair) Dora of delta; tenant_a, gamma and delta are the network's members, tenant_b is not.
"""

from __future__ import annotations

import csv
import io
import struct
import uuid
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from consortium.core import tenancy
from consortium.extensions import db
from consortium.matching.load import load
from consortium.programmes.models import Programme
from tests.api.helpers import assert_problem
from tests.sessions.conftest import SessionWorld, at, post_action, slot, virtual


def ledger_url(sw: SessionWorld, **query: str) -> str:
    url = f"/api/v1/consortia/{sw.world.network_id}/reciprocity"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _hold(sw: SessionWorld, days_ahead: int, minutes: int, match: Any = None, mentee: Any = None):
    session = sw.booked(mentee, match, **slot(days_ahead, 10, minutes=minutes), mode="virtual")
    sw.clock(at(days_ahead, 10, 1))
    response = post_action(sw.mentor, session, "held")
    assert response.status_code == 200, response.get_json()
    return session


def _lines(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["organisation"]["name"]: line for line in body["organisations"]}


def _held_world(sw: SessionWorld) -> None:
    """Mona (tenant_a) gives Gail (gamma) 90 minutes and Dora (delta) 60."""
    _hold(sw, 2, 90)
    second, dora = sw.second_pair()
    _hold(sw, 3, 60, match=second, mentee=dora)


def test_held_sessions_book_their_hours_and_coordinators_see_every_line(
    sw: SessionWorld,
) -> None:
    _held_world(sw)
    # A booked session that was not held books nothing.
    sw.booked(**virtual(6, 12))
    until = (date.today() + timedelta(days=30)).isoformat()
    response = sw.coordinator.get(ledger_url(sw, to=until))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total_hours"] == 2.5
    lines = _lines(body)
    a, gamma, delta = (sw.world.pool.a, sw.world.pool.gamma, sw.world.pool.delta)
    a_name, gamma_name, delta_name = (t.organisation["name"] for t in (a, gamma, delta))
    assert set(lines) == {a_name, gamma_name, delta_name}
    assert lines[a_name] | {"counterparts": None} == {
        "organisation": {"id": a.id, "name": a_name},
        "hours_given": 2.5,
        "hours_received": 0.0,
        "balance": 2.5,
        "member": True,
        "counterparts": None,
    }
    assert lines[gamma_name]["balance"] == -1.5 and lines[delta_name]["balance"] == -1.0
    # The coordinator sees every line by counterpart.
    assert {c["organisation"]["name"]: c["hours_given"] for c in lines[a_name]["counterparts"]} == {
        gamma_name: 1.5,
        delta_name: 1.0,
    }
    assert lines[gamma_name]["counterparts"] == [
        {
            "organisation": {"id": a.id, "name": a_name},
            "hours_given": 0.0,
            "hours_received": 1.5,
            "balance": -1.5,
        }
    ]


def test_an_organisation_sees_its_own_line_in_full_and_the_others_as_totals(
    sw: SessionWorld,
) -> None:
    _held_world(sw)
    until = (date.today() + timedelta(days=30)).isoformat()
    response = sw.world.admin_gamma.get(ledger_url(sw, to=until))
    assert response.status_code == 200, response.get_json()
    lines = _lines(response.get_json())
    gamma_name = sw.world.pool.gamma.organisation["name"]
    delta_name = sw.world.pool.delta.organisation["name"]
    a_name = sw.world.pool.a.organisation["name"]
    assert [c["organisation"]["name"] for c in lines[gamma_name]["counterparts"]] == [a_name]
    assert lines[a_name]["counterparts"] is None and lines[delta_name]["counterparts"] is None
    # Totals only: what tenant_a gave in all, not to whom.
    assert lines[a_name]["hours_given"] == 2.5


def test_who_may_not_read_the_ledger(sw: SessionWorld) -> None:
    # Staff (no admin role) are refused; another consortium's organisation is told nothing.
    assert_problem(sw.mentee.get(ledger_url(sw)), 403)
    outsider = sw.world.person("admin_b", sw.world.pool.b, "Bea", org_admin=True)
    assert_problem(outsider.get(ledger_url(sw)), 404)
    assert_problem(
        sw.world.admin_a.get(
            "/api/v1/consortia/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12 + "/reciprocity"
        ),
        404,
    )


def test_the_period_chooses_the_sessions(sw: SessionWorld) -> None:
    _held_world(sw)
    first_day = (date.today() + timedelta(days=2)).isoformat()
    response = sw.coordinator.get(ledger_url(sw, **{"from": first_day, "to": first_day}))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["total_hours"] == 1.5
    # By default the year to today: sessions dated in the days ahead are not in it yet.
    assert sw.coordinator.get(ledger_url(sw)).get_json()["total_hours"] == 0.0


def test_a_bad_period_is_refused_naming_the_field(sw: SessionWorld) -> None:
    assert_problem(
        sw.coordinator.get(ledger_url(sw, **{"from": "2026-02-01", "to": "2026-01-01"})),
        422,
        field="to",
    )
    assert_problem(sw.coordinator.get(ledger_url(sw, **{"from": "yesterday"})), 422, field="from")


def test_the_ledger_is_append_only_and_names_no_person(
    sw: SessionWorld, owner_engine: Engine, runtime_url: str
) -> None:
    _held_world(sw)
    with owner_engine.connect() as c:
        columns = set(
            c.execute(
                text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = 'reciprocity_entries'"
                )
            ).scalars()
        )
    assert not {c for c in columns if "person" in c or "mentor" in c or "mentee" in c}
    runtime = create_engine(runtime_url)
    with runtime.connect() as c:
        c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        assert c.execute(text("SELECT count(*) FROM reciprocity_entries")).scalar() == 2
        # No policy lets any tenant, the platform's included, change or remove an entry.
        assert c.execute(text("UPDATE reciprocity_entries SET minutes = 1")).rowcount == 0
        assert c.execute(text("DELETE FROM reciprocity_entries")).rowcount == 0
        c.rollback()
    runtime.dispose()


def test_matching_weighs_the_hours_on_the_ledger(sw: SessionWorld) -> None:
    """The balance term reads the ledger: hours tenant_a gave gamma and delta."""
    _held_world(sw)
    pool = sw.world.pool
    with sw.app.app_context(), tenancy.all_tenants():
        programme = db.session.get(Programme, uuid.UUID(sw.world.programme["id"]))
        assert programme is not None
        problem = load(programme)
        db.session.rollback()
    code = {str(o): k for k, o in enumerate(problem.organisation_ids)}
    a, gamma, delta = code[pool.a.id], code[pool.gamma.id], code[pool.delta.id]
    assert problem.lent[a, gamma] == 1.5 and problem.lent[a, delta] == 1.0
    assert problem.lent[gamma, a] == 0 and problem.lent[delta, a] == 0


def test_the_ledger_as_csv_and_as_a_chart_for_a_board_paper(sw: SessionWorld) -> None:
    _held_world(sw)
    until = (date.today() + timedelta(days=30)).isoformat()
    url = ledger_url(sw, to=until)
    response = sw.coordinator.get(url, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith(f'-to-{until}.csv"')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    a_name = sw.world.pool.a.organisation["name"]
    gamma_name = sw.world.pool.gamma.organisation["name"]
    totals = {r["organisation"]: r for r in rows if not r["counterpart"]}
    assert float(totals[a_name]["hours_given"]) == 2.5
    assert float(totals[gamma_name]["balance"]) == -1.5
    to_gamma = [r for r in rows if r["organisation"] == a_name and r["counterpart"] == gamma_name]
    assert [float(r["hours_given"]) for r in to_gamma] == [1.5]

    png = sw.coordinator.get(url, headers={"Accept": "image/png"})
    assert png.status_code == 200 and png.mimetype == "image/png"
    image = png.get_data()
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", image[16:24])  # the IHDR chunk
    assert (width, height) == (800, 450)

    svg = sw.coordinator.get(url, headers={"Accept": "image/svg+xml"})
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(svg.get_data())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.attrib["viewBox"] == "0 0 576 324"  # 8 x 4.5 inches at 72 points each
    assert a_name in svg.get_data(as_text=True)  # the organisations label the bars

    # An organisation's CSV holds no counterpart rows but its own.
    rows = list(
        csv.DictReader(
            io.StringIO(
                sw.world.admin_gamma.get(url, headers={"Accept": "text/csv"}).get_data(as_text=True)
            )
        )
    )
    assert {r["organisation"] for r in rows if r["counterpart"]} == {gamma_name}


def test_a_media_type_the_ledger_is_not_available_in_is_refused(sw: SessionWorld) -> None:
    response = sw.coordinator.get(ledger_url(sw), headers={"Accept": "application/xml"})
    assert_problem(response, 406)
    # A browser's Accept (HTML first, anything after) gets JSON.
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    assert sw.coordinator.get(ledger_url(sw), headers={"Accept": browser}).is_json
