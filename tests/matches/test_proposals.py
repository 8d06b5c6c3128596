"""Hand-made proposals: POST /api/v1/matches by a coordinator, under the engine's hard
constraints (consortium.matching.constraints.check_pair), with overrides."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.matches.conftest import (
    MATCHES,
    MatchWorld,
    act_ok,
    audit_rows,
    get_ok,
    load_of,
    mail_to,
    match_url,
)
from tests.programmes.support import apply, patch_with_etag, programme_url

OVERRIDE = "Different directorates and no line relationship; the mentee asked for her by name."


def test_a_coordinator_proposes_a_pairing_by_hand(world: MatchWorld, owner_engine: Engine) -> None:
    response = world.propose()
    assert response.status_code == 201, response.get_json()
    match = response.get_json()
    assert response.headers["ETag"] == world.coordinator.get(match_url(match)).headers["ETag"]
    assert match["status"] == "proposed"
    assert match["origin"] == "manual"
    assert match["score"] is None
    assert match["reasons"] == ["Proposed by hand by Cora Coordinator."]
    assert match["programme"] == {"id": world.programme["id"], "name": "Leading Across Boundaries"}
    assert match["consortium_id"] == world.network_id
    assert match["mentor"] == {
        "profile_id": world.profile_id,
        "person_id": world.mentor.id,
        "display_name": "Mona Mentor",
        "job_title": None,
        "organisation": {"id": world.pool.a.id, "name": "Alpha Trust", "sector": "health"},
        "email": None,
    }
    assert match["mentee"] == {
        "person_id": world.mentee.id,
        "display_name": "Gail Mentee",
        "job_title": None,
        "organisation": {"id": world.pool.gamma.id, "name": "Gamma Fire", "sector": "fire"},
        "email": None,
    }
    assert match["approvals"] == {
        "coordinator": {"by": None, "at": None},
        "home_organisation": {"required": False, "by": None, "at": None},
    }
    assert match["acceptances"] == {"mentor_at": None, "mentee_at": None}
    assert match["override"] is None and match["ended"] is None
    assert match["allowed_actions"] == ["approve", "reject", "decline"]
    assert load_of(owner_engine, world.profile_id) == 1

    [event] = audit_rows(owner_engine, match["id"])
    assert event["action"] == "match.proposed"
    assert event["actor"] == f"person:{world.coordinator.id}"
    assert event["data"]["to"] == "proposed" and event["data"]["overridden"] == []
    assert event["data"]["application_id"] == world.application["id"]
    # Nobody is told of a proposal until it is approved (coordinator-only policy).
    assert mail_to(owner_engine, world.mentor) == [] and mail_to(owner_engine, world.mentee) == []
    with owner_engine.connect() as c:
        row = c.execute(
            text("SELECT proposed_by, mentor_person_id, application_id FROM matches WHERE id = :i"),
            {"i": match["id"]},
        ).one()
    assert row.proposed_by == f"person:{world.coordinator.id}"
    assert str(row.mentor_person_id) == world.mentor.id
    assert str(row.application_id) == world.application["id"]


def test_the_same_idempotency_key_replays_the_proposal(world: MatchWorld) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"application_id": world.application["id"], "mentor_profile_id": world.profile_id}
    first = world.coordinator.post(MATCHES, json=body, headers=headers)
    again = world.coordinator.post(MATCHES, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert len(get_ok(world.coordinator, MATCHES)) == 1


def test_only_a_coordinator_of_the_programmes_consortium_proposes(world: MatchWorld) -> None:
    # Without the coordinating scope: refused before any lookup.
    for caller in (world.mentee, world.admin_gamma, world.pool.gamma.api):
        assert_problem(world.propose(caller), 403)
    # A coordinator of another consortium cannot see the application...
    elsewhere = world.pool.consortium("other-network", world.pool.a)["id"]
    other = world.person("other_coordinator", world.pool.a, "Otto", coordinator_of=[elsewhere])
    assert_problem(world.propose(other), 404, field="application_id")
    # ... unless they are an admin of the applicant's organisation: then it is not theirs.
    other_admin = world.person(
        "gamma_coordinator",
        world.pool.gamma,
        "Gus",
        org_admin=True,
        coordinator_of=[world.pool.consortium("gamma-network", world.pool.gamma)["id"]],
    )
    body = assert_problem(world.propose(other_admin), 403, field="application_id")
    assert "Leading Across Boundaries" in body["detail"]
    assert get_ok(world.coordinator, MATCHES) == []
    # The platform may.
    assert world.propose(world.platform).status_code == 201


def test_unknown_or_invisible_ids_are_not_found(world: MatchWorld) -> None:
    assert_problem(world.propose(application_id=str(uuid.uuid4())), 404, field="application_id")
    assert_problem(
        world.propose(mentor_profile_id=str(uuid.uuid4())), 404, field="mentor_profile_id"
    )
    # A profile kept to tenant_a (not released) is not in the coordinator's pool.
    hidden = world.other_mentor(world.pool.a)
    with world.app.app_context():
        from consortium.core import tenancy
        from consortium.extensions import db
        from consortium.pool.models import MentorProfile

        with tenancy.all_tenants():
            profile = db.session.get(MentorProfile, uuid.UUID(hidden))
            assert profile is not None
            profile.sharing_scope, profile.released_at = "organisation", None
            db.session.commit()
    assert_problem(world.propose(mentor_profile_id=hidden), 404, field="mentor_profile_id")


def test_a_mentee_has_one_live_pairing_per_programme(world: MatchWorld) -> None:
    first = world.proposal()
    other = world.other_mentor(world.pool.delta)
    body = assert_problem(world.propose(mentor_profile_id=other), 409, field="application_id")
    assert first["id"] in body["detail"]
    act_ok(world.coordinator, first, "approve")
    assert_problem(world.propose(mentor_profile_id=other), 409)
    assert [m["id"] for m in get_ok(world.coordinator, MATCHES)] == [first["id"]]


def test_after_a_decline_another_mentor_may_be_proposed_but_not_the_same_one(
    world: MatchWorld, owner_engine: Engine
) -> None:
    first = world.proposal()
    act_ok(world.mentee, first, "decline", "I would rather work with someone outside health.")
    assert load_of(owner_engine, world.profile_id) == 0
    # The same pair: refused as declined before.
    body = assert_problem(world.propose(), 422, field="mentor_profile_id")
    codes = [e["code"] for e in body["errors"]]
    assert codes == ["refused_before"]
    # Another mentor for the same mentee is fine.
    other = world.other_mentor(world.pool.delta)
    second = world.proposal(mentor_profile_id=other)
    assert second["status"] == "proposed"
    assert second["mentor"]["organisation"]["name"] == "Delta Council"


def test_only_an_open_application_in_a_running_programme_is_paired(world: MatchWorld) -> None:
    url = f"{programme_url(world.programme)}/applications/{world.application['id']}/withdraw"
    assert world.mentee.post(url).status_code == 200
    assert_problem(world.propose(), 409, field="application_id")
    response = patch_with_etag(
        world.coordinator, programme_url(world.programme), {"status": "closed"}
    )
    assert response.status_code == 200, response.get_json()
    assert_problem(world.propose(), 409, field="application_id")


# --- hard constraints and overrides ------------------------------------------------------


def test_a_broken_constraint_needs_an_override_reason(
    world: MatchWorld, owner_engine: Engine
) -> None:
    # A colleague of the mentee in gamma: the programme pairs across organisations.
    colleague = world.other_mentor(world.pool.gamma)
    body = assert_problem(world.propose(mentor_profile_id=colleague), 422)
    [error] = body["errors"]
    assert error["code"] == "other_organisation"
    assert error["field"] == "cross_organisation_required"
    assert error["overridable"] is True
    assert "same organisation" in error["detail"]
    assert "override_reason" in body["detail"]
    # A blank reason is no reason.
    assert_problem(world.propose(mentor_profile_id=colleague, override_reason="  "), 422)
    assert get_ok(world.coordinator, MATCHES) == []

    match = world.proposal(mentor_profile_id=colleague, override_reason=OVERRIDE)
    assert match["override"] == {"constraints": ["other_organisation"], "reason": OVERRIDE}
    [event] = audit_rows(owner_engine, match["id"])
    assert event["reason"] == OVERRIDE
    assert event["data"]["overridden"] == ["other_organisation"]


def test_every_broken_constraint_is_named(world: MatchWorld) -> None:
    coach = world.other_mentor(world.pool.gamma, modalities=("coaching",))
    body = assert_problem(world.propose(mentor_profile_id=coach), 422)
    assert [(e["code"], e["field"]) for e in body["errors"]] == [
        ("other_organisation", "cross_organisation_required"),
        ("modality", "modalities"),
    ]
    assert "2 hard constraints" in body["detail"]
    match = world.proposal(mentor_profile_id=coach, override_reason=OVERRIDE)
    assert match["override"]["constraints"] == ["other_organisation", "modality"]


def test_a_constraint_that_cannot_be_overridden_refuses_even_with_a_reason(
    world: MatchWorld,
) -> None:
    unvetted = world.other_mentor(world.pool.delta, vetting_status="pending")
    for reason in (None, OVERRIDE):
        body = assert_problem(
            world.propose(mentor_profile_id=unvetted, override_reason=reason), 422
        )
        assert [(e["code"], e["overridable"]) for e in body["errors"]] == [("vetting", False)]
        assert "cannot be overridden" in body["detail"]
    assert get_ok(world.coordinator, MATCHES) == []


def test_a_full_mentor_can_be_overridden_and_the_load_counts_it(
    world: MatchWorld, owner_engine: Engine
) -> None:
    full = world.other_mentor(world.pool.delta, capacity=1)
    second_mentee = world.pool.sign_in(world.pool.a, "Sam", "Second")
    other_application = apply(second_mentee, world.programme)
    world.proposal(mentor_profile_id=full, application_id=other_application["id"])
    assert load_of(owner_engine, full) == 1
    body = assert_problem(world.propose(mentor_profile_id=full), 422, field="capacity")
    assert body["errors"][0]["code"] == "capacity"
    world.proposal(mentor_profile_id=full, override_reason="She offered to take one more.")
    assert load_of(owner_engine, full) == 2
