"""A generic probe: every /api/ route (and HTML page) that names a resource, called by another
tenant.

It walks the app's URL map, so a new route is probed as soon as it exists; a route whose path
argument the probe does not know fails the test until it is added to TENANT_B_IDS below.
tenant_a's client (holding every organisation scope) calls each route with tenant_b's ids and
must get 404, as if the resource did not exist; only a route that needs a scope tenant_a's
client cannot hold (platform:admin) may answer 403 instead.

Routes that need organisation:admin or consortium:coordinate are reachable only by people, so
the same probe also runs as tenant_a's org admin and as a coordinator of tenant_a's consortium,
both signed in through SSO (a cookie session): for them too, tenant_b's resources are 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import ApiClient
from tests.factories import Tenant, create_person, write_pairing
from tests.oidc import LocalIdp, configure_sso, sign_in_as

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# "*" matches any current ETag, so a PATCH that found the row would really write (and the
# snapshot comparison below would see it); the lookup must fail before that.
IF_MATCH = {"If-Match": "*"}


@dataclass
class World:
    a: Tenant
    b: Tenant
    consortium: dict[str, Any]
    job: dict[str, Any]
    # tenant_b's SSO settings (the same ones again are a valid PUT), and a person of tenant_b
    # with no role yet (b.person is its admin and a coordinator of its consortium).
    sso_b: dict[str, str]
    candidate_b: dict[str, Any]
    # tenant_b's mentor profile: released and shared with tenant_b's consortium only.
    profile_b: dict[str, Any]
    # tenant_b's open programme (in its own consortium) and a tenant_b person's application.
    programme: dict[str, Any]
    application: dict[str, Any]
    # That person (signed in) and their consent to a positive-action programme of beta-network.
    applicant_b: Any
    consent: dict[str, Any]
    # A matching run of tenant_b's programme (started by the platform).
    run: dict[str, Any]
    # A pairing in tenant_b's programme: its applicant and b.person's (vetted) profile,
    # proposed by the platform by hand (overriding "same organisation": beta-network has one
    # member).
    match: dict[str, Any]
    # The pairing made active (accepted by b.person, the mentor, and the applicant), with
    # availability on b's profile (a rule, a day off, a busy feed), a session the applicant
    # booked, a note and a follow-up action of theirs.
    rule: dict[str, Any]
    exception: dict[str, Any]
    session: dict[str, Any]
    note: dict[str, Any]
    action: dict[str, Any]
    goal: dict[str, Any]  # the applicant's goal, carried into the pairing
    # tenant_b's webhook endpoint (subscribed to session.booked, on an address that does not
    # resolve) and the delivery of the session's booking to it, waiting to be retried.
    webhook: dict[str, Any]
    delivery: dict[str, Any]
    # tenant_b's own API client (the one b.api holds a token of).
    api_client: dict[str, Any]
    # The applicant's pending feedback entry as the mentor of b.person in a reverse mentoring
    # programme of beta-network (the pairing written straight to the database).
    insight_entry: dict[str, Any]
    # A build of beta-network's flows report, made by tenant_b's client.
    build: dict[str, Any]
    # The applicant's own data export (subject access), built and ready.
    export: dict[str, Any]
    # The applicant's concern about the pairing, and a coordinator of beta-network (signed in)
    # who is not one of the pair (b.person, the mentor, never sees the concern).
    concern: dict[str, Any]
    coordinator_b: Any
    # A request to b.person (signed in: manager_b) to approve the protected time their report
    # asks for in a programme of beta-network that needs it.
    manager_b: Any
    time_approval: dict[str, Any]
    # tenant_b's client's import of a CSV whose one row is refused (nothing of b changes).
    staff_import: dict[str, Any]


# Each URL converter argument name → tenant_b's resource of that kind. A new argument name
# must be added here (and its resource created in `world`), or the probe fails.
TENANT_B_IDS: dict[str, Callable[[World], str]] = {
    "organisation_id": lambda w: w.b.id,
    "person_id": lambda w: str(w.b.person["id"]),
    "consortium_id": lambda w: str(w.consortium["id"]),
    "job_id": lambda w: str(w.job["id"]),
    "profile_id": lambda w: str(w.profile_b["id"]),
    "programme_id": lambda w: str(w.programme["id"]),
    "application_id": lambda w: str(w.application["id"]),
    "consent_id": lambda w: str(w.consent["id"]),
    "run_id": lambda w: str(w.run["id"]),
    "match_id": lambda w: str(w.match["id"]),
    "rule_id": lambda w: str(w.rule["id"]),
    "exception_id": lambda w: str(w.exception["id"]),
    "session_id": lambda w: str(w.session["id"]),
    "note_id": lambda w: str(w.note["id"]),
    "action_id": lambda w: str(w.action["id"]),
    "webhook_id": lambda w: str(w.webhook["id"]),
    "delivery_id": lambda w: str(w.delivery["id"]),
    # The console's pairing forms (POST /pairings/<id>/<action>): one of the API's actions.
    "action": lambda w: "approve",
    "api_client_id": lambda w: str(w.api_client["id"]),
    "entry_id": lambda w: str(w.insight_entry["id"]),
    "kind": lambda w: "flows",
    "build_id": lambda w: str(w.build["id"]),
    "export_id": lambda w: str(w.export["id"]),
    "concern_id": lambda w: str(w.concern["id"]),
    "time_approval_id": lambda w: str(w.time_approval["id"]),
    # The console's page of a staff import (a job of people.import).
    "import_id": lambda w: str(w.staff_import["id"]),
    # The console's report downloads (…/reports/<kind>.<fmt>): one of their formats.
    "fmt": lambda w: "csv",
}

# A person's own special-category data: refused (403) to any caller who is not a signed-in
# person, whatever the id, so a client's 403 reveals nothing; read back by the person.
PERSON_ONLY = {
    "sensitive.MyConsent", "sensitive.MyConsentWithdrawal", "insights.EntryItem",
    "privacy.MyExport", "privacy.MyExportDownload",
}  # fmt: skip
# A protected-time request is the person asked's only: the control reads it as the manager.
ADDRESSED_ONLY = {"protected-time.TimeApprovalItem", "pages.time_approval"}
# A pair's notes and actions are its two people's only: the control reads them as the mentee.
PAIR_ONLY = {
    "sessions.Notes", "sessions.NoteItem", "sessions.Actions", "sessions.ActionItem",
    "evaluation.SessionFeedbackCollection", "concerns.MatchConcerns",
    "pages.session_notes",  # the console's page of them
}  # fmt: skip
# Concerns are the consortium's coordinators' only, as people (not a platform client): the
# control reads them as coordinator_b.
COORDINATORS_ONLY = {"concerns.ConcernQueue", "concerns.ConcernItem"}
# An organisation's webhooks are its own admins' and clients' only (not a platform admin's):
# the control reads them as tenant_b's client.
OWN_ORGANISATION_ONLY = {
    "webhooks.Endpoints", "webhooks.Endpoint", "webhooks.Deliveries", "webhooks.Delivery",
    "pages.staff_import_job",  # an import is its organisation's (a platform admin has none)
}  # fmt: skip

# A session time inside b's availability (every day, 08:00-18:00 London), days ahead.
SOON = (datetime.now(UTC) + timedelta(days=10)).date()

# Valid query arguments for each GET that requires some, so a 404 is not masked by a 422.
QUERIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "availability.ProfileSlots": lambda w: {
        "start": datetime.now(UTC).isoformat(),
        "end": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
    },
}

# A valid body for each (endpoint, method) that reads JSON, so a 404 is not masked by a 422.
BODIES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("identity.ApiClients", "POST"): lambda w: {"name": "probe", "scopes": ["people:read"]},
    ("organisations.OrganisationItem", "PATCH"): lambda w: {
        "name": "Hijacked",
        "status": "suspended",
    },
    ("consortia.ConsortiumItem", "PATCH"): lambda w: {"name": "Hijacked"},
    ("consortia.Members", "POST"): lambda w: {"organisation_id": w.a.id},
    ("people.PersonItem", "PATCH"): lambda w: {"job_title": "Hijacked", "status": "inactive"},
    ("identity.OrganisationSso", "PUT"): lambda w: dict(w.sso_b),
    ("identity.OrganisationAdmins", "POST"): lambda w: {"person_id": w.candidate_b["id"]},
    ("identity.OrganisationAdmins", "DELETE"): lambda w: {"person_id": w.b.person["id"]},
    ("identity.ConsortiumCoordinators", "POST"): lambda w: {"person_id": w.candidate_b["id"]},
    ("identity.ConsortiumCoordinators", "DELETE"): lambda w: {"person_id": w.b.person["id"]},
    ("pool.MentorProfileItem", "PATCH"): lambda w: {"bio": "Hijacked", "status": "paused"},
    ("pool.MentorProfileVetting", "POST"): lambda w: {
        "status": "approved",
        "expires_on": "2099-01-01",
        "note": "Hijacked",
    },
    ("programmes.ProgrammeItem", "PATCH"): lambda w: {"name": "Hijacked", "status": "closed"},
    ("programmes.Applications", "POST"): lambda w: {
        "goals": [{"statement": "Hijack", "success_measure": "Hijacked"}]
    },
    ("matches.MatchRejection", "POST"): lambda w: {"reason": "Hijacked"},
    ("matches.MatchDecline", "POST"): lambda w: {"reason": "Hijacked"},
    ("matches.MatchClosure", "POST"): lambda w: {"reason": "Hijacked"},
    ("availability.Rules", "POST"): lambda w: {
        "dtstart": "2026-01-01T08:00:00",
        "duration_minutes": 60,
        "rrule": "FREQ=DAILY",
    },
    ("availability.RuleItem", "PATCH"): lambda w: {"duration_minutes": 30},
    ("availability.Exceptions", "POST"): lambda w: {
        "starts_on": "2026-12-24",
        "ends_on": "2026-12-26",
        "reason": "Hijacked",
    },
    ("availability.Feed", "PUT"): lambda w: {"url": "https://calendar.example.invalid/h.ics"},
    ("sessions.Sessions", "POST"): lambda w: {**_session_times(w, hour=12), "mode": "virtual"},
    ("sessions.SessionItem", "PATCH"): lambda w: _session_times(w, hour=14),
    ("sessions.SessionCancellation", "POST"): lambda w: {"reason": "Hijacked"},
    ("sessions.SessionNoShow", "POST"): lambda w: {"absent": "mentor"},
    ("sessions.Notes", "POST"): lambda w: {"kind": "shared", "body": "Hijacked"},
    ("sessions.NoteItem", "PATCH"): lambda w: {"body": "Hijacked"},
    ("sessions.Actions", "POST"): lambda w: {"description": "Hijack", "owner": "mentee"},
    ("sessions.ActionItem", "PATCH"): lambda w: {"done": True},
    ("sessions.GoalReviews", "PUT"): lambda w: [
        {"goal_id": w.goal["id"], "rating": 5, "comment": "Hijacked"}
    ],
    ("webhooks.Endpoints", "POST"): lambda w: {
        "url": "https://hooks.example.invalid/hijack",
        "event_types": ["match.active"],
    },
    ("webhooks.Endpoint", "PATCH"): lambda w: {
        "url": "https://hooks.example.invalid/hijack",
        "enabled": False,
    },
    ("insights.EntryItem", "PATCH"): lambda w: {"comment": "Hijacked", "sentiment": 1},
    ("evaluation.SessionFeedbackCollection", "PUT"): lambda w: {
        "rating": 1,
        "comment": "Hijacked",
        "visibility": "pair",
    },
    ("evaluation.Evaluations", "POST"): lambda w: {
        "goals": [{"goal_id": w.goal["id"], "outcome": "not"}],
        "what_changed": "Hijacked",
        "would_recommend": False,
        "hours_given": 1,
        "overall_rating": 1,
    },
    ("concerns.MatchConcerns", "POST"): lambda w: {"kind": "conduct", "details": "Hijacked"},
    ("concerns.ConcernAcknowledgement", "POST"): lambda w: {"note": "Hijacked"},
    ("concerns.ConcernPause", "POST"): lambda w: {"note": "Hijacked"},
    ("concerns.ConcernResumption", "POST"): lambda w: {"note": "Hijacked"},
    ("concerns.ConcernResolution", "POST"): lambda w: {"outcome": "Hijacked"},
    ("concerns.ConcernRematch", "POST"): lambda w: {"note": "Hijacked"},
    ("pool.MentorProfileCpd", "POST"): lambda w: {
        "date": "2026-01-01",
        "kind": "training",
        "hours": 1,
    },
}


@pytest.fixture
def world(
    app: Flask, platform: ApiClient, idp: LocalIdp, tenant_a: Tenant, tenant_b: Tenant
) -> World:
    """tenant_b with a consortium only it belongs to, a job it caused, SSO, an admin who also
    coordinates its consortium, and a person with no role."""
    response = platform.post(
        "/api/v1/consortia", json={"name": "Beta Network", "slug": "beta-network"}
    )
    assert response.status_code == 201, response.get_json()
    consortium = response.get_json()
    response = platform.post(
        f"/api/v1/consortia/{consortium['id']}/members", json={"organisation_id": tenant_b.id}
    )
    assert response.status_code == 201, response.get_json()
    response = tenant_b.api.post(f"/api/v1/organisations/{tenant_b.id}/exports")
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    # tenant_b itself sees both, so the ids the probe uses are real.
    assert tenant_b.api.get(f"/api/v1/consortia/{consortium['id']}").status_code == 200
    assert tenant_b.api.get(f"/api/v1/jobs/{job['id']}").status_code == 200
    response = tenant_b.api.post(
        f"/api/v1/organisations/{tenant_b.id}/webhooks",
        json={"url": "https://hooks.example.invalid/b", "event_types": ["session.booked"]},
    )
    assert response.status_code == 201, response.get_json()
    webhook = response.get_json()
    response = configure_sso(platform, idp, "b", tenant_b.organisation)
    assert response.status_code == 200, response.get_json()
    slug = tenant_b.organisation["slug"]
    sso_b = {
        "issuer": idp.issuer("b"),
        "client_id": f"consortium-{slug}",
        "client_secret": f"secret-for-{slug}",
    }
    person_id = tenant_b.person["id"]
    response = platform.post(
        f"/api/v1/organisations/{tenant_b.id}/admins", json={"person_id": person_id}
    )
    assert response.status_code == 201, response.get_json()
    response = platform.post(
        f"/api/v1/consortia/{consortium['id']}/coordinators", json={"person_id": person_id}
    )
    assert response.status_code == 201, response.get_json()
    candidate = create_person(tenant_b.api, f"casey.candidate@{slug}.example.org")
    response = tenant_b.api.post(
        "/api/v1/mentor-profiles",
        json={
            "person_id": person_id,
            "modalities": ["mentoring"],
            "topics": ["leadership"],
            "sharing": {"scope": "consortium"},
        },
    )
    assert response.status_code == 201, response.get_json()
    profile = response.get_json()
    response = platform.post(f"/api/v1/mentor-profiles/{profile['id']}/release")
    assert response.status_code == 200, response.get_json()
    profile = response.get_json()
    now = datetime.now(UTC)
    response = platform.post(
        "/api/v1/programmes",
        json={
            "consortium_id": consortium["id"],
            "name": "Beta Mentoring",
            "type": "mentoring",
            "status": "open",
            "application_window": {
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
            },
        },
    )
    assert response.status_code == 201, response.get_json()
    programme = response.get_json()
    applicant, _ = sign_in_as(
        app, platform, idp, tenant_b.organisation, f"bo.applicant@{slug}.example.org"
    )
    response = applicant.post(
        f"/api/v1/programmes/{programme['id']}/applications",
        json={"goals": [{"statement": "Lead", "success_measure": "Led"}]},
    )
    assert response.status_code == 201, response.get_json()
    application = response.get_json()
    response = platform.post(
        "/api/v1/programmes",
        json={
            "consortium_id": consortium["id"],
            "name": "Beta Positive Action",
            "type": "career_progression",
            "status": "open",
            "application_window": {
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
            },
            "rules": {
                "eligibility": {"positive_action": {"attribute": "disability", "values": [True]}}
            },
        },
    )
    assert response.status_code == 201, response.get_json()
    response = applicant.post(
        "/api/v1/me/consents", json={"programme_id": response.get_json()["id"]}
    )
    assert response.status_code == 201, response.get_json()
    consent = response.get_json()
    response = platform.post(f"/api/v1/programmes/{programme['id']}/matching-runs")
    assert response.status_code == 202, response.get_json()
    run = response.get_json()
    response = platform.post(
        f"/api/v1/mentor-profiles/{profile['id']}/vetting",
        json={"status": "approved", "expires_on": "2099-01-01", "note": None},
    )
    assert response.status_code == 200, response.get_json()
    response = platform.post(
        "/api/v1/matches",
        json={
            "application_id": application["id"],
            "mentor_profile_id": profile["id"],
            "override_reason": "beta-network has one member organisation",
        },
    )
    assert response.status_code == 201, response.get_json()
    match = response.get_json()
    rule, exception, session, note, action, goal = _pair_at_work(
        app, platform, idp, tenant_b, profile, match, applicant
    )
    response = tenant_b.api.get(
        f"/api/v1/organisations/{tenant_b.id}/webhooks/{webhook['id']}/deliveries"
    )
    assert response.status_code == 200, response.get_json()
    (delivery,) = response.get_json()
    insight_entry = _insight_entry(app, platform, tenant_b, consortium, applicant)
    response = tenant_b.api.post(f"/api/v1/reports/consortia/{consortium['id']}/flows/builds")
    assert response.status_code == 202, response.get_json()
    build = response.get_json()
    response = applicant.post("/api/v1/me/exports")
    assert response.status_code == 202, response.get_json()
    export = response.get_json()
    response = applicant.post(
        f"/api/v1/matches/{match['id']}/concerns",
        json={"kind": "not_working", "details": "We cannot find a time that suits us both."},
    )
    assert response.status_code == 201, response.get_json()
    concern = response.get_json()
    coordinator_b, _ = sign_in_as(
        app,
        platform,
        idp,
        tenant_b.organisation,
        f"cleo.coord@{slug}.example.org",
        coordinator_of=[consortium["id"]],
    )
    manager_b, time_approval = _time_approval(app, platform, idp, tenant_b, consortium)
    response = tenant_b.api.request(
        "POST",
        "/api/v1/people/import",
        data=b"given_name,family_name,email\nBad,Row,not-an-email\n",
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 202, response.get_json()
    staff_import = response.get_json()
    return World(
        a=tenant_a,
        b=tenant_b,
        consortium=consortium,
        job=job,
        sso_b=sso_b,
        candidate_b=candidate,
        profile_b=profile,
        programme=programme,
        application=application,
        applicant_b=applicant,
        consent=consent,
        run=run,
        match=match,
        rule=rule,
        exception=exception,
        session=session,
        note=note,
        action=action,
        goal=goal,
        webhook=webhook,
        delivery=delivery,
        api_client=platform.get(f"/api/v1/organisations/{tenant_b.id}/api-clients").get_json()[0],
        insight_entry=insight_entry,
        build=build,
        export=export,
        concern=concern,
        coordinator_b=coordinator_b,
        manager_b=manager_b,
        time_approval=time_approval,
        staff_import=staff_import,
    )


def _time_approval(
    app: Flask, platform: ApiClient, idp: LocalIdp, b: Tenant, consortium: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """b.person's report applies to a beta-network programme needing protected time: the
    request it makes to b.person, and b.person signed in."""
    now = datetime.now(UTC)
    response = platform.post(
        "/api/v1/programmes",
        json={
            "consortium_id": consortium["id"],
            "name": "Beta Protected Time",
            "type": "coaching",
            "status": "open",
            "application_window": {
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
            },
            "rules": {"protected_time_required": True},
        },
    )
    assert response.status_code == 201, response.get_json()
    programme = response.get_json()
    slug = b.organisation["slug"]
    report = create_person(b.api, f"rita.report@{slug}.example.org", line_manager_id=b.person["id"])
    browser, _ = sign_in_as(app, platform, idp, b.organisation, report["email"])
    response = browser.post(
        f"/api/v1/programmes/{programme['id']}/applications",
        json={"goals": [{"statement": "Coach", "success_measure": "Coached"}]},
    )
    assert response.status_code == 201, response.get_json()
    manager, _ = sign_in_as(app, platform, idp, b.organisation, b.person["email"])
    (time_approval,) = manager.get("/api/v1/me/time-approvals").get_json()
    return manager, time_approval


def _insight_entry(
    app: Flask, platform: ApiClient, b: Tenant, consortium: dict[str, Any], applicant: Any
) -> dict[str, Any]:
    """The applicant mentors b.person in a reverse mentoring programme and writes feedback."""
    now = datetime.now(UTC)
    response = platform.post(
        "/api/v1/programmes",
        json={
            "consortium_id": consortium["id"],
            "name": "Beta Reverse Mentoring",
            "type": "reverse_mentoring",
            "status": "open",
            "application_window": {
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
            },
        },
    )
    assert response.status_code == 201, response.get_json()
    match_id = write_pairing(
        app,
        programme=response.get_json(),
        mentor_id=str(applicant.get("/api/v1/me").get_json()["id"]),
        mentor_organisation_id=b.id,
        mentee_id=str(b.person["id"]),
        mentee_organisation_id=b.id,
    )
    response = applicant.post(
        "/api/v1/insight-entries",
        json={"match_id": match_id, "theme": "culture", "sentiment": 4, "comment": "Calm."},
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _session_times(w: World | None, *, hour: int) -> dict[str, str]:
    """One hour from `hour`:00 UTC on SOON, inside b's availability whatever the season."""
    start = datetime(SOON.year, SOON.month, SOON.day, hour, tzinfo=UTC)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


def _pair_at_work(
    app: Flask,
    platform: ApiClient,
    idp: LocalIdp,
    b: Tenant,
    profile: dict[str, Any],
    match: dict[str, Any],
    applicant: Any,
) -> tuple[dict[str, Any], ...]:
    """tenant_b's pairing made active, with availability, a session, a note and an action."""
    mentor, _ = sign_in_as(app, platform, idp, b.organisation, b.person["email"])
    url = f"/api/v1/matches/{match['id']}"
    for caller, action in ((platform, "approve"), (mentor, "accept"), (applicant, "accept")):
        etag = caller.get(url).headers["ETag"]
        response = caller.post(f"{url}/{action}", headers={"If-Match": etag})
        assert response.status_code == 200, response.get_json()
    profile_url = f"/api/v1/mentor-profiles/{profile['id']}"
    response = mentor.post(
        f"{profile_url}/availability",
        json={"dtstart": "2026-01-01T08:00:00", "duration_minutes": 600, "rrule": "FREQ=DAILY"},
    )
    assert response.status_code == 201, response.get_json()
    rule = response.get_json()
    response = mentor.post(
        f"{profile_url}/availability-exceptions",
        json={"starts_on": "2030-01-01", "ends_on": "2030-01-02", "reason": "Leave"},
    )
    assert response.status_code == 201, response.get_json()
    exception = response.get_json()
    response = mentor.put(
        f"{profile_url}/busy-feed", json={"url": "https://calendar.example.invalid/b.ics"}
    )
    assert response.status_code in (200, 201), response.get_json()
    response = applicant.post(
        f"{url}/sessions", json={**_session_times(None, hour=10), "mode": "virtual"}
    )
    assert response.status_code == 201, response.get_json()
    session = response.get_json()
    session_url = f"{url}/sessions/{session['id']}"
    response = applicant.post(f"{session_url}/notes", json={"kind": "prep", "body": "Agenda"})
    assert response.status_code == 201, response.get_json()
    note = response.get_json()
    response = applicant.post(
        f"{session_url}/actions", json={"description": "Draft a plan", "owner": "mentee"}
    )
    assert response.status_code == 201, response.get_json()
    action = response.get_json()
    response = applicant.get(f"{url}/goals")
    assert response.status_code == 200, response.get_json()
    (goal,) = response.get_json()
    return rule, exception, session, note, action, goal


def _view_method(app: Flask, endpoint: str, method: str) -> Any:
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)  # the pages are plain view functions
    return getattr(view_class, method.lower()) if view_class else view


def _required_scopes(app: Flask, endpoint: str, method: str) -> set[str]:
    """The scopes a route declares with Blueprint.auth (documented as its oauth2 security)."""
    doc = getattr(_view_method(app, endpoint, method), "_apidoc", {})
    security = doc.get("manual_doc", {}).get("security") or []
    return {scope for requirement in security for scope in requirement.get("oauth2", [])}


def _reads_json(app: Flask, endpoint: str, method: str) -> bool:
    doc = getattr(_view_method(app, endpoint, method), "_apidoc", {})
    parameters = doc.get("arguments", {}).get("parameters", [])
    return any(p.get("in") == "json" for p in parameters)


def _probed_rules(app: Flask) -> list[Any]:
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if (r.rule.startswith("/api/") or r.endpoint.startswith("pages."))
            and r.arguments
            and r.endpoint != "pages.static"  # the console's stylesheet and script
        ),
        key=lambda r: r.rule,
    )


def _snapshot(platform: ApiClient, w: World) -> dict[str, Any]:
    """tenant_b's data as its owner and the platform see it."""
    b = w.b
    return {
        "person": b.api.get(f"/api/v1/people/{b.person['id']}").get_json(),
        "people": b.api.get("/api/v1/people").get_json(),
        "organisation": platform.get(f"/api/v1/organisations/{b.id}").get_json(),
        "consortium": platform.get(f"/api/v1/consortia/{w.consortium['id']}").get_json(),
        "members": platform.get(f"/api/v1/consortia/{w.consortium['id']}/members").get_json(),
        "api_clients": platform.get(f"/api/v1/organisations/{b.id}/api-clients").get_json(),
        "job": b.api.get(f"/api/v1/jobs/{w.job['id']}").get_json(),
        "sso": platform.get(f"/api/v1/organisations/{b.id}/sso").get_json(),
        "admins": platform.get(f"/api/v1/organisations/{b.id}/admins").get_json(),
        "coordinators": platform.get(
            f"/api/v1/consortia/{w.consortium['id']}/coordinators"
        ).get_json(),
        "profile": b.api.get(f"/api/v1/mentor-profiles/{w.profile_b['id']}").get_json(),
        "cpd": b.api.get(f"/api/v1/mentor-profiles/{w.profile_b['id']}/cpd").get_json(),
        "programme": platform.get(f"/api/v1/programmes/{w.programme['id']}").get_json(),
        "applications": platform.get(
            f"/api/v1/programmes/{w.programme['id']}/applications"
        ).get_json(),
        "consent": w.applicant_b.get(f"/api/v1/me/consents/{w.consent['id']}").get_json(),
        "runs": platform.get(f"/api/v1/programmes/{w.programme['id']}/matching-runs").get_json(),
        "match": platform.get(f"/api/v1/matches/{w.match['id']}").get_json(),
        "rules": platform.get(
            f"/api/v1/mentor-profiles/{w.profile_b['id']}/availability"
        ).get_json(),
        "exceptions": platform.get(
            f"/api/v1/mentor-profiles/{w.profile_b['id']}/availability-exceptions"
        ).get_json(),
        "busy_feed": platform.get(
            f"/api/v1/mentor-profiles/{w.profile_b['id']}/busy-feed"
        ).get_json(),
        "sessions": platform.get(f"/api/v1/matches/{w.match['id']}/sessions").get_json(),
        "notes": w.applicant_b.get(f"{_session_url(w)}/notes").get_json(),
        "actions": w.applicant_b.get(f"{_session_url(w)}/actions").get_json(),
        "goals": platform.get(f"/api/v1/matches/{w.match['id']}/goals").get_json(),
        "feedback": w.applicant_b.get(f"{_session_url(w)}/feedback").get_json(),
        "evaluations": platform.get(f"/api/v1/matches/{w.match['id']}/evaluations").get_json(),
        "evaluation_report": platform.get(
            f"/api/v1/programmes/{w.programme['id']}/evaluation-report"
        ).get_json(),
        "audit": platform.get("/api/v1/audit-events").get_json(),
        "insight_entry": w.applicant_b.get(
            f"/api/v1/insight-entries/{w.insight_entry['id']}"
        ).get_json(),
        "insights": platform.get(f"/api/v1/programmes/{w.programme['id']}/insights").get_json(),
        "time_approval": w.manager_b.get(
            f"/api/v1/time-approvals/{w.time_approval['id']}"
        ).get_json(),
        "webhooks": b.api.get(f"/api/v1/organisations/{b.id}/webhooks").get_json(),
        "deliveries": b.api.get(
            f"/api/v1/organisations/{b.id}/webhooks/{w.webhook['id']}/deliveries"
        ).get_json(),
        "export": w.applicant_b.get(f"/api/v1/me/exports/{w.export['id']}").get_json(),
        "concern": w.coordinator_b.get(
            f"/api/v1/consortia/{w.consortium['id']}/concerns/{w.concern['id']}"
        ).get_json(),
    }


def _session_url(w: World) -> str:
    return f"/api/v1/matches/{w.match['id']}/sessions/{w.session['id']}"


def test_the_probe_knows_every_path_argument(app: Flask) -> None:
    unknown = sorted(
        f"{rule.rule} has <{name}>"
        for rule in _probed_rules(app)
        for name in rule.arguments
        if name not in TENANT_B_IDS
    )
    if unknown:
        pytest.fail(
            "The cross-tenant probe has no tenant_b id for these URL arguments; add each name to "
            "TENANT_B_IDS in tests/core/test_cross_tenant_probe.py (creating tenant_b's resource "
            "in the `world` fixture): " + "; ".join(unknown)
        )


def test_the_probe_has_a_body_for_every_json_route(app: Flask) -> None:
    missing = sorted(
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in _probed_rules(app)
        for method in rule.methods - IGNORED_METHODS
        if _reads_json(app, rule.endpoint, method) and (rule.endpoint, method) not in BODIES
    )
    if missing:
        pytest.fail(
            "The cross-tenant probe has no valid JSON body for these routes (a 422 would hide "
            "whether they leak); add them to BODIES: " + "; ".join(missing)
        )


def _probe(
    app: Flask, platform: ApiClient, world: World, owner_engine: Engine, caller: Any
) -> None:
    """`caller` (of tenant_a) calls every resource route with tenant_b's ids: 404, or 403 where
    the route needs a scope the caller does not hold; nothing of tenant_b's changes."""
    me = caller.get("/api/v1/me").get_json()
    a_scopes = set(me["scopes"])
    is_person = me.get("kind") == "person"
    assert "platform:admin" not in a_scopes
    before = _snapshot(platform, world)
    with owner_engine.connect() as c:
        rows_before = c.execute(text("SELECT count(*) FROM jobs")).scalar_one()

    failures: list[str] = []
    used: set[str] = set()
    probed = 0
    for rule in _probed_rules(app):
        missing = [name for name in rule.arguments if name not in TENANT_B_IDS]
        if missing:
            failures.append(f"{rule.rule}: no tenant_b id for {missing} (add to TENANT_B_IDS)")
            continue
        values = {name: TENANT_B_IDS[name](world) for name in rule.arguments}
        used.update(rule.arguments)
        for method in sorted(rule.methods - IGNORED_METHODS):
            path = app.url_map.bind("localhost").build(rule.endpoint, values, method=method)
            required = _required_scopes(app, rule.endpoint, method)
            body = (
                BODIES[(rule.endpoint, method)](world)
                if (rule.endpoint, method) in BODIES
                else None
            )
            headers = dict(IF_MATCH) if method in {"PUT", "PATCH", "DELETE"} else {}
            query = QUERIES[rule.endpoint](world) if rule.endpoint in QUERIES else None
            probed += 1
            try:
                response = caller.request(
                    method, path, json=body, headers=headers, query_string=query
                )
            except Exception as exc:  # the app raised (TESTING propagates it): a 500 for a client
                failures.append(f"{method} {path} ({rule.endpoint}) raised {exc!r}")
                continue
            # A route tenant_a's scopes allow must not even admit the resource exists.
            allowed = {404} if (not required or required & a_scopes) else {403, 404}
            if rule.endpoint in PERSON_ONLY and not is_person:
                allowed = {403}
            if response.status_code not in allowed:
                failures.append(
                    f"{method} {path} ({rule.endpoint}, needs {sorted(required) or 'any scope'}) "
                    f"answered tenant_a {response.status_code}, expected {sorted(allowed)}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )

    assert not failures, "Cross-tenant access:\n" + "\n".join(failures)
    assert used == set(TENANT_B_IDS), f"ids never probed: {set(TENANT_B_IDS) - used}"
    assert probed >= 10

    # Nothing tenant_a tried changed tenant_b's data, or created anything for it.
    after = _snapshot(platform, world)
    assert after["person"]["job_title"] != "Hijacked" and after["person"]["status"] == "active"
    assert after["organisation"]["status"] == "active"
    assert after == before
    with owner_engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM jobs")).scalar_one() == rows_before


def test_another_tenant_gets_not_found_on_every_resource_route(
    app: Flask, platform: ApiClient, world: World, owner_engine: Engine
) -> None:
    """As tenant_a's API client (bearer token, every organisation scope)."""
    a_scopes = set(world.a.api.get("/api/v1/me").get_json()["scopes"])
    assert {"people:read", "people:write"} <= a_scopes
    _probe(app, platform, world, owner_engine, world.a.api)


def test_another_tenants_org_admin_gets_not_found_on_every_resource_route(
    app: Flask, platform: ApiClient, idp: LocalIdp, world: World, owner_engine: Engine
) -> None:
    """As tenant_a's org admin, signed in through SSO: organisation:admin routes included."""
    admin, _ = sign_in_as(
        app,
        platform,
        idp,
        world.a.organisation,
        "ann.admin@alpha-trust.example.org",
        org_admin=True,
    )
    scopes = set(admin.get("/api/v1/me").get_json()["scopes"])
    assert {"organisation:admin", "people:read", "people:write"} <= scopes
    _probe(app, platform, world, owner_engine, admin)


def test_another_consortiums_coordinator_gets_not_found_on_every_resource_route(
    app: Flask, platform: ApiClient, idp: LocalIdp, world: World, owner_engine: Engine
) -> None:
    """As a person of tenant_a who coordinates tenant_a's own consortium (and is its org
    admin), signed in through SSO: tenant_b's consortium, with consortium:coordinate, is 404."""
    response = platform.post(
        "/api/v1/consortia", json={"name": "Alpha Network", "slug": "alpha-network"}
    )
    assert response.status_code == 201, response.get_json()
    alpha_network = response.get_json()["id"]
    response = platform.post(
        f"/api/v1/consortia/{alpha_network}/members", json={"organisation_id": world.a.id}
    )
    assert response.status_code == 201, response.get_json()
    coordinator, _ = sign_in_as(
        app,
        platform,
        idp,
        world.a.organisation,
        "cat.coord@alpha-trust.example.org",
        org_admin=True,
        coordinator_of=[alpha_network],
    )
    scopes = set(coordinator.get("/api/v1/me").get_json()["scopes"])
    assert {"consortium:coordinate", "organisation:admin"} <= scopes
    _probe(app, platform, world, owner_engine, coordinator)


def test_the_probed_urls_are_real(app: Flask, platform: ApiClient, world: World) -> None:
    """The control: with the same ids, the platform reads every probed GET route."""
    checked = 0
    for rule in _probed_rules(app):
        if "GET" not in rule.methods or any(n not in TENANT_B_IDS for n in rule.arguments):
            continue
        path = app.url_map.bind("localhost").build(
            rule.endpoint, {n: TENANT_B_IDS[n](world) for n in rule.arguments}
        )
        reader = world.applicant_b if rule.endpoint in PERSON_ONLY | PAIR_ONLY else platform
        if rule.endpoint in OWN_ORGANISATION_ONLY:
            reader = world.b.api
        if rule.endpoint in COORDINATORS_ONLY:
            reader = world.coordinator_b
        if rule.endpoint in ADDRESSED_ONLY:
            reader = world.manager_b
        query = QUERIES[rule.endpoint](world) if rule.endpoint in QUERIES else None
        response = reader.get(path, query_string=query)
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        checked += 1
    assert checked >= 5


def test_tenant_b_can_change_its_own_person_with_the_same_request(world: World) -> None:
    """The control for the PATCH probe: the same body and route work for the owner."""
    b = world.b
    fetched = b.api.get(f"/api/v1/people/{b.person['id']}")
    response = b.api.patch(
        f"/api/v1/people/{b.person['id']}",
        json=BODIES[("people.PersonItem", "PATCH")](world),
        headers={"If-Match": fetched.headers["ETag"]},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["job_title"] == "Hijacked"


def test_tenant_a_cannot_create_organisations_or_consortia(
    platform: ApiClient, world: World
) -> None:
    a = world.a.api
    response = a.post(
        "/api/v1/organisations",
        json={
            "name": "Gamma",
            "slug": "gamma",
            "sector": "fire",
            "email_domains": ["gamma.example.org"],
        },
    )
    assert response.status_code == 403, response.get_json()
    response = a.post("/api/v1/consortia", json={"name": "Rogue Network", "slug": "rogue-network"})
    assert response.status_code == 403, response.get_json()
    # Neither was created behind the 403.
    organisations = platform.get("/api/v1/organisations").get_json()
    assert sorted(o["slug"] for o in organisations) == ["alpha-trust", "beta-police"]
    consortia = platform.get("/api/v1/consortia").get_json()
    assert [c["slug"] for c in consortia] == ["beta-network"]


def test_tenant_b_export_holds_only_its_own_records(world: World) -> None:
    """The job a tenant causes runs as that tenant: its export has none of tenant_a's staff."""
    job = world.b.api.get(f"/api/v1/jobs/{world.job['id']}").get_json()
    assert job["status"] == "succeeded", job
    assert job["organisation_id"] == world.b.id
    assert job["result"]["organisation"]["id"] == world.b.id
    assert [p["id"] for p in job["result"]["people"]] == [world.b.person["id"]]


def test_another_tenant_cannot_search_a_consortiums_free_slots(world: World) -> None:
    """/api/v1/slots names its consortium in the query: not a member's is 404, as if missing."""
    query = {
        "consortium_id": str(world.consortium["id"]),
        **QUERIES["availability.ProfileSlots"](world),
    }
    response = world.a.api.get("/api/v1/slots", query_string=query)
    assert response.status_code == 404, response.get_json()
    # The control: a member of that consortium searches it.
    response = world.applicant_b.get("/api/v1/slots", query_string=query)
    assert response.status_code == 200, response.get_json()
