"""The console's org admin pages, as a browser posts their forms: importing staff records
from a CSV file (each row's outcome, from the import job), the organisation's admins, API
clients (the secret shown once) and sign-in settings; each through the service the API's
route calls, with its roles and tenancy (another organisation's is 404) and its input rules
(422 naming the field).

The world is the pairing tests' (tests/matches): Ada administers tenant_a, Gwen gamma; Gail
is gamma's staff.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    delta,
    gamma,
    pool,
    world,
)
from tests.pages.support import page
from tests.pool.conftest import Person


def _form(person: Person, path: str, **fields: Any) -> Any:
    """POST the form as the person's browser does: fields and the page's CSRF token."""
    return person.browser.client.post(
        path, data={"csrf_token": person.browser.csrf_token, **fields}
    )


def _upload(person: Person, text: str) -> Any:
    return _form(person, "/staff/import", file=(io.BytesIO(text.encode()), "staff.csv"))


def test_an_org_admin_imports_staff_and_sees_each_rows_outcome(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    admin = world.admin_a
    shown = page(admin.get("/staff/import"))
    assert "file" in shown.labels_for
    assert "/staff/import" in page(admin.get("/")).links
    csv = (
        "given_name,family_name,email,seniority\n"
        "Imogen,Importer,imogen.importer@a.example.org,5\n"
        "Bad,Row,not-an-email,5\n"
    )
    response = _upload(admin, csv)
    assert response.status_code == 303, response.get_data(as_text=True)
    target = urlsplit(response.headers["Location"])
    assert target.path.startswith("/staff/imports/")
    shown = page(admin.get(target.path, query_string=target.query))
    assert "its import has started" in shown.words
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 not imported." in shown.words
    assert "3emailNot a valid email address." in shown.words  # row, column, why
    # The same job through the API: the page shows its result.
    job = admin.get(f"/api/v1/jobs/{target.path.rsplit('/', 1)[1]}").get_json()
    assert job["result"]["created"] == 1 and job["result"]["errors"][0]["row"] == 3
    found = admin.get("/api/v1/people", query_string={"search": "Importer"}).get_json()
    assert [p["email"] for p in found] == ["imogen.importer@a.example.org"]
    # A file the API refuses is refused on the page, naming the field; no file at all too.
    refused = page(_upload(admin, "name,email\nA,b@c.d\n"), 422)
    assert "file: The header row has the unknown column 'name'" in refused.words
    assert "file:" in page(_form(admin, "/staff/import"), 422).words
    # Staff may not import (the API's scope), nor read another organisation's import (404).
    page(_upload(world.mentee, csv), 403)
    page(world.admin_gamma.get(target.path), 404)


def test_the_import_form_takes_a_file_as_large_as_the_apis_import_does(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    """Larger than the app's request limit (1 MiB), within the import's (5 MiB): read."""
    admin = world.admin_a
    assert world.app.config["MAX_CONTENT_LENGTH"] < 1_300_000
    csv = "given_name,family_name,email\nBig,File,big.file@a.example.org\n" + "\n" * 1_300_000
    response = _upload(admin, csv)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    shown = page(admin.get(response.headers["Location"]))
    assert "1 row: 1 created" in shown.words


def test_an_import_without_the_csrf_token_is_refused(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    admin = world.admin_a
    data = {"file": (io.BytesIO(b"given_name,family_name,email\nA,B,a.b@a.example.org\n"), "a.csv")}
    response = admin.browser.client.post("/staff/import", data=data)
    assert response.status_code == 403
    assert admin.get("/api/v1/people", query_string={"search": "a.b@"}).get_json() == []


def test_an_org_admin_grants_and_removes_the_admin_role(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    admin, org = world.admin_a, world.pool.a.id
    shown = page(admin.get(f"/organisations/{org}"))
    assert [text for _, text in shown.headings][1:4] == [
        "Admins",
        "API clients",
        "Sign-in (single sign-on)",
    ]
    mona = world.mentor  # tenant_a's staff, not an admin
    response = _form(admin, f"/organisations/{org}/admins", person_id=mona.id)
    assert response.status_code == 303, response.get_data(as_text=True)
    listed = admin.get(f"/api/v1/organisations/{org}/admins").get_json()
    assert mona.id in {p["id"] for p in listed}
    assert "They are now an admin" in page(admin.get(response.headers["Location"])).words
    response = _form(admin, f"/organisations/{org}/admins/{mona.id}/remove")
    assert response.status_code == 303, response.get_data(as_text=True)
    listed = admin.get(f"/api/v1/organisations/{org}/admins").get_json()
    assert mona.id not in {p["id"] for p in listed}
    # Not an admin any more: the service's 404 again; a bad id names the field.
    page(_form(admin, f"/organisations/{org}/admins/{mona.id}/remove"), 404)
    assert (
        "person_id:" in page(_form(admin, f"/organisations/{org}/admins", person_id="x"), 422).words
    )
    # Another organisation's admin, and staff: the organisation is not there for them.
    for person in (world.admin_gamma, world.mentor):
        page(person.get(f"/organisations/{org}"), 404)
        page(_form(person, f"/organisations/{org}/admins", person_id=mona.id), 404)


def test_an_org_admin_creates_an_api_client_sees_its_secret_once_and_revokes_it(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    admin, org = world.admin_a, world.pool.a.id
    path = f"/organisations/{org}/api-clients"
    response = _form(admin, path, name="ESR feed", scopes=["people:read", "people:write"])
    shown = page(response)
    assert "Copy its secret now" in shown.words
    (client,) = [c for c in admin.get(f"/api/v1{path}").get_json() if c["name"] == "ESR feed"]
    assert client["scopes"] == ["people:read", "people:write"] and client["status"] == "active"
    assert client["client_id"] in shown.words
    again = page(admin.get(f"/organisations/{org}"))
    assert "Copy its secret now" not in again.words and "ESR feed" in again.words
    # The API's rules: a role-only scope, or none, is 422 naming scopes.
    assert "scopes:" in page(_form(admin, path, name="x"), 422).words
    assert "scopes:" in page(_form(admin, path, name="x", scopes="organisation:admin"), 422).words
    response = _form(admin, f"{path}/{client['id']}/revoke")
    assert response.status_code == 303, response.get_data(as_text=True)
    (client,) = [c for c in admin.get(f"/api/v1{path}").get_json() if c["id"] == client["id"]]
    assert client["status"] == "revoked"
    page(_form(admin, f"{path}/{client['id']}/revoke"), 409)  # already revoked
    page(_form(world.admin_gamma, f"{path}/{client['id']}/revoke"), 404)
    page(_form(world.admin_gamma, path, name="x", scopes="people:read"), 404)


def test_an_org_admin_updates_the_sign_in_settings_and_can_test_them(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    admin, org = world.admin_a, world.pool.a.id
    shown = page(admin.get(f"/organisations/{org}"))
    slug = world.pool.a.organisation["slug"]
    assert f"/auth/sso/{slug}/login?next=/" in shown.links
    before = admin.get(f"/api/v1/organisations/{org}/sso").get_json()
    client = world.pool.idp.register_client("a", slug)
    fields = {
        "issuer": world.pool.idp.issuer("a"),
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "email_domains": "",
    }
    response = _form(admin, f"/organisations/{org}/sso", **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    after = admin.get(f"/api/v1/organisations/{org}/sso").get_json()
    assert after["client_id"] == client.client_id and after["version"] > before["version"]
    # The test link starts the organisation's real sign-in: on to its provider.
    started = admin.get(f"/auth/sso/{slug}/login", query_string={"next": "/"})
    assert started.status_code == 302
    assert started.headers["Location"].startswith(world.pool.idp.issuer("a"))
    refused = page(_form(admin, f"/organisations/{org}/sso", **{**fields, "issuer": "nope"}), 422)
    assert "issuer:" in refused.words
    page(_form(world.admin_gamma, f"/organisations/{org}/sso", **fields), 404)
    assert admin.get(f"/api/v1/organisations/{org}/sso").get_json()["version"] == after["version"]
