"""Vetting: POST /api/v1/mentor-profiles/{id}/vetting, and the job that pauses expired vetting.

Decided by an admin of the mentor's organisation, or by a coordinator of a consortium the
profile is released to (scope consortium), who writes on the organisation's behalf. Approval
needs a future expiry date. Every decision mails the mentor (a mail.send job in the outbox).
Once the expiry date has passed, consortium.pool.jobs.expire_vetting pauses the profile and
tells the mentor; a new approval resumes it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.pool.conftest import (
    PUBLIC_KEYS,
    Person,
    PoolWorld,
    create_profile,
    days,
    get_ok,
    listed_ids,
    mail_jobs,
    owner_scalar,
    patch_profile,
    release,
    url,
    vet,
    vet_ok,
)

# --- who decides ---------------------------------------------------------------------------


def test_the_org_admin_approves_with_an_expiry_and_the_mentor_is_mailed(
    pool: PoolWorld, mentor: Person, admin_a: Person, owner_engine: Engine
) -> None:
    profile = create_profile(mentor)
    assert profile["vetting"] == {
        "status": "pending",
        "expires_on": None,
        "approved_by": None,
        "decided_at": None,
        "note": None,
        "expired": False,
    }
    assert mail_jobs(owner_engine, mentor.email) == []

    expiry = days(200)
    decided = vet_ok(admin_a, profile, expires_on=expiry, note="DBS enhanced seen.")
    assert decided["view"] == "full"
    vetting = decided["vetting"]
    assert vetting["status"] == "approved"
    assert vetting["expires_on"] == expiry.isoformat()
    assert vetting["approved_by"] == admin_a.name
    assert vetting["note"] == "DBS enhanced seen."
    assert vetting["decided_at"]
    assert vetting["expired"] is False
    assert get_ok(mentor, url(profile))["vetting"] == vetting

    jobs = mail_jobs(owner_engine, mentor.email)
    assert len(jobs) == 1
    job = jobs[0]
    assert str(job["organisation_id"]) == pool.a.id
    assert job["arguments"]["to"] == mentor.email
    assert "approved" in job["arguments"]["subject"]
    assert expiry.strftime("%d %B %Y") in job["arguments"]["body"]
    assert job["status"] == "succeeded"  # jobs run inline, after the commit, in tests

    # Suspending needs no expiry, clears it, and mails again.
    suspended = vet_ok(admin_a, profile, status="suspended", note="References outstanding.")
    assert suspended["vetting"]["status"] == "suspended"
    assert suspended["vetting"]["expires_on"] is None
    jobs = mail_jobs(owner_engine, mentor.email)
    assert len(jobs) == 2
    assert "suspended" in jobs[1]["arguments"]["subject"]

    # The history is kept, one row per decision.
    assert (
        owner_scalar(
            owner_engine,
            "SELECT count(*) FROM vetting_decisions WHERE profile_id = :p",
            p=profile["id"],
        )
        == 2
    )


def test_a_coordinator_vets_a_profile_released_to_the_consortium(
    pool: PoolWorld,
    mentor: Person,
    admin_a: Person,
    coordinator: Person,
    gamma_staff: Person,
    owner_engine: Engine,
) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    # Not released yet: the coordinator (of gamma) does not see it.
    assert_problem(vet(coordinator, profile), 404)
    assert mail_jobs(owner_engine, mentor.email) == []

    release(admin_a, profile)
    decided = vet_ok(coordinator, profile, expires_on=days(300), note="Coordinator checked DBS.")
    assert decided["view"] == "full"
    assert decided["vetting"]["status"] == "approved"
    assert decided["vetting"]["approved_by"] == coordinator.name
    assert decided["vetting"]["note"] == "Coordinator checked DBS."
    # Written on the mentor's organisation's behalf: the history row is tenant_a's.
    assert (
        str(
            owner_scalar(
                owner_engine,
                "SELECT organisation_id FROM vetting_decisions WHERE profile_id = :p",
                p=profile["id"],
            )
        )
        == pool.a.id
    )
    jobs = mail_jobs(owner_engine, mentor.email)
    assert len(jobs) == 1
    assert str(jobs[0]["organisation_id"]) == pool.a.id

    # The note is in every full view and never in the public one.
    for viewer in (mentor, admin_a, coordinator, pool.platform, pool.a.api):
        assert get_ok(viewer, url(profile))["vetting"]["note"] == "Coordinator checked DBS."
    public = gamma_staff.get(url(profile))
    assert public.status_code == 200
    assert set(public.get_json()) == PUBLIC_KEYS
    assert "Coordinator checked DBS." not in public.get_data(as_text=True)
    listing = gamma_staff.get("/api/v1/mentor-profiles")
    assert listing.status_code == 200
    assert profile["id"] in {p["id"] for p in listing.get_json()}
    assert "Coordinator checked DBS." not in listing.get_data(as_text=True)


def test_coordinators_who_do_not_assess_the_profile_are_refused(
    pool: PoolWorld, mentor: Person, admin_a: Person, coordinator: Person, owner_engine: Engine
) -> None:
    """A coordinator may vet only profiles released to a consortium they coordinate."""
    # Another consortium (gamma and delta, not tenant_a), coordinated by a person of gamma: the
    # profile is visible to them through gamma's membership of the network, but they do not
    # coordinate a consortium it is shared with: 403.
    other = pool.consortium("other-network", pool.gamma, pool.delta)
    other_coordinator = pool.sign_in(pool.gamma, "Otis", "Othercoord", coordinator_of=[other["id"]])
    # A coordinator of a consortium of tenant_b only: the profile is invisible to them: 404.
    far = pool.consortium("far-network", pool.b)
    far_coordinator = pool.sign_in(pool.b, "Fay", "Farcoord", coordinator_of=[far["id"]])

    consortium_wide = create_profile(mentor, sharing={"scope": "consortium"})
    release(admin_a, consortium_wide)
    assert get_ok(other_coordinator, url(consortium_wide))["view"] == "public"
    assert_problem(vet(other_coordinator, consortium_wide), 403)
    assert_problem(vet(far_coordinator, consortium_wide), 404)

    # Shared with gamma by name (not with the consortium): the network's coordinator sees the
    # public view and may not vet.
    named_mentor = pool.sign_in(pool.a, "Nina", "Named")
    named = create_profile(
        named_mentor, sharing={"scope": "organisations", "organisation_ids": [pool.gamma.id]}
    )
    release(admin_a, named)
    assert get_ok(coordinator, url(named))["view"] == "public"
    assert_problem(vet(coordinator, named), 403)

    for person, profile in ((mentor, consortium_wide), (named_mentor, named)):
        assert mail_jobs(owner_engine, person.email) == []
        assert get_ok(person, url(profile))["vetting"]["status"] == "pending"


def test_staff_and_other_organisations_admins_cannot_vet(
    pool: PoolWorld, mentor: Person, admin_a: Person, colleague: Person, owner_engine: Engine
) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    gamma_admin = pool.sign_in(pool.gamma, "Gus", "Gammadmin", org_admin=True)
    b_admin = pool.sign_in(pool.b, "Bea", "Betadmin", org_admin=True)

    for caller in (mentor, colleague, pool.a.api):  # no organisation:admin nor coordinate
        assert_problem(vet(caller, profile), 403)
    assert_problem(vet(gamma_admin, profile), 404)  # unreleased: invisible
    release(admin_a, profile)
    assert_problem(vet(gamma_admin, profile), 403)  # visible, but not theirs
    assert_problem(vet(b_admin, profile), 404)
    assert mail_jobs(owner_engine, mentor.email) == []
    # The platform may (it acts as any org admin).
    assert vet_ok(pool.platform, profile)["vetting"]["status"] == "approved"


def test_approval_needs_an_expiry_date_in_the_future(
    mentor: Person, admin_a: Person, owner_engine: Engine
) -> None:
    profile = create_profile(mentor)
    path = url(profile, "/vetting")
    for expires_on in (None, days(-1).isoformat(), days(0).isoformat()):
        body = {"status": "approved", "expires_on": expires_on, "note": None}
        assert_problem(admin_a.post(path, json=body), 422, field="expires_on")
    body = {"status": "approved", "expires_on": "soon", "note": None}
    assert_problem(admin_a.post(path, json=body), 422, field="expires_on")
    body = {"status": "vetted", "expires_on": None, "note": None}
    assert_problem(admin_a.post(path, json=body), 422, field="status")
    assert_problem(admin_a.post(path, json={}), 422, field="status")
    assert get_ok(mentor, url(profile))["vetting"]["status"] == "pending"
    assert mail_jobs(owner_engine, mentor.email) == []
    # Tomorrow is the earliest expiry.
    assert vet_ok(admin_a, profile, expires_on=days(1))["vetting"]["expires_on"] == (
        days(1).isoformat()
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"status": "approved", "expires_on": "2099-01-01"}, 200, None, id="no-note"),
        pytest.param({"status": "suspended", "note": "Paused."}, 200, None, id="no-expiry"),
        pytest.param(
            {"status": "approved", "note": "ok"}, 422, "expires_on", id="approve-no-expiry"
        ),
    ],
)
def test_optional_fields_may_be_left_out(
    mentor: Person, admin_a: Person, body: dict[str, Any], status: int, field: str | None
) -> None:
    profile = create_profile(mentor)
    response = admin_a.post(url(profile, "/vetting"), json=body)
    if status == 200:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    else:
        assert_problem(response, status, field=field)


# --- expiry ----------------------------------------------------------------------------------


def _expire(app: Flask, today: Any) -> int:
    from consortium.pool.jobs import expire_vetting_now

    with app.app_context():
        return expire_vetting_now(today=today)


def test_expired_vetting_pauses_the_profile_once_and_tells_the_mentor_once(
    pool: PoolWorld,
    mentor: Person,
    admin_a: Person,
    coordinator: Person,
    gamma_staff: Person,
    owner_engine: Engine,
    freeze_pool_today: Any,
) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    release(admin_a, profile)
    expiry = days(30)
    vet_ok(admin_a, profile, expires_on=expiry)
    assert len(mail_jobs(owner_engine, mentor.email)) == 1

    # On the expiry day itself the vetting still holds.
    assert _expire(pool.app, expiry) == 0
    assert get_ok(mentor, url(profile))["status"] == "active"
    assert len(mail_jobs(owner_engine, mentor.email)) == 1

    # The day after: paused, and the mentor is told.
    assert _expire(pool.app, expiry + timedelta(days=1)) == 1
    paused = get_ok(mentor, url(profile))
    assert (paused["status"], paused["paused_reason"]) == ("paused", "vetting_expired")
    jobs = mail_jobs(owner_engine, mentor.email)
    assert len(jobs) == 2
    assert "paused" in jobs[1]["arguments"]["subject"]
    assert expiry.strftime("%d %B %Y") in jobs[1]["arguments"]["body"]
    assert str(jobs[1]["organisation_id"]) == pool.a.id

    # Idempotent: a second run (and a later one) pauses nothing more and mails nobody again.
    assert _expire(pool.app, expiry + timedelta(days=1)) == 0
    assert _expire(pool.app, expiry + timedelta(days=2)) == 0
    assert len(mail_jobs(owner_engine, mentor.email)) == 2

    # A paused profile leaves the pool; its organisation and the coordinator still see it.
    assert gamma_staff.get(url(profile)).status_code == 404
    assert profile["id"] not in listed_ids(gamma_staff)
    assert get_ok(coordinator, url(profile))["status"] == "paused"
    assert get_ok(admin_a, url(profile))["status"] == "paused"

    # Now it is the day after expiry for the service too: the mentor cannot simply resume.
    freeze_pool_today(expiry + timedelta(days=1))
    assert get_ok(mentor, url(profile))["vetting"]["expired"] is True
    assert_problem(patch_profile(mentor, profile, {"status": "active"}), 409, field="status")
    assert_problem(patch_profile(admin_a, profile, {"status": "active"}), 409, field="status")
    assert get_ok(mentor, url(profile))["status"] == "paused"

    # A new approval resumes it.
    renewed = vet_ok(admin_a, profile, expires_on=expiry + timedelta(days=400))
    assert (renewed["status"], renewed["paused_reason"]) == ("active", None)
    assert renewed["vetting"]["expired"] is False
    assert get_ok(gamma_staff, url(profile))["view"] == "public"
    assert len(mail_jobs(owner_engine, mentor.email)) == 3
    assert _expire(pool.app, expiry + timedelta(days=2)) == 0


def test_expiry_runs_across_organisations_and_leaves_other_profiles_alone(
    pool: PoolWorld, mentor: Person, admin_a: Person, owner_engine: Engine
) -> None:
    gamma_mentor = pool.sign_in(pool.gamma, "Gwen", "Gammamentor")
    gamma_admin = pool.sign_in(pool.gamma, "Gus", "Gammadmin", org_admin=True)
    later_mentor = pool.sign_in(pool.a, "Leo", "Later")
    pending_mentor = pool.sign_in(pool.a, "Pat", "Pending")
    resting_mentor = pool.sign_in(pool.a, "Rae", "Resting")
    expiry = days(10)

    expiring = create_profile(mentor)
    vet_ok(admin_a, expiring, expires_on=expiry)
    gamma_expiring = create_profile(gamma_mentor)
    vet_ok(gamma_admin, gamma_expiring, expires_on=expiry - timedelta(days=3))
    later = create_profile(later_mentor)
    vet_ok(admin_a, later, expires_on=expiry + timedelta(days=5))
    pending = create_profile(pending_mentor)  # never vetted: nothing expires
    resting = create_profile(resting_mentor, status="paused")  # paused by the mentor
    vet_ok(admin_a, resting, expires_on=expiry)

    assert _expire(pool.app, expiry + timedelta(days=1)) == 2
    assert get_ok(mentor, url(expiring))["paused_reason"] == "vetting_expired"
    assert get_ok(gamma_mentor, url(gamma_expiring))["paused_reason"] == "vetting_expired"
    assert get_ok(later_mentor, url(later))["status"] == "active"
    assert get_ok(pending_mentor, url(pending))["status"] == "active"
    assert get_ok(resting_mentor, url(resting))["paused_reason"] == "requested"

    gamma_mail = mail_jobs(owner_engine, gamma_mentor.email)
    assert [str(j["organisation_id"]) for j in gamma_mail] == [pool.gamma.id, pool.gamma.id]
    assert len(mail_jobs(owner_engine, mentor.email)) == 2
    assert len(mail_jobs(owner_engine, later_mentor.email)) == 1
    assert mail_jobs(owner_engine, pending_mentor.email) == []
    assert len(mail_jobs(owner_engine, resting_mentor.email)) == 1


def test_expire_vetting_is_a_periodic_job(app: Flask) -> None:
    from consortium.core.jobs import PERIODIC
    from consortium.pool import jobs

    entries = [(queue, every) for func, queue, every in PERIODIC if func is jobs.expire_vetting]
    assert len(entries) == 1
    queue, every = entries[0]
    assert queue == "maintenance"
    assert 0 < every <= 24 * 3600  # at least daily
