"""The programme's evaluation report: figures, small numbers suppressed, who may read it,
and its CSV and chart forms.

The cohort (`cohort`): six pairings of the network's programme, each held once, rated by
both people, ended and evaluated by both:
- fire (gamma's mentees): Mona → Gail, Mona → a second gamma mentee, Max (tenant_a) → a
  third: 5 people;
- local authority (delta's): Lou (tenant_a) → two delta mentees: 3 people;
- health (tenant_a's): Gus (gamma) → a tenant_a mentee, who would not recommend it: 2 people.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.etree import ElementTree

import pytest
from PIL import Image

from tests.api.helpers import assert_problem
from tests.evaluation.conftest import Cohort, report_url
from tests.sessions.conftest import SessionWorld

SUPPRESSED = "<5"


@pytest.fixture
def cohort(sw: SessionWorld) -> Cohort:
    pool = sw.world.pool
    c = Cohort(sw)
    c.complete(sw.match, sw.mentor, sw.mentee, what_changed="Gail's private words.")
    c.pairing("mona", pool.a, pool.gamma)
    c.pairing("max", pool.a, pool.gamma)
    c.pairing("lou", pool.a, pool.delta)
    c.pairing("lou", pool.a, pool.delta)
    c.pairing("gus", pool.gamma, pool.a, would_recommend=False)
    return c


def _report(caller: Any, sw: SessionWorld) -> dict[str, Any]:
    response = caller.get(report_url(sw))
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def test_the_report_counts_what_the_programme_gave_with_small_numbers_suppressed(
    cohort: Cohort,
) -> None:
    sw = cohort.sw
    body = _report(sw.coordinator, sw)
    assert body["minimum_people"] == 5
    total = body["total"]
    assert total["completion"] == {
        "people": 10,
        "pairings_ended": 6,
        "pairings_evaluated": 6,
        "completion_rate": 1.0,
    }
    assert total["evaluations"] == {
        "people": 10,
        "evaluations": 12,
        "goals_rated": 12,
        "goals_met": 12,
        "goals_partly_met": 0,
        "goals_met_share": 1.0,
        "mean_rating": 5.0,
        "would_recommend_share": 0.833,
        "hours_given": 78.0,
    }
    assert total["session_feedback"] == {"people": 10, "ratings": 12, "mean_rating": 4.5}

    sectors = {c["sector"]: c for c in body["by_sector"]}
    assert set(sectors) == {"fire", "local_authority", "health"}
    assert sectors["fire"]["evaluations"]["people"] == 5
    assert sectors["fire"]["evaluations"]["would_recommend_share"] == 1.0
    for small in ("local_authority", "health"):
        for family in ("completion", "evaluations", "session_feedback"):
            # Counts and the means derived from them alike.
            assert set(sectors[small][family].values()) == {SUPPRESSED}, (small, family)

    pairs = {
        (c["mentor_organisation"]["id"], c["mentee_organisation"]["id"]): c
        for c in body["by_organisation_pair"]
    }
    pool = sw.world.pool
    assert pairs[(pool.a.id, pool.gamma.id)]["completion"]["pairings_ended"] == 3
    assert pairs[(pool.a.id, pool.delta.id)]["completion"]["pairings_ended"] == SUPPRESSED
    assert pairs[(pool.gamma.id, pool.a.id)]["evaluations"]["mean_rating"] == SUPPRESSED
    # One world for several checks: building the cohort takes most of the time.
    _no_suppressed_cell_can_be_recovered_by_subtraction(cohort)
    _the_report_names_no_one_and_holds_no_comment(cohort)


def _no_suppressed_cell_can_be_recovered_by_subtraction(cohort: Cohort) -> None:
    """The total minus every shown sector is what the hidden sectors hold together: never one
    hidden sector alone, and never fewer than 5 people."""
    sw = cohort.sw
    body = _report(sw.coordinator, sw)
    for family in ("completion", "evaluations", "session_feedback"):
        shown = [c for c in body["by_sector"] if c[family]["people"] != SUPPRESSED]
        hidden = [c for c in body["by_sector"] if c[family]["people"] == SUPPRESSED]
        assert len(hidden) != 1, family
        left = body["total"][family]["people"] - sum(c[family]["people"] for c in shown)
        assert left == 0 or left >= 5, family
    # The health pairing's would-recommend share is not to be had: the total's evaluations
    # minus fire's are the two small sectors' together (three pairings), not one's.
    total = body["total"]["evaluations"]
    fire = next(c for c in body["by_sector"] if c["sector"] == "fire")["evaluations"]
    assert total["evaluations"] - fire["evaluations"] == 6


def _the_report_names_no_one_and_holds_no_comment(cohort: Cohort) -> None:
    sw = cohort.sw
    text = sw.coordinator.get(report_url(sw)).get_data(as_text=True)
    assert "Gail's private words." not in text and "weekly huddle" not in text
    for person in (sw.mentor, sw.mentee):
        assert person.id not in text and person.email not in text


def test_who_reads_the_report_and_in_which_forms(cohort: Cohort) -> None:
    sw = cohort.sw
    pool = sw.world.pool
    # A member organisation's admin: the programme and sectors, and its own pairs only.
    body = _report(sw.world.admin_gamma, sw)
    assert body["total"]["evaluations"]["people"] == 10
    assert {
        (c["mentor_organisation"]["id"], c["mentee_organisation"]["id"])
        for c in body["by_organisation_pair"]
    } == {(pool.a.id, pool.gamma.id), (pool.gamma.id, pool.a.id)}
    # The organisation's API client likewise.
    assert len(_report(pool.delta.api, sw)["by_organisation_pair"]) == 1
    # Staff, the pair included: 403; another tenant: 404.
    for staff in (sw.mentee, sw.mentor, sw.world.colleague):
        assert_problem(staff.get(report_url(sw)), 403)
    admin_b = sw.world.person("admin_b", pool.b, "Bea", org_admin=True)
    assert_problem(admin_b.get(report_url(sw)), 404)
    assert_problem(pool.b.api.get(report_url(sw)), 404)
    assert_problem(
        sw.coordinator.get(
            "/api/v1/programmes/00000000-0000-4000-8000-000000000000/evaluation-report"
        ),
        404,
    )
    _the_report_as_csv_and_as_charts_for_a_board_paper(cohort)


def _the_report_as_csv_and_as_charts_for_a_board_paper(cohort: Cohort) -> None:
    sw = cohort.sw
    url = report_url(sw)
    response = sw.coordinator.get(url, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["breakdown"] for r in rows][:1] == ["programme"]
    programme = rows[0]
    assert float(programme["evaluations.mean_rating"]) == 5.0
    assert programme["completion.pairings_ended"] == "6"
    by_sector = {r["sector"]: r for r in rows if r["breakdown"] == "sector"}
    assert by_sector["health"]["evaluations.would_recommend_share"] == SUPPRESSED
    assert by_sector["fire"]["evaluations.people"] == "5"
    assert {r["breakdown"] for r in rows} == {"programme", "sector", "organisation_pair"}

    png = sw.coordinator.get(url, headers={"Accept": "image/png"})
    assert png.status_code == 200 and png.mimetype == "image/png"
    image = Image.open(io.BytesIO(png.get_data()))
    assert image.format == "PNG" and image.size == (800, 450)

    svg = sw.coordinator.get(url, headers={"Accept": "image/svg+xml"})
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(svg.get_data())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"

    assert_problem(sw.coordinator.get(url, headers={"Accept": "application/xml"}), 406)
