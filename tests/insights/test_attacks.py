"""Attacks: a coordinator (and a sponsor) try to re-identify one contributor, Dee, and fail.

Dee (junior mentor 4) writes one entry about gamma's culture after round 1 published a group of
three others on the same theme. The attacker reads everything the API offers — every filter,
JSON and CSV, before and after Dee writes, before and after the next round — and tries the
error paths for a difference. What Dee wrote is never shown alone, never in a group of fewer
than three people, and nothing the attacker can read tells Dee's entry apart from two others.
"""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from typing import Any

from tests.api.helpers import assert_problem, get_ok
from tests.insights.conftest import ENTRIES, InsightWorld, entry_url

DEE = "Dee's own words: the board never reads the staff survey."


def _csv(caller: Any, iw: InsightWorld, **query: Any) -> list[dict[str, str]]:
    response = caller.get(iw.report_url, query_string=query, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


MISSING_ORGANISATION = "00000000-0000-4000-8000-000000000000"


def _every_view(caller: Any, iw: InsightWorld) -> list[tuple[str, Any]]:
    """The reports the caller can ask for: every filter alone and every two together (each
    value the attacker might try), JSON and CSV."""
    report = iw.report(caller)
    days = sorted({r["published_on"] for r in report["rounds"]} | {"2000-01-01", "2999-12-31"})
    values: dict[str, list[Any]] = {
        "round": [1, 2, 3],
        "theme": ["culture", "technology", "inclusion"],
        "mentee_organisation_id": [iw.gamma.id, iw.delta.id, MISSING_ORGANISATION],
        "from": days,
        "to": days,
    }
    queries: list[dict[str, Any]] = [{}]
    for size in (1, 2):
        for names in itertools.combinations(values, size):
            for chosen in itertools.product(*(values[n] for n in names)):
                query = dict(zip(names, chosen, strict=True))
                if query.get("from", "") > query.get("to", "9999"):
                    continue
                queries.append(query)
    views = [(f"json {query}", iw.report(caller, **query)) for query in queries]
    for query in ({}, {"theme": "culture"}, {"mentee_organisation_id": iw.gamma.id}, {"round": 2}):
        views.append((f"csv {query}", _csv(caller, iw, **query)))
    return views


def _groups_of(view: Any) -> list[tuple[Any, ...]]:
    """A view's groups as (round, organisation, theme, contributors, comments)."""
    if isinstance(view, dict):
        return [
            (
                g["round"],
                g["mentee_organisation"]["id"],
                g["theme"],
                g["contributors"],
                tuple(g["comments"]),
            )
            for g in view["groups"]
        ]
    grouped: dict[tuple[Any, ...], list[str]] = {}
    for row in view:
        key = (
            int(row["round"]),
            row["mentee_organisation_id"],
            row["theme"],
            int(row["contributors"]),
        )
        grouped.setdefault(key, []).append(row["comment"])
    return [(*key, tuple(comments)) for key, comments in grouped.items()]


def _whole_groups_only(views: list[tuple[str, Any]], whole: set[tuple[Any, ...]]) -> None:
    """Every group in every view is one of the whole published groups: never a part of one,
    never fewer than three people."""
    for name, view in views:
        for group in _groups_of(view):
            assert group in whole, f"{name} shows a group that is not a whole one: {group}"
            assert group[3] >= 3 and len(group[4]) >= 3, name


def test_a_coordinator_cannot_single_out_one_contributor(iw: InsightWorld) -> None:
    # Round 1: three people on gamma's culture; a pair on delta's technology (never enough).
    for n in (1, 2, 3):
        iw.write(n, "culture", f"Round one culture {n}.", sentiment=3)
    iw.write(7, "technology", "Pair comment one.", tenant=iw.delta, sentiment=1)
    iw.write(8, "technology", "Pair comment two.", tenant=iw.delta, sentiment=1)
    iw.published()
    nothing_to_publish = assert_problem(iw.publish(), 409)["detail"]
    before = _every_view(iw.coordinator, iw)
    whole = set(_groups_of(iw.report()))
    _whole_groups_only(before, whole)

    # 1. Dee writes. Not one view changes: JSON, CSV, every filter; publishing finds nothing,
    # and says so in the very words it used before Dee wrote.
    dee = iw.write(4, "culture", DEE, sentiment=1)
    assert _every_view(iw.coordinator, iw) == before
    assert assert_problem(iw.publish(), 409)["detail"] == nothing_to_publish
    assert _every_view(iw.coordinator, iw) == before

    # 2. Filters narrowing by theme, organisation, period or round show whole groups only,
    # and the two-person group on delta's technology in none of them.
    for name, view in before:
        assert not any(g[1] == iw.delta.id for g in _groups_of(view)), name
        assert "Pair comment one." not in str(view), name

    # 3. Two more people write on the same theme; round 2 publishes them with Dee. The
    # difference between the reports before and after is one whole group of three, whose
    # comments are in alphabetical order, with no author, time or per-person figure.
    iw.write(5, "culture", "Round two culture five.", sentiment=5)
    iw.write(6, "culture", "Round two culture six.", sentiment=3)
    assert iw.published()["number"] == 2
    after = iw.report()
    new = [g for g in after["groups"] if g not in iw.report(round=1)["groups"]]
    (group,) = new
    assert group["contributors"] == 3
    assert group["comments"] == sorted(group["comments"], key=lambda c: (c.casefold(), c))
    assert DEE in group["comments"] and len(group["comments"]) == 3
    assert group["sentiment"]["counts"] == {"1": 1, "2": 0, "3": 1, "4": 0, "5": 1}
    assert set(group) == {
        "round", "published_on", "mentee_organisation", "theme", "contributors", "sentiment",
        "comments",
    }  # fmt: skip
    # Round 1 is frozen: it did not absorb Dee (which would have made round 1 minus its old
    # self = Dee).
    assert [g for g in after["groups"] if g["round"] == 1] == [
        g for g in before[0][1]["groups"] if g["round"] == 1
    ]
    whole = set(_groups_of(after))
    _whole_groups_only(_every_view(iw.coordinator, iw), whole)
    # The CSV is the same groups, a row per comment.
    rows = _csv(iw.coordinator, iw, round=2)
    assert sorted(r["comment"] for r in rows) == sorted(group["comments"])
    assert {r["contributors"] for r in rows} == {"3"}

    # 4. The error paths tell nothing: Dee's entry (now published and deleted), a pending
    # entry of someone else, and an id that never existed answer alike.
    pending = iw.write(9, "inclusion", "Still waiting.")
    ids = [dee["id"], pending["id"], str(uuid.uuid4())]
    for caller, status in ((iw.coordinator, 404), (iw.sponsor, 404), (iw.pool.platform, 403)):
        answers = set()
        for entry_id in ids:
            for method, kwargs in (
                ("GET", {}),
                ("PATCH", {"json": {"comment": "x"}, "headers": {"If-Match": "*"}}),
                ("DELETE", {"headers": {"If-Match": "*"}}),
            ):
                client = caller.browser if hasattr(caller, "browser") else caller
                response = client.request(method, entry_url(entry_id), **kwargs)
                body = assert_problem(response, status)
                answers.add((method, body["title"], body["detail"].replace(entry_id, "<id>")))
        assert len(answers) == 3, answers  # one answer per method, whatever the id
        if status == 404:
            assert get_ok(caller, ENTRIES) == []
    assert get_ok(iw.junior(9), entry_url(pending))["comment"] == "Still waiting."


def test_a_sponsor_cannot_single_out_one_contributor_either(iw: InsightWorld) -> None:
    for n in (1, 2, 3):
        iw.write(n, "culture", f"Culture {n}.")
    iw.published()
    before = _every_view(iw.sponsor, iw)
    iw.write(4, "culture", DEE)
    iw.write(5, "processes", "Another theme, waiting.")
    assert _every_view(iw.sponsor, iw) == before
    _whole_groups_only(before, set(_groups_of(iw.report())))
    assert all(g[1] == iw.gamma.id for _, view in before for g in _groups_of(view)), (
        "a sponsor sees only their own organisation"
    )


def test_a_group_of_exactly_two_is_never_shown(iw: InsightWorld) -> None:
    iw.write(1, "technology", "Only two of us said this.", tenant=iw.delta)
    iw.write(2, "technology", "And I agreed.", tenant=iw.delta)
    assert_problem(iw.publish(), 409)
    for caller in (iw.coordinator, iw.delta_sponsor, iw.pool.platform):
        assert get_ok(caller, iw.report_url)["groups"] == []
        assert _csv(caller, iw, theme="technology", mentee_organisation_id=iw.delta.id) == []
    # A third group elsewhere reaching three publishes that group alone; the pair still waits.
    for n in (3, 4, 5):
        iw.write(n, "culture", f"Gamma culture {n}.")
    assert iw.published()["groups"] == 1
    for _, view in _every_view(iw.coordinator, iw):
        assert "Only two of us said this." not in str(view)
    # Withdrawing one of the pair and a newcomer writing leaves it at two: still nothing.
    (entry,) = get_ok(iw.junior(2), ENTRIES)
    etag = iw.junior(2).get(entry_url(entry)).headers["ETag"]
    assert (
        iw.junior(2).browser.delete(entry_url(entry), headers={"If-Match": etag}).status_code == 204
    )
    iw.write(6, "technology", "Newcomer.", tenant=iw.delta)
    assert_problem(iw.publish(), 409)
