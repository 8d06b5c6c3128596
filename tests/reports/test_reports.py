"""The consortium reports through the API: figures of a world built through the API, what each
reader may see of them, and the same report as CSV, SVG and PNG (tests/reports/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import assert_problem
from tests.reports.conftest import KINDS, ReportsWorld, csv_rows, ok, png_size, svg_root

SUPPRESSED = "<5"


def _flows(body: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (f["mentor_organisation"]["name"], f["mentee_organisation"]["name"]): f
        for f in body["flows"]
    }


def _lines(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["organisation"]["name"]: line for line in body["organisations"]}


def test_flows_show_pairings_and_hours_from_the_mentors_employer_to_the_mentees(
    rw: ReportsWorld,
) -> None:
    body = ok(rw.sw.coordinator, rw.url("flows")).get_json()
    assert (body["total_pairings"], body["total_hours"]) == (2, 2.5)
    flows = _flows(body)
    a, gamma, delta = rw.name("a"), rw.name("gamma"), rw.name("delta")
    assert set(flows) == {(a, gamma), (a, delta)}
    assert {k: (f["pairings"], f["hours"], f["suppressed"]) for k, f in flows.items()} == {
        (a, gamma): (1, 1.5, False),
        (a, delta): (1, 1.0, False),
    }
    # A period before any of it: nothing.
    empty = ok(rw.sw.coordinator, rw.url("flows", **{"from": "2020-01-01", "to": "2020-12-31"}))
    assert empty.get_json()["flows"] == [] and empty.get_json()["total_hours"] == 0


def test_a_member_sees_its_own_flows_in_full_and_others_small_ones_suppressed(
    rw: ReportsWorld,
) -> None:
    body = ok(rw.sw.world.admin_gamma, rw.url("flows")).get_json()
    flows = _flows(body)
    a, gamma, delta = rw.name("a"), rw.name("gamma"), rw.name("delta")
    assert flows[(a, gamma)] | {"mentor_organisation": None, "mentee_organisation": None} == {
        "mentor_organisation": None,
        "mentee_organisation": None,
        "pairings": 1,
        "hours": 1.5,
        "suppressed": False,
    }
    # tenant_a → delta is two other employers' single pairing: not shown.
    assert (flows[(a, delta)]["pairings"], flows[(a, delta)]["hours"]) == (SUPPRESSED, None)
    assert flows[(a, delta)]["suppressed"] is True
    # The consortium's totals are aggregates every member sees.
    assert (body["total_pairings"], body["total_hours"]) == (2, 2.5)
    # Nor does the CSV carry what the JSON hides.
    rows = csv_rows(ok(rw.sw.world.admin_gamma, rw.url("flows"), "text/csv"))
    hidden = [r for r in rows if r["mentee_organisation"] == delta]
    assert [(r["pairings"], r["hours"]) for r in hidden] == [(SUPPRESSED, "")]


def test_utilisation_sets_released_places_against_places_taken(rw: ReportsWorld) -> None:
    body = ok(rw.sw.coordinator, rw.url("utilisation")).get_json()
    assert (body["mentors"], body["places"], body["taken"], body["utilisation"]) == (1, 2, 2, 1.0)
    assert body["active_in_period"] == 2
    lines = _lines(body)
    assert set(lines) == {rw.name("a"), rw.name("gamma"), rw.name("delta")}
    assert lines[rw.name("a")] | {"organisation": None} == {
        "organisation": None,
        "mentors": 1,
        "places": 2,
        "taken": 2,
        "active_in_period": 2,
        "utilisation": 1.0,
        "suppressed": False,
    }
    assert lines[rw.name("gamma")]["mentors"] == 0 and lines[rw.name("gamma")]["places"] == 0
    # Another member sees tenant_a's one mentor as "<5", and not how busy they are.
    seen = _lines(ok(rw.sw.world.admin_gamma, rw.url("utilisation")).get_json())[rw.name("a")]
    assert (seen["mentors"], seen["taken"], seen["utilisation"]) == (SUPPRESSED, SUPPRESSED, None)
    # tenant_a's own admin sees its line in full.
    own = _lines(ok(rw.sw.world.admin_a, rw.url("utilisation")).get_json())[rw.name("a")]
    assert (own["mentors"], own["taken"], own["suppressed"]) == (1, 2, False)


def test_coach_load_names_coaches_to_their_employer_and_counts_them_to_others(
    rw: ReportsWorld,
) -> None:
    body = ok(rw.sw.coordinator, rw.url("coach-load")).get_json()
    assert (body["coaches"], body["at_or_over_capacity"], body["share_at_or_over_capacity"]) == (
        1,
        1,
        1.0,
    )
    assert body["sessions_30_days"] == 2
    (mona,) = body["named_coaches"]
    assert mona["name"] == rw.sw.mentor.name
    assert (mona["capacity"], mona["pairings"], mona["sessions_30_days"]) == (2, 2, 2)
    assert mona["at_or_over_capacity"] is True
    (line,) = body["organisations"]
    assert line["load_distribution"] == {
        "none": 0,
        "under_half": 0,
        "half_or_more": 0,
        "at_or_over": 1,
    }
    # Her employer's admin sees her by name.
    own = ok(rw.sw.world.admin_a, rw.url("coach-load")).get_json()
    assert [c["name"] for c in own["named_coaches"]] == [rw.sw.mentor.name]
    # Another member sees no names, and tenant_a's one coach only as "<5".
    other = ok(rw.sw.world.admin_gamma, rw.url("coach-load"))
    assert rw.sw.mentor.name not in other.get_data(as_text=True)
    (line,) = other.get_json()["organisations"]
    assert (line["coaches"], line["at_or_over_capacity"], line["sessions_30_days"]) == (
        SUPPRESSED,
        SUPPRESSED,
        None,
    )
    assert set(line["load_distribution"].values()) <= {0, SUPPRESSED}
    assert other.get_json()["named_coaches"] == []
    for accept in ("text/csv", "image/svg+xml", "image/png"):
        body_bytes = ok(rw.sw.world.admin_gamma, rw.url("coach-load"), accept).get_data()
        assert rw.sw.mentor.name.encode() not in body_bytes


def test_programme_outcomes_count_what_became_of_the_pairings(rw: ReportsWorld) -> None:
    # A third proposal, rejected by the coordinator.
    from tests.matches.conftest import act_ok
    from tests.programmes.support import apply

    other = rw.sw.world.pool.sign_in(rw.sw.world.pool.gamma, "Greta", "Mentee")
    application = apply(other, rw.sw.world.programme)
    mentor = rw.sw.world.other_mentor(rw.sw.world.pool.a)
    match = rw.sw.world.proposal(application_id=application["id"], mentor_profile_id=mentor)
    act_ok(rw.sw.coordinator, match, "reject", "Not this time.")

    body = ok(rw.sw.coordinator, rw.url("programme-outcomes")).get_json()
    (programme,) = body["programmes"]
    assert programme["programme"]["name"] == "Leading Across Boundaries"
    figures = ("proposed", "approved", "active", "ended", "completed", "declined")
    assert {f: programme[f] for f in figures} == {
        "proposed": 3,
        "approved": 2,
        "active": 2,
        "ended": 0,
        "completed": 0,
        "declined": 1,
    }
    assert programme["completion_rate"] is None
    by_org = {o["organisation"]["name"]: o for o in programme["by_mentee_organisation"]}
    assert (by_org[rw.name("gamma")]["proposed"], by_org[rw.name("delta")]["proposed"]) == (2, 1)
    # A member sees the programme's totals and its own mentees' line only.
    seen = ok(rw.sw.world.admin_gamma, rw.url("programme-outcomes")).get_json()["programmes"][0]
    assert seen["proposed"] == 3
    assert [o["organisation"]["name"] for o in seen["by_mentee_organisation"]] == [rw.name("gamma")]


def test_time_to_match_gives_the_median_and_90th_percentile_by_programme(
    rw: ReportsWorld,
) -> None:
    body = ok(rw.sw.coordinator, rw.url("time-to-match")).get_json()
    # Gail waited 10 days, Dora 4.
    assert (body["pairings"], body["median_days"], body["p90_days"]) == (2, 7.0, 10.0)
    (programme,) = body["programmes"]
    assert (programme["median_days"], programme["p90_days"]) == (7.0, 10.0)
    by_org = {o["organisation"]["name"]: o for o in programme["by_mentee_organisation"]}
    assert by_org[rw.name("gamma")]["median_days"] == 10.0
    assert by_org[rw.name("delta")]["median_days"] == 4.0
    seen = ok(rw.sw.world.admin_gamma, rw.url("time-to-match")).get_json()["programmes"][0]
    assert [o["organisation"]["name"] for o in seen["by_mentee_organisation"]] == [rw.name("gamma")]


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_is_a_csv_an_svg_and_an_800_by_450_png(rw: ReportsWorld, kind: str) -> None:
    coordinator = rw.sw.coordinator
    response = ok(coordinator, rw.url(kind), "text/csv")
    assert response.headers["Content-Disposition"].startswith(f'inline; filename="{kind}-')
    rows = csv_rows(response)
    assert rows, kind
    svg = ok(coordinator, rw.url(kind), "image/svg+xml").get_data()
    assert svg_root(svg) == "{http://www.w3.org/2000/svg}svg"
    assert png_size(ok(coordinator, rw.url(kind), "image/png").get_data()) == (800, 450)
    assert_problem(coordinator.get(rw.url(kind), headers={"Accept": "text/html"}), 406)


def test_flows_csv_carries_the_figures(rw: ReportsWorld) -> None:
    rows = csv_rows(ok(rw.sw.coordinator, rw.url("flows"), "text/csv"))
    assert [
        (r["mentor_organisation"], r["mentee_organisation"], r["pairings"], r["hours"])
        for r in rows
    ] == sorted(
        [
            (rw.name("a"), rw.name("delta"), "1", "1.0"),
            (rw.name("a"), rw.name("gamma"), "1", "1.5"),
        ],
        key=lambda r: r[1],
    )


@pytest.mark.parametrize("kind", KINDS)
def test_who_may_read_a_report(rw: ReportsWorld, kind: str) -> None:
    # Staff without the admin role are refused; another consortium's admin is told nothing.
    assert_problem(rw.sw.mentee.get(rw.url(kind)), 403)
    outsider = rw.sw.world.person("admin_b", rw.sw.world.pool.b, "Bea", org_admin=True)
    assert_problem(outsider.get(rw.url(kind)), 404)
    missing = f"/api/v1/reports/consortia/{'0' * 8}-0000-4000-8000-{'0' * 12}/{kind}"
    assert_problem(rw.sw.world.admin_a.get(missing), 404)
    assert_problem(rw.sw.world.platform.get(missing), 404)


def test_a_bad_period_is_a_422_naming_the_field(rw: ReportsWorld) -> None:
    coordinator = rw.sw.coordinator
    response = coordinator.get(rw.url("flows", **{"from": "2026-05-01", "to": "2026-04-01"}))
    assert_problem(response, 422, field="to", location="query")
    future = "/api/v1/reports/consortia/" + rw.network_id + "/flows?from=2999-01-01"
    assert_problem(coordinator.get(future), 422, field="from")
    response = coordinator.get(rw.url("flows", **{"from": "yesterday"}))
    assert_problem(response, 422, field="from", location="query")
    response = coordinator.get(rw.url("utilisation", **{"from": "2019-01-01", "to": "2026-01-01"}))
    assert_problem(response, 422, field="from", location="query")
