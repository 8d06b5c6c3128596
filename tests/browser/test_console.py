"""The console's main flow in headless Chromium, each page checked by axe-core (WCAG 2.2 AA):
a person applies with a goal, a coordinator runs matching, approves the proposal and reads the
consortium's evidence, the mentor's employer imports staff from a CSV, creates an API client and
gives the second key, the mentee accepts, books a session in the mentor's free times and
writes a note on it, and reads their calendar feed; the mentor edits their profile; an admin of
another employer is refused the pairing's page (404).

The world is the matching runs' (tests/matching_runs): north-network of alpha, beta and gamma,
Cora (alpha) coordinates; Priya (beta) mentors; Ann (alpha) applies in the browser.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import text

from consortium.core import jobs
from tests.browser.conftest import WAIT, Browser, allow_live_callbacks
from tests.matches.conftest import act_ok
from tests.matching_runs.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchingWorld,
    gamma,
    world,
)
from tests.oidc import sign_in_as
from tests.sessions.conftest import give_availability

pytestmark = pytest.mark.browser

CORA = "cora.coordinator@alpha-trust.example.org"
BEA = "bea.admin@beta-police.example.org"
GIL = "gil.admin@gamma-fire.example.org"


def _hold_matching_runs(w: MatchingWorld, monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """Inline jobs run at commit; a matching run's is held instead (returned in the list), so
    the browser sees the run queued and follows it while the test runs the job."""
    run_now = jobs.run_inline
    held: list[uuid.UUID] = []

    def hold(app: Any, job_id: uuid.UUID) -> None:
        with w.owner.connect() as c:
            name = c.execute(text("SELECT name FROM jobs WHERE id = :i"), {"i": job_id}).scalar()
        if name == "matching.run":
            held.append(job_id)
        else:
            run_now(app, job_id)

    monkeypatch.setattr(jobs, "run_inline", hold)
    return held


def test_a_pairing_from_matching_run_to_booked_session_in_the_browser(
    world: MatchingWorld,  # noqa: F811 - the fixture imported above
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    held = _hold_matching_runs(world, monkeypatch)
    path = f"/api/v1/consortia/{world.consortium_id}"
    etag = world.platform.get(path).headers["ETag"]
    response = world.platform.patch(
        path, json={"approval_policy": "coordinator_and_home_org"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    sign_in_as(world.app, world.platform, world.idp, world.beta.organisation, BEA, org_admin=True)
    sign_in_as(world.app, world.platform, world.idp, world.gamma.organisation, GIL, org_admin=True)
    programme = world.programme(name="Cross-service mentoring 2027")
    priya_record = world.staff(world.beta, "Priya")
    profile_id = world.mentor(world.beta, "Priya", person=priya_record)
    priya, _ = sign_in_as(
        world.app, world.platform, world.idp, world.beta.organisation, priya_record["email"]
    )
    give_availability(priya, profile_id)
    _, ann = world.applicant(world.alpha, "Ann", seniority=4)
    world.apply(world.beta, "Bo", programme)  # Priya's colleague: left unmatched, with why
    allow_live_callbacks(world.idp, browser.live)

    # The mentee applies, with a goal, from the programme's page.
    browser.sign_in(world.alpha.organisation["slug"], ann["email"])
    browser.open(f"/programmes/{programme['id']}")
    browser.driver.find_element(By.ID, "goal-1").send_keys("Lead a cross-service project")
    browser.driver.find_element(By.ID, "measure-1").send_keys("A plan signed off by June")
    browser.axe()
    browser.press("Apply")
    assert "Your application is in" in browser.text()
    browser.axe()

    # The coordinator: their programme, a matching run followed to its end, the proposal.
    browser.open("/")  # the first Tab reaches the skip link, which is then visible
    browser.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = browser.driver.switch_to.active_element
    assert (skip.text, skip.get_attribute("href")) == (
        "Skip to the content",
        browser.live.url("/#main"),
    )
    assert skip.is_displayed() and skip.location["x"] >= 0
    browser.sign_in(world.alpha.organisation["slug"], CORA)
    browser.axe()
    browser.shot("1-coordinator-home")
    browser.follow(programme["name"])
    assert browser.heading() == programme["name"]
    browser.axe()
    browser.press("Start a matching run")
    assert browser.heading() == f"Matching run for {programme['name']}"
    status = browser.driver.find_element(By.ID, "run-status")
    assert status.get_attribute("role") == "status"
    WaitFor.text(browser, "run-status", "queued")
    assert "Why not matched" not in browser.text()
    (job_id,) = held
    jobs.execute(browser.live.app, job_id)  # the held job, run as a worker would
    # The page, polling the run through the API, shows it finished without being told to.
    WaitFor.text(browser, "run-status", "succeeded")
    WaitFor.shows(browser, "Why not matched")
    assert "1 unmatched" in browser.text()
    unmatched = browser.driver.find_element(By.CSS_SELECTOR, "#unmatched + ul li").text
    assert unmatched.startswith("Bo Test: ") and "your own organisation" in unmatched
    assert "Why not matched" in browser.text()
    browser.axe()
    browser.shot("3-matching-run")
    browser.follow("Review the proposals")
    assert "Priya Test (" in browser.text() and "Score:" in browser.text()
    assert "Coordinator: waiting" in browser.text()
    browser.press("Approve")
    assert "Your approval is recorded." in browser.text()
    assert "Coordinator: approved" in browser.text()
    assert "(the mentor\u2019s employer): waiting" in browser.text()  # the second key
    browser.axe()
    browser.shot("2-programme-proposals")
    browser.open("/")
    browser.follow("Evidence reports of")
    assert browser.heading().endswith(": evidence")
    chart = browser.driver.find_element(By.CSS_SELECTOR, "figure img")
    assert chart.get_attribute("alt").startswith("Chart of")
    assert browser.driver.execute_script("return arguments[0].naturalWidth", chart) == 800
    browser.axe()
    browser.shot("6-consortium-evidence")

    # The mentor's employer gives the second key, from the programme page's consent list.
    browser.sign_in(world.beta.organisation["slug"], BEA)
    browser.follow("Your staff")
    search = browser.driver.find_element(By.ID, "search")
    search.send_keys("Priya")
    browser.press("Search")
    assert priya_record["email"] in browser.text()
    assert "Released to the shared pool\nyes" in browser.text()
    browser.axe()
    browser.shot("4-org-admin-staff")
    browser.open("/")
    browser.follow("Import staff records")
    upload = tmp_path / "staff.csv"
    upload.write_text(
        "given_name,family_name,email\nIvy,Imported,ivy.imported@beta-police.example.org\n"
        "No,Email,not-an-email\n"
    )
    browser.driver.find_element(By.ID, "file").send_keys(str(upload))
    browser.press("Import the file")  # axe reads the form on the outcome page, below
    assert "1 created" in browser.text() and "1 not imported" in browser.text()
    browser.axe()
    browser.shot("7-org-admin-import")
    browser.open("/")
    browser.follow("Admins, API clients and sign-in")
    browser.driver.find_element(By.ID, "client-name").send_keys("Rota feed")
    browser.driver.find_element(By.CSS_SELECTOR, "input[value='people:read']").click()
    browser.press("Create the client")
    assert "Copy its secret now" in browser.text()
    assert browser.driver.find_element(By.ID, "issued-secret").text
    browser.axe()
    # Test sign-in: the organisation's real sign-in, at its provider, and back home.
    browser.follow("Test sign-in")
    WebDriverWait(browser.driver, WAIT).until(
        expected_conditions.presence_of_element_located((By.XPATH, f"//li[contains(., '{BEA}')]/a"))
    ).click()
    browser.wait_for_heading("Signed in as")
    browser.open(f"/programmes/{programme['id']}")
    assert "Awaiting your organisation\u2019s consent" in browser.text()
    browser.axe()
    browser.press("Approve")
    assert "Your approval is recorded." in browser.text()
    (match,) = world.proposals(programme)
    assert match["status"] == "approved"

    act_ok(priya, {"id": str(match["id"])}, "accept")  # the mentor, through the API

    # The mentee: their pairing from the landing page, accepted, and a session booked.
    browser.sign_in(world.alpha.organisation["slug"], ann["email"])
    browser.follow("mentors you")
    browser.axe()
    browser.press("Accept")
    assert "You accepted the pairing." in browser.text()
    assert "Status\nactive" in browser.text()
    browser.driver.find_element(By.ID, "slot-1").click()
    browser.driver.find_element(By.ID, "location").send_keys("https://meet.example.org/ann")
    browser.axe()
    browser.press("Book the session")
    assert "The session is booked" in browser.text()
    assert "1 booked" in browser.text()
    browser.axe()
    browser.shot("5-mentee-pairing-booked")
    pairing_path = f"/pairings/{match['id']}"
    browser.follow("notes")
    browser.driver.find_element(By.ID, "body").send_keys("What I want from our first session")
    browser.press("Add the note")  # the page again, with the note: axe below
    assert "Your note is added." in browser.text()
    assert "What I want from our first session" in browser.text()
    browser.axe()
    browser.open("/me/calendar")
    assert "/calendar/" in browser.driver.find_element(By.ID, "feed-url").text
    browser.axe()

    # The mentor: their own profile, changed.
    browser.sign_in(world.beta.organisation["slug"], priya_record["email"])
    browser.follow("Your mentor profile")
    bio = browser.driver.find_element(By.CSS_SELECTOR, "textarea[name='bio']")
    bio.clear()
    bio.send_keys("Twenty years on the front line.")
    browser.press("Save your profile")  # the form again, saved: axe below
    assert "Your mentor profile is saved." in browser.text()
    browser.axe()

    # Another employer's admin: the pairing of alpha's and beta's staff is not there for them.
    browser.sign_in(world.gamma.organisation["slug"], GIL)
    browser.open(pairing_path)
    assert browser.heading() == "This page is not here"
    browser.axe()
    browser.press("Sign out")
    assert browser.heading() == "Sign in to Consortium"
    browser.open(pairing_path)  # signed out: the way to sign in, then back here
    assert browser.heading() == "Sign in to Consortium"
    print(f"\nbrowser flow: {time.monotonic() - started:.1f}s, {len(browser.checked)} axe checks")


class WaitFor:
    @staticmethod
    def shows(browser: Browser, wanted: str, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if wanted in browser.text():
                    return
            except WebDriverException:  # the page is reloading
                pass
            time.sleep(0.2)
        raise AssertionError(f"the page never showed {wanted!r}: {browser.text()}")

    @staticmethod
    def text(browser: Browser, element_id: str, wanted: str, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if browser.driver.find_element(By.ID, element_id).text == wanted:
                    return
            except WebDriverException:  # the page is reloading
                pass
            time.sleep(0.2)
        raise AssertionError(f"#{element_id} never showed {wanted!r}: {browser.text()}")
