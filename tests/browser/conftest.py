"""The console in a real browser: the app served on a loopback port over the test database,
Debian's chromium driven headless through chromedriver (Selenium), and axe-core (npm, pinned
by package-lock.json) run in each page the tests visit. `make browser` installs all three.

The live app is a second app over the same database as the `app` fixture, so worlds are
built through the API as everywhere else; only its PUBLIC_BASE_URL differs (the port), and
the test identity provider's clients are told its callback addresses too.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait
from werkzeug.serving import make_server

from consortium import create_app
from tests.conftest import make_settings
from tests.oidc import LocalIdp

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# WCAG 2.2 AA, as axe-core tags its rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WAIT = 30  # seconds a page may take to show what a step waits for (at most: a busy CI)
PHONE_WIDTH = 360
# `make screenshots` sets this: the flow's main pages are written there as PNGs.
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")


@dataclass
class Live:
    app: Flask
    base_url: str

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


@pytest.fixture(scope="session")
def live(runtime_url: str) -> Iterator[Live]:
    """The app on a loopback port (jobs inline, as in the other tests)."""
    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]
    base = f"http://127.0.0.1:{server.server_port}"
    app = create_app(make_settings(runtime_url, public_base_url=base))
    server.app = app  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(app, base)
    finally:
        server.shutdown()
        server.server_close()


def allow_live_callbacks(idp: LocalIdp, live: Live) -> None:
    """Every organisation registered at the test providers may sign in to the live app too."""
    for provider in idp.providers.values():
        for client in provider.clients.values():
            slug = client.client_id.removeprefix("consortium-")
            callback = live.url(f"/auth/sso/{slug}/callback")
            if callback not in client.redirect_uris:
                client.redirect_uris.append(callback)


@pytest.fixture(scope="session")
def _chromium() -> Iterator[WebDriver]:
    for needed in (CHROMIUM, CHROMEDRIVER, AXE):
        if not needed.exists():
            pytest.fail(f"{needed} is missing: `make browser` installs what the browser tests use")
    profile = tempfile.mkdtemp(prefix="consortium-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # As root in a container with a closed network: no sandbox, and none of Chromium's own
    # connections (they are refused here, and would only slow every start).
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Browser:
    """The one headless Chromium, as one person at a time, with the steps the tests take."""

    def __init__(self, driver: WebDriver, live: Live) -> None:
        self.driver = driver
        self.live = live
        self.checked: list[str] = []  # the pages axe-core passed, for the report

    def open(self, path: str) -> None:
        self.driver.get(self.live.url(path))

    def sign_in(self, slug: str, email: str) -> None:
        """As a person does: the landing page's form, their provider's chooser, back home."""
        self.sign_out()
        self.open("/")
        self.axe()
        field = self.driver.find_element(By.ID, "organisation")
        field.send_keys(slug)
        field.submit()
        WebDriverWait(self.driver, WAIT).until(
            expected_conditions.presence_of_element_located(
                (By.XPATH, f"//li[contains(., '{email}')]/a")
            )
        ).click()
        self.wait_for_heading("Signed in as")

    def sign_out(self) -> None:
        self.open("/")  # cookies are cleared for the page's site
        self.driver.delete_all_cookies()

    def heading(self) -> str:
        found = self.driver.find_elements(By.TAG_NAME, "h1")
        assert found, f"{self.driver.current_url}: no h1 in {self.driver.page_source[:800]}"
        return str(found[0].text)

    def wait_for_heading(self, starts: str) -> None:
        WebDriverWait(self.driver, WAIT).until(lambda d: self.heading().startswith(starts))

    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "main").text)

    def press(self, name: str) -> None:
        """The button whose accessible text starts with `name`, then the page it leads to."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        button = self.driver.find_element(
            By.XPATH, f"//button[starts-with(normalize-space(.), {json.dumps(name)})]"
        )
        button.click()
        WebDriverWait(self.driver, WAIT).until(expected_conditions.staleness_of(old))

    def follow(self, text: str) -> None:
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.PARTIAL_LINK_TEXT, text).click()
        WebDriverWait(self.driver, WAIT).until(expected_conditions.staleness_of(old))

    def shot(self, name: str) -> None:
        """With CONSOLE_SCREENSHOTS set, the whole page as `name`.png at laptop width."""
        if not SCREENSHOTS:
            return
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1280, max(600, int(height)))
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(Path(SCREENSHOTS) / f"{name}.png"))
        self.driver.set_window_size(1280, 1000)

    def axe(self) -> None:
        """axe-core's WCAG 2.2 AA rules find nothing on this page, at laptop and phone width."""
        for width in (1280, PHONE_WIDTH):
            self.driver.set_window_size(width, 1000)
            if not self.driver.execute_script("return typeof axe !== 'undefined'"):
                self.driver.execute_script(AXE.read_text())
            result: dict[str, Any] = self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
                ".then(r => done({violations: r.violations.map(v => ({id: v.id, help: v.help,"
                " nodes: v.nodes.map(n => n.html)}))}), e => done({error: String(e)}));",
                WCAG_TAGS,
            )
            assert "error" not in result, result
            where = f"{self.driver.current_url} at {width}px"
            assert result["violations"] == [], (where, result["violations"])
            # Phone width: one column, nothing to scroll sideways (WCAG 1.4.10 reflow).
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, f"{where}: {overflow}px wider than the window"
        self.driver.set_window_size(1280, 1000)
        self.checked.append(self.driver.current_url)


@pytest.fixture
def browser(_chromium: WebDriver, live: Live, idp: LocalIdp) -> Iterator[Browser]:
    b = Browser(_chromium, live)
    yield b
    b.sign_out()
