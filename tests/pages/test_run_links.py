"""A matching run's messages link to the programme's page, at the run or the proposals its
reader acts on: the coordinators', and under two-key approval the lending organisations'
admins'. (The world: tests/matching_runs, north-network of alpha, beta and gamma.)"""

from __future__ import annotations

import uuid
from typing import Any

from tests.matching_runs.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchingWorld,
    gamma,
    start_run,
    world,
)
from tests.matching_runs.test_runs import break_weights
from tests.oidc import sign_in_as
from tests.pages.support import assert_opens, urls_in
from tests.pool.conftest import mail_jobs

COORDINATOR = "cora.coordinator@alpha-trust.example.org"


def _bodies(w: MatchingWorld, email: str) -> list[str]:
    return [job["arguments"]["body"] for job in mail_jobs(w.owner, email)]


def test_a_finished_runs_messages_open_the_proposals_for_coordinator_and_lender(
    world: MatchingWorld,  # noqa: F811 - the fixture imported above
) -> None:
    path = f"/api/v1/consortia/{world.consortium_id}"
    etag = world.platform.get(path).headers["ETag"]
    response = world.platform.patch(
        path, json={"approval_policy": "coordinator_and_home_org"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    lender, _ = sign_in_as(
        world.app,
        world.platform,
        world.idp,
        world.beta.organisation,
        "bea.admin@beta-police.example.org",
        org_admin=True,
    )
    programme = world.programme()
    world.mentor(world.beta, "Priya")
    world.apply(world.alpha, "Ann", programme)
    start_run(world.coordinator, programme)

    page_url = f"http://localhost/programmes/{programme['id']}"
    (told,) = _bodies(world, COORDINATOR)
    assert urls_in(told) == [f"{page_url}#proposals"]
    shown = assert_opens(world.coordinator, urls_in(told)[0])
    proposal = world.proposals(programme)[0]
    assert f"http://localhost/pairings/{proposal['id']}" in shown.links
    (asked,) = _bodies(world, "bea.admin@beta-police.example.org")
    assert urls_in(asked) == [f"{page_url}#consent"]
    shown = assert_opens(lender, urls_in(asked)[0])
    assert f"http://localhost/pairings/{proposal['id']}" in shown.links
    # The proposal itself opens for both of them.
    for reader in (world.coordinator, lender):
        assert_opens(reader, f"http://localhost/pairings/{proposal['id']}")


def test_a_failed_runs_message_opens_the_run_on_the_programmes_page(
    world: MatchingWorld,  # noqa: F811 - the fixture imported above
) -> None:
    from consortium.core.jobs import MAX_ATTEMPTS, execute

    programme = world.programme(name="Reverse mentoring 2027")
    world.mentor(world.beta, "Priya")
    world.apply(world.alpha, "Ann", programme)
    break_weights(world)
    run: dict[str, Any] = start_run(world.coordinator, programme)
    for _ in range(2, MAX_ATTEMPTS + 1):
        execute(world.app, uuid.UUID(run["job_id"]))
    (told,) = _bodies(world, COORDINATOR)
    wanted = f"http://localhost/programmes/{programme['id']}#run-{run['id']}"
    assert urls_in(told) == [wanted]
    shown = assert_opens(world.coordinator, wanted)
    assert "failed" in shown.words
