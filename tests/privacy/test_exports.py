"""Subject access: a person downloads everything held about them; nobody else can, and their
special-category data appears in no export but their own."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from tests.api.helpers import assert_problem
from tests.privacy.conftest import FULL_NAME, Life

EXPORTS = "/api/v1/me/exports"


def exported(caller: Any) -> dict[str, Any]:
    response = caller.post(EXPORTS)
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"] == f"{EXPORTS}/{response.get_json()['id']}"
    return dict(response.get_json())


def test_a_person_downloads_everything_held_about_them(life: Life) -> None:
    subject = life.subject
    export = exported(subject)
    # Jobs run inline in tests: by the time we poll it has finished.
    shown = subject.get(f"{EXPORTS}/{export['id']}").get_json()
    assert shown["status"] == "succeeded" and shown["ready"] is True
    assert shown["download_url"] == f"{EXPORTS}/{export['id']}/download"
    # The job is the organisation's to follow (its API client may); its result holds counts.
    job = subject.tenant.api.get(f"/api/v1/jobs/{shown['job_id']}").get_json()
    assert job["status"] == "succeeded" and job["result"]["tables"]["session_notes"] == 2

    response = subject.get(shown["download_url"])
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    everything = json.loads(archive.read("everything.json"))
    tables = everything["tables"]
    assert tables["people"][0]["email"] == subject.email
    assert len(tables["person_identities"]) == 1
    assert FULL_NAME in tables["applications"][0]["goals"][0]["statement"]
    assert [m["id"] for m in tables["matches"]] == [life.sw.match["id"]]
    assert [s["status"] for s in tables["mentoring_sessions"]] == ["held"]
    # The notes they wrote (both kinds), not the mentor's.
    assert sorted(n["kind"] for n in tables["session_notes"]) == ["private", "shared"]
    assert {r["profile_id"] for r in tables["availability_rules"]} == {life.own_profile_id}
    assert [c["programme_id"] for c in tables["consents"]] == [life.consent_programme_id]
    assert tables["sensitive_attributes"][0]["ethnicity"] == "mixed"
    assert "person.exported" in {e["action"] for e in tables["audit_events"]}
    assert len(tables["calendar_feeds"]) == 1
    # Secrets are not personal data: no token hash or encrypted value leaves.
    assert "token_hash" not in tables["calendar_feeds"][0]
    assert "token_encrypted" not in tables["calendar_feeds"][0]
    # A CSV per table, readable by the csv module.
    names = set(archive.namelist())
    assert {"tables/people.csv", "tables/session_notes.csv", "tables/consents.csv"} <= names
    people = list(csv.DictReader(io.StringIO(archive.read("tables/people.csv").decode())))
    assert people[0]["email"] == subject.email
    # The job's own result (which the organisation sees) holds counts, not the data.
    assert "mixed" not in json.dumps(job) and subject.email not in json.dumps(job)


def test_only_the_person_sees_or_downloads_their_export(life: Life) -> None:
    export = exported(life.subject)
    world = life.world
    for caller in (life.admin, life.mentor, life.sw.coordinator, world.colleague):
        assert_problem(caller.get(f"{EXPORTS}/{export['id']}"), 404)
        assert_problem(caller.get(f"{EXPORTS}/{export['id']}/download"), 404)
    # An organisation's API client holding every scope has no person to export: 403.
    tenant = life.subject.tenant
    assert_problem(tenant.api.post(EXPORTS), 403)
    assert_problem(tenant.api.get(f"{EXPORTS}/{export['id']}"), 403)
    # The audit trail shows the export to the person's admins, without its contents.
    events = life.admin.get(f"/api/v1/audit-events?subject_id={life.subject.id}").get_json()
    assert "person.exported" in {e["action"] for e in events}


def test_the_organisation_export_holds_no_special_category_data(life: Life) -> None:
    tenant = life.subject.tenant
    response = tenant.api.post(f"/api/v1/organisations/{tenant.id}/exports")
    assert response.status_code == 202, response.get_json()
    job = tenant.api.get(response.headers["Location"]).get_json()
    assert job["status"] == "succeeded"
    emails = {p["email"] for p in job["result"]["people"]}
    assert life.subject.email in emails  # the export is real, and has the person in it
    dumped = json.dumps(job).lower()
    assert "ethnicity" not in dumped and "mixed" not in dumped
    assert "positive_action" not in dumped and "consent" not in dumped
