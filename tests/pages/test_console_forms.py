"""The console's forms, as a browser posts them: the session's CSRF token in a field, the
API's roles and tenancy (refusals shown as a page with the service's words and the API's
status), the API's input rules (422 naming the field), and a change made through the same
service the API uses (seen afterwards through the API).

The world is the pairing tests' (tests/matches): Mona (tenant_a) mentors Gail (gamma); Cora
(delta) coordinates the network; Ada administers tenant_a; Colin is Gail's colleague.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    act_ok,
    delta,
    gamma,
    match_url,
    pool,
    world,
)
from tests.pages.support import page
from tests.pool.conftest import Person


def _form(person: Person, path: str, **fields: str) -> Any:
    """POST the form as the person's browser does: fields and the page's CSRF token."""
    return person.browser.client.post(
        path, data={"csrf_token": person.browser.csrf_token, **fields}
    )


def _version(person: Person, match: dict[str, Any]) -> str:
    """The pairing's version as its page puts it in each form."""
    shown = page(person.get(f"/pairings/{match['id']}"))
    (version,) = {i["value"] for i in shown.inputs if i.get("name") == "version"}
    return version


def _programme_version(person: Person, programme: str) -> str:
    """The programme's version as its page puts it in the window's forms (no pairing is
    proposed in these tests, so it is the page's only version)."""
    shown = page(person.get(programme))
    (version,) = {i["value"] for i in shown.inputs if i.get("name") == "version"}
    return version


def test_a_form_without_the_sessions_csrf_token_is_refused(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    match = world.proposal()
    path = f"/pairings/{match['id']}/approve"
    client = world.coordinator.browser.client
    for data in ({}, {"csrf_token": "not-the-token"}):
        response = client.post(path, data={**data, "version": _version(world.coordinator, match)})
        assert response.status_code == 403, response.get_data(as_text=True)
    # The field counts only for the console's forms: the API still wants the header (and JSON).
    token = world.coordinator.browser.csrf_token
    response = client.post(match_url(match, "/approve"), data={"csrf_token": token})
    assert response.status_code in (403, 415)
    assert world.platform.get(match_url(match)).get_json()["approvals"]["coordinator"]["at"] is None


def test_the_coordinator_approves_through_the_form_as_through_the_api(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    world.two_key()
    match = world.proposal()
    programme_id = world.programme["id"]
    shown = page(world.coordinator.get(f"/programmes/{programme_id}"))
    assert "Coordinator: waiting" in shown.words and "Score:" in shown.words
    response = _form(
        world.coordinator,
        f"/pairings/{match['id']}/approve",
        version=_version(world.coordinator, match),
        back=programme_id,
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    target = urlsplit(response.headers["Location"])
    assert (target.path, parse_qs(target.query)) == (
        f"/programmes/{programme_id}",
        {"done": ["approve"]},
    )
    shown = page(world.coordinator.get(target.path, query_string=target.query))
    assert "Your approval is recorded." in shown.words
    assert "Coordinator: approved" in shown.words
    # Their key is in: no Approve button for them now, Reject still (the second key awaits).
    assert "Approve: Mona Mentor" not in shown.words and "Reject: Mona Mentor" in shown.words
    approvals = world.platform.get(match_url(match)).get_json()["approvals"]
    assert (
        approvals["coordinator"]["at"] is not None and approvals["home_organisation"]["at"] is None
    )
    # The same key again is the API's refusal, on the page (409, the service's words).
    again = _form(
        world.coordinator,
        f"/pairings/{match['id']}/approve",
        version=_version(world.coordinator, match),
    )
    refused = page(again, 409)
    assert "There is a problem" in refused.words


def test_who_may_act_is_the_apis_decision(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    match = world.proposal()
    version = _version(world.coordinator, match)
    # The mentee may not approve (403, the service's reason), a colleague does not see it (404).
    shown = page(_form(world.mentee, f"/pairings/{match['id']}/approve", version=version), 403)
    assert "There is a problem" in shown.words
    page(_form(world.colleague, f"/pairings/{match['id']}/accept", version=version), 404)
    # Staff may not start runs or change a programme (the API's scope), nor may an org admin.
    programme = f"/programmes/{world.programme['id']}"
    for person in (world.mentee, world.admin_a):
        page(_form(person, f"{programme}/runs"), 403)
        page(_form(person, f"{programme}/status", status="closed"), 403)
    assert world.platform.get(match_url(match)).get_json()["status"] == "proposed"


def test_bad_input_is_refused_naming_the_field(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    match = world.proposal()
    path = f"/pairings/{match['id']}"
    version = _version(world.coordinator, match)
    shown = page(_form(world.coordinator, f"{path}/reject", version=version, reason=" "), 422)
    assert "reason:" in shown.words
    stale = page(_form(world.coordinator, f"{path}/approve", version="2000-01-01T00:00:00"), 409)
    assert "changed since this page was shown" in stale.words
    programme = f"/programmes/{world.programme['id']}"
    shown = page(_form(world.coordinator, f"{programme}/status", status="nonsense"), 422)
    assert "status:" in shown.words
    page(_form(world.coordinator, f"{path}/nonsense", version=version), 404)
    # Booking: not active yet (the service's 409), and a slot that is not a time (422).
    act_ok(world.coordinator, match, "approve")
    act_ok(world.mentor, match, "accept")
    act_ok(world.mentee, match, "accept")
    shown = page(_form(world.mentee, f"{path}/sessions", slot="soon", mode="virtual"), 422)
    assert "start:" in shown.words
    assert world.platform.get(f"{match_url(match)}/sessions").get_json() == []


def test_the_coordinator_opens_and_closes_the_window(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    programme = f"/programmes/{world.programme['id']}"
    status = world.platform.get(f"/api/v1{programme}").get_json()["status"]
    shown = page(world.coordinator.get(programme))
    assert "Application window" in [text for _, text in shown.headings]
    # As the API's PATCH wants If-Match: a stale copy of the page is refused (409).
    stale = _form(world.coordinator, f"{programme}/status", status="matching", version="x")
    assert "changed since this page was shown" in page(stale, 409).words
    version = _programme_version(world.coordinator, programme)
    response = _form(world.coordinator, f"{programme}/status", status="matching", version=version)
    assert response.status_code == 303, (status, response.get_data(as_text=True))
    assert world.platform.get(f"/api/v1{programme}").get_json()["status"] == "matching"
    version = _programme_version(world.coordinator, programme)
    response = _form(world.coordinator, f"{programme}/status", status="open", version=version)
    assert response.status_code == 303
    assert world.platform.get(f"/api/v1{programme}").get_json()["status"] == "open"


def test_an_org_admin_searches_staff_and_releases_and_vets_a_mentor(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    from tests.factories import write_mentor_profile
    from tests.identity.role_support import new_person

    admin = world.admin_a
    newcomer = new_person(world.pool.a, "mentor")
    profile_id = write_mentor_profile(
        world.app,
        str(newcomer["id"]),
        world.pool.a.id,
        released_at=None,
        released_by=None,
        vetting_status="pending",
    )
    shown = page(admin.get("/staff", query_string={"search": newcomer["family_name"]}))
    assert newcomer["email"] in shown.words
    assert world.mentee.email not in shown.words  # another employer's staff are not listed
    assert page(admin.get("/")).links.count("/staff") == 1
    response = _form(admin, f"/mentor-profiles/{profile_id}/release")
    assert response.status_code == 303, page(response, response.status_code).words[-400:]
    profile_url = f"/api/v1/mentor-profiles/{profile_id}"
    assert admin.get(profile_url).get_json()["release"]["released"] is True
    refused = page(_form(admin, f"/mentor-profiles/{profile_id}/vetting", status="approved"), 422)
    assert "There is a problem" in refused.words  # approving needs an expiry date (the API's rule)
    response = _form(
        admin,
        f"/mentor-profiles/{profile_id}/vetting",
        status="approved",
        expires_on="2099-01-31",
        note="DBS seen",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert admin.get(profile_url).get_json()["vetting"]["status"] == "approved"
    # Staff and another employer's admin: not their page; the released profile is in their
    # pool, but not theirs to release or vet (403, as from the API).
    page(world.mentee.get("/staff"), 403)
    page(_form(world.admin_gamma, f"/mentor-profiles/{profile_id}/release"), 403)
    page(_form(world.mentee, f"/mentor-profiles/{profile_id}/vetting", status="pending"), 403)
    for path, body in (("release", None), ("vetting", {"status": "pending"})):
        api = world.admin_gamma.post(f"{profile_url}/{path}", json=body)
        assert api.status_code == 403, api.get_json()


def test_the_coordinator_proposes_a_pairing_by_hand(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    programme = f"/programmes/{world.programme['id']}"
    shown = page(world.coordinator.get(programme))
    choices = {i.get("name") for i in shown.inputs}
    assert {"application_id", "mentor_profile_id", "override_reason"} <= choices
    fields = {
        "application_id": str(world.application["id"]),
        "mentor_profile_id": str(world.profile_id),
    }
    response = _form(world.coordinator, f"{programme}/proposals", **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    listed = world.platform.get(
        "/api/v1/matches", query_string={"programme_id": world.programme["id"]}
    ).get_json()
    assert [(m["origin"], m["status"]) for m in listed] == [("manual", "proposed")]
    # The mentee has a live pairing now: the service's 409, on the page.
    page(_form(world.coordinator, f"{programme}/proposals", **fields), 409)
    page(_form(world.coordinator, f"{programme}/proposals", application_id="x"), 422)
    page(_form(world.mentee, f"{programme}/proposals", **fields), 403)


def test_a_person_applies_with_goals_through_the_form(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    programme = f"/programmes/{world.programme['id']}"
    colin = world.colleague
    shown = page(colin.get(programme))
    assert (2, "Apply to this programme") in shown.headings
    refused = page(_form(colin, f"{programme}/applications", **{"goal-1": "Lead a team"}), 422)
    assert "goals.0.success_measure:" in refused.words
    response = _form(
        colin,
        f"{programme}/applications",
        **{
            "goal-1": "Lead my first improvement project",
            "measure-1": "The board signs off the plan by June",
            "topics": "Leadership, Quality Improvement",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    (application,) = [
        a
        for a in colin.get(f"/api/v1{programme}/applications").get_json()
        if a["person_id"] == colin.id
    ]
    assert application["topics"] == ["leadership", "quality-improvement"]
    assert [g["statement"] for g in application["goals"]] == ["Lead my first improvement project"]
    shown = page(colin.get(programme))
    assert "your application is open" in shown.words
    page(_form(colin, f"{programme}/applications", **{"goal-1": "a", "measure-1": "b"}), 409)


def test_closing_asks_a_reason_as_the_api_does(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    """Either of the pair closes with no reason (no fault, as the API's close); a coordinator
    closing must say why (422 naming the field), as from the API."""
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    act_ok(world.mentor, match, "accept")
    act_ok(world.mentee, match, "accept")
    path = f"/pairings/{match['id']}/close"
    refused = page(_form(world.coordinator, path, version=_version(world.coordinator, match)), 422)
    assert "reason" in refused.words
    response = _form(world.mentee, path, version=_version(world.mentee, match))
    assert response.status_code == 303, response.get_data(as_text=True)
    closed = world.mentor.get(match_url(match)).get_json()
    assert closed["status"] == "closed"
