"""Rules a programme switches on (issue 17): a different discipline, outside the immediate
system, and board mentoring's mentor seniority floor; and a mentee's preceptor or clinical
supervisor, never their mentor. Each through the API: set on the
programme, kept by matching runs, explained for a mentee left unmatched, and named on a
hand-made proposal that breaks it (a coordinator may override it with a reason).
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.helpers import assert_problem
from tests.factories import Tenant, create_organisation, organisation_client
from tests.matching_runs.conftest import MatchingWorld, get_run, start_run
from tests.programmes.support import apply, patch_with_etag, update_person

MATCHES = "/api/v1/matches"
OVERRIDE = "Different wards, and the mentee asked for this mentor by name."


def _apply(
    world: MatchingWorld, tenant: Tenant, name: str, programme: dict[str, Any], **person: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    browser, record = world.applicant(tenant, name, seniority=person.pop("seniority", 4), **person)
    return apply(browser, programme), record


def _mentor(world: MatchingWorld, tenant: Tenant, name: str, **person: Any) -> str:
    return world.mentor(tenant, name, person=world.staff(tenant, name, **person))


def _proposed(world: MatchingWorld, programme: dict[str, Any]) -> set[tuple[str, str]]:
    return {(str(m["mentee_id"]), str(m["mentor_profile_id"])) for m in world.proposals(programme)}


def _propose(world: MatchingWorld, application: dict[str, Any], profile: str, **fields: Any) -> Any:
    body = {"application_id": application["id"], "mentor_profile_id": profile, **fields}
    return world.coordinator.post(MATCHES, json=body)


def test_a_different_discipline_pairs_across_professions(world: MatchingWorld) -> None:
    programme = world.programme(
        name="Across disciplines", rules={"different_discipline_required": True}
    )
    assert programme["rules"]["different_discipline_required"] is True
    nurse = _mentor(world, world.beta, "Nia", profession="Nursing", seniority=6)
    _mentor(world, world.gamma, "Ola", seniority=6)  # no profession recorded
    ann_app, ann = _apply(world, world.alpha, "Ann", programme, profession="nursing")
    _, fay = _apply(world, world.alpha, "Fay", programme, profession="finance")

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    # Nia is a nurse like Ann (case aside); Ola's profession is unknown, so not proven other.
    assert _proposed(world, programme) == {(fay["id"], nurse)}
    assert run["unmatched"] == [
        {
            "application_id": ann_app["id"],
            "mentee_id": ann["id"],
            "reason": "none of the 2 eligible mentors is of a different profession from yours, "
            "as this programme needs (or a profession is not recorded)",
            "candidates": 0,
        }
    ]

    body = assert_problem(_propose(world, ann_app, nurse), 422)
    [error] = body["errors"]
    assert (error["code"], error["field"], error["overridable"]) == (
        "discipline",
        "different_discipline_required",
        True,
    )
    assert "share a profession" in error["detail"]
    response = _propose(world, ann_app, nurse, override_reason=OVERRIDE)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["override"]["constraints"] == ["discipline"]


def test_outside_the_immediate_system_means_another_sector(
    world: MatchingWorld,
) -> None:
    # A second health body joins: another organisation, but the mentee's own system.
    delta = create_organisation(world.platform, "delta-health", "health")
    response = world.platform.post(
        f"/api/v1/consortia/{world.consortium_id}/members", json={"organisation_id": delta["id"]}
    )
    assert response.status_code in (200, 201), response.get_json()
    delta_tenant = Tenant(
        organisation=delta, api=organisation_client(world.platform, delta["id"]), person={}
    )
    programme = world.programme(name="Outside the system", rules={"outside_system_required": True})
    dee = _mentor(world, delta_tenant, "Dee", seniority=6)
    ann_app, ann = _apply(world, world.alpha, "Ann", programme)  # health, like delta
    _, ben = _apply(world, world.beta, "Ben", programme)  # police

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert _proposed(world, programme) == {(ben["id"], dee)}
    [unmatched] = run["unmatched"]
    assert unmatched["mentee_id"] == ann["id"]
    assert unmatched["reason"] == (
        "the only eligible mentor is not from outside your immediate system (another "
        "organisation in another sector), as this programme needs"
    )
    [error] = assert_problem(_propose(world, ann_app, dee), 422)["errors"]
    assert (error["code"], error["field"], error["overridable"]) == (
        "outside_system",
        "outside_system_required",
        True,
    )


def test_board_mentoring_needs_mentors_at_the_seniority_floor(world: MatchingWorld) -> None:
    programme = world.programme(type="board_mentoring", name="Boards 2027")
    assert programme["rules"]["mentor_seniority_min"] == 8  # the type's default
    director = _mentor(world, world.beta, "Sid", seniority=8)
    manager = _mentor(world, world.gamma, "Mo", seniority=7)
    _, sue = _apply(world, world.alpha, "Sue", programme, seniority=5)
    bo_app, bo = _apply(world, world.beta, "Bo", programme, seniority=5)

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert _proposed(world, programme) == {(sue["id"], director)}
    assert run["unmatched"] == [
        {
            "application_id": bo_app["id"],
            "mentee_id": bo["id"],
            # Sid works in Bo's own organisation; Mo is below the floor.
            "reason": "the only eligible mentor is not of seniority 8 or above, as this "
            "programme needs of its mentors (or a seniority is not recorded)",
            "candidates": 0,
        }
    ]
    [error] = assert_problem(_propose(world, bo_app, manager), 422)["errors"]
    assert (error["code"], error["field"], error["overridable"]) == (
        "seniority_floor",
        "mentor_seniority_min",
        True,
    )
    assert "below 8" in error["detail"]


def test_a_preceptor_or_clinical_supervisor_is_never_the_mentor(world: MatchingWorld) -> None:
    programme = world.programme(
        name="Within the trust", rules={"cross_organisation_required": False}
    )
    pam = world.staff(world.alpha, "Pam", seniority=6)
    cal = world.staff(world.alpha, "Cal", seniority=6)
    preceptor, supervisor = (
        world.mentor(world.alpha, "Pam", person=pam),
        world.mentor(world.alpha, "Cal", person=cal),
    )
    ann_browser, ann = world.applicant(world.alpha, "Ann")
    ben_browser, ben = world.applicant(world.alpha, "Ben")
    cy_browser, cy = world.applicant(world.alpha, "Cy")
    update_person(world.alpha, ann["id"], preceptor_id=pam["id"])
    update_person(world.alpha, ben["id"], clinical_supervisor_id=cal["id"])
    shown = update_person(
        world.alpha, cy["id"], preceptor_id=pam["id"], clinical_supervisor_id=cal["id"]
    )
    assert (shown["preceptor_id"], shown["clinical_supervisor_id"]) == (pam["id"], cal["id"])
    apply(ann_browser, programme)
    apply(ben_browser, programme)
    cy_app = apply(cy_browser, programme)

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert _proposed(world, programme) == {(ann["id"], supervisor), (ben["id"], preceptor)}
    assert run["unmatched"] == [
        {
            "application_id": cy_app["id"],
            "mentee_id": cy["id"],
            "reason": "all 2 eligible mentors are your preceptor or clinical supervisor (or you "
            "are theirs)",
            "candidates": 0,
        }
    ]
    [error] = assert_problem(_propose(world, cy_app, preceptor), 422)["errors"]
    assert (error["code"], error["field"], error["overridable"]) == (
        "supervision",
        "preceptor_id",
        True,
    )


def test_a_preceptor_is_a_colleague_and_not_oneself(world: MatchingWorld) -> None:
    ann = world.staff(world.alpha, "Ann")
    stranger = world.staff(world.beta, "Sam")
    url = f"/api/v1/people/{ann['id']}"
    for field, other in (
        ("preceptor_id", ann["id"]),
        ("clinical_supervisor_id", stranger["id"]),
        ("preceptor_id", str(uuid.uuid4())),
    ):
        assert_problem(patch_with_etag(world.alpha.api, url, {field: other}), 422, field=field)
