"""The console's pages of a person's own: their mentor profile (pool.update_profile, the
API's schema), their calendar feed (calendar's get/rotate) and their notes on a pairing's
sessions (sessions.add_note); each with the API's roles, tenancy and input rules.

The world is the sessions tests' (tests/sessions): Mona (tenant_a) mentors Gail (gamma) in
an active pairing; Cora (delta) coordinates; Ada administers tenant_a.
"""

from __future__ import annotations

from typing import Any

from tests.matches.conftest import (  # noqa: F401 - fixtures used by these tests
    MatchWorld,
    delta,
    gamma,
    pool,
    world,
)
from tests.pages.support import page
from tests.pool.conftest import Person
from tests.sessions.conftest import SessionWorld, sessions_url, sw, virtual  # noqa: F401


def _form(person: Person, path: str, **fields: Any) -> Any:
    """POST the form as the person's browser does: fields and the page's CSRF token."""
    return person.browser.client.post(
        path, data={"csrf_token": person.browser.csrf_token, **fields}
    )


def _version(person: Person) -> str:
    shown = page(person.get("/me/mentor-profile"))
    (version,) = {i["value"] for i in shown.inputs if i.get("name") == "version"}
    return version


def test_a_mentor_edits_their_own_profile(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    mona, profile_id = world.mentor, world.profile_id
    shown = page(mona.get("/me/mentor-profile"))
    assert "/me/mentor-profile" in page(mona.get("/")).links
    assert {"bio", "topics", "modalities", "capacity", "status"} <= {
        i.get("name") for i in shown.inputs
    }
    fields = {
        "bio": "Twenty years in acute care.",
        "topics": "Leadership, Quality Improvement",
        "modalities": ["mentoring", "coaching"],
        "capacity": "3",
        "status": "active",
    }
    path = f"/mentor-profiles/{profile_id}"
    response = _form(mona, path, version=_version(mona), **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "Your mentor profile is saved." in page(mona.get(response.headers["Location"])).words
    profile = mona.get(f"/api/v1{path}").get_json()
    assert profile["bio"] == "Twenty years in acute care." and profile["capacity"] == 3
    assert profile["topics"] == ["leadership", "quality-improvement"]
    assert profile["modalities"] == ["mentoring", "coaching"]
    # The API's rules, naming the field; a stale page is a 409; others: the API's answers.
    bad = page(_form(mona, path, version=_version(mona), **{**fields, "capacity": "11"}), 422)
    assert "capacity:" in bad.words
    bad = page(_form(mona, path, version=_version(mona), **{**fields, "modalities": []}), 422)
    assert "modalities:" in bad.words
    page(_form(mona, path, version="2000-01-01T00:00:00", **fields), 409)
    version = _version(mona)
    outsider = world.person("outsider", world.pool.b, "Olga")  # tenant_b: not in the network
    page(_form(outsider, path, version=version, **fields), 404)  # not in their pool
    for person in (world.colleague, world.coordinator):  # they see it, may not change it
        page(_form(person, path, version=version, **fields), 403)
    assert mona.get(f"/api/v1{path}").get_json()["capacity"] == 3


def test_a_person_reads_and_replaces_their_calendar_feed(
    world: MatchWorld,  # noqa: F811 - the fixture imported above
) -> None:
    gail = world.mentee
    shown = page(gail.get("/me/calendar"))
    api = gail.get("/api/v1/me/calendar").get_json()
    assert api["url"] in shown.words
    response = _form(gail, "/me/calendar/rotate")
    assert response.status_code == 303, response.get_data(as_text=True)
    shown = page(gail.get(response.headers["Location"]))
    rotated = gail.get("/api/v1/me/calendar").get_json()
    assert rotated["url"] != api["url"] and rotated["url"] in shown.words
    assert "the old one no longer works" in shown.words
    # Without the session's token: refused, and the address stays.
    assert gail.browser.client.post("/me/calendar/rotate").status_code == 403
    assert gail.get("/api/v1/me/calendar").get_json()["url"] == rotated["url"]


def test_the_pair_writes_notes_on_a_session_and_nobody_else_reads_them(
    sw: SessionWorld,  # noqa: F811 - the fixture imported above
) -> None:
    session = sw.booked(**virtual(10, 10))
    path = f"/pairings/{sw.match['id']}/sessions/{session['id']}/notes"
    pairing = page(sw.mentee.get(f"/pairings/{sw.match['id']}"))
    assert path in pairing.links
    response = _form(sw.mentee, path, kind="prep", body="I want to talk about my project.")
    assert response.status_code == 303, response.get_data(as_text=True)
    response = _form(sw.mentor, path, kind="private", body="Ask about the board.")
    assert response.status_code == 303, response.get_data(as_text=True)
    shown = page(sw.mentee.get(path))
    assert "I want to talk about my project." in shown.words
    assert "Ask about the board." not in shown.words  # the mentor's private note
    assert "Ask about the board." in page(sw.mentor.get(path)).words
    api = sw.mentee.get(f"{sessions_url(sw.match)}/{session['id']}/notes").get_json()
    assert [n["kind"] for n in api] == ["prep"]
    # The API's rules: a blank body names the field; prep is the mentee's (403 for the mentor).
    assert "body:" in page(_form(sw.mentee, path, kind="shared", body=" "), 422).words
    assert "kind:" in page(_form(sw.mentee, path, kind="secret", body="x"), 422).words
    page(_form(sw.mentor, path, kind="prep", body="x"), 403)
    # Notes are the pair's alone: the coordinator and admins get 404, as from the API.
    for person in (sw.coordinator, sw.world.admin_a):
        page(person.get(path), 404)
        page(_form(person, path, kind="shared", body="Hijacked"), 404)
