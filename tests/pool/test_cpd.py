"""The supervision and CPD log: /api/v1/mentor-profiles/{id}/cpd, and whether supervision is due.

The mentor and their organisation's admins (and its API client) keep and read the log; anyone
else who can see the profile is refused (403), anyone who cannot gets 404. Supervision is due
when the last logged supervision is `supervision_interval_days` old (the strictest consortium).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.helpers import assert_problem, pages
from tests.pool.conftest import (
    Person,
    PoolWorld,
    create_profile,
    days,
    get_ok,
    release,
    set_limits,
    today,
    url,
)


def cpd(profile: dict[str, Any]) -> str:
    return url(profile, "/cpd")


def entry(when: Any, kind: str = "supervision", hours: float = 1.5, note: str = "") -> dict:
    return {"date": when.isoformat(), "kind": kind, "hours": hours, "note": note}


def add_ok(caller: Any, profile: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    response = caller.post(cpd(profile), json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_the_mentor_and_their_admins_keep_the_log_newest_first(
    pool: PoolWorld, mentor: Person, admin_a: Person
) -> None:
    profile = create_profile(mentor)
    assert get_ok(mentor, cpd(profile)) == []

    first = add_ok(mentor, profile, entry(days(-40), "training", 3, "Coaching skills day"))
    assert first["profile_id"] == profile["id"]
    assert (first["date"], first["kind"], first["hours"], first["note"]) == (
        days(-40).isoformat(),
        "training",
        3.0,
        "Coaching skills day",
    )
    assert first["id"] and first["created_at"]
    add_ok(admin_a, profile, entry(days(-5), "supervision", 1.5, "Group supervision"))
    add_ok(pool.a.api, profile, entry(days(-20), "reflection", 0.25))
    add_ok(mentor, profile, entry(today(), "reflection", 24))  # today and 24 hours: allowed
    add_ok(pool.platform, profile, entry(days(-60), "training", 2))

    expected = [today(), days(-5), days(-20), days(-40), days(-60)]
    for reader in (mentor, admin_a, pool.a.api, pool.platform):
        log = get_ok(reader, cpd(profile))
        assert [e["date"] for e in log] == [d.isoformat() for d in expected]

    # Paged like every collection, by cursor (date, then when logged, then id; newest first).
    walked = pages(mentor, cpd(profile), page_size=2)
    assert [[e["date"] for e in r.get_json()] for r in walked] == [
        [d.isoformat() for d in expected[i : i + 2]] for i in (0, 2, 4)
    ]


def test_others_cannot_keep_or_read_the_log(
    pool: PoolWorld,
    mentor: Person,
    admin_a: Person,
    colleague: Person,
    coordinator: Person,
    gamma_staff: Person,
) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    release(admin_a, profile)
    add_ok(mentor, profile, entry(days(-1)))
    gamma_admin = pool.sign_in(pool.gamma, "Gus", "Gammadmin", org_admin=True)
    outsider = pool.sign_in(pool.b, "Otto", "Outsider")

    # They see the profile (the coordinator even in full), but the log is the mentor's.
    for caller in (colleague, coordinator, gamma_staff, gamma_admin, pool.gamma.api):
        assert caller.get(url(profile)).status_code == 200
        assert_problem(caller.post(cpd(profile), json=entry(days(-1))), 403)
        assert_problem(caller.get(cpd(profile)), 403)
    for caller in (outsider, pool.b.api):
        assert_problem(caller.post(cpd(profile), json=entry(days(-1))), 404)
        assert_problem(caller.get(cpd(profile)), 404)
    assert len(get_ok(mentor, cpd(profile))) == 1


def test_cpd_entries_are_validated(mentor: Person) -> None:
    profile = create_profile(mentor)
    path = cpd(profile)
    assert_problem(mentor.post(path, json=entry(days(1))), 422, field="date")
    assert_problem(
        mentor.post(path, json={**entry(today()), "date": "yesterday"}), 422, field="date"
    )
    assert_problem(mentor.post(path, json=entry(today(), kind="course")), 422, field="kind")
    for hours in (0, 0.1, -1, 24.5, 25):
        assert_problem(mentor.post(path, json=entry(today(), hours=hours)), 422, field="hours")
    assert_problem(mentor.post(path, json={**entry(today()), "hours": "two"}), 422, field="hours")
    missing = mentor.post(path, json={})
    assert_problem(missing, 422)
    assert {"date", "kind", "hours"} <= {e["field"] for e in missing.get_json()["errors"]}
    assert_problem(
        mentor.post(path, json={**entry(today()), "note": "x" * 2001}), 422, field="note"
    )
    assert get_ok(mentor, path) == []


def test_supervision_due_follows_the_last_supervision_and_the_consortium_interval(
    pool: PoolWorld, mentor: Person
) -> None:
    profile = create_profile(mentor)
    care = get_ok(mentor, url(profile))["care"]
    # Never supervised: due now.
    assert care["last_supervision_on"] is None
    assert care["supervision_due"] is True
    assert care["supervision_due_on"] is None
    assert care["limits"]["supervision_interval_days"] == 90

    # Training and reflection are not supervision.
    add_ok(mentor, profile, entry(days(-2), "training"))
    assert get_ok(mentor, url(profile))["care"]["supervision_due"] is True

    # Right after a supervision it is not due; next due a consortium interval later.
    add_ok(mentor, profile, entry(days(-30)))
    care = get_ok(mentor, url(profile))["care"]
    assert care["last_supervision_on"] == days(-30).isoformat()
    assert care["supervision_due"] is False
    assert care["supervision_due_on"] == (days(-30) + timedelta(days=90)).isoformat()

    # The consortium shortens the interval: the last supervision is now older than it.
    set_limits(pool.platform, pool.network_id, supervision_interval_days=21)
    care = get_ok(mentor, url(profile))["care"]
    assert care["limits"]["supervision_interval_days"] == 21
    assert care["supervision_due"] is True
    assert care["supervision_due_on"] == days(-9).isoformat()

    # A fresh supervision: not due again; the latest counts, not the order of logging.
    add_ok(mentor, profile, entry(today()))
    add_ok(mentor, profile, entry(days(-50)))
    care = get_ok(mentor, url(profile))["care"]
    assert care["last_supervision_on"] == today().isoformat()
    assert care["supervision_due"] is False
    assert care["supervision_due_on"] == days(21).isoformat()


def test_supervision_interval_boundary(pool: PoolWorld, mentor: Person) -> None:
    """Logged interval-1 days ago: not yet due; interval+1 days ago: due."""
    set_limits(pool.platform, pool.network_id, supervision_interval_days=14)
    profile = create_profile(mentor)
    add_ok(mentor, profile, entry(days(-13)))
    assert get_ok(mentor, url(profile))["care"]["supervision_due"] is False

    other = pool.sign_in(pool.a, "Otto", "Overdue")
    overdue = create_profile(other)
    add_ok(other, overdue, entry(days(-15)))
    assert get_ok(other, url(overdue))["care"]["supervision_due"] is True


def test_a_consortium_limit_change_needs_if_match(pool: PoolWorld) -> None:
    path = f"/api/v1/consortia/{pool.network_id}"
    assert_problem(pool.platform.patch(path, json={"supervision_interval_days": 30}), 428)
    assert_problem(
        pool.platform.patch(
            path, json={"supervision_interval_days": 30}, headers={"If-Match": '"stale"'}
        ),
        412,
    )
    changed = set_limits(
        pool.platform,
        pool.network_id,
        max_active_load=3,
        max_sessions_90_days=10,
        supervision_interval_days=30,
    )
    assert (
        changed["max_active_load"],
        changed["max_sessions_90_days"],
        changed["supervision_interval_days"],
    ) == (3, 10, 30)
