"""The platform erases staff records that were never signed in (created by an HR client),
including one whose one-letter names occur inside JSON escapes (the fuzzer found it)."""

from __future__ import annotations

from typing import Any

from tests.factories import Tenant, create_person


def erase(platform: Any, tenant: Tenant, person: dict[str, Any]) -> None:
    url = f"/api/v1/organisations/{tenant.id}/people/{person['id']}/erasure"
    response = platform.post(url)
    assert response.status_code == 200, response.get_json()
    record = tenant.api.get(f"/api/v1/people/{person['id']}").get_json()
    assert record["email"].endswith("@erased.invalid")


def test_the_platform_erases_a_record_never_signed_in(platform: Any, tenant_a: Tenant) -> None:
    erase(platform, tenant_a, tenant_a.person)


def test_one_letter_names_do_not_break_json_values(platform: Any, tenant_a: Tenant) -> None:
    person = create_person(
        tenant_a.api,
        "n.u@alpha-trust.example.org",
        given_name="n",
        family_name="u",
        job_title="Line one\nline two, café",
    )
    # Idempotency records and audit payloads hold JSON with \n and \u escapes.
    response = tenant_a.api.post(
        "/api/v1/people",
        json={"given_name": "Other", "family_name": "Person", "email": "o@alpha-trust.example.org"},
        headers={"Idempotency-Key": "n-u-1"},
    )
    assert response.status_code == 201
    erase(platform, tenant_a, person)
