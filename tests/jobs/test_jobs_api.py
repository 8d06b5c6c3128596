"""/api/v1/organisations/{id}/exports and /api/v1/jobs/{id}: starting a job and reading it,
for the tenant that owns it only."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from tests.conftest import ApiClient
from tests.factories import Tenant, create_person
from tests.jobs.conftest import api_on
from tests.jobs.support import RedisServer, job_count, run_burst_worker, worker_env


def exports(tenant: Tenant) -> str:
    return f"/api/v1/organisations/{tenant.id}/exports"


def staff(tenant: Tenant, *names: str) -> set[str]:
    """Add staff to the tenant; return the emails of all its staff (with the factory's person)."""
    domain = tenant.organisation["email_domains"][0]
    emails = {tenant.person["email"]}
    for name in names:
        emails.add(create_person(tenant.api, f"{name}@{domain}", given_name=name.title())["email"])
    return emails


def exported_emails(job: dict) -> set[str]:
    return {p["email"] for p in job["result"]["people"]}


def test_an_export_is_accepted_and_its_job_shows_the_organisation_and_only_its_staff(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    a_staff = staff(tenant_a, "alex", "jo")
    b_staff = staff(tenant_b, "pat")

    response = tenant_a.api.post(exports(tenant_a))
    assert response.status_code == 202, response.get_json()
    accepted = response.get_json()
    assert response.headers["Location"] == f"/api/v1/jobs/{accepted['id']}"
    assert accepted["name"] == "organisations.export"
    assert accepted["organisation_id"] == tenant_a.id

    job = tenant_a.api.get(response.headers["Location"]).get_json()
    assert job["id"] == accepted["id"]
    assert (job["status"], job["attempts"], job["error"]) == ("succeeded", 1, None)
    assert job["finished_at"] is not None
    assert job["result"]["organisation"]["id"] == tenant_a.id
    assert exported_emails(job) == a_staff
    assert not exported_emails(job) & b_staff


def test_an_export_started_by_the_platform_still_holds_only_that_organisations_staff(
    platform: ApiClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    a_staff = staff(tenant_a, "alex")
    staff(tenant_b, "pat")

    response = platform.post(exports(tenant_a))
    assert response.status_code == 202, response.get_json()
    job = platform.get(response.headers["Location"]).get_json()
    assert job["status"] == "succeeded"
    assert exported_emails(job) == a_staff
    # The job is the organisation's: it can read it, another tenant cannot.
    assert tenant_a.api.get(response.headers["Location"]).status_code == 200
    assert tenant_b.api.get(response.headers["Location"]).status_code == 404


def test_a_job_is_not_found_for_another_tenant_or_an_unknown_id_and_visible_to_the_platform(
    platform: ApiClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    location = tenant_a.api.post(exports(tenant_a)).headers["Location"]
    mine = tenant_a.api.get(location)
    assert mine.status_code == 200

    assert tenant_b.api.get(location).status_code == 404
    assert tenant_a.api.get(f"/api/v1/jobs/{uuid.uuid4()}").status_code == 404

    seen = platform.get(location)
    assert seen.status_code == 200
    assert seen.get_json() == mine.get_json()


def test_a_job_cannot_be_read_without_credentials(anonymous: ApiClient, tenant_a: Tenant) -> None:
    location = tenant_a.api.post(exports(tenant_a)).headers["Location"]
    assert anonymous.get(location).status_code == 401


def test_another_tenant_cannot_export_an_organisation(
    tenant_a: Tenant, tenant_b: Tenant, owner_engine: Engine
) -> None:
    response = tenant_b.api.post(exports(tenant_a))
    assert response.status_code == 404
    assert job_count(owner_engine) == 0


def test_an_export_retried_with_the_same_idempotency_key_starts_one_job(
    tenant_a: Tenant, owner_engine: Engine
) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = tenant_a.api.post(exports(tenant_a), headers=headers)
    again = tenant_a.api.post(exports(tenant_a), headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert job_count(owner_engine) == 1

    other = tenant_a.api.post(exports(tenant_a), headers={"Idempotency-Key": str(uuid.uuid4())})
    assert other.get_json()["id"] != first.get_json()["id"]
    assert job_count(owner_engine) == 2


@pytest.mark.slow
def test_an_export_run_by_a_real_worker_holds_only_the_organisations_staff(
    rq_app: Flask, shared_redis: RedisServer, runtime_url: str, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """`flask worker` as deployed: the application role (RLS applies), the tenant set per job."""
    a_staff = staff(tenant_a, "alex", "jo")
    b_staff = staff(tenant_b, "pat", "kim")
    api = api_on(rq_app, tenant_a)

    response = api.post(exports(tenant_a))
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    assert api.get(location).get_json()["status"] == "enqueued"  # queued, not run in-process

    run_burst_worker(worker_env(runtime_url, shared_redis.url))

    job = api.get(location).get_json()
    assert (job["status"], job["attempts"]) == ("succeeded", 1), job
    assert job["result"]["organisation"]["id"] == tenant_a.id
    assert exported_emails(job) == a_staff
    assert not exported_emails(job) & b_staff


def test_a_client_that_follows_jobs_sees_an_exports_result_only_if_it_may_read_staff(
    platform: ApiClient, tenant_a: Tenant
) -> None:
    """jobs:read shows the status; the staff records in the result need people:read."""
    from tests.factories import organisation_client

    response = tenant_a.api.post(exports(tenant_a))
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    follower = organisation_client(platform, tenant_a.id, scopes=["jobs:read"])
    shown = follower.get(f"/api/v1/jobs/{job_id}")
    assert shown.status_code == 200, shown.get_json()
    assert shown.get_json()["status"] == "succeeded"
    assert shown.get_json()["result"] is None
    assert tenant_a.person["email"] in exported_emails(
        tenant_a.api.get(f"/api/v1/jobs/{job_id}").get_json()
    )
    # Hiding it from one reader left the stored result alone.
    assert tenant_a.api.get(f"/api/v1/jobs/{job_id}").get_json()["result"] is not None
