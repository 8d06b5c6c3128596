"""The equality report: counts only, for the programme's coordinators, small numbers suppressed."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from consortium.sensitive.reports import THRESHOLD, suppressed_cells
from tests.api.helpers import assert_problem
from tests.factories import create_person, make_tenant
from tests.identity.role_support import make_consortium
from tests.sensitive.conftest import Network, add_application, declare


def report_url(programme_id: str) -> str:
    return f"/api/v1/reports/programmes/{programme_id}/equality"


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ([7, 6, 5, 0], [False, False, False, False]),  # nothing small
        ([7, 6, 3, 9], [False, True, True, False]),  # one small: the next smallest goes too
        ([7, 3, 0, 9], [False, True, True, False]),  # ... even a zero
        ([7, 3, 2, 9], [False, True, True, False]),  # two small: enough on their own
        ([1, 1, 1, 1], [True, True, True, True]),
        ([0, 4, 0, 5], [True, True, False, False]),  # ties: the first listed
        ([0, 0, 0, 0], [False, False, False, False]),
        ([4], [True]),
        ([5, 5], [False, False]),
        # Everyone gave the same answer: publishing it tells each (named) applicant's value.
        ([0, 6, 0], [True, True, True]),
        ([12, 0], [True, True]),
        ([0, 0, 12], [False, False, False]),  # nobody declared: no one's answer is told
    ],
)
def test_suppression_rule(counts: list[int], hidden: list[bool]) -> None:
    assert THRESHOLD == 5
    assert suppressed_cells(counts) == hidden


@pytest.fixture
def applicants(app: Flask, network: Network) -> dict[str, Any]:
    """A programme without positive action and 12 open applicants from both organisations.

    ethnicity: white 6, asian 2, black 1, not declared 3
    disability: false 6, true 1, not declared 5
    returning_from_parental_leave: true 1, not declared 11
    """
    programme_id = network.programme("Coaching for All", positive_action=None)
    declared: list[dict[str, Any]] = (
        [{"ethnicity": "white", "disability": False}] * 6
        + [{"ethnicity": "asian"}] * 2
        + [{"ethnicity": "black", "disability": True}]
        + [{"returning_from_parental_leave": True}]
        + [{}] * 2
    )
    for n, attributes in enumerate(declared):
        tenant = network.a if n % 2 else network.b
        person = create_person(
            tenant.api, f"applicant{n}@{tenant.organisation['slug']}.example.org"
        )
        if attributes:
            declare(app, person, **attributes)
        add_application(app, programme_id, person)
    # Not counted: a withdrawn application, a declaration without an application, and an
    # application to another programme.
    other_programme = network.programme("Board Mentoring", positive_action=None)
    for n, (status, target) in enumerate(
        [("withdrawn", programme_id), (None, None), ("open", other_programme)]
    ):
        person = create_person(network.a.api, f"bystander{n}@alpha-trust.example.org")
        declare(app, person, ethnicity="mixed", disability=True)
        if target is not None:
            add_application(app, target, person, status=status or "open")
    return {"programme_id": programme_id}


def _cells(report: dict[str, Any], attribute: str) -> dict[Any, tuple[int | None, bool]]:
    entry = next(a for a in report["attributes"] if a["attribute"] == attribute)
    cells = {c["value"]: (c["count"], c["suppressed"]) for c in entry["counts"]}
    cells["not_declared"] = (entry["not_declared"]["count"], entry["not_declared"]["suppressed"])
    return cells


def test_the_coordinator_sees_suppressed_counts(
    network: Network, applicants: dict[str, Any]
) -> None:
    response = network.coordinator.get(report_url(applicants["programme_id"]))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["programme_id"] == applicants["programme_id"]
    assert report["programme_name"] == "Coaching for All"
    assert report["total"] == 12
    assert report["threshold"] == 5
    assert [a["attribute"] for a in report["attributes"]] == [
        "ethnicity",
        "disability",
        "returning_from_parental_leave",
    ]
    # Three small cells: each hidden, and no secondary suppression is needed.
    assert _cells(report, "ethnicity") == {
        "asian": (None, True),
        "black": (None, True),
        "mixed": (0, False),
        "white": (6, False),
        "other": (0, False),
        "not_declared": (None, True),
    }
    # One small cell (true: 1): the next smallest (not declared: 5) is hidden too, so the 1
    # cannot be had as 12 - 6.
    assert _cells(report, "disability") == {
        True: (None, True),
        False: (6, False),
        "not_declared": (None, True),
    }
    # One small cell (true: 1) and a zero: the zero is hidden with it.
    assert _cells(report, "returning_from_parental_leave") == {
        True: (None, True),
        False: (None, True),
        "not_declared": (11, False),
    }
    # Whatever is published, a hidden cell cannot be recovered by subtraction.
    for entry in report["attributes"]:
        cells = [*entry["counts"], entry["not_declared"]]
        assert sum(c["suppressed"] for c in cells) != 1
        assert all(c["count"] is None or c["count"] == 0 or c["count"] >= 5 for c in cells)


def test_the_platform_sees_the_same_report(network: Network, applicants: dict[str, Any]) -> None:
    url = report_url(applicants["programme_id"])
    platform = network.platform.get(url)
    assert platform.status_code == 200, platform.get_json()
    assert platform.get_json() == network.coordinator.get(url).get_json()


def test_an_empty_programme_reports_zeros(network: Network) -> None:
    programme_id = network.programme("Nobody Yet", positive_action=None)
    report = network.coordinator.get(report_url(programme_id)).get_json()
    assert report["total"] == 0
    for entry in report["attributes"]:
        assert all(c["count"] == 0 and not c["suppressed"] for c in entry["counts"])
        assert entry["not_declared"] == {"count": 0, "suppressed": False}


def test_others_who_can_see_the_programme_are_forbidden(
    network: Network, applicants: dict[str, Any]
) -> None:
    url = report_url(applicants["programme_id"])
    # A coordinator of another consortium whose organisation belongs to this one.
    other_consortium = make_consortium(network.platform, "other-network", network.a.id)
    other_coordinator, _ = network.sign_in(
        "oli.other@alpha-trust.example.org", coordinator_of=[other_consortium["id"]]
    )
    assert (
        other_coordinator.get(f"/api/v1/programmes/{applicants['programme_id']}").status_code == 200
    )
    assert_problem(other_coordinator.get(url), 403)
    # Staff, org admins and API clients lack the coordinator scope.
    staff, _ = network.sign_in("sid.staff@alpha-trust.example.org")
    admin, _ = network.sign_in("ada.admin@alpha-trust.example.org", org_admin=True)
    for caller in (staff, admin, network.a.api):
        assert_problem(caller.get(url), 403)


def test_coordinators_outside_the_consortium_get_not_found(
    network: Network, applicants: dict[str, Any]
) -> None:
    gamma = make_tenant(network.platform, "gamma-fire", sector="fire")
    gamma_network = make_consortium(network.platform, "gamma-network", gamma.id)
    outsider, _ = network.sign_in(
        "gus.gamma@gamma-fire.example.org", tenant=gamma, coordinator_of=[gamma_network["id"]]
    )
    assert_problem(outsider.get(report_url(applicants["programme_id"])), 404)
    assert_problem(network.coordinator.get(report_url("00000000-0000-0000-0000-000000000000")), 404)
