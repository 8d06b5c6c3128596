"""POST /api/v1/people/import: a CSV of staff records, imported by a job as the organisation.

The test app runs jobs inline, so after the 202 the job has run and its result is readable.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem, row_counts
from tests.conftest import ApiClient
from tests.factories import Tenant, create_person, organisation_client
from tests.people.helpers import HEADER, IMPORT, csv_of, errors_by_row, people, post_csv, run_import

D = "alpha-trust.example.org"

TEAM = csv_of(
    f"Tom,Reid,tom.reid@{D},Ward Manager,nursing,7,amara.okafor@{D},ESR-2",  # row 2
    f"Amara,Okafor,Amara.Okafor@{D},Director of Nursing,nursing,9,,ESR-1",  # row 3
    f"Jo,Bloggs,jo.bloggs@{D},Staff Nurse,nursing,5,tom.reid@{D},ESR-3",  # row 4
)


def test_an_import_is_accepted_and_its_job_creates_the_people(tenant_a: Tenant) -> None:
    response = post_csv(tenant_a.api, TEAM)
    assert response.status_code == 202, response.get_json()
    accepted = response.get_json()
    assert response.headers["Location"] == f"/api/v1/jobs/{accepted['id']}"
    assert (accepted["name"], accepted["organisation_id"]) == ("people.import", tenant_a.id)

    job = tenant_a.api.get(response.headers["Location"]).get_json()
    assert job["status"] == "succeeded", job
    assert job["result"] == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "errors": [],
    }
    staff = people(tenant_a.api)
    tom, amara, jo = staff[f"tom.reid@{D}"], staff[f"amara.okafor@{D}"], staff[f"jo.bloggs@{D}"]
    assert (tom["job_title"], tom["profession"], tom["seniority"], tom["external_id"]) == (
        "Ward Manager",
        "nursing",
        7,
        "ESR-2",
    )
    assert all(p["organisation_id"] == tenant_a.id for p in staff.values())
    # Managers resolved although Tom's row came before Amara's.
    assert tom["line_manager_id"] == amara["id"]
    assert jo["line_manager_id"] == tom["id"]
    assert amara["line_manager_id"] is None


def test_a_manager_may_already_be_in_the_organisation(tenant_a: Tenant) -> None:
    boss = tenant_a.person  # the factory's Sam Taylor
    result = run_import(tenant_a.api, csv_of(f"Kim,Lee,kim.lee@{D},,,,{boss['email'].upper()},"))
    assert (result["created"], result["failed"]) == (1, 0), result
    assert people(tenant_a.api)[f"kim.lee@{D}"]["line_manager_id"] == boss["id"]


def test_a_bad_row_imports_nothing_of_itself_and_the_others_still_import(
    tenant_a: Tenant,
) -> None:
    body = csv_of(
        f"Ada,Lovelace,ada@{D},,,12,,",  # 2: seniority out of range
        f"Bo,Ng,bo@{D},,,4,nobody@{D},",  # 3: unknown manager
        f"Cy,Oh,cy@{D},Nurse,,3,ada@{D},",  # 4: manager's row failed
        f"Di,Ek,di@{D},Nurse,,3,,",  # 5: fine
        "Ed,Ek,not-an-email,,,3,,",  # 6
    )
    result = run_import(tenant_a.api, body)
    assert {k: result[k] for k in ("rows", "created", "updated", "unchanged", "failed")} == {
        "rows": 5,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": 4,
    }
    errors = errors_by_row(result)
    assert list(errors) == [2, 3, 4, 6]  # in row order
    assert errors[2] == [
        ("seniority", "Must be greater than or equal to 1 and less than or equal to 9.")
    ]
    assert errors[3] == [
        (
            "line_manager_email",
            f"No one with the email nobody@{D} is in this file or your organisation.",
        )
    ]
    assert errors[4][0][0] == "line_manager_email" and "row 2" in errors[4][0][1]
    assert errors[6][0][0] == "email"
    # Never half a row: none of the failed rows left a person behind.
    assert set(people(tenant_a.api)) == {tenant_a.person["email"], f"di@{D}"}


def test_a_row_that_fails_in_the_database_is_rolled_back_whole(tenant_a: Tenant) -> None:
    create_person(tenant_a.api, f"taken@{D}", external_id="ESR-9")
    body = csv_of(
        f"Ada,Lovelace,taken@{D},,,,,ESR-1",  # 2: a new id, with the email of ESR-9's person
        f"Bo,Ng,bo@{D},,,,,ESR-9",  # 3: ESR-9's person, moving to a free email: fine
    )
    result = run_import(tenant_a.api, body)
    errors = errors_by_row(result)
    assert (result["created"], result["updated"], result["failed"]) == (0, 1, 1), result
    assert errors[2][0][0] == "external_id"
    staff = people(tenant_a.api)
    assert f"taken@{D}" not in staff and staff[f"bo@{D}"]["external_id"] == "ESR-9"


def test_an_email_clash_found_while_updating_leaves_the_person_untouched(tenant_a: Tenant) -> None:
    first = create_person(tenant_a.api, f"first@{D}", external_id="E1", job_title="Nurse")
    create_person(tenant_a.api, f"second@{D}", external_id="E2")
    # E1's row changes the job title and moves to an email E2's person holds: refused whole.
    result = run_import(tenant_a.api, csv_of(f"Sam,Taylor,second@{D},Matron,,,,E1"))
    assert result["failed"] == 1 and result["errors"][0]["field"] == "email", result
    after = tenant_a.api.get(f"/api/v1/people/{first['id']}").get_json()
    assert after == first  # job title, email and updated_at all as before


def test_a_loop_of_managers_in_the_file_fails_those_rows(tenant_a: Tenant) -> None:
    body = csv_of(
        f"Ann,A,ann@{D},,,,ben@{D},",  # 2
        f"Ben,B,ben@{D},,,,ann@{D},",  # 3
        f"Cat,C,cat@{D},,,,ann@{D},",  # 4: reports into the loop
        f"Dan,D,dan@{D},,,,,",  # 5
    )
    result = run_import(tenant_a.api, body)
    assert (result["created"], result["failed"]) == (1, 3), result
    errors = errors_by_row(result)
    assert (
        errors[2]
        == errors[3]
        == [("line_manager_email", "The line managers of rows 2 → 3 → 2 form a loop.")]
    )
    assert "row 2" in errors[4][0][1]
    assert set(people(tenant_a.api)) == {tenant_a.person["email"], f"dan@{D}"}


def test_a_file_that_would_loop_with_existing_managers_fails_that_row(tenant_a: Tenant) -> None:
    boss = tenant_a.person
    report = create_person(tenant_a.api, f"report@{D}", line_manager_id=boss["id"])
    # Sam Taylor's row makes their own report their manager: a loop through the database.
    result = run_import(tenant_a.api, csv_of(f"Sam,Taylor,{boss['email']},,,,{report['email']},"))
    assert result["failed"] == 1, result
    assert result["errors"] == [
        {
            "row": 2,
            "field": "line_manager_email",
            "message": "This line manager would make a management loop.",
        }
    ]
    assert tenant_a.api.get(f"/api/v1/people/{boss['id']}").get_json()["line_manager_id"] is None


def test_reimporting_the_same_file_changes_nothing(tenant_a: Tenant) -> None:
    assert run_import(tenant_a.api, TEAM)["created"] == 3
    before = people(tenant_a.api)

    again = run_import(tenant_a.api, TEAM)
    assert again == {
        "rows": 3,
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "failed": 0,
        "errors": [],
    }
    after = people(tenant_a.api)
    assert after == before  # updated_at (and the ETag it feeds) untouched
    assert {e: p["updated_at"] for e, p in after.items()} == {
        e: p["updated_at"] for e, p in before.items()
    }


def test_a_changed_row_updates_only_that_person(tenant_a: Tenant) -> None:
    run_import(tenant_a.api, TEAM)
    before = people(tenant_a.api)
    changed = TEAM.replace("Staff Nurse,nursing,5", "Senior Staff Nurse,nursing,6")
    result = run_import(tenant_a.api, changed)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 2), result
    after = people(tenant_a.api)
    jo = after[f"jo.bloggs@{D}"]
    assert (jo["job_title"], jo["seniority"]) == ("Senior Staff Nurse", 6)
    assert jo["updated_at"] > before[f"jo.bloggs@{D}"]["updated_at"]
    assert after[f"tom.reid@{D}"] == before[f"tom.reid@{D}"]


def test_a_person_is_matched_by_external_id_so_an_import_can_change_their_email(
    tenant_a: Tenant,
) -> None:
    run_import(tenant_a.api, TEAM)
    tom = people(tenant_a.api)[f"tom.reid@{D}"]
    moved = TEAM.replace(f"tom.reid@{D},Ward", f"thomas.reid@{D},Ward")
    moved = moved.replace(f"5,tom.reid@{D}", f"5,thomas.reid@{D}")  # Jo's manager, by new email
    result = run_import(tenant_a.api, moved)
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (
        0,
        1,
        2,
        0,
    ), result
    staff = people(tenant_a.api)
    assert f"tom.reid@{D}" not in staff
    assert staff[f"thomas.reid@{D}"]["id"] == tom["id"]
    assert staff[f"jo.bloggs@{D}"]["line_manager_id"] == tom["id"]


def test_a_person_without_an_external_id_is_matched_by_email_and_given_one(
    tenant_a: Tenant,
) -> None:
    sam = tenant_a.person
    result = run_import(tenant_a.api, csv_of(f"Sam,Taylor,{sam['email'].upper()},,,5,,ESR-77"))
    assert (result["created"], result["updated"]) == (0, 1), result
    assert tenant_a.api.get(f"/api/v1/people/{sam['id']}").get_json()["external_id"] == "ESR-77"


def test_columns_left_out_are_left_alone_and_empty_cells_clear(tenant_a: Tenant) -> None:
    sam = tenant_a.person  # seniority 5
    url = f"/api/v1/people/{sam['id']}"
    etag = tenant_a.api.get(url).headers["ETag"]
    tenant_a.api.patch(
        url, json={"job_title": "Matron", "profession": "nursing"}, headers={"If-Match": etag}
    )

    result = run_import(
        tenant_a.api,
        csv_of(f"Sam,Taylor,{sam['email']},", header="given_name,family_name,email,job_title"),
    )
    assert result["updated"] == 1, result
    now = tenant_a.api.get(url).get_json()
    assert (now["job_title"], now["profession"], now["seniority"]) == (None, "nursing", 5)


def test_a_deactivated_person_is_updated_but_stays_deactivated(tenant_a: Tenant) -> None:
    sam = tenant_a.person
    url = f"/api/v1/people/{sam['id']}"
    etag = tenant_a.api.get(url).headers["ETag"]
    assert (
        tenant_a.api.patch(url, json={"status": "inactive"}, headers={"If-Match": etag}).status_code
        == 200
    )
    result = run_import(tenant_a.api, csv_of(f"Sam,Taylor,{sam['email']},Matron,,5,,"))
    assert (result["created"], result["updated"]) == (0, 1), result
    now = tenant_a.api.get(url).get_json()
    assert (now["job_title"], now["status"]) == ("Matron", "inactive")


def test_errors_are_capped_but_every_failed_row_is_counted(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consortium.people import importing

    monkeypatch.setattr(importing, "MAX_ERRORS", 2)
    result = run_import(tenant_a.api, csv_of(*(f"P{i},X,bad{i},,,,," for i in range(5))))
    assert (result["rows"], result["failed"]) == (5, 5)
    assert [e["row"] for e in result["errors"]] == [2, 3]


# Tenancy ------------------------------------------------------------------------------------


def test_an_import_touches_only_the_callers_organisation(
    tenant_a: Tenant, tenant_b: Tenant, owner_engine: Engine
) -> None:
    shared = f"amara.okafor@{D}"
    amara_a = create_person(
        tenant_a.api, shared, given_name="Amara", external_id="ESR-1", seniority=9
    )
    boss_a = create_person(tenant_a.api, f"boss@{D}")

    # tenant_b sends the same email and external_id, and names tenant_a's boss as a manager.
    body = csv_of(
        f"Amara,Okafor-B,{shared},,,3,,ESR-1",
        f"Kim,Lee,kim@{D},,,,boss@{D},",
    )
    result = run_import(tenant_b.api, body)
    assert (result["created"], result["updated"], result["failed"]) == (1, 0, 1), result
    assert result["errors"][0]["field"] == "line_manager_email"  # tenant_a's boss is unknown to b

    amara_b = people(tenant_b.api)[shared]
    assert amara_b["id"] != amara_a["id"]
    assert (amara_b["organisation_id"], amara_b["family_name"]) == (tenant_b.id, "Okafor-B")
    assert tenant_a.api.get(f"/api/v1/people/{amara_a['id']}").get_json() == amara_a
    assert tenant_a.api.get(f"/api/v1/people/{boss_a['id']}").get_json() == boss_a
    with owner_engine.connect() as c:
        rows = (
            c.execute(
                text("SELECT organisation_id::text FROM people WHERE email = :e ORDER BY 1"),
                {"e": shared},
            )
            .scalars()
            .all()
        )
    assert sorted(rows) == sorted([tenant_a.id, tenant_b.id])


def test_another_tenant_cannot_read_the_import_job(tenant_a: Tenant, tenant_b: Tenant) -> None:
    location = post_csv(tenant_a.api, TEAM).headers["Location"]
    assert tenant_b.api.get(location).status_code == 404


# Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"given_name": "Ada"}', "application/json"),
        (TEAM, "text/plain"),
        (TEAM, "application/x-www-form-urlencoded"),
        (TEAM, "multipart/form-data; boundary=x"),
    ],
)
def test_a_body_that_is_not_csv_is_415(
    tenant_a: Tenant, owner_engine: Engine, body: str, content_type: str
) -> None:
    before = row_counts(owner_engine)
    body_json = assert_problem(post_csv(tenant_a.api, body, content_type), 415)
    assert body_json["detail"] == "Send the request body as text/csv."
    assert row_counts(owner_engine) == before


def test_csv_with_a_charset_parameter_is_accepted(tenant_a: Tenant) -> None:
    response = post_csv(tenant_a.api, TEAM, "text/csv; charset=utf-8")
    assert response.status_code == 202, response.get_json()


def test_other_endpoints_still_refuse_csv(tenant_a: Tenant) -> None:
    response = tenant_a.api.request(
        "POST", "/api/v1/people", data=TEAM, headers={"Content-Type": "text/csv"}
    )
    assert assert_problem(response, 415)["detail"] == "Send the request body as application/json."


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "empty"),
        (csv_of(f"Ada,L,ada@{D}", header="given_name,family_name,mail"), "'mail'"),
        (
            csv_of(f"Ada,ada@{D}", header="given_name,email"),
            "missing the required column 'family_name'",
        ),
        (HEADER + "\n", "no people"),
        ("given_name,family_name,email\nAda,L\xe9,ada@x.org\n".encode("latin-1"), "not UTF-8"),
        ('given_name,family_name,email\n"Ada,L,ada@x.org\n', "not valid CSV"),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_422_and_starts_no_job(
    tenant_a: Tenant, owner_engine: Engine, body: str | bytes, says: str
) -> None:
    before = row_counts(owner_engine)
    problem = assert_problem(post_csv(tenant_a.api, body), 422, field="(body)")
    assert says in problem["detail"], problem
    assert says in problem["errors"][0]["detail"], problem
    assert row_counts(owner_engine) == before


def test_too_many_rows_is_a_422(tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    from consortium.people import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    body = csv_of(*(f"P{i},X,p{i}@{D},,,,," for i in range(3)))
    problem = assert_problem(post_csv(tenant_a.api, body), 422)
    assert "more than 2 people" in problem["detail"]


def test_a_file_over_the_import_size_limit_is_413(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = csv_of(*(f"Person{i},X,p{i}@{D},{'x' * 150},,,," for i in range(8_000)))
    assert 1024 * 1024 < len(big) < 5 * 1024 * 1024
    # Bigger than the app's 1 MiB JSON limit is fine for an import (it is 5 MiB) ...
    from consortium.people import importing

    monkeypatch.setattr(importing, "enqueue", _no_job)  # the size is what we test, not the job
    assert post_csv(tenant_a.api, big).status_code == 202
    # ... but not above it.
    assert_problem(post_csv(tenant_a.api, big * 5), 413)


def _no_job(session: Any, name: str, *, tenant_id: uuid.UUID | None, **arguments: Any) -> Any:
    from consortium.core.jobs import Job

    row = Job(organisation_id=tenant_id, name=name, arguments={}, created_by="test")
    session.add(row)
    session.flush()
    return row


def test_an_import_needs_people_write(
    platform: ApiClient, tenant_a: Tenant, anonymous: ApiClient
) -> None:
    reader = organisation_client(platform, tenant_a.id, scopes=["people:read"])
    assert_problem(post_csv(reader, TEAM), 403)
    assert_problem(post_csv(anonymous, TEAM), 401)


def test_a_platform_admin_has_no_organisation_to_import_into(
    platform: ApiClient, tenant_a: Tenant, owner_engine: Engine
) -> None:
    before = row_counts(owner_engine)
    problem = assert_problem(post_csv(platform, TEAM), 403)
    assert "platform admin has no organisation" in problem["detail"]
    assert row_counts(owner_engine) == before


def test_an_import_retried_with_the_same_idempotency_key_starts_one_job(
    tenant_a: Tenant, owner_engine: Engine
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = post_csv(tenant_a.api, TEAM, **key)
    again = post_csv(tenant_a.api, TEAM, **key)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.get_json()["id"] == first.get_json()["id"]
    with owner_engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM jobs")).scalar_one() == 1


def test_get_on_the_import_path_is_405(tenant_a: Tenant) -> None:
    response = tenant_a.api.get(IMPORT)
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_a_file_with_a_nul_character_is_refused_before_any_job(
    tenant_a: Tenant, owner_engine: Engine
) -> None:
    before = row_counts(owner_engine)
    response = post_csv(tenant_a.api, f"{HEADER}\nA\x00b,Cole,a.cole@alpha-trust.example.org\n")
    body = assert_problem(response, 422)
    assert "NUL" in body["detail"]
    assert row_counts(owner_engine) == before
