"""Protected time: a programme may need the mentee's line manager to approve the time first.

The manager is asked by mail and decides through /api/v1/time-approvals; they learn that their
report applied, to what and for how much time, never the goals, topics or preferences. Until
approved the application is not matched, and the run says why (driven through the API and the
job, as a coordinator would). Another person, in the organisation or not, gets 404.
"""

# ruff: noqa: F811 - `world` is the matching runs' fixture, imported below and used by name

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text

from tests.api.helpers import assert_problem
from tests.matching_runs.conftest import MatchingWorld, get_run, start_run, world  # noqa: F401
from tests.oidc import sign_in_as
from tests.pages.support import assert_opens
from tests.pool.conftest import mail_jobs
from tests.programmes.support import apply, patch_with_etag, programme_url

SECRET_GOAL = "Leave the trust within a year for a rival"
SECRET_MEASURE = "A signed offer letter from Calderdale"
SECRET_TOPIC = "career-exit-planning"
MINE = "/api/v1/me/time-approvals"
WAITING = "waiting for your line manager's approval of protected time"


def approval_url(approval_id: str, action: str = "") -> str:
    return f"/api/v1/time-approvals/{approval_id}" + (f"/{action}" if action else "")


def protected_programme(world: MatchingWorld, **rules: Any) -> dict[str, Any]:
    return world.programme(
        name="Leading Across Boundaries 2027",
        rules={
            "protected_time_required": True,
            "sessions_min": 3,
            "sessions_max": 6,
            "session_minutes": 90,
            **rules,
        },
    )


def sign_in(world: MatchingWorld, tenant: Any, record: dict[str, Any], **roles: Any) -> Any:
    browser, _ = sign_in_as(
        world.app, world.platform, world.idp, tenant.organisation, record["email"], **roles
    )
    return browser


def secret_application(browser: Any, programme: dict[str, Any]) -> dict[str, Any]:
    return apply(
        browser,
        programme,
        goals=[{"statement": SECRET_GOAL, "success_measure": SECRET_MEASURE}],
        topics=[SECRET_TOPIC],
        preferences={"location": "Halifax"},
    )


def assert_tells_nothing_of_the_application(text_seen: str) -> None:
    for secret in (SECRET_GOAL, SECRET_MEASURE, SECRET_TOPIC, "career exit", "Halifax"):
        assert secret.lower() not in text_seen.lower()


def audit_actions(world: MatchingWorld, subject_id: str) -> list[str]:
    with world.owner.connect() as c:
        return list(
            c.execute(
                text("SELECT action FROM audit_events WHERE subject_id = :s ORDER BY created_at"),
                {"s": subject_id},
            ).scalars()
        )


def test_the_line_manager_is_asked_and_matching_waits_for_their_approval(
    world: MatchingWorld,
) -> None:
    programme = protected_programme(world)
    assert programme["rules"]["protected_time_required"] is True
    assert programme["rules"]["session_minutes"] == 90
    world.mentor(world.beta, "Priya")
    manager = world.staff(world.alpha, "Maggie", seniority=7)
    applicant, record = world.applicant(
        world.alpha, "Ann", seniority=4, line_manager_id=manager["id"]
    )

    application = secret_application(applicant, programme)
    assert application["protected_time"] == "pending"

    # The manager is asked by mail, with a link to the request and the time asked for.
    (asked,) = mail_jobs(world.owner, manager["email"])
    arguments = asked["arguments"]
    assert arguments["subject"] == (
        "Please approve protected time: Ann Test applied to Leading Across Boundaries 2027"
    )
    body = arguments["body"]
    assert "3 to 6 sessions of 90 minutes" in body and "4.5 to 9 hours" in body
    assert_tells_nothing_of_the_application(arguments["subject"] + body)

    # Until approved, a run leaves the application out and says why.
    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert run["status"] == "succeeded", run
    assert run["counts"]["proposed"] == 0
    assert run["unmatched"] == [
        {
            "application_id": application["id"],
            "mentee_id": record["id"],
            "reason": WAITING,
            "candidates": 0,
        }
    ]
    assert world.proposals(programme) == []

    boss = sign_in(world, world.alpha, manager)
    listed = boss.get(MINE)
    assert listed.status_code == 200, listed.get_json()
    (request,) = listed.get_json()
    # The message's link opens the request's page for the manager (only).
    (link,) = (word for word in body.split() if "/time-approvals/" in word)
    opened = assert_opens(boss, link)
    assert "Leading Across Boundaries 2027" in opened.text and "4.5 to 9.0 hours" in opened.text
    assert_tells_nothing_of_the_application(opened.text)
    assert link.endswith(f"/time-approvals/{request['id']}")
    assert request["status"] == "pending" and request["approver_kind"] == "line_manager"
    assert request["report"] == {"id": record["id"], "display_name": "Ann Test", "job_title": None}
    assert request["programme"]["name"] == "Leading Across Boundaries 2027"
    assert request["time_commitment"] == {
        "sessions_min": 3,
        "sessions_max": 6,
        "session_minutes": 90,
        "cadence_days": 30,
        "hours_min": 4.5,
        "hours_max": 9.0,
    }
    assert_tells_nothing_of_the_application(json.dumps(listed.get_json()))
    shown = boss.get(approval_url(request["id"]))
    assert shown.status_code == 200
    assert_tells_nothing_of_the_application(shown.get_data(as_text=True))

    # Nobody else sees or decides it: the applicant, a colleague, the organisation's admin
    # (a line manager is named), another member's staff, the coordinator.
    colleague, _ = world.applicant(world.alpha, "Colin")
    admin = sign_in(world, world.alpha, world.staff(world.alpha, "Ada"), org_admin=True)
    outsider, _ = world.applicant(world.beta, "Bea")
    for caller in (applicant, colleague, admin, outsider, world.coordinator):
        assert caller.get(urlsplit(link).path).status_code == 404
        assert caller.get(MINE).get_json() == []
        assert_problem(caller.get(approval_url(request["id"])), 404)
        assert_problem(caller.post(approval_url(request["id"], "approve")), 404)
        assert_problem(caller.post(approval_url(request["id"], "decline")), 404)

    approved = boss.post(approval_url(request["id"], "approve"))
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert approved.get_json()["decided_by"] == "Maggie Test"
    assert_tells_nothing_of_the_application(approved.get_data(as_text=True))
    assert_problem(boss.post(approval_url(request["id"], "decline")), 409)
    assert audit_actions(world, request["id"]) == ["protected_time.approved"]
    assert boss.get(MINE, query_string={"status": "pending"}).get_json() == []

    mine = applicant.get(f"{programme_url(programme)}/applications/{application['id']}")
    assert mine.get_json()["protected_time"] == "approved"

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert (run["counts"]["proposed"], run["unmatched"]) == (1, [])
    assert [str(m["mentee_id"]) for m in world.proposals(programme)] == [record["id"]]


def test_without_a_line_manager_the_organisations_admins_decide_and_a_decline_is_explained(
    world: MatchingWorld,
) -> None:
    programme = protected_programme(world, sessions_min=4, sessions_max=4, session_minutes=60)
    world.mentor(world.beta, "Priya")
    admin_record = world.staff(world.alpha, "Ada")
    admin = sign_in(world, world.alpha, admin_record, org_admin=True)
    applicant, _ = world.applicant(world.alpha, "Ann", seniority=4)

    application = secret_application(applicant, programme)
    (asked,) = mail_jobs(world.owner, admin_record["email"])
    assert "4 sessions of 60 minutes" in asked["arguments"]["body"]
    assert "who has no line manager recorded" in asked["arguments"]["body"]
    assert_tells_nothing_of_the_application(asked["arguments"]["body"])

    (request,) = admin.get(MINE).get_json()
    assert request["approver_kind"] == "organisation_admins"
    assert request["time_commitment"]["hours_min"] == request["time_commitment"]["hours_max"] == 4.0
    # Another member's admin: not theirs (another tenant's row is 404).
    beta_admin_record = world.staff(world.beta, "Bob")
    beta_admin = sign_in(world, world.beta, beta_admin_record, org_admin=True)
    assert beta_admin.get(MINE).get_json() == []
    assert_problem(beta_admin.post(approval_url(request["id"], "approve")), 404)

    declined = admin.post(approval_url(request["id"], "decline"))
    assert declined.status_code == 200, declined.get_json()
    assert declined.get_json()["status"] == "declined"
    assert audit_actions(world, request["id"]) == ["protected_time.declined"]
    assert_problem(admin.post(approval_url(request["id"], "approve")), 409)

    mine = applicant.get(f"{programme_url(programme)}/applications/{application['id']}").get_json()
    assert mine["protected_time"] == "declined"
    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert run["counts"]["proposed"] == 0
    assert [u["reason"] for u in run["unmatched"]] == [
        "your line manager declined the protected time this programme needs"
    ]


def test_a_withdrawn_application_leaves_nothing_to_decide(world: MatchingWorld) -> None:
    programme = protected_programme(world)
    manager = world.staff(world.alpha, "Maggie")
    applicant, _ = world.applicant(world.alpha, "Ann", line_manager_id=manager["id"])
    application = secret_application(applicant, programme)
    boss = sign_in(world, world.alpha, manager)
    (request,) = boss.get(MINE).get_json()

    withdrawn = applicant.post(
        f"{programme_url(programme)}/applications/{application['id']}/withdraw"
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()

    assert boss.get(approval_url(request["id"])).get_json()["status"] == "withdrawn"
    body = assert_problem(boss.post(approval_url(request["id"], "approve")), 409)
    assert "withdrawn" in body["detail"]


def test_a_programme_that_does_not_ask_matches_at_once(world: MatchingWorld) -> None:
    programme = world.programme()
    assert programme["rules"]["protected_time_required"] is False
    assert programme["rules"]["session_minutes"] == 60
    world.mentor(world.beta, "Priya")
    manager = world.staff(world.alpha, "Maggie")
    applicant, _ = world.applicant(world.alpha, "Ann", seniority=4, line_manager_id=manager["id"])
    application = apply(applicant, programme)
    assert application["protected_time"] is None
    assert mail_jobs(world.owner, manager["email"]) == []
    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert run["counts"]["proposed"] == 1


def test_coordinators_switch_it_on_and_size_the_sessions(world: MatchingWorld) -> None:
    programme = world.programme()
    changed = patch_with_etag(
        world.coordinator,
        programme_url(programme),
        {"rules": {"protected_time_required": True, "session_minutes": 45}},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["rules"]["protected_time_required"] is True
    assert changed.get_json()["rules"]["session_minutes"] == 45
    for bad in (10, 481, "long"):
        response = patch_with_etag(
            world.coordinator, programme_url(programme), {"rules": {"session_minutes": bad}}
        )
        assert_problem(response, 422, field="rules.session_minutes")
    bad_flag = patch_with_etag(
        world.coordinator, programme_url(programme), {"rules": {"protected_time_required": "maybe"}}
    )
    assert_problem(bad_flag, 422, field="rules.protected_time_required")


def test_a_hand_made_proposal_waits_for_the_approval_too(world: MatchingWorld) -> None:
    programme = protected_programme(world)
    mentor = world.mentor(world.beta, "Priya")
    manager = world.staff(world.alpha, "Maggie")
    applicant, _ = world.applicant(world.alpha, "Ann", seniority=4, line_manager_id=manager["id"])
    application = secret_application(applicant, programme)
    response = world.coordinator.post(
        "/api/v1/matches",
        json={
            "application_id": application["id"],
            "mentor_profile_id": mentor,
            "override_reason": "They asked for each other.",
        },
    )
    body = assert_problem(response, 422)
    assert WAITING in body["detail"]
