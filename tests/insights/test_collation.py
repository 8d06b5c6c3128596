"""Publishing rounds and reading the collated report: who may, what a group shows, CSV and
charts, the audit event, and what the database itself refuses."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, ProgrammingError

from tests.api.helpers import assert_problem, get_ok
from tests.insights.conftest import InsightWorld
from tests.programmes.support import create_programme

GROUP_KEYS = {
    "round",
    "published_on",
    "mentee_organisation",
    "theme",
    "contributors",
    "sentiment",
    "comments",
}


def three_on_culture(iw: InsightWorld, first: int = 1) -> None:
    for n, sentiment in zip(range(first, first + 3), (2, 4, 4), strict=True):
        iw.write(n, "culture", f"Culture comment from mentor {n}.", sentiment=sentiment)


def test_a_round_publishes_a_group_of_three_whole_and_anonymous(iw: InsightWorld) -> None:
    iw.write(1, "culture", "zebra crossings are slow here", sentiment=2)
    iw.write(2, "culture", "Approvals take weeks.", sentiment=4)
    iw.write(3, "culture", "managers listen", sentiment=4)
    published = iw.published()
    assert set(published) == {"id", "programme_id", "number", "published_on", "groups"}
    assert published["number"] == 1 and published["groups"] == 1
    collated = iw.report()
    assert collated["k"] == 3
    assert collated["rounds"] == [{"number": 1, "published_on": published["published_on"]}]
    (group,) = collated["groups"]
    assert set(group) == GROUP_KEYS
    assert group["mentee_organisation"] == {"id": iw.gamma.id, "name": "Gamma Fire"}
    assert group["theme"] == "culture" and group["contributors"] == 3
    assert group["sentiment"] == {
        "mean": 3.3,
        "counts": {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0},
    }
    # Alphabetical (case-insensitive), not the order written.
    assert group["comments"] == [
        "Approvals take weeks.",
        "managers listen",
        "zebra crossings are slow here",
    ]


def test_nothing_is_published_below_three_people(iw: InsightWorld) -> None:
    body = assert_problem(iw.publish(), 409)
    iw.write(1)
    iw.write(2)
    assert assert_problem(iw.publish(), 409)["detail"] == body["detail"]
    assert iw.report()["groups"] == [] and iw.report()["rounds"] == []


def test_small_groups_wait_for_a_later_round_and_published_ones_stay_frozen(
    iw: InsightWorld,
) -> None:
    three_on_culture(iw)
    iw.write(4, "technology", "Laptops are old.")
    iw.write(5, "technology", "Wi-Fi drops.")
    first = iw.published()
    assert first["groups"] == 1
    before = iw.report()
    assert [g["theme"] for g in before["groups"]] == ["culture"]
    iw.write(6, "technology", "Teams is blocked.")
    second = iw.published()
    assert second["number"] == 2 and second["groups"] == 1
    after = iw.report()
    assert after["groups"][0] == before["groups"][0]  # round 1 as it was
    (technology,) = [g for g in after["groups"] if g["round"] == 2]
    assert technology["theme"] == "technology" and technology["contributors"] == 3
    assert technology["comments"] == ["Laptops are old.", "Teams is blocked.", "Wi-Fi drops."]
    # The published entries went; nothing waits now.
    assert_problem(iw.publish(), 409)


def test_a_sponsor_sees_only_their_organisations_groups(iw: InsightWorld) -> None:
    three_on_culture(iw)
    for n in (4, 5, 6):
        iw.write(n, "processes", f"Delta process {n}.", tenant=iw.delta)
    assert iw.published()["groups"] == 2
    assert {g["mentee_organisation"]["id"] for g in iw.report()["groups"]} == {
        iw.gamma.id,
        iw.delta.id,
    }
    gamma = iw.report(iw.sponsor)
    assert [g["mentee_organisation"]["id"] for g in gamma["groups"]] == [iw.gamma.id]
    # Naming another organisation narrows to nothing, as for one with no feedback.
    assert iw.report(iw.sponsor, mentee_organisation_id=iw.delta.id)["groups"] == []
    assert iw.report(iw.sponsor, mentee_organisation_id=str(uuid.uuid4()))["groups"] == []
    delta = iw.report(iw.delta_sponsor)
    assert [g["mentee_organisation"]["id"] for g in delta["groups"]] == [iw.delta.id]


def test_who_may_read_and_publish(iw: InsightWorld) -> None:
    three_on_culture(iw)
    # Staff of the mentee organisation, and the junior mentors themselves: 403.
    assert_problem(iw.gamma_staff.get(iw.report_url), 403)
    assert_problem(iw.junior(1).get(iw.report_url), 403)
    # API clients, even the mentee organisation's own: 403 (sponsors are people).
    assert_problem(iw.gamma.api.get(iw.report_url), 403)
    # Another tenant (not a member of the network): 404, as for no programme.
    assert_problem(iw.admin_b.get(iw.report_url), 404)
    assert_problem(iw.admin_b.get(f"/api/v1/programmes/{uuid.uuid4()}/insights"), 404)
    # Publishing is the coordinators' (and the platform's).
    assert_problem(iw.publish(iw.sponsor), 403)
    assert_problem(iw.publish(iw.junior(1)), 403)
    assert_problem(iw.publish(iw.admin_b), 403)
    other = iw.pool.consortium("other-network", iw.pool.b)
    outsider = iw.pool.sign_in(iw.pool.b, "Otto", coordinator_of=[str(other["id"])])
    assert_problem(iw.publish(outsider), 404)
    assert_problem(outsider.get(iw.report_url), 404)
    assert iw.published(iw.pool.platform)["number"] == 1
    assert len(get_ok(iw.pool.platform, iw.report_url)["groups"]) == 1


def test_a_programme_of_another_type_has_nothing_to_collate(iw: InsightWorld) -> None:
    mentoring = create_programme(iw.coordinator, iw.pool.network_id, name="Plain Mentoring")
    body = assert_problem(
        iw.coordinator.post(f"/api/v1/programmes/{mentoring['id']}/insight-rounds"), 409
    )
    assert "reverse mentoring" in body["detail"]
    report = get_ok(iw.coordinator, f"/api/v1/programmes/{mentoring['id']}/insights")
    assert report["groups"] == []


def test_publishing_is_audited(iw: InsightWorld) -> None:
    three_on_culture(iw)
    published = iw.published()
    events = get_ok(
        iw.coordinator, "/api/v1/audit-events", query_string={"action": "insight_round.published"}
    )
    (event,) = events
    assert event["subject_id"] == published["id"]
    assert event["consortium_id"] == iw.pool.network_id
    assert event["data"] == {"programme_id": iw.programme["id"], "number": 1, "groups": 1}
    assert event["actor_name"] == iw.coordinator.name


def test_csv_and_charts_show_the_same_groups(iw: InsightWorld) -> None:
    three_on_culture(iw)
    iw.published()
    response = iw.coordinator.get(iw.report_url, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["comment"] for r in rows] == [f"Culture comment from mentor {n}." for n in (1, 2, 3)]
    assert {(r["round"], r["theme"], r["contributors"], r["mean_sentiment"]) for r in rows} == {
        ("1", "culture", "3", "3.3")
    }
    assert not any("author" in c or "person" in c or "_at" in c for c in rows[0])
    svg = iw.coordinator.get(iw.report_url, headers={"Accept": "image/svg+xml"})
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.get_data()
    png = iw.coordinator.get(iw.report_url, headers={"Accept": "image/png"})
    assert png.status_code == 200 and png.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(io.BytesIO(png.get_data())).size == (800, 450)


def test_bad_filters_name_the_field(iw: InsightWorld) -> None:
    for query, name in (
        ({"theme": "pay"}, "theme"),
        ({"round": 0}, "round"),
        ({"from": "2027-02-01", "to": "2027-01-01"}, "to"),
        ({"mentee_organisation_id": "nope"}, "mentee_organisation_id"),
    ):
        response = iw.coordinator.get(iw.report_url, query_string=query)
        assert_problem(response, 422, field=name, location="query")


def _columns(owner_engine: Engine, table: str) -> set[str]:
    with owner_engine.connect() as c:
        return set(
            c.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
                {"t": table},
            ).scalars()
        )


def test_the_database_holds_no_author_link_once_published(
    iw: InsightWorld, owner_engine: Engine
) -> None:
    three_on_culture(iw)
    iw.write(4, "technology")  # waits
    iw.published()
    with owner_engine.connect() as c:
        left = c.execute(text("SELECT theme FROM insight_entries")).scalars().all()
        comments = c.execute(text("SELECT comments::text FROM insight_groups")).scalars().all()
    assert left == ["technology"]
    assert all(str(iw.junior(n).id) not in "".join(comments) for n in (1, 2, 3))
    published_columns = _columns(owner_engine, "insight_groups") | _columns(
        owner_engine, "insight_rounds"
    )
    assert not {c for c in published_columns if "person" in c or "author" in c}


def test_the_database_refuses_a_group_below_three(iw: InsightWorld, owner_engine: Engine) -> None:
    three_on_culture(iw)
    iw.published()
    with owner_engine.connect() as c, pytest.raises(IntegrityError):
        c.execute(text("UPDATE insight_groups SET contributors = 2"))


def test_the_app_role_cannot_change_or_delete_what_was_published(
    iw: InsightWorld, runtime_url: str, owner_engine: Engine
) -> None:
    from sqlalchemy import create_engine

    three_on_culture(iw)
    iw.published()
    engine = create_engine(runtime_url)
    try:
        with engine.begin() as c:
            c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            assert c.execute(text("SELECT count(*) FROM insight_groups")).scalar_one() == 1
            changed = c.execute(text("UPDATE insight_groups SET comments = '[]'")).rowcount
            deleted = c.execute(text("DELETE FROM insight_rounds")).rowcount
        assert (changed, deleted) == (0, 0)
    except ProgrammingError:  # no privilege at all is as good
        pass
    finally:
        engine.dispose()
    with owner_engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM insight_rounds")).scalar_one() == 1
        comments: Any = c.execute(text("SELECT comments FROM insight_groups")).scalar_one()
    assert len(comments) == 3
