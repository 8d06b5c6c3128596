"""Every message a pairing's life sends, and every calendar event, links to a page its
recipient opens in a browser once signed in (HTML, with the fragment it points at), never to
a JSON API path.

The world is the pairing tests' (tests/matches): Mona (tenant_a) mentors Gail (gamma); Cora
(delta) coordinates the network; Ada administers tenant_a. The consortium uses two-key
approval, so Ada is asked to consent too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar
from sqlalchemy.engine import Engine

from tests.calendar.conftest import nudge, remind
from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    act_ok,
    delta,
    gamma,
    pool,
    world,
)
from tests.oidc import sign_in
from tests.pages.support import assert_opens, page, urls_in
from tests.pool.conftest import Person, mail_jobs
from tests.sessions.conftest import at, give_availability, sessions_url, virtual

FREE_TIMES = "Book a session in the mentor\u2019s free times"


def _messages(owner_engine: Engine, person: Person) -> list[dict[str, Any]]:
    return [job["arguments"] for job in mail_jobs(owner_engine, person.email)]


def _event_urls(message: dict[str, Any]) -> list[str]:
    """The URL and the links in the description of each event the message's .ics holds."""
    found = []
    for attachment in message.get("attachments", []):
        for event in Calendar.from_ical(attachment["content"]).walk("VEVENT"):
            found.append(str(event["URL"]))
            found += urls_in(str(event["DESCRIPTION"]))
    return found


def test_every_message_of_a_pairing_links_to_a_page_its_recipient_opens(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
    owner_engine: Engine,
) -> None:
    admin = world.admin_a  # signed in (and an org admin) before the proposal asks for consent
    world.two_key()
    give_availability(world.mentor, world.profile_id)
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    act_ok(admin, match, "approve")
    act_ok(world.mentor, match, "accept")
    act_ok(world.mentee, match, "accept")
    booked = world.mentee.post(sessions_url(match), json=virtual(3, 10))
    assert booked.status_code == 201, booked.get_json()
    assert remind(world.app, at(3, 9)) == 1
    assert nudge(world.app, at(3, 10) + timedelta(days=60)) == 1
    act_ok(world.mentee, match, "close", "We met our goals.")

    pairing_page = f"http://localhost/pairings/{match['id']}"
    session_page = f"{pairing_page}#session-{booked.get_json()['id']}"
    expected = [
        # the mentor's organisation's consent; then that the pairing was closed
        (admin, {"Your consent is needed": [pairing_page]}),
        (world.coordinator, {"A pairing in": [pairing_page]}),
        (
            world.mentor,
            {
                "please accept or decline": [pairing_page],
                "has started": [f"{pairing_page}#sessions"],
                "booked:": [session_page, session_page, session_page],
                "cancelled:": [session_page, session_page],  # closing calls it off
                "Reminder:": [session_page],
                "Time to book": [f"{pairing_page}#sessions"],
            },
        ),
        (
            world.mentee,
            {
                "please accept or decline": [pairing_page],
                "accepted your pairing": [pairing_page],
                "has started": [f"{pairing_page}#sessions"],
                "booked:": [session_page, session_page, session_page],
                "cancelled:": [session_page, session_page],  # closing calls it off
                "Reminder:": [session_page],
                "Time to book": [f"{pairing_page}#sessions"],
            },
        ),
    ]
    for person, by_subject in expected:
        messages = _messages(owner_engine, person)
        for message in messages:
            assert "/api/" not in message["body"], message
            links = urls_in(message["body"]) + _event_urls(message)
            wanted = next((v for k, v in by_subject.items() if k in message["subject"]), None)
            if wanted is not None:
                assert links == wanted, (message["subject"], links)
            for url in links:
                assert_opens(person.browser, url)
        subjects = [m["subject"] for m in messages]
        for key in by_subject:
            assert any(key in s for s in subjects), (person.name, key, subjects)


def test_a_signed_out_recipient_signs_in_and_comes_back_to_the_page(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    path = f"/pairings/{match['id']}"
    browser = world.app.test_client()
    sent_to = browser.get(path)
    assert sent_to.status_code == 302
    landing = urlsplit(sent_to.headers["Location"])
    assert (landing.path, parse_qs(landing.query)) == ("/", {"next": [path]})
    shown = page(browser.get("/", query_string=landing.query))
    assert {"type": "hidden", "name": "next", "value": path} in shown.inputs
    slug = world.mentee.tenant.organisation["slug"]
    response = sign_in(browser, slug, world.mentee.email, next_path=path)
    assert (response.status_code, response.headers["Location"]) == (302, path)
    shown = page(browser.get(path))
    # The console's buttons for what the mentee may do now (tests/browser presses them).
    for action in ("Accept", "Decline", "Close"):
        assert f"{action}: Mona Mentor mentors Gail Mentee" in shown.words


def test_a_pairing_page_is_not_found_for_someone_who_may_not_see_it(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    match = world.proposal()
    shown = page(world.colleague.get(f"/pairings/{match['id']}"), 404)
    assert shown.headings[0] == (1, "This page is not here")
    assert str(match["id"]) in shown.words


def test_an_active_pairings_page_shows_its_people_the_mentors_next_free_times(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    give_availability(world.mentor, world.profile_id)
    match = world.proposal()
    act_ok(world.coordinator, match, "approve")
    act_ok(world.mentor, match, "accept")
    act_ok(world.mentee, match, "accept")
    path = f"/pairings/{match['id']}"
    for person in (world.mentor, world.mentee):
        shown = page(person.get(path))
        assert (3, FREE_TIMES) in shown.headings
        assert "Close: Mona Mentor mentors Gail Mentee" in shown.words
    # Both emails are shown to the two people once active; the coordinator sees no free times.
    shown = page(world.mentee.get(path))
    assert world.mentor.email in shown.words
    coordinator = page(world.coordinator.get(path))
    assert (3, FREE_TIMES) not in coordinator.headings
