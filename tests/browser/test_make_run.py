"""`make run` in a real browser: the development identity provider lands a demo person in the
console in two clicks (their organisation's sign-in link, then their name), and the pages on
the way pass axe-core (WCAG 2.2 AA) at laptop and phone width."""

from __future__ import annotations

from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.engine import Engine

from tests.browser.conftest import Browser, Live
from tests.demo.test_make_run import make_run
from tests.identity.conftest import unused_port


def test_make_run_lands_the_coordinator_in_the_console_in_two_clicks(
    runtime_url: str,
    owner_engine: Engine,  # empties the tables first: the seed's demo is the only world
    _chromium: WebDriver,
) -> None:
    with make_run(runtime_url, unused_port()) as (app, base):
        browser = Browser(_chromium, Live(app, base))
        browser.sign_out()
        browser.open("/")
        browser.axe()
        browser.follow("Sign in to Bradford Metropolitan District Council")  # the first click
        browser.axe()  # the development provider's chooser
        browser.follow("Nadia Hussain")  # the second
        browser.wait_for_heading("Signed in as Nadia Hussain")
        assert "West Yorkshire ICS Coaching and Mentoring Network" in browser.text()
        browser.axe()
        browser.sign_out()
