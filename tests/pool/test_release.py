"""POST /api/v1/mentor-profiles/{id}/release: the employer's approval to lend a mentor's time.

Only an admin of the mentor's organisation (or the platform) releases; plain staff lack the
scope organisation:admin (403, before any lookup); another organisation's admin gets 404 while
the profile is invisible to them and 403 once it is shared with them. A change of sharing
withdraws the release.
"""

from __future__ import annotations

from tests.api.helpers import assert_problem
from tests.pool.conftest import (
    Person,
    PoolWorld,
    create_profile,
    get_ok,
    listed_ids,
    patch_ok,
    release,
    url,
)


def test_only_the_mentors_org_admin_releases(
    pool: PoolWorld, mentor: Person, admin_a: Person, colleague: Person, gamma_staff: Person
) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    gamma_admin = pool.sign_in(pool.gamma, "Gus", "Gammadmin", org_admin=True)
    b_admin = pool.sign_in(pool.b, "Bea", "Betadmin", org_admin=True)

    # Plain staff, the mentor included, lack organisation:admin: 403 before any lookup.
    for caller in (mentor, colleague):
        body = assert_problem(caller.post(url(profile, "/release")), 403)
        assert "organisation:admin" in body["detail"]
    # The organisation's API client cannot hold organisation:admin either.
    assert_problem(pool.a.api.post(url(profile, "/release")), 403)
    # Other organisations' admins: the unreleased profile does not exist for them.
    assert_problem(gamma_admin.post(url(profile, "/release")), 404)
    assert_problem(b_admin.post(url(profile, "/release")), 404)
    assert gamma_staff.get(url(profile)).status_code == 404

    released = release(admin_a, profile)
    assert released["release"]["released"] is True
    assert released["release"]["released_by"] == admin_a.name
    assert released["release"]["released_at"]
    assert gamma_staff.get(url(profile)).status_code == 200

    # Now gamma's admin sees the profile, but it is not theirs to release.
    assert_problem(gamma_admin.post(url(profile, "/release")), 403)
    # tenant_b is in no consortium: still nothing to see.
    assert_problem(b_admin.post(url(profile, "/release")), 404)


def test_the_platform_may_release(pool: PoolWorld, mentor: Person) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    released = release(pool.platform, profile)
    assert released["release"]["released"] is True


def test_an_organisation_only_profile_cannot_be_released(mentor: Person, admin_a: Person) -> None:
    profile = create_profile(mentor)  # sharing defaults to the organisation
    assert profile["sharing"] == {"scope": "organisation", "organisation_ids": []}
    assert_problem(admin_a.post(url(profile, "/release")), 409, field="sharing.scope")
    assert get_ok(mentor, url(profile))["release"]["released"] is False


def test_release_is_idempotent(mentor: Person, admin_a: Person, gamma_staff: Person) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    first = release(admin_a, profile)["release"]
    second = release(admin_a, profile)["release"]
    assert second == first
    assert listed_ids(gamma_staff) == {profile["id"]}


def test_changing_sharing_withdraws_the_release_until_released_again(
    pool: PoolWorld, mentor: Person, admin_a: Person, gamma_staff: Person
) -> None:
    delta_staff = pool.sign_in(pool.delta, "Dev", "Delta")
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    release(admin_a, profile)
    assert gamma_staff.get(url(profile)).status_code == 200
    assert delta_staff.get(url(profile)).status_code == 200

    # Edits that leave the sharing as it is keep the release (the same sharing sent again too).
    patch_ok(mentor, profile, {"capacity": 3, "bio": "Still here."})
    kept = patch_ok(mentor, profile, {"sharing": {"scope": "consortium"}})
    assert kept["release"]["released"] is True
    assert gamma_staff.get(url(profile)).status_code == 200

    # Narrowing to gamma by name withdraws the release: gamma no longer sees the profile either.
    changed = patch_ok(
        mentor,
        profile,
        {"sharing": {"scope": "organisations", "organisation_ids": [pool.gamma.id]}},
    )
    assert changed["release"] == {"released": False, "released_at": None, "released_by": None}
    assert changed["sharing"] == {"scope": "organisations", "organisation_ids": [pool.gamma.id]}
    assert gamma_staff.get(url(profile)).status_code == 404
    assert profile["id"] not in listed_ids(gamma_staff)
    assert delta_staff.get(url(profile)).status_code == 404

    release(admin_a, profile)
    assert get_ok(gamma_staff, url(profile))["view"] == "public"
    assert listed_ids(gamma_staff) == {profile["id"]}
    assert delta_staff.get(url(profile)).status_code == 404

    # Adding delta to the names is a new sharing: withdrawn again for both.
    patch_ok(
        admin_a,
        profile,
        {"sharing": {"scope": "organisations", "organisation_ids": [pool.gamma.id, pool.delta.id]}},
    )
    assert gamma_staff.get(url(profile)).status_code == 404
    assert delta_staff.get(url(profile)).status_code == 404
    release(admin_a, profile)
    assert gamma_staff.get(url(profile)).status_code == 200
    assert delta_staff.get(url(profile)).status_code == 200

    # Back to the organisation only: withdrawn, and not releasable.
    patch_ok(mentor, profile, {"sharing": {"scope": "organisation"}})
    assert gamma_staff.get(url(profile)).status_code == 404
    assert_problem(admin_a.post(url(profile, "/release")), 409, field="sharing.scope")
