"""The visibility matrix: who sees a mentor profile, and how much of it, for every sharing scope.

Rows are sharing scopes (one mentor of tenant_a per row); columns are viewers. A cell says what
GET /api/v1/mentor-profiles/{id} answers and how the profile appears in GET /api/v1/mentor-profiles:
  full    200 with view "full" (and listed with view "full")
  public  200 with view "public", exactly the public fields (and listed so)
  404     not found, and not listed

The rules the table follows (consortium.pool.service and models):
- the mentor's own organisation sees every profile of it: the mentor, their org admins and the
  organisation's API client in full, colleagues the public fields;
- another organisation sees a profile only once the mentor's org admin has released it, and only
  if it is shared with them (scope consortium: every member of the organisation's consortia;
  scope organisations: the organisations named), and then the public fields only;
- a coordinator of a consortium the profile is released to (scope consortium) sees it in full;
- the platform sees everything in full.

Viewers: tenant_a's mentor (the row's own), colleague (tenant_a staff), org_admin (tenant_a),
gamma (staff of a fellow member, named in the organisations rows), delta (staff of a fellow
member that is not named), outsider (staff of tenant_b, in no consortium), coordinator (a person
of gamma coordinating the network), platform (platform:admin client), client_a (tenant_a's API
client, bearer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.pool.conftest import (
    PROFILES,
    PUBLIC_KEYS,
    PUBLIC_PERSON_KEYS,
    Person,
    PoolWorld,
    create_profile,
    days,
    listed,
    release,
    url,
    vet_ok,
)

VIEWERS = (
    "mentor",
    "colleague",
    "org_admin",
    "gamma",
    "delta",
    "outsider",
    "coordinator",
    "platform",
    "client_a",
)
SCOPES = (
    "organisation",
    "consortium_unreleased",
    "consortium_released",
    "organisations_gamma_released",
    "organisations_gamma_unreleased",
)

# fmt: off
EXPECTED: dict[str, tuple[str, ...]] = {
    #                                  mentor  colleague  org_admin  gamma     delta  outsider coordinator platform  client_a
    "organisation":                   ("full", "public",  "full",    "404",    "404", "404",   "404",      "full",   "full"),
    "consortium_unreleased":          ("full", "public",  "full",    "404",    "404", "404",   "404",      "full",   "full"),
    "consortium_released":            ("full", "public",  "full",    "public", "public", "404", "full",    "full",   "full"),
    "organisations_gamma_released":   ("full", "public",  "full",    "public", "404", "404",   "public",   "full",   "full"),
    "organisations_gamma_unreleased": ("full", "public",  "full",    "404",    "404", "404",   "404",      "full",   "full"),
}
# fmt: on


@dataclass
class Row:
    scope: str
    mentor: Person
    profile: dict[str, Any]
    secrets: list[str]


def _secret_words(mentor: Person, line_manager_id: str, bio: str, note: str) -> list[str]:
    return [mentor.email, line_manager_id, bio, note]


def _keys(value: Any) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


FORBIDDEN_KEYS = {"email", "seniority", "line_manager_id", "bio", "vetting", "note", "person_id"}


def _build_rows(pool: PoolWorld, admin: Person) -> list[Row]:
    line_manager_id = str(pool.a.person["id"])
    gamma_id = pool.gamma.id
    sharing = {
        "organisation": {"scope": "organisation"},
        "consortium_unreleased": {"scope": "consortium"},
        "consortium_released": {"scope": "consortium"},
        "organisations_gamma_released": {"scope": "organisations", "organisation_ids": [gamma_id]},
        "organisations_gamma_unreleased": {
            "scope": "organisations",
            "organisation_ids": [gamma_id],
        },
    }
    rows = []
    for n, scope in enumerate(SCOPES, start=1):
        mentor = pool.sign_in(pool.a, "Mentor", f"Row{n}")
        # What must never reach a public viewer: seniority and line manager on the staff record,
        # the bio and the vetting note on the profile.
        person_url = f"/api/v1/people/{mentor.id}"
        etag = pool.a.api.get(person_url).headers["ETag"]
        response = pool.a.api.patch(
            person_url,
            json={"seniority": 7, "line_manager_id": line_manager_id, "job_title": "Ward Manager"},
            headers={"If-Match": etag},
        )
        assert response.status_code == 200, response.get_json()
        bio = f"Private bio words number {n} zebra-quokka"
        note = f"Vetting note {n}: DBS enhanced seen, references pangolin"
        profile = create_profile(mentor, bio=bio, sharing=sharing[scope], topics=["Leadership"])
        if scope.endswith("_released"):
            release(admin, profile)
        vet_ok(admin, profile, expires_on=days(400), note=note)
        rows.append(Row(scope, mentor, profile, _secret_words(mentor, line_manager_id, bio, note)))
    return rows


def _assert_public_shape(item: dict[str, Any], row: Row, where: str) -> None:
    assert set(item) == PUBLIC_KEYS, f"{where}: keys {sorted(item)}"
    assert set(item["person"]) == PUBLIC_PERSON_KEYS, f"{where}: person {item['person']}"
    assert item["person"]["display_name"] == row.mentor.name
    assert item["person"]["job_title"] == "Ward Manager"
    assert item["organisation"]["id"] == row.profile["organisation"]["id"]
    assert item["capacity_left"] == 2
    assert not _keys(item) & FORBIDDEN_KEYS, where


def _assert_no_secrets(body_text: str, row: Row, where: str) -> None:
    for secret in row.secrets:
        assert secret not in body_text, f"{where}: {secret!r} leaked"


def test_the_visibility_matrix(pool: PoolWorld, subtests: Any) -> None:
    admin = pool.sign_in(pool.a, "Ada", "Admin", org_admin=True)
    rows = _build_rows(pool, admin)
    viewers: dict[str, Any] = {
        "colleague": pool.sign_in(pool.a, "Colin", "Colleague"),
        "org_admin": admin,
        "gamma": pool.sign_in(pool.gamma, "Gail", "Gamma"),
        "delta": pool.sign_in(pool.delta, "Dev", "Delta"),
        "outsider": pool.sign_in(pool.b, "Otto", "Outsider"),
        "coordinator": pool.sign_in(
            pool.gamma, "Cora", "Coordinator", coordinator_of=[pool.network_id]
        ),
        "platform": pool.platform,
        "client_a": pool.a.api,
    }
    lists: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {}

    def list_of(name: str, viewer: Any) -> tuple[str, dict[str, dict[str, Any]]]:
        key = f"{name}:{id(viewer)}"
        if key not in lists:
            response = viewer.get(PROFILES, query_string={"page_size": 100})
            assert response.status_code == 200, response.get_json()
            lists[key] = (
                response.get_data(as_text=True),
                {p["id"]: p for p in response.get_json()},
            )
        return lists[key]

    for row in rows:
        for viewer_name, expected in zip(VIEWERS, EXPECTED[row.scope], strict=True):
            viewer = row.mentor if viewer_name == "mentor" else viewers[viewer_name]
            with subtests.test(msg=row.scope, viewer=viewer_name, expected=expected):
                where = f"{row.scope} as {viewer_name}"
                # GET item
                response = viewer.get(url(row.profile))
                body_text = response.get_data(as_text=True)
                if expected == "404":
                    assert response.status_code == 404, f"{where}: {response.status_code}"
                    assert response.mimetype == "application/problem+json"
                else:
                    assert response.status_code == 200, f"{where}: {response.get_json()}"
                    item = response.get_json()
                    assert item["id"] == row.profile["id"]
                    assert item["view"] == expected, where
                if expected == "public":
                    _assert_public_shape(item, row, f"{where} (item)")
                if expected != "full":
                    _assert_no_secrets(body_text, row, f"{where} (item)")
                if expected == "full":
                    assert item["bio"] == row.secrets[2]
                    assert item["vetting"]["note"] == row.secrets[3]
                    assert item["person_id"] == row.mentor.id
                    assert {"care", "release", "sharing", "vetting"} <= set(item)

                # GET list
                list_text, items = list_of(viewer_name, viewer)
                if expected == "404":
                    assert row.profile["id"] not in items, f"{where}: listed"
                else:
                    assert row.profile["id"] in items, f"{where}: not listed"
                    assert items[row.profile["id"]]["view"] == expected, f"{where} (list)"
                if expected == "public":
                    _assert_public_shape(items[row.profile["id"]], row, f"{where} (list)")
                if expected != "full":
                    _assert_no_secrets(list_text, row, f"{where} (list)")


def test_a_public_viewer_never_sees_an_email_or_seniority_in_any_list_body(
    pool: PoolWorld,
) -> None:
    """Whatever else is in the pool, a public-only viewer's list holds only public keys."""
    admin = pool.sign_in(pool.a, "Ada", "Admin", org_admin=True)
    rows = _build_rows(pool, admin)
    gamma = pool.sign_in(pool.gamma, "Gail", "Gamma")
    items = listed(gamma)
    assert {p["id"] for p in items} == {
        r.profile["id"]
        for r in rows
        if r.scope in {"consortium_released", "organisations_gamma_released"}
    }
    for item in items:
        assert set(item) == PUBLIC_KEYS
        assert not _keys(item) & FORBIDDEN_KEYS
