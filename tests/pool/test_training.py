"""Mentor training: a consortium that sets mentor_training_required lends no mentor's time to
its pool until the mentor has logged mentor training (a CPD entry of kind training).

Configured on the consortium (PATCH /api/v1/consortia/{id}, the platform's): a member's
release is refused with 409 naming the consortium while the log has no training; supervision
or reflection does not count; a consortium that does not require it releases at once.
"""

from __future__ import annotations

from tests.api.helpers import assert_problem
from tests.pool.conftest import Person, PoolWorld, create_profile, days, release, url
from tests.pool.test_cpd import add_ok, entry
from tests.programmes.support import patch_with_etag


def require_training(pool: PoolWorld, required: bool = True) -> None:
    response = patch_with_etag(
        pool.platform,
        f"/api/v1/consortia/{pool.network_id}",
        {"mentor_training_required": required},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["mentor_training_required"] is required


def test_a_profile_is_released_only_after_logged_training(
    pool: PoolWorld, mentor: Person, admin_a: Person
) -> None:
    require_training(pool)
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    add_ok(mentor, profile, entry(days(-3), kind="supervision"))

    body = assert_problem(admin_a.post(url(profile, "/release")), 409)
    assert body["detail"] == (
        f"{pool.network['name']} requires mentors to complete mentor training before their "
        "profile is released: log the training in the mentor's CPD (kind: training), then "
        "release the profile."
    )
    assert admin_a.get(url(profile)).get_json()["release"]["released"] is False

    add_ok(mentor, profile, entry(days(-1), kind="training", hours=6, note="EMCC foundation"))
    assert release(admin_a, profile)["release"]["released"] is True


def test_without_the_requirement_release_needs_no_training(
    pool: PoolWorld, mentor: Person, admin_a: Person
) -> None:
    consortium = pool.platform.get(f"/api/v1/consortia/{pool.network_id}").get_json()
    assert consortium["mentor_training_required"] is False
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    assert release(admin_a, profile)["release"]["released"] is True


def test_the_setting_takes_only_a_boolean(pool: PoolWorld) -> None:
    response = patch_with_etag(
        pool.platform, f"/api/v1/consortia/{pool.network_id}", {"mentor_training_required": "maybe"}
    )
    assert_problem(response, 422, field="mentor_training_required")
