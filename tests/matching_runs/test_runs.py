"""Matching runs through the API: who may start them, what they propose, and why not."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from consortium.core import tenancy
from consortium.core.jobs import MAX_ATTEMPTS, Job, execute
from consortium.extensions import db
from consortium.matching import engine
from consortium.matching.load import load
from consortium.programmes.models import Programme
from tests.api.helpers import assert_problem
from tests.matching_runs.conftest import MatchingWorld, get_run, runs_url, start_run

PHASES = {"load", "candidates", "score", "solve", "explain", "write"}
FLOAT_ERROR = "ValueError: could not convert string to float: 'heavy'"


def break_weights(world: MatchingWorld) -> None:
    """A consortium row the API would refuse (a weight that is no number): every run fails."""
    with world.owner.begin() as c:
        c.execute(
            text('UPDATE consortia SET matching_weights = \'{"topic": "heavy"}\' WHERE id = :c'),
            {"c": world.consortium_id},
        )


def test_a_coordinator_runs_matching_and_gets_explained_proposals(world: MatchingWorld) -> None:
    programme = world.programme()
    improver = world.mentor(
        world.beta,
        "Priya",
        topics=["quality-improvement", "leadership"],
        bio="Led the force's continuous improvement programme using lean methods.",
    )
    world.mentor(world.gamma, "Cole", modalities=["coaching"])  # offers no mentoring
    alpha_mentor = world.mentor(world.alpha, "Amir")
    alpha_app, alpha_mentee = world.apply(
        world.alpha, "Ann", programme, topics=["Quality Improvement"], shortlist=[improver]
    )
    beta_app, beta_mentee = world.apply(world.beta, "Ben", programme)
    gamma_app, gamma_mentee = world.apply(
        world.gamma,
        "Gus",
        programme,
        preferences={"avoid_organisation_ids": [world.alpha.id, world.beta.id]},
    )

    response = world.coordinator.post(runs_url(programme))
    assert response.status_code == 202, response.get_json()
    run = response.get_json()
    assert run["status"] in ("queued", "succeeded") and run["mode"] == "optimal"
    assert response.headers["Location"].endswith(f"/matching-runs/{run['id']}")

    shown = get_run(world.coordinator, programme, run)  # jobs run inline in tests
    assert shown["status"] == "succeeded"
    assert set(shown["timings"]) == PHASES
    counts = shown["counts"]
    assert (counts["mentees"], counts["mentors"], counts["proposed"], counts["unmatched"]) == (
        3,
        3,
        2,
        1,
    )
    assert counts["candidate_pairs"] == 2  # Ann-Priya and Ben-Amir
    assert shown["unmatched"] == [
        {
            "application_id": gamma_app["id"],
            "mentee_id": gamma_mentee["id"],
            "reason": "all 2 eligible mentors work for organisations you asked to avoid",
            "candidates": 0,
        }
    ]
    pairs = {(str(m["mentee_id"]), str(m["mentor_profile_id"])) for m in world.proposals(programme)}
    assert pairs == {(alpha_mentee["id"], improver), (beta_mentee["id"], alpha_mentor)}
    for match in world.proposals(programme):
        assert match["status"] == "proposed" and match["origin"] == "run"
        assert str(match["matching_run_id"]) == run["id"]
        assert match["mentor_organisation_id"] != match["mentee_organisation_id"]
        assert 0 < match["score"] == pytest.approx(sum(match["score_parts"].values()), abs=1e-5)
        assert match["reasons"]
    ann = next(m for m in world.proposals(programme) if str(m["mentee_id"]) == alpha_mentee["id"])
    assert "you ranked them 1st on your shortlist" in ann["reasons"]
    assert any("quality improvement" in reason for reason in ann["reasons"])
    assert str(ann["application_id"]) == alpha_app["id"]
    ben = next(m for m in world.proposals(programme) if str(m["mentee_id"]) == beta_mentee["id"])
    assert str(ben["application_id"]) == beta_app["id"]


def test_proposals_take_the_mentors_places(world: MatchingWorld) -> None:
    programme = world.programme()
    mentor = world.mentor(world.beta, "Priya", capacity=1)
    world.apply(world.alpha, "Ann", programme)
    world.apply(world.gamma, "Gus", programme)
    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))

    assert run["counts"]["proposed"] == 1
    assert run["unmatched"][0]["reason"] == (
        "the only eligible mentor was needed for other pairings that fit better overall"
    )
    with world.owner.connect() as c:
        load_now = c.execute(
            text("SELECT active_load FROM mentor_profiles WHERE id = :id"), {"id": mentor}
        ).scalar()
    assert load_now == 1
    # The next run finds the place taken: no mentor with capacity left.
    again = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert again["counts"]["mentees"] == 1  # the paired mentee is not considered again
    assert again["unmatched"][0]["reason"] == (
        "no mentor outside your organisation offers mentoring with capacity left"
    )


def test_line_management_chains_are_never_paired_in_either_direction(
    world: MatchingWorld,
) -> None:
    programme = world.programme(rules={"cross_organisation_required": False})
    director = world.staff(world.alpha, "Dee", seniority=8)
    manager = world.staff(world.alpha, "Max", seniority=6, line_manager_id=director["id"])
    world.mentor(world.alpha, "Dee", person=director)  # the mentee's manager's manager
    _, mentee = world.apply(world.alpha, "Ann", programme, seniority=4)
    response = world.alpha.api.patch(
        f"/api/v1/people/{mentee['id']}",
        json={"line_manager_id": manager["id"]},
        headers={"If-Match": world.alpha.api.get(f"/api/v1/people/{mentee['id']}").headers["ETag"]},
    )
    assert response.status_code == 200, response.get_json()
    # …and a mentor the mentee manages, further down the line.
    report = world.staff(world.alpha, "Rae", seniority=3, line_manager_id=mentee["id"])
    junior = world.staff(world.alpha, "Jo", seniority=2, line_manager_id=report["id"])
    world.mentor(world.alpha, "Jo", person=junior)

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert run["counts"]["candidate_pairs"] == 0
    assert run["unmatched"][0]["reason"] == (
        "all 2 eligible mentors are in your line-management chain"
    )


def test_a_line_management_cycle_in_the_data_still_excludes_its_members(
    world: MatchingWorld,
) -> None:
    programme = world.programme(rules={"cross_organisation_required": False})
    _, mentee = world.apply(world.alpha, "Ann", programme)
    manager = world.staff(world.alpha, "Max", seniority=6, line_manager_id=mentee["id"])
    world.mentor(world.alpha, "Max", person=manager)
    outsider = world.mentor(world.alpha, "Zed")
    # An HR feed's loop (Ann -> Max -> Ann): the chain is followed until it comes round.
    with world.owner.begin() as c:
        c.execute(
            text("UPDATE people SET line_manager_id = :boss WHERE id = :id"),
            {"boss": manager["id"], "id": mentee["id"]},
        )

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert run["counts"]["candidate_pairs"] == 1
    assert [str(m["mentor_profile_id"]) for m in world.proposals(programme)] == [outsider]


def test_a_pair_declined_before_is_not_proposed_again(world: MatchingWorld) -> None:
    programme = world.programme()
    mentor = world.mentor(world.beta, "Priya")
    _, mentee = world.apply(world.alpha, "Ann", programme)
    with world.owner.begin() as c:  # an earlier programme's pairing the mentor declined
        earlier = world.programme(name="Earlier Programme")
        c.execute(
            text(
                "INSERT INTO matches (id, created_at, updated_at, consortium_id, programme_id,"
                " mentor_profile_id, mentor_person_id, mentor_organisation_id, mentee_id,"
                " mentee_organisation_id, status, origin, score_parts, reasons, overridden)"
                " SELECT :id, now(), now(), :c, :p, id, person_id, organisation_id, :mentee,"
                " :mentee_org, 'declined', 'manual', '{}', '[]', '[]'"
                " FROM mentor_profiles WHERE id = :profile"
            ),
            {
                "id": str(uuid.uuid4()),
                "c": world.consortium_id,
                "p": earlier["id"],
                "mentee": mentee["id"],
                "mentee_org": world.alpha.id,
                "profile": mentor,
            },
        )
    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert run["counts"]["proposed"] == 0
    assert run["unmatched"][0]["reason"] == (
        "the only eligible mentor was declined or rejected as your pairing before"
    )


def test_reverse_mentoring_needs_a_more_junior_mentor_elsewhere(world: MatchingWorld) -> None:
    programme = world.programme(type="reverse_mentoring", name="Reverse 2027")
    assert programme["rules"]["seniority_direction"] == "mentor_junior"
    world.mentor(world.beta, "Sid", seniority=8, modalities=["reverse_mentoring"])
    junior = world.mentor(world.gamma, "Jas", seniority=3, modalities=["reverse_mentoring"])
    world.mentor(world.gamma, "Mo", seniority=2, modalities=["mentoring"])
    _, senior = world.apply(world.alpha, "Sue", programme, seniority=7)
    nobody_app, nobody = world.apply(world.beta, "Bo", programme, seniority=2)

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert {
        (str(m["mentee_id"]), str(m["mentor_profile_id"])) for m in world.proposals(programme)
    } == {(senior["id"], junior)}
    assert run["unmatched"] == [
        {
            "application_id": nobody_app["id"],
            "mentee_id": nobody["id"],
            # Sid is in Bo's own organisation; Mo offers no reverse mentoring.
            "reason": "the only eligible mentor is not more junior than you, as this programme "
            "needs (or a seniority is not recorded)",
            "candidates": 0,
        }
    ]


def test_who_may_start_and_see_runs(world: MatchingWorld, tenant_b: Any) -> None:
    programme = world.programme()
    staff, _ = world.applicant(world.alpha, "Stan")
    outsider = world.platform  # platform admins may: they operate the service
    other = world.platform.post(
        "/api/v1/consortia", json={"name": "Elsewhere", "slug": "elsewhere"}
    ).get_json()
    world.platform.post(
        f"/api/v1/consortia/{other['id']}/members", json={"organisation_id": world.beta.id}
    )
    other_coordinator, _ = world.applicant(world.beta, "Olu")
    world.platform.post(
        f"/api/v1/consortia/{other['id']}/coordinators",
        json={"person_id": other_coordinator.get("/auth/session").get_json()["person"]["id"]},
    )
    run = start_run(world.coordinator, programme)

    assert_problem(staff.post(runs_url(programme)), 403)
    assert_problem(staff.get(f"{runs_url(programme)}/{run['id']}"), 403)
    assert_problem(world.beta.api.post(runs_url(programme)), 403)  # clients never coordinate
    # beta-police is a member: it sees the programme, but does not coordinate its consortium.
    assert_problem(other_coordinator.post(runs_url(programme)), 403)
    assert outsider.get(f"{runs_url(programme)}/{run['id']}").status_code == 200
    listed = world.coordinator.get(runs_url(programme))
    assert [r["id"] for r in listed.get_json()] == [run["id"]]
    assert_problem(world.coordinator.get(f"{runs_url(programme)}/{uuid.uuid4()}"), 404)
    assert_problem(world.coordinator.post(f"/api/v1/programmes/{uuid.uuid4()}/matching-runs"), 404)


def test_a_programme_not_taking_part_cannot_be_matched(world: MatchingWorld) -> None:
    programme = world.programme(status="draft")
    response = world.coordinator.post(runs_url(programme))
    assert_problem(response, 409, field="status")
    assert "draft" in response.get_json()["detail"]


def test_a_retried_run_creates_no_duplicate_proposals(
    world: MatchingWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    programme = world.programme()
    world.mentor(world.beta, "Priya")
    world.mentor(world.gamma, "Gita")
    world.apply(world.alpha, "Ann", programme)
    world.apply(world.alpha, "Abe", programme)

    import consortium.matching.jobs as run_job

    def fail_after_writing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the worker died after writing the proposals")

    monkeypatch.setattr(run_job, "_notify", fail_after_writing)
    run = start_run(world.coordinator, programme)
    shown = get_run(world.coordinator, programme, run)
    assert (shown["status"], shown["attempts"]) == ("retrying", 1)
    assert shown["error"] == "RuntimeError: the worker died after writing the proposals"
    assert world.proposals(programme) == []  # the attempt's writes rolled back

    monkeypatch.undo()
    job_id = uuid.UUID(run["job_id"])
    assert execute(world.app, job_id) == "succeeded"
    assert execute(world.app, job_id) == "succeeded"  # a duplicate delivery: nothing more
    with world.app.app_context(), tenancy.all_tenants():
        assert db.session.get(Job, job_id).attempts == 2  # type: ignore[union-attr]
    proposals = world.proposals(programme)
    assert len(proposals) == 2
    assert len({m["mentee_id"] for m in proposals}) == 2
    shown = get_run(world.coordinator, programme, run)
    assert (shown["status"], shown["counts"]["proposed"], shown["error"]) == ("succeeded", 2, None)


def test_a_run_that_keeps_failing_reads_failed_with_a_reason_and_the_coordinators_are_told(
    world: MatchingWorld,
) -> None:
    """Jobs inline (as in development): each delivery is one attempt."""
    from tests.pool.conftest import mail_jobs

    programme = world.programme(name="Reverse mentoring 2027")
    world.mentor(world.beta, "Priya")
    world.apply(world.alpha, "Ann", programme)
    break_weights(world)

    run = start_run(world.coordinator, programme)
    shown = get_run(world.coordinator, programme, run)
    assert (shown["status"], shown["attempts"]) == ("retrying", 1)
    assert shown["error"] == FLOAT_ERROR
    assert_problem(world.coordinator.post(runs_url(programme)), 409)  # it is not over yet

    job_id = uuid.UUID(run["job_id"])
    for _ in range(2, MAX_ATTEMPTS + 1):
        execute(world.app, job_id)

    shown = get_run(world.coordinator, programme, run)
    assert (shown["status"], shown["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert shown["error"] == (
        f"The matching run failed {MAX_ATTEMPTS} times (last error: {FLOAT_ERROR}). Try again; "
        f"if it fails again, contact support quoting job {job_id}."
    )
    assert shown["next_attempt_at"] is None and shown["finished_at"] is None
    assert world.proposals(programme) == []
    (told,) = mail_jobs(world.owner, "cora.coordinator@alpha-trust.example.org")
    assert told["arguments"]["subject"] == "Matching run failed: Reverse mentoring 2027"
    assert shown["error"] in told["arguments"]["body"]
    assert f"/programmes/{programme['id']}#run-{run['id']}" in told["arguments"]["body"]
    # Over: the coordinator may start another run.
    assert world.coordinator.post(runs_url(programme)).status_code == 202


def test_the_same_input_gives_the_same_proposals(world: MatchingWorld) -> None:
    programme = world.programme()
    for name, tenant in (("Priya", world.beta), ("Gita", world.gamma), ("Gil", world.gamma)):
        world.mentor(tenant, name, topics=["leadership", "finance"], capacity=1)
    for name in ("Ann", "Abe", "Ada"):
        world.apply(world.alpha, name, programme, topics=["finance"])
    world.apply(world.beta, "Ben", programme)

    with world.app.app_context(), tenancy.all_tenants():
        row = db.session.get(Programme, uuid.UUID(programme["id"]))
        assert row is not None
        first = engine.run(load(row))
        second = engine.run(load(row))
        expected = engine.proposal_ids(load(row), first)
        assert expected == engine.proposal_ids(load(row), second)
    assert len(expected) == 3

    start_run(world.coordinator, programme)
    written = {(m["application_id"], m["mentor_profile_id"]) for m in world.proposals(programme)}
    assert written == set(expected)


def test_a_stable_mode_programme_is_matched_by_deferred_acceptance(world: MatchingWorld) -> None:
    programme = world.programme(matching_mode="stable")
    first = world.mentor(world.beta, "Priya", capacity=1, topics=["finance"])
    world.mentor(world.gamma, "Gita", capacity=1, topics=["estates"])
    _, ann = world.apply(world.alpha, "Ann", programme, topics=["finance"], shortlist=[first])
    world.apply(world.alpha, "Abe", programme, topics=["finance"])

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert (run["status"], run["mode"], run["counts"]["proposed"]) == ("succeeded", "stable", 2)
    # Ann ranked Priya first and Priya's one place goes to her (no blocking pair otherwise).
    by_mentee = {
        str(m["mentee_id"]): str(m["mentor_profile_id"]) for m in world.proposals(programme)
    }
    assert by_mentee[ann["id"]] == first


def test_a_profile_shared_by_name_is_proposed_only_to_those_organisations(
    world: MatchingWorld,
) -> None:
    """Sharing with named organisations counts once the employer released it: Bea (beta) is
    shared with gamma; Ali (alpha) lists gamma too but was never released."""
    from consortium.pool.models import MentorProfileShare

    programme = world.programme()
    bea = world.mentor(world.beta, "Bea", sharing_scope="organisations", capacity=1)
    ali = world.mentor(world.alpha, "Ali", sharing_scope="organisations", released_at=None)
    with world.app.app_context(), tenancy.all_tenants():
        for profile, owner in ((bea, world.beta), (ali, world.alpha)):
            db.session.add(
                MentorProfileShare(
                    profile_id=uuid.UUID(profile),
                    owner_organisation_id=uuid.UUID(owner.id),
                    organisation_id=uuid.UUID(world.gamma.id),
                )
            )
        db.session.commit()
    _, gita = world.apply(world.gamma, "Gita", programme)
    _, gil = world.apply(world.gamma, "Gil", programme)
    world.apply(world.alpha, "Abe", programme)  # Bea is not shared with alpha

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert (run["counts"]["proposed"], run["counts"]["unmatched"]) == (1, 2)
    [proposal] = world.proposals(programme)
    assert str(proposal["mentor_profile_id"]) == bea
    assert str(proposal["mentee_id"]) in (gita["id"], gil["id"])


def _weekly_window(tenant: Any, profile_id: str, dtstart: str, day: str, minutes: int) -> None:
    """A weekly availability rule in London, published by the mentor's organisation."""
    response = tenant.api.post(
        f"/api/v1/mentor-profiles/{profile_id}/availability",
        json={"dtstart": dtstart, "duration_minutes": minutes, "rrule": f"FREQ=WEEKLY;BYDAY={day}"},
    )
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    ("timezone", "free", "busy", "said"),
    [
        # Tuesday 09:00-12:00 London, against Thursday afternoons
        ("Europe/London", ("2026-01-06T09:00:00", "TU"), ("2026-01-08T13:00:00", "TH"), ""),
        # A New York morning is a London afternoon: 14:00-17:00 London is 09:00-12:00 there,
        # while 09:00-12:00 London is before dawn in New York.
        (
            "America/New_York",
            ("2026-01-06T14:00:00", "TU"),
            ("2026-01-06T09:00:00", "TU"),
            " (America/New_York time)",
        ),
    ],
    ids=["london", "new-york"],
)
def test_the_mentor_free_when_the_mentee_is_is_proposed_and_told_why(
    world: MatchingWorld,
    timezone: str,
    free: tuple[str, str],
    busy: tuple[str, str],
    said: str,
) -> None:
    programme = world.programme()
    # Two mentors alike in all but when they are free.
    fits = world.mentor(world.beta, "Tess")
    clashes = world.mentor(world.beta, "Theo")
    _weekly_window(world.beta, fits, free[0], free[1], 180)
    _weekly_window(world.beta, clashes, busy[0], busy[1], 180)
    _, mentee = world.apply(
        world.alpha,
        "Ann",
        programme,
        preferences={"free_times": {"tuesday": ["morning"]}, "timezone": timezone},
    )

    run = get_run(world.coordinator, programme, start_run(world.coordinator, programme))
    assert run["status"] == "succeeded" and run["counts"]["proposed"] == 1
    (match,) = world.proposals(programme)
    assert (str(match["mentee_id"]), str(match["mentor_profile_id"])) == (mentee["id"], fits)
    assert f"both free Tuesday mornings{said}" in match["reasons"]
    assert match["score_parts"]["availability"] > 0
    assert match["score"] == pytest.approx(sum(match["score_parts"].values()), abs=1e-5)


def test_a_run_read_while_its_job_finishes_shows_its_counts(world: MatchingWorld) -> None:
    """The run and its job are two reads: a run that finishes between them must not show
    `succeeded` with the counts read before (seen on a real worker by the random consortia)."""
    from consortium.matching import service
    from consortium.matching.models import MatchingRun

    programme = world.programme()
    world.mentor(world.beta, "Priya")
    world.apply(world.alpha, "Ann", programme)
    run = start_run(world.coordinator, programme)
    finished = get_run(world.coordinator, programme, run)
    assert finished["status"] == "succeeded" and finished["counts"]["proposed"] == 1
    with world.owner.begin() as c:  # as it was while the worker was still at it
        c.execute(
            text("UPDATE matching_runs SET finished_at = NULL, counts = '{}' WHERE id = :id"),
            {"id": run["id"]},
        )
        c.execute(
            text("UPDATE jobs SET status = 'running' WHERE id = :id"), {"id": run["job_id"]}
        )
    with world.app.app_context(), tenancy.all_tenants():
        stale = db.session.get(MatchingRun, uuid.UUID(run["id"]))
        assert stale is not None and stale.counts == {}
        with world.owner.begin() as c:  # the worker commits between the two reads
            c.execute(
                text(
                    "UPDATE matching_runs SET finished_at = now(), counts = CAST(:counts AS json) "
                    "WHERE id = :id"
                ),
                {"id": run["id"], "counts": '{"proposed": 1}'},
            )
            c.execute(
                text("UPDATE jobs SET status = 'succeeded' WHERE id = :id"),
                {"id": run["job_id"]},
            )
        shown = service.present_one(stale)
        db.session.rollback()
    assert shown["status"] == "succeeded"
    assert shown["counts"] == {"proposed": 1}
