"""Busy times from a person's own calendar: fetch an ICS feed safely, read its busy periods.

The feed's address is chosen by the user, so fetching it must not reach anything private to the
service (server-side request forgery): https only; every address the host resolves to must be
public (not private, loopback, link-local, multicast, reserved, unspecified or shared), and the
connection goes to the address that was vetted, so a second DNS answer cannot swap it; at most
3 redirects, each vetted the same way; a size limit on what is read (after decompression) and a
time limit on the whole fetch: once the headers are in, the body is read in small pieces with
the socket's time limit set to what is left, and a watchdog shuts the connection at the deadline
should a single read hang on (so a server dripping bytes cannot hold a worker).

What is read is bounded too: at most MAX_PERIODS busy periods in the next 92 days.

BUSY_FEED_ALLOW_PRIVATE_NETWORKS lifts the address check for tests against a local server; the
configuration refuses it in production.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from urllib.parse import urljoin, urlsplit

import icalendar
import recurring_ical_events
import requests
from requests.adapters import HTTPAdapter

from consortium.availability.recurrence import zone

MAX_REDIRECTS = 3
HORIZON = timedelta(days=92)
# More than 50 a day for three months is not a person's calendar; a feed with more fails (see
# busy_periods) rather than keep the first ones and offer the rest of its times as free.
MAX_PERIODS = 5000
READ_SIZE = 16 * 1024
USER_AGENT = "Consortium busy-time import (+https://consortium.invalid)"
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FeedError(Exception):
    """The feed could not be fetched or read; the message is shown to its owner."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    max_bytes: int = 2 * 1024 * 1024
    allow_private_networks: bool = False


# --- the address guard -----------------------------------------------------------------------


def refused(address: IpAddress) -> bool:
    """Whether `address` is one a feed may not be fetched from (anything not public).

    IPv6 addresses that carry an IPv4 address (mapped, 6to4, Teredo's server and client) are
    refused if the one they carry is.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return refused(address.ipv4_mapped)
        if address.sixtofour is not None and refused(address.sixtofour):
            return True
        if address.teredo is not None and any(refused(a) for a in address.teredo):
            return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address `host` resolves to (an IP literal: itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedError(f"The feed's host {host} could not be found.") from exc
    found: list[IpAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


def checked(url: str) -> tuple[str, int]:
    """The URL's host and port, if its form may be fetched (https, no credentials, a valid
    port); FeedError otherwise. Needs no DNS lookup: `vetted` adds that."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise FeedError("The feed must be an https:// address.")
    if parts.username or parts.password:
        raise FeedError("The feed's address may not carry a user name or password.")
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise FeedError("The feed's address has an invalid port.") from exc
    return parts.hostname, port


def plainly_private(host: str) -> bool:
    """Whether `host` is private without looking it up (localhost, or a refused IP literal);
    to refuse such an address when it is given. Fetches resolve names and check every
    address."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return refused(ipaddress.ip_address(host))
    except ValueError:
        return False


def vetted(url: str, limits: Limits) -> tuple[str, int, list[IpAddress]]:
    """The URL's host, port and addresses, if it may be fetched; FeedError otherwise."""
    host, port = checked(url)
    addresses = resolve(host, port)
    if not addresses:
        raise FeedError(f"The feed's host {host} could not be found.")
    if not limits.allow_private_networks and any(refused(a) for a in addresses):
        raise FeedError(
            f"The feed's host {host} is on a private or reserved network; "
            "only public addresses are fetched."
        )
    return host, port, addresses


class PinnedAdapter(HTTPAdapter):
    """Connects to one vetted IP address while TLS (SNI and the certificate check) and the Host
    header still use the URL's host name."""

    def __init__(self, host: str, address: IpAddress, sockets: list[socket.socket]) -> None:
        self.host, self.address, self.sockets = host, address, sockets
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Any = None,
        cert: Any = None,
    ) -> Any:
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(
            request, True if verify is None else verify, cert
        )
        if host_params["host"] != self.host:  # never anything but the vetted host
            raise FeedError("The feed's address changed during the fetch.")
        # TLS still checks the name: SNI and the certificate are the URL's host, not the IP.
        tls: dict[str, Any] = {"server_hostname": self.host, "assert_hostname": self.host}
        pool = self.poolmanager.connection_from_host(
            **{**host_params, "host": str(self.address)}, pool_kwargs={**pool_kwargs, **tls}
        )
        pool.ConnectionCls = _recording(pool.ConnectionCls, self.sockets)
        return pool


def _recording(connection_class: Any, sockets: list[socket.socket]) -> Any:
    """`connection_class` that adds each socket it opens to `sockets`, for the fetch's watchdog
    (a server dripping its headers byte by byte is held to the deadline too)."""

    class Recording(connection_class):
        def connect(self) -> None:
            super().connect()
            sockets.append(self.sock)

    return Recording


def _ca_bundle() -> bool | str:
    # The session ignores the environment (no proxies), so the CA settings are read here.
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or True


def fetch(url: str, limits: Limits) -> bytes:
    """The body at `url`, fetched under the guard and the limits; FeedError otherwise."""
    deadline = time.monotonic() + limits.timeout
    # Socket timeouts bound each read, not the whole: a server may drip its headers or body a
    # byte at a time. At the deadline a watchdog shuts every socket the fetch opened, waking a
    # read blocked inside the HTTP library; the reads below also stop at it.
    sockets: list[socket.socket] = []
    watchdog = threading.Timer(limits.timeout, _shut_all, [sockets])
    watchdog.daemon = True
    watchdog.start()
    try:
        for _ in range(MAX_REDIRECTS + 1):
            host, port, addresses = vetted(url, limits)
            response = _get(url, host, port, addresses, limits, deadline, sockets)
            with response:
                if response.is_redirect:
                    location = response.headers.get("Location", "")
                    if not location:
                        raise FeedError("The feed redirected without saying where.")
                    url = urljoin(url, location)
                    continue
                if response.status_code != 200:
                    raise FeedError(f"The feed answered HTTP {response.status_code}.")
                return _read(response, limits, deadline)
        raise FeedError(f"The feed redirected more than {MAX_REDIRECTS} times.")
    finally:
        watchdog.cancel()


def _get(
    url: str,
    host: str,
    port: int,
    addresses: list[IpAddress],
    limits: Limits,
    deadline: float,
    sockets: list[socket.socket],
) -> requests.Response:
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/calendar, */*;q=0.5",
        "Accept-Encoding": "gzip",  # decompressed here, under the size limit (see _read)
        "Host": _host_header(host, port),
    }
    last: Exception | None = None
    for address in addresses:  # like a browser: the next address if one does not answer
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        with requests.Session() as session:
            session.trust_env = False  # no proxy may stand between us and the vetted address
            session.mount("https://", PinnedAdapter(host, address, sockets))
            session.mount("http://", HTTPAdapter(max_retries=0))  # never used: https only
            try:
                return session.get(
                    url,
                    headers=headers,
                    allow_redirects=False,
                    stream=True,
                    timeout=(min(limits.timeout, remaining), min(limits.timeout, remaining)),
                    verify=_ca_bundle(),
                )
            except requests.exceptions.SSLError as exc:
                raise FeedError(f"The feed's TLS certificate was refused ({host}).") from exc
            except requests.exceptions.Timeout as exc:
                raise FeedError(f"The feed did not answer within {limits.timeout:g} s.") from exc
            except requests.exceptions.ConnectionError as exc:
                if time.monotonic() >= deadline:  # the watchdog shut it mid-answer
                    raise FeedError(
                        f"The feed did not answer within {limits.timeout:g} s."
                    ) from exc
                last = exc
    if last is None:
        raise FeedError(f"The feed did not answer within {limits.timeout:g} s.")
    raise FeedError(f"The feed's host {host} could not be reached.") from last


def _host_header(host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host  # an IPv6 literal
    return name if port == 443 else f"{name}:{port}"


def _read(response: requests.Response, limits: Limits, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FeedError(f"The feed is larger than {limits.max_bytes} bytes.")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise FeedError(f"The feed came in an encoding this service does not read ({encoding}).")
    gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding != "identity" else None
    raw = response.raw
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    body = bytearray()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FeedError(f"The feed took longer than {limits.timeout:g} s to download.")
            if sock is not None:
                sock.settimeout(remaining)
            # read1: at most one read from the socket, so the deadline is checked between reads.
            chunk = raw.read1(READ_SIZE, decode_content=False)
            if not chunk:
                if time.monotonic() >= deadline:  # the watchdog's shutdown reads as an end
                    raise FeedError(f"The feed took longer than {limits.timeout:g} s to download.")
                break
            if gunzip is not None:
                # Never more than the limit allows, however well the body compresses.
                chunk = gunzip.decompress(chunk, limits.max_bytes - len(body) + 1)
                if gunzip.unconsumed_tail:
                    raise FeedError(f"The feed is larger than {limits.max_bytes} bytes.")
            body += chunk
            if len(body) > limits.max_bytes:
                raise FeedError(f"The feed is larger than {limits.max_bytes} bytes.")
    except FeedError:
        raise
    except zlib.error as exc:
        raise FeedError("The feed's compressed body could not be read.") from exc
    except Exception as exc:  # urllib3, ssl and socket errors, including the watchdog's shut
        if time.monotonic() >= deadline or "timed out" in str(exc).lower():
            raise FeedError(f"The feed took longer than {limits.timeout:g} s to download.") from exc
        raise FeedError("The feed's connection broke off.") from exc
    return bytes(body)


def _shut_all(sockets: list[socket.socket]) -> None:
    # The plain socket's shutdown: it wakes a blocked read, TLS or not.
    for sock in list(sockets):
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


# --- reading busy periods --------------------------------------------------------------------


def busy_periods(
    body: bytes, *, start: datetime, end: datetime, timezone: str
) -> list[tuple[datetime, datetime]]:
    """The busy periods in [start, end) an ICS body declares, in UTC, merged and sorted.

    Events (recurring ones expanded) count unless TRANSP:TRANSPARENT or STATUS:CANCELLED;
    free/busy periods count unless FBTYPE=FREE. All-day events and floating times are read in
    `timezone` (the mentor's).
    """
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
        raise FeedError(f"The feed is not an iCalendar (ICS) file that can be read: {exc}") from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise FeedError("The feed is not an iCalendar (ICS) file.")
    tz = zone(timezone)
    periods: list[tuple[datetime, datetime]] = []
    try:
        periods.extend(_events_between(recurring_ical_events.of(calendar), tz, start, end))
    except FeedError:
        raise
    except Exception as exc:  # the library raises many kinds on malformed rules and dates
        raise FeedError(f"The feed's events could not be read: {exc}") from exc
    try:
        for period in _free_busy_periods(calendar.walk("VFREEBUSY"), tz):
            if period[0] < end and period[1] > start:
                periods.append(period)
                _check_count(periods)
    except FeedError:
        raise
    except Exception as exc:  # e.g. a period too long for a date (OverflowError)
        raise FeedError(f"The feed's free/busy periods could not be read: {exc}") from exc
    clipped = sorted((max(s, start), min(e, end)) for s, e in periods if s < end and e > start)
    merged: list[tuple[datetime, datetime]] = []
    for s, e in clipped:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        elif s < e:
            merged.append((s, e))
    return merged


def _events_between(
    query: Any, tz: Any, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The busy periods of events in [start, end), read a slice of time at a time: the slice
    starts at an hour and doubles while it holds few events, so a dense rule (FREQ=SECONDLY)
    is expanded one short slice at a time and stopped by the cap, never across the range."""
    seen: set[tuple[datetime, datetime]] = set()
    span, low = timedelta(hours=1), start
    while low < end:
        high = min(low + span, end)
        found = list(_event_periods(query.between(low, high), tz))
        for period in found:
            if period not in seen:  # an event across two slices is found in both
                seen.add(period)
                yield period
        _check_count(seen)
        low = high
        if len(found) < 100:
            span = min(span * 2, timedelta(days=8))
        else:
            span = max(span / 2, timedelta(minutes=15))


def _check_count(periods: Sized) -> None:
    if len(periods) > MAX_PERIODS:
        raise FeedError(
            f"The feed has more than {MAX_PERIODS} busy periods in the next "
            f"{HORIZON.days} days; only calendars with fewer are read."
        )


def _instant(value: date | datetime, tz: Any) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)
    return datetime.combine(value, clock(), tzinfo=tz).astimezone(UTC)  # a whole local day


def _event_periods(events: Iterable[Any], tz: Any) -> Iterator[tuple[datetime, datetime]]:
    for event in events:
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        begins = event.get("DTSTART")
        if begins is None:
            continue
        first = begins.dt
        ends = event.get("DTEND")
        if ends is not None:
            last = ends.dt
        elif event.get("DURATION") is not None:
            last = first + event.get("DURATION").dt
        else:  # RFC 5545: a date lasts the day; a date-time, no time at all
            last = first + timedelta(days=1) if not isinstance(first, datetime) else first
        yield _instant(first, tz), _instant(last, tz)


def _free_busy_periods(components: Iterable[Any], tz: Any) -> Iterator[tuple[datetime, datetime]]:
    for component in components:
        values = component.get("FREEBUSY", [])
        for period in values if isinstance(values, list) else [values]:
            kind = str(period.params.get("FBTYPE", "BUSY")).upper()
            if kind == "FREE":
                continue
            first, second = period.dt
            begins = _instant(first, tz)
            ends = begins + second if isinstance(second, timedelta) else _instant(second, tz)
            yield begins, ends
