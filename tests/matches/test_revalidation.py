"""Approving and accepting re-check the hard constraints that change after a proposal.

Each test changes one thing through the API (or lets time pass) between the proposal and the
action, and expects a 409 naming the constraint in a proposal's error shape, with the pairing
exactly as it was. See tests/matches/conftest.py for the world.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.api.helpers import assert_problem
from tests.identity.role_support import deactivate, new_person
from tests.matches.conftest import (
    MatchWorld,
    act,
    act_ok,
    audit_rows,
    etag_of,
    get_ok,
    insert_profile,
    load_of,
    match_url,
)
from tests.pool.conftest import days, url
from tests.programmes.support import apply, create_programme, patch_with_etag, update_person


def _refused(
    world: MatchWorld, match: dict[str, Any], field: str, code: str, *, caller: Any = None
) -> dict[str, Any]:
    """The action is refused naming `code` on `field`, and the pairing is unchanged."""
    before = get_ok(world.coordinator, match_url(match))
    etag = etag_of(world.coordinator, match)
    action = "approve" if before["status"] == "proposed" else "accept"
    body = assert_problem(act(caller or world.coordinator, match, action), 409, field=field)
    assert [e["code"] for e in body["errors"] if e["field"] == field] == [code], body
    assert f"cannot be {action.rstrip('e')}ed now" in body["detail"]
    assert f"It stays {before['status']}" in body["detail"]
    assert get_ok(world.coordinator, match_url(match)) == before
    assert etag_of(world.coordinator, match) == etag
    return body


def test_a_still_valid_proposal_is_approved_and_accepted_its_own_place_not_counted(
    world: MatchWorld, owner_engine: Engine
) -> None:
    # One place, which the proposal itself holds: it must not block its own approval.
    response = patch_with_etag(world.mentor, url(world.profile_id), {"capacity": 1})
    assert response.status_code == 200, response.get_json()
    match = world.proposal()
    assert load_of(owner_engine, world.profile_id) == 1
    assert act_ok(world.coordinator, match, "approve")["status"] == "approved"
    assert act_ok(world.mentee, match, "accept")["status"] == "approved"
    assert act_ok(world.mentor, match, "accept")["status"] == "active"
    assert load_of(owner_engine, world.profile_id) == 1


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_a_mentors_vetting_revoked_or_expired_since_the_proposal_refuses_approval(
    world: MatchWorld, owner_engine: Engine, how: str
) -> None:
    match = world.proposal()
    if how == "revoked":
        response = world.admin_a.post(
            url(world.profile_id, "/vetting"),
            json={"status": "suspended", "note": "A safeguarding concern is being looked at."},
        )
        assert response.status_code == 200, response.get_json()
    else:  # approved until yesterday; the nightly sweep has not paused the profile yet
        with owner_engine.begin() as c:
            c.execute(
                text("UPDATE mentor_profiles SET vetting_expires_on = :d WHERE id = :p"),
                {"d": days(-1), "p": world.profile_id},
            )
    body = _refused(world, match, "vetting_status", "vetting")
    [error] = body["errors"]
    assert error["overridable"] is False
    assert "vetting is not approved and current" in error["detail"]
    assert [e["action"] for e in audit_rows(owner_engine, match["id"])] == ["match.proposed"]


def test_a_mentors_places_taken_since_the_proposal_refuse_approval(world: MatchWorld) -> None:
    other_mentee = world.pool.sign_in(world.pool.delta, "Dee", "Second")
    other = world.proposal(application_id=apply(other_mentee, world.programme)["id"])
    match = world.proposal()
    # Mona's second place goes to Dee's pairing, then she offers one place only.
    act_ok(world.coordinator, other, "approve")
    response = patch_with_etag(world.mentor, url(world.profile_id), {"capacity": 1})
    assert response.status_code == 200, response.get_json()
    body = _refused(world, match, "capacity", "capacity")
    assert body["errors"][0]["overridable"] is True  # at proposal; approval has no override


def test_a_profile_paused_since_the_proposal_refuses_approval(world: MatchWorld) -> None:
    match = world.proposal()
    response = patch_with_etag(world.mentor, url(world.profile_id), {"status": "paused"})
    assert response.status_code == 200, response.get_json()
    body = _refused(world, match, "status", "active")
    assert "profile is paused" in body["errors"][0]["detail"]


def test_a_profile_withdrawn_from_the_pool_since_the_proposal_refuses_approval(
    world: MatchWorld,
) -> None:
    match = world.proposal()
    # Sharing with colleagues only withdraws the employer's release to the network.
    change = {"sharing": {"scope": "organisation"}}
    response = patch_with_etag(world.mentor, url(world.profile_id), change)
    assert response.status_code == 200, response.get_json()
    _refused(world, match, "mentor_profile_id", "shared")


@pytest.mark.parametrize("who", ["mentor", "mentee"])
def test_a_person_deactivated_since_the_proposal_refuses_approval(
    world: MatchWorld, who: str
) -> None:
    match = world.proposal()
    person = world.mentor if who == "mentor" else world.mentee
    deactivate(person.tenant, person.record)
    if who == "mentor":
        body = _refused(world, match, "status", "active")
        assert "staff record" in body["errors"][0]["detail"]
    else:
        body = _refused(world, match, "application_id", "eligibility")
        assert "deactivated" in body["errors"][0]["detail"]


@pytest.mark.parametrize("whose", ["mentor", "mentee"])
def test_an_organisation_suspended_since_the_proposal_refuses_approval(
    world: MatchWorld, whose: str
) -> None:
    match = world.proposal()
    tenant = world.pool.a if whose == "mentor" else world.pool.gamma
    response = patch_with_etag(
        world.platform, f"/api/v1/organisations/{tenant.id}", {"status": "suspended"}
    )
    assert response.status_code == 200, response.get_json()
    if whose == "mentor":
        _refused(world, match, "status", "active")
    else:
        body = _refused(world, match, "application_id", "eligibility")
        assert "suspended" in body["errors"][0]["detail"]


def test_a_line_manager_changed_since_the_proposal_refuses_approval(world: MatchWorld) -> None:
    # Within one organisation (a programme that allows it): Gail and a gamma mentor, Mo.
    programme = create_programme(
        world.coordinator,
        world.network_id,
        name="Fire Leadership",
        rules={"cross_organisation_required": False},
    )
    application = apply(world.mentee, programme)
    gamma = world.pool.gamma
    mo = new_person(gamma, "mo")
    profile_id = insert_profile(world.app, str(mo["id"]), gamma.id)
    match = world.proposal(application_id=application["id"], mentor_profile_id=profile_id)
    # Gail now reports to Max, who reports to Mo: Mo manages Gail two levels up.
    max_ = new_person(gamma, "max")
    update_person(gamma, str(max_["id"]), line_manager_id=str(mo["id"]))
    update_person(gamma, world.mentee.id, line_manager_id=str(max_["id"]))
    body = _refused(world, match, "line_manager_id", "line_management")
    assert "manages the other" in body["errors"][0]["detail"]


def test_a_constraint_overridden_at_the_proposal_does_not_block_approval(
    world: MatchWorld, owner_engine: Engine
) -> None:
    full = world.other_mentor(world.pool.delta, capacity=1)
    second = world.pool.sign_in(world.pool.a, "Sam", "Second")
    world.proposal(mentor_profile_id=full, application_id=apply(second, world.programme)["id"])
    reason = "She offered to take one more this year."
    match = world.proposal(mentor_profile_id=full, override_reason=reason)
    assert match["override"]["constraints"] == ["capacity"]
    assert load_of(owner_engine, full) == 2
    # A constraint not overridden still refuses, and only it is named: vetting revoked.
    _set_vetting(owner_engine, full, "suspended")
    body = _refused(world, match, "vetting_status", "vetting")
    assert [e["code"] for e in body["errors"]] == ["vetting"]
    # Vetted again: still over capacity (Sam's pairing holds the one place), which the
    # coordinator accepted on purpose, so the approval goes through.
    _set_vetting(owner_engine, full, "approved")
    assert act_ok(world.coordinator, match, "approve")["status"] == "approved"


def _set_vetting(owner_engine: Engine, profile_id: str, status: str) -> None:
    """The profile's vetting as decided off-stage (the vetting API is tested in tests/pool)."""
    with owner_engine.begin() as c:
        c.execute(
            text("UPDATE mentor_profiles SET vetting_status = :s WHERE id = :p"),
            {"s": status, "p": profile_id},
        )


def test_accepting_an_approved_pairing_re_checks_and_each_side_sees_its_own_reasons(
    world: MatchWorld,
) -> None:
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    response = patch_with_etag(world.mentor, url(world.profile_id), {"status": "paused"})
    assert response.status_code == 200, response.get_json()
    # The mentor is told their own reason in full.
    body = _refused(world, match, "status", "active", caller=world.mentor)
    assert "profile is paused" in body["errors"][0]["detail"]
    # The mentee is told only that something on the mentor's side no longer fits.
    body = assert_problem(act(world.mentee, match, "accept"), 409, field="mentor_profile_id")
    [error] = body["errors"]
    assert error["code"] == "counterpart"
    assert "paused" not in body["detail"] and "paused" not in error["detail"]
    assert "coordinators of Alpha Network can see which" in error["detail"]
    assert get_ok(world.mentee, match_url(match))["acceptances"] == {
        "mentor_at": None,
        "mentee_at": None,
    }
    # Resumed, the pairing goes ahead.
    response = patch_with_etag(world.mentor, url(world.profile_id), {"status": "active"})
    assert response.status_code == 200, response.get_json()
    act_ok(world.mentee, match, "accept")
    assert act_ok(world.mentor, match, "accept")["status"] == "active"


def test_under_two_key_the_mentors_organisation_is_told_the_mentees_reasons_in_general(
    world: MatchWorld,
) -> None:
    world.two_key()
    match = world.proposal()
    deactivate(world.mentee.tenant, world.mentee.record)
    body = assert_problem(act(world.admin_a, match, "approve"), 409, field="application_id")
    assert [e["code"] for e in body["errors"]] == ["counterpart"]
    assert "deactivated" not in str(body)
    # The coordinator sees which.
    _refused(world, match, "application_id", "eligibility")
    assert (
        get_ok(world.coordinator, match_url(match))["approvals"]["home_organisation"]["by"] is None
    )
