"""Busy times from a mentor's calendar feed: the fetch guard, the limits, parsing, the API.

Fetches go to a real HTTPS server on a loopback port (tests/availability/feed_server.py). The
guard refuses loopback addresses, so tests that fetch from it either switch the address check
off (BUSY_FEED_ALLOW_PRIVATE_NETWORKS, a setting only tests use) or say which address counts
as public for the test.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from consortium.availability import busy
from consortium.availability.busy import FeedError, Limits
from consortium.core import outbound
from tests.availability.conftest import NOW, feed_url, slots, starts, weekly
from tests.availability.feed_server import FeedServer, Route, serve
from tests.matches.conftest import MatchWorld

OPEN = Limits(timeout=2, max_bytes=64 * 1024, allow_private_networks=True)

FEED = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Tests//Feeds//EN
BEGIN:VEVENT
UID:weekly@test
DTSTART;TZID=Europe/London:20270104T093000
DTEND;TZID=Europe/London:20270104T100000
RRULE:FREQ=WEEKLY;COUNT=2
SUMMARY:Team meeting
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTART:20270104T110000Z
DTEND:20270104T120000Z
TRANSP:TRANSPARENT
SUMMARY:Marked free
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTART:20270104T100000Z
DTEND:20270104T110000Z
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:allday@test
DTSTART;VALUE=DATE:20270118
DTEND;VALUE=DATE:20270119
SUMMARY:Conference
END:VEVENT
BEGIN:VFREEBUSY
UID:fb@test
DTSTART:20270101T000000Z
DTEND:20270201T000000Z
FREEBUSY;FBTYPE=BUSY:20270125T100000Z/PT1H
FREEBUSY;FBTYPE=FREE:20270125T090000Z/20270125T100000Z
END:VFREEBUSY
END:VCALENDAR
"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedServer]:
    yield from serve(Path(tmp_path_factory.mktemp("feeds")))


@pytest.fixture
def server(feeds: FeedServer, monkeypatch: pytest.MonkeyPatch) -> FeedServer:
    """The feed server, trusted as a private CA would be, with no routes yet."""
    feeds.routes.clear()
    feeds.hits.clear()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", feeds.cafile)
    return feeds


# --- the address guard -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared (carrier-grade NAT)
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:a9fe:a9fe::1",  # 6to4 carrying 169.254.169.254
        "2002:a00:1::1",  # 6to4 carrying 10.0.0.1
        "2001:0:808:808::f5ff:fffe",  # Teredo: a public server, client 10.0.0.1
        "2001:0:a9fe:a9fe::1",  # Teredo: server 169.254.169.254
    ],
)
def test_guard_refuses_non_public_addresses(address: str) -> None:
    assert outbound.refused(ipaddress.ip_address(address))
    with pytest.raises(FeedError, match="private or reserved"):
        host = f"[{address}]" if ":" in address else address
        busy.vetted(f"https://{host}/calendar.ics", Limits())


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "151.101.1.69", "2606:4700:4700::1111", "2002:808:808::1"]
)
def test_guard_allows_public_addresses(address: str) -> None:
    assert not outbound.refused(ipaddress.ip_address(address))


def _resolving(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kw: Any) -> Any:
        if host in answers:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port),
                )
                for a in answers[host]
            ]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_guard_refuses_a_host_name_resolving_to_a_private_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving(
        monkeypatch,
        {"calendar.example.org": ["10.0.0.7"], "mixed.example.org": ["8.8.8.8", "192.168.0.2"]},
    )
    for url in (
        "https://calendar.example.org/a.ics",
        "https://mixed.example.org/a.ics",
        "https://localhost/a.ics",
    ):
        with pytest.raises(FeedError, match="private or reserved"):
            busy.vetted(url, Limits())


def test_guard_wants_https_and_no_credentials() -> None:
    with pytest.raises(FeedError, match="https"):
        busy.vetted("http://calendar.example.org/a.ics", Limits())
    with pytest.raises(FeedError, match="https"):
        busy.vetted("file:///etc/passwd", Limits())
    with pytest.raises(FeedError, match="user name"):
        busy.vetted("https://me:secret@calendar.example.org/a.ics", Limits())


def test_connection_goes_to_the_vetted_address(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the first answer is vetted; later answers point elsewhere (127.0.0.2,
    # where nothing listens). The fetch must still reach the address that was vetted.
    server.routes["/feed.ics"] = Route(body=FEED)
    calls = {"n": 0}
    real = socket.getaddrinfo

    def rebinding(host: str, port: Any, *args: Any, **kw: Any) -> Any:
        if host != "localhost":
            return real(host, port, *args, **kw)
        calls["n"] += 1
        address = "127.0.0.1" if calls["n"] == 1 else "127.0.0.2"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    assert busy.fetch(server.url("/feed.ics"), OPEN) == FEED
    assert calls["n"] == 1
    assert server.hits == [f"localhost:{server.port} /feed.ics"]  # Host is the name, not the IP


# --- fetching under the limits ---------------------------------------------------------------


def test_fetch_reads_the_feed(server: FeedServer) -> None:
    server.routes["/feed.ics"] = Route(body=FEED, headers={"Content-Type": "text/calendar"})
    assert busy.fetch(server.url("/feed.ics"), OPEN) == FEED


def test_the_size_limit_trips(server: FeedServer) -> None:
    big = b"X" * (OPEN.max_bytes + 1)
    server.routes["/declared"] = Route(body=big)
    server.routes["/streamed"] = Route(body=big, drip=0.0001)  # no Content-Length
    for path in ("/declared", "/streamed"):
        with pytest.raises(FeedError, match="larger than"):
            busy.fetch(server.url(path), OPEN)


def test_the_time_limits_trip(server: FeedServer) -> None:
    quick = replace(OPEN, timeout=0.5)
    server.routes["/silent"] = Route(body=FEED, delay=1.5)
    with pytest.raises(FeedError, match=r"within 0\.5 s"):
        busy.fetch(server.url("/silent"), quick)
    server.routes["/dripping"] = Route(body=b"X" * 20 * 1024, drip=0.1)  # 2 s in all
    with pytest.raises(FeedError, match=r"longer than 0\.5 s"):
        busy.fetch(server.url("/dripping"), quick)


def test_a_slow_drip_stops_at_the_deadline(server: FeedServer) -> None:
    # 1 KB every 0.3 s: each read is quick, the whole would take 9 s. The limit is on the whole.
    server.routes["/trickle"] = Route(body=b"X" * 30 * 1024, drip=0.3)
    began = time.monotonic()
    with pytest.raises(FeedError, match=r"longer than 1 s"):
        busy.fetch(server.url("/trickle"), replace(OPEN, timeout=1))
    assert time.monotonic() - began < 5  # the limit and a margin, not the 9 s of the drip


def test_a_server_dripping_its_headers_is_held_to_the_deadline(server: FeedServer) -> None:
    # A header line every 0.3 s: each read is quick, the headers alone would take 30 s.
    server.routes["/slow-headers"] = Route(header_drip=0.3)
    began = time.monotonic()
    # Cut off while reading the headers, or just after (what was read ended at the cut).
    with pytest.raises(FeedError, match=r"(within|longer than) 1 s"):
        busy.fetch(server.url("/slow-headers"), replace(OPEN, timeout=1))
    assert time.monotonic() - began < 5  # the limit and a margin, not the 30 s of the drip


def test_compressed_feeds_are_read_and_limited_after_decompression(server: FeedServer) -> None:
    gzipped = {"Content-Encoding": "gzip"}
    server.routes["/feed.ics.gz"] = Route(body=gzip.compress(FEED), headers=gzipped)
    assert busy.fetch(server.url("/feed.ics.gz"), OPEN) == FEED
    bomb = gzip.compress(b"X" * 10 * 1024 * 1024)  # 10 KB that is 10 MB unpacked
    server.routes["/bomb"] = Route(body=bomb, headers=gzipped)
    with pytest.raises(FeedError, match="larger than"):
        busy.fetch(server.url("/bomb"), OPEN)
    server.routes["/br"] = Route(body=b"x", headers={"Content-Encoding": "br"})
    with pytest.raises(FeedError, match="encoding"):
        busy.fetch(server.url("/br"), OPEN)


def test_redirects_are_followed_three_times_and_each_vetted(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/feed.ics"] = Route(body=FEED)
    for n in range(1, 6):
        server.routes[f"/hop{n}"] = Route(status=302, headers={"Location": f"/hop{n - 1}"})
    server.routes["/hop0"] = Route(status=301, headers={"Location": server.url("/feed.ics")})
    assert busy.fetch(server.url("/hop2"), OPEN) == FEED  # three redirects
    with pytest.raises(FeedError, match="more than 3"):
        busy.fetch(server.url("/hop3"), OPEN)
    server.routes["/to-http"] = Route(status=302, headers={"Location": "http://localhost/x"})
    with pytest.raises(FeedError, match="https"):
        busy.fetch(server.url("/to-http"), OPEN)
    # With the address check on (only the test server's address counting as public), a
    # redirect to the metadata service is refused before anything connects to it.
    monkeypatch.setattr(outbound, "refused", lambda a: str(a) != "127.0.0.1")
    _resolving(monkeypatch, {"localhost": ["127.0.0.1"]})
    guarded = replace(OPEN, allow_private_networks=False)
    assert busy.fetch(server.url("/feed.ics"), guarded) == FEED
    server.routes["/to-metadata"] = Route(
        status=302, headers={"Location": "https://169.254.169.254/latest/meta-data/"}
    )
    with pytest.raises(FeedError, match="private or reserved"):
        busy.fetch(server.url("/to-metadata"), guarded)


def test_http_errors_bad_content_and_untrusted_certificates_fail(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(FeedError, match="HTTP 404"):
        busy.fetch(server.url("/missing"), OPEN)
    server.routes["/html"] = Route(body=b"<html>Sign in</html>")
    body = busy.fetch(server.url("/html"), OPEN)
    with pytest.raises(FeedError, match="not an iCalendar"):
        busy.busy_periods(body, start=NOW, end=NOW + timedelta(days=92), timezone="Europe/London")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")
    server.routes["/feed.ics"] = Route(body=FEED)
    monkeypatch.setattr(outbound, "_ca_bundle", lambda: True)  # the system bundle only
    with pytest.raises(FeedError, match="certificate"):
        busy.fetch(server.url("/feed.ics"), OPEN)


# --- reading busy periods --------------------------------------------------------------------


def test_busy_periods_from_events_and_free_busy() -> None:
    periods = busy.busy_periods(
        FEED, start=utc(2027, 1, 1), end=utc(2027, 2, 1), timezone="Europe/London"
    )
    assert periods == [
        (utc(2027, 1, 4, 9, 30), utc(2027, 1, 4, 10)),  # weekly meeting, both occurrences
        (utc(2027, 1, 11, 9, 30), utc(2027, 1, 11, 10)),
        (utc(2027, 1, 18), utc(2027, 1, 19)),  # the all-day event: a whole local day
        (utc(2027, 1, 25, 10), utc(2027, 1, 25, 11)),  # FREEBUSY BUSY (the FREE one ignored)
    ]


def test_all_day_events_are_local_days() -> None:
    summer = FEED.replace(b"20270118", b"20270705").replace(b"20270119", b"20270706")
    periods = busy.busy_periods(
        summer, start=utc(2027, 7, 1), end=utc(2027, 7, 10), timezone="Europe/London"
    )
    assert periods == [(utc(2027, 7, 4, 23), utc(2027, 7, 5, 23))]  # BST midnight to midnight


def _calendar(inner: str) -> bytes:
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{inner}END:VCALENDAR\r\n".encode()


def test_a_feed_with_too_many_busy_periods_fails_without_expanding_them_all() -> None:
    minutely = _calendar(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261201T000000Z\r\n"
        "DTEND:20261201T000001Z\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n"
    )
    with pytest.raises(FeedError, match=f"more than {busy.MAX_PERIODS} busy periods"):
        busy.busy_periods(minutely, start=NOW, end=NOW + busy.HORIZON, timezone="Europe/London")
    # Under the cap all are kept: 4,000 events one a minute from the start.
    daily = _calendar(
        "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261201T120000Z\r\n"
        "DTEND:20261201T120030Z\r\nRRULE:FREQ=MINUTELY;COUNT=4000\r\nEND:VEVENT\r\n"
    )
    periods = busy.busy_periods(daily, start=NOW, end=NOW + busy.HORIZON, timezone="UTC")
    assert len(periods) == 4000
    assert periods[0] == (NOW, NOW + timedelta(seconds=30))


@pytest.mark.parametrize(
    "line",
    [
        "FREEBUSY:20261202T100000Z/P999999999D",  # past the end of the calendar
        "FREEBUSY:garbage",
    ],
)
def test_a_bad_free_busy_period_is_a_feed_error(line: str) -> None:
    body = _calendar(f"BEGIN:VFREEBUSY\r\nUID:a\r\n{line}\r\nEND:VFREEBUSY\r\n")
    with pytest.raises(FeedError):
        busy.busy_periods(body, start=NOW, end=NOW + busy.HORIZON, timezone="Europe/London")


# --- through the API -------------------------------------------------------------------------


@pytest.fixture
def fetching(app: Flask, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> FeedServer:
    """The app allowed to fetch from the loopback test server (a test-only setting)."""
    settings = replace(app.config["SETTINGS"], busy_feed_allow_private_networks=True)
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    return server


def test_a_feed_removes_slots_and_never_shows_its_address(
    world: MatchWorld, fetching: FeedServer, owner_engine: Engine
) -> None:
    weekly(world.mentor, world.profile_id)  # Mondays 09:00-12:00
    secret = f"/owa/calendar/{uuid.uuid4().hex}/reachcalendar.ics"
    fetching.routes[secret] = Route(body=FEED)
    response = world.mentor.browser.put(
        feed_url(world.profile_id), json={"url": fetching.url(secret)}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["url_host"] == "localhost"
    shown = world.mentor.get(feed_url(world.profile_id))
    feed = shown.get_json()
    assert (feed["status"], feed["block_count"], feed["error"]) == ("ok", 4, None)
    assert feed["fetched_at"] and feed["next_fetch_at"]
    assert secret not in str(feed) and "url" not in feed
    with owner_engine.connect() as c:
        stored = c.execute(text("SELECT url_encrypted FROM busy_feeds")).scalar_one()
    assert secret not in stored
    found = slots(world.mentee, world.profile_id, "2027-01-04T00:00:00Z", "2027-01-19T00:00:00Z")
    assert starts(found) == [
        "2027-01-04T10:00:00+00:00",  # the meeting took 09:30-10:00
        "2027-01-04T11:00:00+00:00",
        "2027-01-11T10:00:00+00:00",
        "2027-01-11T11:00:00+00:00",
        # 18 January: the conference, all day
    ]
    # Removing the feed gives the time back.
    assert world.mentor.browser.delete(feed_url(world.profile_id)).status_code == 204
    assert world.mentor.get(feed_url(world.profile_id)).status_code == 404
    found = slots(world.mentee, world.profile_id, "2027-01-04T00:00:00Z", "2027-01-19T00:00:00Z")
    assert len(found) == 9


def test_a_failing_feed_records_why_and_backs_off_then_recovers(
    world: MatchWorld, fetching: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consortium.availability import jobs, service

    response = world.admin_a.browser.put(
        feed_url(world.profile_id), json={"url": fetching.url("/later.ics")}
    )
    assert response.status_code == 200, response.get_json()
    feed = world.mentor.get(feed_url(world.profile_id)).get_json()
    assert (feed["status"], feed["failures"]) == ("failed", 1)
    assert feed["error"] == "The feed answered HTTP 404."
    assert feed["next_fetch_at"] == (NOW + timedelta(minutes=15)).isoformat()
    fetching.routes["/later.ics"] = Route(body=FEED)
    with world.app.app_context():
        assert jobs.queue_due_feeds_now() == 0  # not due yet
    monkeypatch.setattr(service, "utcnow", lambda: NOW + timedelta(minutes=16))
    with world.app.app_context():
        assert jobs.queue_due_feeds_now() == 1  # the job runs after the commit (inline here)
    feed = world.mentor.get(feed_url(world.profile_id)).get_json()
    assert (feed["status"], feed["failures"], feed["block_count"]) == ("ok", 0, 4)
    assert feed["next_fetch_at"] == (NOW + timedelta(minutes=16, hours=1)).isoformat()


def test_a_fetch_of_an_address_replaced_meanwhile_changes_nothing(
    world: MatchWorld, fetching: FeedServer, owner_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consortium.availability import jobs, service

    fetching.routes["/a.ics"] = Route(body=FEED)
    response = world.mentor.browser.put(
        feed_url(world.profile_id), json={"url": fetching.url("/a.ics")}
    )
    assert response.status_code == 200, response.get_json()
    before = world.mentor.get(feed_url(world.profile_id)).get_json()
    assert (before["status"], before["block_count"]) == ("ok", 4)
    fetch = busy.fetch

    def fetch_while_the_address_is_replaced(address: str, limits: Limits) -> bytes:
        body = fetch(address, limits)
        with owner_engine.begin() as c:  # another request sets a new address (and its fetch)
            c.execute(text("UPDATE busy_feeds SET url_encrypted = 'another address'"))
        return body

    monkeypatch.setattr(busy, "fetch", fetch_while_the_address_is_replaced)
    monkeypatch.setattr(service, "utcnow", lambda: NOW + timedelta(hours=2))
    with world.app.app_context():
        assert jobs.queue_due_feeds_now() == 1  # the fetch runs inline after the commit
    after = world.mentor.get(feed_url(world.profile_id)).get_json()
    assert after["fetched_at"] == before["fetched_at"]  # the stale result was not written
    with owner_engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM busy_blocks")).scalar_one() == 4


def test_an_unreadable_feed_is_recorded_as_failed(world: MatchWorld, fetching: FeedServer) -> None:
    fetching.routes["/overflow.ics"] = Route(
        body=_calendar(
            "BEGIN:VFREEBUSY\r\nUID:a\r\nFREEBUSY:20261202T100000Z/P999999999D\r\nEND:VFREEBUSY\r\n"
        )
    )
    url = fetching.url("/overflow.ics")
    response = world.mentor.browser.put(feed_url(world.profile_id), json={"url": url})
    assert response.status_code == 200, response.get_json()
    feed = world.mentor.get(feed_url(world.profile_id)).get_json()
    assert (feed["status"], feed["failures"]) == ("failed", 1)
    assert "date value out of range" in feed["error"]
    assert feed["next_fetch_at"] == (NOW + timedelta(minutes=15)).isoformat()


def test_feed_address_is_checked(world: MatchWorld) -> None:
    for url in (
        "http://calendar.example.org/a.ics",
        "calendar.example.org",
        "https://",
        "https://user:pass@calendar.example.org/a.ics",
        "https://127.0.0.1/a.ics",
        "https://[::1]/a.ics",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:8443/a.ics",
        "https://[2002:a9fe:a9fe::1]/a.ics",  # 6to4 carrying the metadata address
    ):
        response = world.mentor.browser.put(feed_url(world.profile_id), json={"url": url})
        assert response.status_code == 422, (url, response.get_json())
        assert [e["field"] for e in response.get_json()["errors"]] == ["url"]


def test_only_the_mentor_and_their_admins_see_the_feed(world: MatchWorld) -> None:
    body = {"url": "https://calendar.invalid/a.ics"}  # never resolves: the fetch just fails
    colleague = world.person("colleague_a", world.pool.a, "Colin")
    for caller in (colleague, world.coordinator, world.mentee):
        assert caller.get(feed_url(world.profile_id)).status_code == 403
        assert caller.browser.put(feed_url(world.profile_id), json=body).status_code == 403
        assert caller.browser.delete(feed_url(world.profile_id)).status_code == 403
    outsider = world.person("outsider", world.pool.b, "Oscar", org_admin=True)
    assert outsider.get(feed_url(world.profile_id)).status_code == 404
    assert outsider.browser.put(feed_url(world.profile_id), json=body).status_code == 404
    assert world.admin_a.browser.put(feed_url(world.profile_id), json=body).status_code == 200
    assert world.mentor.get(feed_url(world.profile_id)).get_json()["url_host"] == "calendar.invalid"


def test_private_networks_cannot_be_allowed_in_production() -> None:
    from consortium.config import ConfigError, Settings

    production = {"CONSORTIUM_ENV": "production", "SECRET_KEY": "s" * 40}
    assert not Settings.from_env(production).busy_feed_allow_private_networks
    with pytest.raises(ConfigError, match="BUSY_FEED_ALLOW_PRIVATE_NETWORKS"):
        Settings.from_env({**production, "BUSY_FEED_ALLOW_PRIVATE_NETWORKS": "true"})
    settings = Settings.from_env({"BUSY_FEED_TIMEOUT": "2.5", "BUSY_FEED_MAX_BYTES": "1000"})
    assert (settings.busy_feed_timeout, settings.busy_feed_max_bytes) == (2.5, 1000)
