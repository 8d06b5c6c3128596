"""A junior mentor's own feedback entries: written for their pairing's mentee organisation,
seen, changed and withdrawn by them alone until a round publishes them."""

from __future__ import annotations

import uuid

from tests.api.helpers import assert_problem, get_ok
from tests.insights.conftest import ENTRIES, InsightWorld, entry_url
from tests.programmes.support import create_programme


def test_a_junior_mentor_writes_sees_changes_and_withdraws_their_entry(iw: InsightWorld) -> None:
    entry = iw.write(1, "inclusion", "Hybrid meetings leave remote staff out.", sentiment=2)
    assert entry["theme"] == "inclusion" and entry["sentiment"] == 2
    assert entry["mentee_organisation"]["id"] == iw.gamma.id
    assert entry["programme_id"] == iw.programme["id"]
    # No times, no author: the author knows who they are.
    assert set(entry) == {
        "id",
        "programme_id",
        "mentee_organisation",
        "theme",
        "sentiment",
        "comment",
    }
    junior = iw.junior(1)
    assert [e["id"] for e in get_ok(junior, ENTRIES)] == [entry["id"]]
    response = junior.get(entry_url(entry))
    assert response.status_code == 200
    changed = junior.patch(
        entry_url(entry), json={"sentiment": 3}, headers={"If-Match": response.headers["ETag"]}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["sentiment"] == 3
    stale = junior.browser.delete(entry_url(entry), headers={"If-Match": response.headers["ETag"]})
    assert_problem(stale, 412)
    etag = junior.get(entry_url(entry)).headers["ETag"]
    assert junior.browser.delete(entry_url(entry), headers={"If-Match": etag}).status_code == 204
    assert_problem(junior.get(entry_url(entry)), 404)
    assert get_ok(junior, ENTRIES) == []


def test_an_ended_pairings_mentor_may_write_but_not_a_proposed_ones(iw: InsightWorld) -> None:
    for status in ("completed", "closed"):
        response = iw.junior(1).post(
            ENTRIES,
            json={
                "match_id": iw.pairing(1, status=status),
                "theme": "culture" if status == "completed" else "processes",
                "sentiment": 4,
                "comment": "Ended, still worth saying.",
            },
        )
        assert response.status_code == 201, response.get_json()
    response = iw.junior(2).post(
        ENTRIES,
        json={
            "match_id": iw.pairing(2, status="proposed"),
            "theme": "culture",
            "sentiment": 4,
            "comment": "Too early.",
        },
    )
    assert_problem(response, 409, field="match_id")


def test_only_reverse_mentoring_collects_feedback(iw: InsightWorld) -> None:
    mentoring = create_programme(iw.coordinator, iw.pool.network_id, name="Plain Mentoring")
    response = iw.junior(1).post(
        ENTRIES,
        json={
            "match_id": iw.pairing(1, programme=mentoring),
            "theme": "culture",
            "sentiment": 4,
            "comment": "Not this kind of programme.",
        },
    )
    body = assert_problem(response, 409, field="match_id")
    assert "reverse mentoring" in body["detail"]


def test_only_the_pairings_mentor_writes(iw: InsightWorld) -> None:
    match_id = iw.pairing(1)
    body = {"match_id": match_id, "theme": "culture", "sentiment": 4, "comment": "Not mine."}
    # A colleague of the mentor who is not in the pairing cannot see it: 404.
    assert_problem(iw.junior(2).post(ENTRIES, json=body), 404, field="match_id")
    # The coordinator sees the pairing but is not its mentor.
    assert_problem(iw.coordinator.post(ENTRIES, json=body), 403, field="match_id")
    assert_problem(iw.sponsor.post(ENTRIES, json=body), 403, field="match_id")
    # API clients write no feedback (nor read any).
    assert_problem(iw.pool.platform.post(ENTRIES, json=body), 403)
    assert_problem(iw.pool.a.api.post(ENTRIES, json=body), 403)
    body["match_id"] = str(uuid.uuid4())
    assert_problem(iw.junior(1).post(ENTRIES, json=body), 404, field="match_id")


def test_one_entry_per_theme_and_organisation_per_round(iw: InsightWorld) -> None:
    first = iw.write(1, "culture")
    response = iw.junior(1).post(
        ENTRIES,
        json={"match_id": iw.pairing(1), "theme": "culture", "sentiment": 1, "comment": "Again"},
    )
    body = assert_problem(response, 409, field="theme")
    assert first["id"] in body["detail"]
    iw.write(1, "technology")  # another theme is another group


def test_bad_input_names_the_field(iw: InsightWorld) -> None:
    junior = iw.junior(1)
    good = {"match_id": iw.pairing(1), "theme": "culture", "sentiment": 3, "comment": "Fine."}
    for name, value in (
        ("sentiment", 6),
        ("sentiment", 0),
        ("theme", "salaries"),
        ("comment", "   "),
        ("comment", "x" * 4001),
        ("match_id", "not-a-uuid"),
    ):
        assert_problem(junior.post(ENTRIES, json={**good, name: value}), 422, field=name)
    assert_problem(junior.post(ENTRIES, json={**good, "author_person_id": junior.id}), 422)
    entry = iw.write(1)
    etag = junior.get(entry_url(entry)).headers["ETag"]
    response = junior.patch(entry_url(entry), json={}, headers={"If-Match": etag})
    assert_problem(response, 422, field="comment")
    response = junior.patch(
        entry_url(entry), json={"theme": "inclusion"}, headers={"If-Match": etag}
    )
    assert_problem(response, 422, field="theme")


def test_nobody_else_reads_or_changes_an_entry(iw: InsightWorld) -> None:
    """Not the author's colleague or admin, not the coordinator, not the sponsor: 404, as
    for an id that does not exist; API clients, the platform's included: 403 either way."""
    entry = iw.write(1)
    admin_a = iw.person("admin_a", iw.pool.a, "Ada", org_admin=True)
    missing = str(uuid.uuid4())
    for caller in (iw.junior(2), admin_a, iw.coordinator, iw.sponsor, iw.admin_b):
        for target in (entry["id"], missing):
            assert_problem(caller.get(entry_url(target)), 404)
            response = caller.patch(
                entry_url(target), json={"comment": "Hijacked"}, headers={"If-Match": "*"}
            )
            assert_problem(response, 404)
            response = caller.browser.delete(entry_url(target), headers={"If-Match": "*"})
            assert_problem(response, 404)
        assert get_ok(caller, ENTRIES) == []
    for client in (iw.pool.platform, iw.pool.a.api):
        for target in (entry["id"], missing):
            assert_problem(client.get(entry_url(target)), 403)
            response = client.patch(
                entry_url(target), json={"comment": "H"}, headers={"If-Match": "*"}
            )
            assert_problem(response, 403)
            assert_problem(client.delete(entry_url(target), headers={"If-Match": "*"}), 403)
        assert_problem(client.get(ENTRIES), 403)
    # Unchanged, and still there for its author.
    assert get_ok(iw.junior(1), entry_url(entry))["comment"] == entry["comment"]


def test_a_published_entry_leaves_its_authors_list(iw: InsightWorld) -> None:
    entries = [iw.write(n) for n in (1, 2, 3)]
    iw.published()
    for n, entry in zip((1, 2, 3), entries, strict=True):
        assert get_ok(iw.junior(n), ENTRIES) == []
        assert_problem(iw.junior(n).get(entry_url(entry)), 404)
        response = iw.junior(n).patch(
            entry_url(entry), json={"comment": "Too late"}, headers={"If-Match": "*"}
        )
        assert_problem(response, 404)


def test_two_pairings_with_one_organisation_are_still_one_voice(iw: InsightWorld) -> None:
    """A mentor of two seniors of the same organisation speaks once per theme there: a
    group's size is its people, never one person counted twice."""
    iw.write(1, "culture")
    response = iw.junior(1).post(
        ENTRIES,
        json={
            "match_id": iw.pairing(1, status="completed"),
            "theme": "culture",
            "sentiment": 5,
            "comment": "Counted twice?",
        },
    )
    assert_problem(response, 409, field="theme")


def test_the_database_shows_an_entry_to_its_author_only(iw: InsightWorld, runtime_url: str) -> None:
    """Row-level security, as the app's role: another person of the same organisation, its
    admins' settings and a coordinator's read none of it."""
    from sqlalchemy import create_engine, text

    iw.write(1)
    settings = {
        "author": (iw.pool.a.id, iw.junior(1).id, ""),
        "colleague": (iw.pool.a.id, iw.junior(2).id, ""),
        "coordinator": (iw.delta.id, iw.coordinator.id, iw.pool.network_id),
        "mentee organisation": (iw.gamma.id, "", ""),
    }
    engine = create_engine(runtime_url)
    seen = {}
    try:
        for who, (organisation, person, coordinated) in settings.items():
            with engine.begin() as c:
                c.execute(
                    text(
                        "SELECT set_config('app.organisation_id', :o, true),"
                        " set_config('app.person_id', :p, true),"
                        " set_config('app.coordinated_ids', :c, true)"
                    ),
                    {"o": organisation, "p": person, "c": coordinated},
                )
                seen[who] = c.execute(text("SELECT count(*) FROM insight_entries")).scalar_one()
    finally:
        engine.dispose()
    assert seen == {"author": 1, "colleague": 0, "coordinator": 0, "mentee organisation": 0}
