"""Creating and changing mentor profiles: who may, what is valid, conflicts, ETags.

Errors are application/problem+json naming the field (tests.api.helpers.assert_problem).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.identity.role_support import deactivate, new_person
from tests.pool.conftest import (
    PROFILES,
    Person,
    PoolWorld,
    create_profile,
    get_ok,
    owner_scalar,
    patch_ok,
    patch_profile,
    profile_body,
    release,
    url,
)

# --- creating --------------------------------------------------------------------------------


def test_a_person_offers_to_mentor(pool: PoolWorld, mentor: Person) -> None:
    response = mentor.post(
        PROFILES,
        json={
            "modalities": ["mentoring", "reverse_mentoring"],
            "topics": ["Quality Improvement", "quality-improvement", " Leadership ", "!!!"],
            "bio": "Ward manager for ten years.",
            "accreditation": {"body": "EMCC", "level": "senior_practitioner"},
            "capacity": 3,
            "sharing": {"scope": "consortium"},
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.headers["Content-Type"] == "application/json"
    profile = response.get_json()
    assert profile["view"] == "full"
    assert profile["person_id"] == mentor.id
    assert profile["person"] == {
        "display_name": mentor.name,
        "job_title": None,
        "profession": None,
    }
    assert profile["organisation"] == {"id": pool.a.id, "name": "Alpha Trust", "sector": "health"}
    assert profile["modalities"] == ["mentoring", "reverse_mentoring"]
    # Normalised, de-duplicated (first spelling's place kept), empties dropped.
    assert profile["topics"] == ["quality-improvement", "leadership"]
    assert profile["accreditation"] == {"body": "EMCC", "level": "senior_practitioner"}
    assert (profile["capacity"], profile["capacity_left"]) == (3, 3)
    assert (profile["status"], profile["paused_reason"]) == ("active", None)
    assert profile["vetting"]["status"] == "pending"
    assert profile["sharing"] == {"scope": "consortium", "organisation_ids": []}
    assert profile["release"]["released"] is False
    assert get_ok(mentor, url(profile)) == profile


def test_defaults(mentor: Person) -> None:
    profile = create_profile(mentor, topics=[])  # only modalities given besides
    assert profile["capacity"] == 2
    assert profile["topics"] == []
    assert profile["bio"] == ""
    assert profile["accreditation"] is None
    assert profile["sharing"] == {"scope": "organisation", "organisation_ids": []}
    assert profile["status"] == "active"


def test_a_second_profile_for_the_same_person_conflicts(
    mentor: Person, admin_a: Person, owner_engine: Engine
) -> None:
    create_profile(mentor)
    assert_problem(mentor.post(PROFILES, json=profile_body()), 409, field="person_id")
    response = admin_a.post(PROFILES, json=profile_body(person_id=mentor.id))
    assert_problem(response, 409, field="person_id")
    assert owner_scalar(owner_engine, "SELECT count(*) FROM mentor_profiles") == 1


def test_an_idempotency_key_replays_the_creation(mentor: Person, owner_engine: Engine) -> None:
    headers = {"Idempotency-Key": "offer-1"}
    first = mentor.post(PROFILES, json=profile_body(), headers=headers)
    again = mentor.post(PROFILES, json=profile_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert owner_scalar(owner_engine, "SELECT count(*) FROM mentor_profiles") == 1


def test_who_may_create_a_profile_for_a_colleague(
    pool: PoolWorld, mentor: Person, admin_a: Person, colleague: Person
) -> None:
    # Plain staff may not offer a colleague's time.
    assert_problem(colleague.post(PROFILES, json=profile_body(person_id=mentor.id)), 403)
    # Their org admin may; the profile is the colleague's.
    made = admin_a.post(PROFILES, json=profile_body(person_id=mentor.id))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["person_id"] == mentor.id
    assert get_ok(mentor, url(made.get_json()))["view"] == "full"
    assert get_ok(colleague, url(made.get_json()))["view"] == "public"

    # The organisation's API client names the person; without one it cannot say whose.
    assert_problem(pool.a.api.post(PROFILES, json=profile_body()), 422, field="person_id")
    made = pool.a.api.post(PROFILES, json=profile_body(person_id=colleague.id))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["person_id"] == colleague.id

    # Another organisation's staff do not exist for them.
    gamma_person = str(pool.gamma.person["id"])
    for caller in (admin_a, pool.a.api):
        response = caller.post(PROFILES, json=profile_body(person_id=gamma_person))
        assert_problem(response, 422, field="person_id")
    assert_problem(
        pool.a.api.post(PROFILES, json=profile_body(person_id=str(uuid.uuid4()))),
        422,
        field="person_id",
    )
    # The platform names the person, of any organisation.
    assert_problem(pool.platform.post(PROFILES, json=profile_body()), 422, field="person_id")
    made = pool.platform.post(PROFILES, json=profile_body(person_id=gamma_person))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["organisation"]["id"] == pool.gamma.id


def test_a_deactivated_person_cannot_be_offered(pool: PoolWorld) -> None:
    person = new_person(pool.a, "leaver")
    deactivate(pool.a, person)
    response = pool.a.api.post(PROFILES, json=profile_body(person_id=person["id"]))
    assert_problem(response, 422, field="person_id")


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"modalities": ["juggling"]}, "modalities.0"),
    ({"modalities": ["mentoring", "mentoring"]}, "modalities"),
    ({"modalities": []}, "modalities"),
    ({"modalities": "mentoring"}, "modalities"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 11}, "capacity"),
    ({"capacity": "2"}, "capacity"),
    ({"capacity": 2.5}, "capacity"),
    ({"accreditation": {"body": "ICF", "level": "practitioner"}}, "accreditation.level"),
    ({"accreditation": {"body": "EMCC", "level": "PCC"}}, "accreditation.level"),
    ({"accreditation": {"body": "AC", "level": "grand_master"}}, "accreditation.level"),
    ({"accreditation": {"body": "NASA", "level": "practitioner"}}, "accreditation.body"),
    ({"accreditation": {"body": "EMCC"}}, "accreditation.level"),
    ({"sharing": {"scope": "organisations"}}, "sharing.organisation_ids"),
    ({"sharing": {"scope": "organisations", "organisation_ids": []}}, "sharing.organisation_ids"),
    ({"sharing": {"scope": "everyone"}}, "sharing.scope"),
    ({"topics": [f"topic-{n}" for n in range(21)]}, "topics"),
    ({"topics": ["x" * 41]}, "topics.0"),
    ({"topics": [""]}, "topics.0"),
    ({"bio": "x" * 4001}, "bio"),
    ({"status": "retired"}, "status"),
    ({"person_id": "me"}, "person_id"),
    ({"vetting_status": "approved"}, "vetting_status"),  # unknown fields are refused
    ({"released_at": "2026-01-01T00:00:00+00:00"}, "released_at"),
]


def test_invalid_profiles_are_422_naming_the_field(
    pool: PoolWorld, mentor: Person, owner_engine: Engine, subtests: Any
) -> None:
    for changes, field in INVALID:
        with subtests.test(msg=field, body=changes):
            body = {**profile_body(), **changes}
            assert_problem(mentor.post(PROFILES, json=body), 422, field=field, location="json")
    with subtests.test(msg="modalities required"):
        body = profile_body()
        del body["modalities"]
        assert_problem(mentor.post(PROFILES, json=body), 422, field="modalities")
    with subtests.test(msg="consortium sharing names nobody"):
        sharing = {"scope": "consortium", "organisation_ids": [pool.gamma.id]}
        response = mentor.post(PROFILES, json=profile_body(sharing=sharing))
        assert_problem(response, 422, field="sharing.organisation_ids")
    with subtests.test(msg="named twice"):
        sharing = {"scope": "organisations", "organisation_ids": [pool.gamma.id] * 2}
        response = mentor.post(PROFILES, json=profile_body(sharing=sharing))
        assert_problem(response, 422, field="sharing.organisation_ids")
    assert owner_scalar(owner_engine, "SELECT count(*) FROM mentor_profiles") == 0


def test_sharing_only_with_partners(pool: PoolWorld, mentor: Person, owner_engine: Engine) -> None:
    """Named organisations must be fellow members of one of the organisation's consortia."""
    for named in ([pool.b.id], [pool.gamma.id, pool.b.id], [pool.a.id], [str(uuid.uuid4())]):
        sharing = {"scope": "organisations", "organisation_ids": named}
        response = mentor.post(PROFILES, json=profile_body(sharing=sharing))
        body = assert_problem(response, 422, field="sharing.organisation_ids")
        assert named[-1] in body["errors"][0]["detail"]
    assert owner_scalar(owner_engine, "SELECT count(*) FROM mentor_profiles") == 0
    sharing = {"scope": "organisations", "organisation_ids": [pool.delta.id, pool.gamma.id]}
    profile = create_profile(mentor, sharing=sharing)
    assert profile["sharing"] == sharing


def test_icf_credentials_are_accepted(mentor: Person) -> None:
    profile = create_profile(mentor, accreditation={"body": "ICF", "level": "MCC"})
    assert profile["accreditation"] == {"body": "ICF", "level": "MCC"}


# --- changing --------------------------------------------------------------------------------


def test_patch_needs_a_current_etag(mentor: Person) -> None:
    profile = create_profile(mentor)
    path = url(profile)
    assert_problem(mentor.patch(path, json={"capacity": 3}), 428)
    stale = mentor.get(path).headers["ETag"]
    patch_ok(mentor, profile, {"capacity": 3})
    assert_problem(mentor.patch(path, json={"capacity": 4}, headers={"If-Match": stale}), 412)
    assert_problem(mentor.patch(path, json={"capacity": 4}, headers={"If-Match": '"x"'}), 412)
    assert get_ok(mentor, path)["capacity"] == 3

    response = patch_profile(mentor, profile, {"capacity": 4})
    assert response.status_code == 200
    assert response.headers["ETag"] == mentor.get(path).headers["ETag"]
    assert response.headers["ETag"] != stale


def test_the_mentor_the_org_admin_and_the_client_edit(
    pool: PoolWorld, mentor: Person, admin_a: Person
) -> None:
    profile = create_profile(mentor, topics=["leadership"])
    changed = patch_ok(
        mentor, profile, {"topics": ["Board Governance", "leadership"], "bio": "New."}
    )
    assert changed["topics"] == ["board-governance", "leadership"]
    changed = patch_ok(
        admin_a, profile, {"accreditation": {"body": "ICF", "level": "ACC"}, "capacity": 4}
    )
    assert changed["accreditation"] == {"body": "ICF", "level": "ACC"}
    assert changed["capacity"] == 4
    changed = patch_ok(pool.a.api, profile, {"accreditation": None, "modalities": ["coaching"]})
    assert changed["accreditation"] is None
    assert changed["modalities"] == ["coaching"]
    changed = patch_ok(pool.platform, profile, {"bio": "Platform edit."})
    assert changed["bio"] == "Platform edit."

    # Pausing by request, and resuming.
    paused = patch_ok(mentor, profile, {"status": "paused"})
    assert (paused["status"], paused["paused_reason"]) == ("paused", "requested")
    resumed = patch_ok(mentor, profile, {"status": "active"})
    assert (resumed["status"], resumed["paused_reason"]) == ("active", None)


def test_others_may_not_edit(
    pool: PoolWorld,
    mentor: Person,
    admin_a: Person,
    colleague: Person,
    coordinator: Person,
    gamma_staff: Person,
) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    release(admin_a, profile)
    gamma_admin = pool.sign_in(pool.gamma, "Gus", "Gammadmin", org_admin=True)
    # They see it (the coordinator in full) and send its current ETag, but it is not theirs.
    for caller in (colleague, coordinator, gamma_staff, gamma_admin, pool.gamma.api):
        assert_problem(patch_profile(caller, profile, {"capacity": 5}), 403)
    etag = mentor.get(url(profile)).headers["ETag"]
    for caller in (pool.b.api, pool.sign_in(pool.b, "Bea", "Betadmin", org_admin=True)):
        response = caller.patch(url(profile), json={"capacity": 5}, headers={"If-Match": etag})
        assert_problem(response, 404)
    assert get_ok(mentor, url(profile))["capacity"] == 2


def test_an_invalid_change_changes_nothing(
    pool: PoolWorld, mentor: Person, admin_a: Person
) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    release(admin_a, profile)
    before = get_ok(mentor, url(profile))
    bad_sharing = {"scope": "organisations", "organisation_ids": [pool.b.id]}
    response = patch_profile(mentor, profile, {"capacity": 5, "sharing": bad_sharing})
    assert_problem(response, 422, field="sharing.organisation_ids")
    for changes, field in [
        ({"capacity": 0}, "capacity"),
        ({"modalities": ["mentoring", "mentoring"]}, "modalities"),
        ({"accreditation": {"body": "ICF", "level": "senior_practitioner"}}, "accreditation.level"),
        ({"sharing": {"scope": "organisations"}}, "sharing.organisation_ids"),
        ({"person_id": admin_a.id}, "person_id"),  # whose profile it is does not change
    ]:
        assert_problem(patch_profile(mentor, profile, changes), 422, field=field)
    after = get_ok(mentor, url(profile))
    assert after == before
    assert after["release"]["released"] is True


def test_unknown_profiles_are_404_problems(pool: PoolWorld, mentor: Person) -> None:
    missing = str(uuid.uuid4())
    for path in ("", "/cpd"):
        assert_problem(mentor.get(url(missing, path)), 404)
    assert_problem(pool.platform.get(url(missing)), 404)
    assert_problem(pool.platform.post(url(missing, "/release")), 404)
    body = {"status": "approved", "expires_on": "2099-01-01", "note": None}
    assert_problem(pool.platform.post(url(missing, "/vetting"), json=body), 404)
    assert_problem(mentor.get(f"{PROFILES}/not-a-uuid"), 404)
