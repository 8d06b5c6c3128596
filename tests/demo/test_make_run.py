"""`make run` on another port: the seed follows PUBLIC_BASE_URL, and a person signs in through
the development identity provider on that port, as a newcomer would with a browser.

Each step is what `make run PORT=…` does: an app with CONSORTIUM_ENV=development and
PUBLIC_BASE_URL=http://127.0.0.1:PORT, `flask seed demo`, then a real HTTP server on the port
(the app fetches its own /dev-idp over HTTP while signing someone in, as it would a real
provider). The browser is a requests session that follows what the pages offer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from consortium import create_app
from tests.conftest import make_settings
from tests.identity.conftest import scalar, unused_port

ROOT = Path(__file__).resolve().parents[2]
LEEDS = "leeds-teaching-hospitals"


@contextmanager
def make_run(runtime_url: str, port: int) -> Iterator[tuple[Flask, str]]:
    """Seed for this port and serve it; yields the app and its base URL."""
    base = f"http://127.0.0.1:{port}"
    app = create_app(make_settings(runtime_url, env="development", public_base_url=base))
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert f"Sign in as any demo person at {base}/" in result.output
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, base
    finally:
        server.shutdown()
        server.server_close()


def sign_in(base: str, org_name: str, person_name: str) -> tuple[requests.Session, str]:
    """From the landing page: the organisation's sign-in link, the person on the provider's
    page; returns the browser and the landing page it ends on."""
    browser = requests.Session()
    landing = browser.get(f"{base}/", timeout=10)
    assert landing.status_code == 200 and "Sign in to Consortium" in landing.text
    (login,) = re.findall(
        r'<a href="([^"]+)">Sign in to ' + re.escape(org_name) + "</a>", landing.text
    )
    chooser = browser.get(requests.compat.urljoin(base, unescape(login)), timeout=10)
    assert chooser.status_code == 200, chooser.text
    assert chooser.url.startswith(f"{base}/dev-idp/authorize"), chooser.url
    (pick,) = [
        href
        for href in re.findall(
            r'<a href="([^"]+)">' + re.escape(person_name) + "</a>", chooser.text
        )
    ]
    landed = browser.get(requests.compat.urljoin(chooser.url, unescape(pick)), timeout=10)
    assert landed.status_code == 200, landed.text
    assert landed.url == f"{base}/", landed.url
    return browser, landed.text


def dev_platform(base: str, output: str) -> requests.Session:
    """The development platform client the seed printed, with a token from this server."""
    client_id = re.search(r"client_id:\s+(\S+)", output)
    secret = re.search(r"client_secret:\s+(\S+)", output)
    assert client_id and secret, output
    token = requests.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id.group(1), secret.group(1)),
        timeout=10,
    )
    assert token.status_code == 200, token.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session


def _seed_output(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    return str(result.output)


def _sso(platform: requests.Session, base: str, slug: str) -> dict[str, Any]:
    (organisation,) = [
        o
        for o in platform.get(f"{base}/api/v1/organisations", timeout=10).json()
        if o["slug"] == slug
    ]
    response = platform.get(f"{base}/api/v1/organisations/{organisation['id']}/sso", timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_make_run_on_another_port_signs_people_in_on_that_port(
    runtime_url: str, owner_engine: Engine
) -> None:
    first, second = unused_port(), unused_port()
    with make_run(runtime_url, first) as (app, base):
        browser, landing = sign_in(base, "Leeds Teaching Hospitals NHS Trust", "Amara Okafor")
        assert "Signed in as Amara Okafor" in landing
        assert "Organisation admin of Leeds Teaching Hospitals NHS Trust" in landing
        me = browser.get(f"{base}/api/v1/me", timeout=10).json()
        assert me["person"]["email"] == "amara.okafor@nhs.net"
        platform = dev_platform(base, _seed_output(app))  # a second seed: nothing changes
        sso = _sso(platform, base, LEEDS)
        assert sso["issuer"] == f"{base}/dev-idp"
        assert sso["redirect_uri"] == f"{base}/auth/sso/{LEEDS}/callback"
        version = sso["version"]

    # The same database, served on another port: the seed moves the SSO settings with it.
    with make_run(runtime_url, second) as (app, base):
        platform = dev_platform(base, _seed_output(app))
        sso = _sso(platform, base, LEEDS)
        assert sso["issuer"] == f"{base}/dev-idp"
        assert sso["redirect_uri"] == f"{base}/auth/sso/{LEEDS}/callback"
        assert sso["version"] == version + 1
        old = scalar(
            owner_engine,
            "SELECT count(*) FROM sso_configurations WHERE issuer LIKE :old",
            old=f"http://127.0.0.1:{first}/%",
        )
        assert old == 0
        _, landing = sign_in(base, "Leeds Teaching Hospitals NHS Trust", "Tom Hughes")
        assert "Signed in as Tom Hughes" in landing


def test_the_readme_names_the_demos_coordinators_and_org_admins(runtime_url: str) -> None:
    """The people the README tells a newcomer to sign in as hold those roles once seeded."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### The demo's people", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \| (.+?) \|$", section, flags=re.M)[2:]
    named = {(person, role.strip(), of.strip()) for person, role, of in rows}
    assert named, section
    with make_run(runtime_url, unused_port()) as (app, base):
        platform = dev_platform(base, _seed_output(app))
        seeded = set()
        for organisation in platform.get(f"{base}/api/v1/organisations", timeout=10).json():
            for admin in platform.get(
                f"{base}/api/v1/organisations/{organisation['id']}/admins", timeout=10
            ).json():
                seeded.add((_name(admin), "org admin", organisation["name"]))
        for consortium in platform.get(f"{base}/api/v1/consortia", timeout=10).json():
            for coordinator in platform.get(
                f"{base}/api/v1/consortia/{consortium['id']}/coordinators", timeout=10
            ).json():
                seeded.add((_name(coordinator), "coordinator", consortium["name"]))
    assert named == seeded


def _name(person: dict[str, Any]) -> str:
    return f"{person['given_name']} {person['family_name']}"


def test_the_demo_ledger_shows_a_year_of_hours_between_employers(runtime_url: str) -> None:
    """A fresh `make run` has something for the reciprocity report to show, once."""
    from consortium.demo.ledger import HISTORY

    with make_run(runtime_url, unused_port()) as (app, base):
        platform = dev_platform(base, _seed_output(app))  # seeded twice: nothing is doubled
        [network] = [
            c
            for c in platform.get(f"{base}/api/v1/consortia", timeout=10).json()
            if c["slug"] == "west-yorkshire-ics"
        ]
        browser, _ = sign_in(base, "Leeds Teaching Hospitals NHS Trust", "Amara Okafor")
        url = f"{base}/api/v1/consortia/{network['id']}/reciprocity"
        ledger = browser.get(url, timeout=10).json()
        assert ledger["total_hours"] == sum(sessions for _, _, sessions, _ in HISTORY)
        leeds = next(
            line
            for line in ledger["organisations"]
            if line["organisation"]["name"] == "Leeds Teaching Hospitals NHS Trust"
        )
        assert (leeds["hours_given"], leeds["hours_received"]) == (23.0, 10.0)
        assert leeds["counterparts"]  # its own line, by counterpart
        chart = browser.get(url, headers={"Accept": "image/png"}, timeout=30)
        assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"


def test_the_demo_evaluation_report_shows_last_years_cohort(runtime_url: str) -> None:
    """A fresh `make run` has an evaluated cohort for the evaluation report, once: the
    programme's figures shown, its sectors' suppressed (each fewer than 5 people)."""
    from consortium.demo.evaluation import PAIRINGS, PROGRAMME

    with make_run(runtime_url, unused_port()) as (app, base):
        platform = dev_platform(base, _seed_output(app))  # seeded twice: nothing is doubled
        programmes = platform.get(
            f"{base}/api/v1/programmes", params={"page_size": 100}, timeout=10
        ).json()
        [programme] = [p for p in programmes if p["name"] == PROGRAMME["name"]]
        url = f"{base}/api/v1/programmes/{programme['id']}/evaluation-report"
        report = platform.get(url, timeout=10).json()
        total = report["total"]
        assert total["completion"]["pairings_ended"] == len(PAIRINGS)
        assert total["completion"]["pairings_evaluated"] == len(PAIRINGS) - 1
        assert total["evaluations"]["evaluations"] == 2 * len(PAIRINGS) - 1
        assert total["session_feedback"]["ratings"] == 3 * 2 * len(PAIRINGS)
        assert {c["evaluations"]["people"] for c in report["by_sector"]} == {"<5"}
        chart = platform.get(url, headers={"Accept": "image/png"}, timeout=30)
        assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"
