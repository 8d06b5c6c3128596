"""Requests this service makes to addresses its users chose: one guard against server-side
request forgery for busy feeds, webhook endpoints and identity providers' discovery and keys.

The guard: https only (plain http only where `Limits.https_only` is off, outside production);
every address the host resolves to must be public (not private, loopback, link-local,
multicast, reserved, unspecified or shared — cloud metadata at 169.254.169.254 included), and
the connection goes to the address that was vetted, so a second DNS answer cannot swap it; each
redirect (at most 3, where followed at all) is vetted the same way; no proxy from the
environment; a size limit on what is read (after decompression) and a time limit on the whole
request: once the headers are in, the body is read in small pieces with the socket's time limit
set to what is left, and a watchdog shuts the connection at the deadline should a single read
hang on (so a server dripping bytes cannot hold a worker).

`Limits.allow_private_networks` lifts the address check, for tests against a local server and
the development identity provider; each use has its own setting, refused in production.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

MAX_REDIRECTS = 3
READ_SIZE = 16 * 1024
USER_AGENT = "Consortium (+https://consortium.invalid)"
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundError(Exception):
    """The request could not be made or answered; the message is shown to the address's owner."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    max_bytes: int = 2 * 1024 * 1024
    allow_private_networks: bool = False
    https_only: bool = True


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


# --- the address guard -----------------------------------------------------------------------


def refused(address: IpAddress) -> bool:
    """Whether `address` is one this service may not connect to (anything not public).

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


def resolve(host: str, port: int, *, what: str = "The address") -> list[IpAddress]:
    """Every address `host` resolves to (an IP literal: itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(f"{what}'s host {host} could not be found.") from exc
    found: list[IpAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


def checked(url: str, *, what: str = "The address", https_only: bool = True) -> tuple[str, int]:
    """The URL's host and port, if its form may be requested (https — or http where allowed —,
    no credentials, a valid port); OutboundError otherwise. Needs no DNS lookup."""
    parts = urlsplit(url)
    schemes = ("https",) if https_only else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname:
        raise OutboundError(f"{what} must be an https:// address.")
    if parts.username or parts.password:
        raise OutboundError(f"{what}'s address may not carry a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundError(f"{what}'s address has an invalid port.") from exc
    return parts.hostname, port


def plainly_private(host: str) -> bool:
    """Whether `host` is private without looking it up (localhost, or a refused IP literal);
    to refuse such an address when it is given. Requests resolve names and check every
    address."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return refused(ipaddress.ip_address(host))
    except ValueError:
        return False


def vetted(
    url: str, limits: Limits, *, what: str = "The address"
) -> tuple[str, int, list[IpAddress]]:
    """The URL's host, port and addresses, if it may be requested; OutboundError otherwise."""
    host, port = checked(url, what=what, https_only=limits.https_only)
    addresses = resolve(host, port, what=what)
    if not addresses:
        raise OutboundError(f"{what}'s host {host} could not be found.")
    if not limits.allow_private_networks and any(refused(a) for a in addresses):
        raise OutboundError(
            f"{what}'s host {host} is on a private or reserved network; "
            "only public addresses are reached."
        )
    return host, port, addresses


class PinnedAdapter(HTTPAdapter):
    """Connects to one vetted IP address while TLS (SNI and the certificate check) and the Host
    header still use the URL's host name."""

    def __init__(
        self, host: str, address: IpAddress, sockets: list[socket.socket], what: str
    ) -> None:
        self.host, self.address, self.sockets, self.what = host, address, sockets, what
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
            raise OutboundError(f"{self.what}'s address changed during the request.")
        tls: dict[str, Any] = {}
        if host_params["scheme"] == "https":
            # TLS still checks the name: SNI and the certificate are the URL's host, not the IP.
            tls = {"server_hostname": self.host, "assert_hostname": self.host}
        pool = self.poolmanager.connection_from_host(
            **{**host_params, "host": str(self.address)}, pool_kwargs={**pool_kwargs, **tls}
        )
        pool.ConnectionCls = _recording(pool.ConnectionCls, self.sockets)
        return pool


def _recording(connection_class: Any, sockets: list[socket.socket]) -> Any:
    """`connection_class` that adds each socket it opens to `sockets`, for the request's
    watchdog (a server dripping its headers byte by byte is held to the deadline too)."""

    class Recording(connection_class):
        def connect(self) -> None:
            super().connect()
            sockets.append(self.sock)

    return Recording


def _ca_bundle() -> bool | str:
    # The session ignores the environment (no proxies), so the CA settings are read here.
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or True


# --- requests under the guard ----------------------------------------------------------------


def fetch(
    url: str,
    limits: Limits,
    *,
    what: str = "The address",
    accept: str = "*/*",
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """The body at `url` (GET, redirects followed and vetted, 200 only); OutboundError else."""
    answer = request(
        "GET",
        url,
        limits,
        what=what,
        headers={"Accept": accept, **(headers or {})},
        max_redirects=MAX_REDIRECTS,
    )
    if answer.status != 200:
        raise OutboundError(f"{what} answered HTTP {answer.status}.")
    return answer.body


def request(
    method: str,
    url: str,
    limits: Limits,
    *,
    what: str = "The address",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    max_redirects: int = 0,
    cut_body: bool = False,
) -> Answer:
    """Make one request under the guard and the limits; any HTTP status is an answer.

    Redirects are followed up to `max_redirects` (each vetted); past that, a redirect is the
    answer when none are followed, an OutboundError otherwise. `cut_body` keeps the first
    `max_bytes` of a longer body instead of failing (a webhook receiver's answer is only shown).
    """
    deadline = time.monotonic() + limits.timeout
    # Socket timeouts bound each read, not the whole: a server may drip its headers or body a
    # byte at a time. At the deadline a watchdog shuts every socket the request opened, waking
    # a read blocked inside the HTTP library; the reads below also stop at it.
    sockets: list[socket.socket] = []
    watchdog = threading.Timer(limits.timeout, _shut_all, [sockets])
    watchdog.daemon = True
    watchdog.start()
    try:
        for _ in range(max_redirects + 1):
            host, port, addresses = vetted(url, limits, what=what)
            sent = {
                "User-Agent": USER_AGENT,
                "Accept-Encoding": "gzip",  # decompressed here, under the size limit
                **(headers or {}),
                "Host": _host_header(host, port, urlsplit(url).scheme),
            }
            response = _send(
                method, url, host, addresses, sent, body, limits, deadline, sockets, what
            )
            with response:
                if response.is_redirect and max_redirects:
                    location = response.headers.get("Location", "")
                    if not location:
                        raise OutboundError(f"{what} redirected without saying where.")
                    url = urljoin(url, location)
                    continue
                # Only a success's body is used; another's is only shown, so it is cut.
                cut = cut_body or not 200 <= response.status_code < 300
                content = _read(response, limits, deadline, what=what, cut=cut)
                return Answer(response.status_code, dict(response.headers), content)
        raise OutboundError(f"{what} redirected more than {max_redirects} times.")
    finally:
        watchdog.cancel()


def _send(
    method: str,
    url: str,
    host: str,
    addresses: list[IpAddress],
    headers: dict[str, str],
    body: bytes | None,
    limits: Limits,
    deadline: float,
    sockets: list[socket.socket],
    what: str,
) -> requests.Response:
    last: Exception | None = None
    for address in addresses:  # like a browser: the next address if one does not answer
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        with requests.Session() as session:
            session.trust_env = False  # no proxy may stand between us and the vetted address
            adapter = PinnedAdapter(host, address, sockets, what)
            session.mount("https://", adapter)
            # Plain http only reaches here where Limits.https_only is off (checked()).
            session.mount("http://", adapter)
            try:
                return session.request(
                    method,
                    url,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    stream=True,
                    timeout=(min(limits.timeout, remaining), min(limits.timeout, remaining)),
                    verify=_ca_bundle(),
                )
            except requests.exceptions.SSLError as exc:
                raise OutboundError(f"{what}'s TLS certificate was refused ({host}).") from exc
            except requests.exceptions.Timeout as exc:
                raise OutboundError(f"{what} did not answer within {limits.timeout:g} s.") from exc
            except requests.exceptions.ConnectionError as exc:
                if time.monotonic() >= deadline:  # the watchdog shut it mid-answer
                    raise OutboundError(
                        f"{what} did not answer within {limits.timeout:g} s."
                    ) from exc
                last = exc
            except (requests.exceptions.RequestException, ValueError) as exc:
                # Anything else the HTTP library refuses (a malformed answer or address).
                raise OutboundError(
                    f"{what} could not be requested ({type(exc).__name__})."
                ) from exc
    if last is None:
        raise OutboundError(f"{what} did not answer within {limits.timeout:g} s.")
    raise OutboundError(f"{what}'s host {host} could not be reached.") from last


def _host_header(host: str, port: int, scheme: str) -> str:
    name = f"[{host}]" if ":" in host else host  # an IPv6 literal
    default = 443 if scheme == "https" else 80
    return name if port == default else f"{name}:{port}"


def _read(
    response: requests.Response, limits: Limits, deadline: float, *, what: str, cut: bool
) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes and not cut:
        raise OutboundError(f"{what} is larger than {limits.max_bytes} bytes.")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise OutboundError(f"{what} came in an encoding this service does not read ({encoding}).")
    gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding != "identity" else None
    raw = response.raw
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    body = bytearray()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OutboundError(f"{what} took longer than {limits.timeout:g} s to download.")
            if sock is not None:
                sock.settimeout(remaining)
            # read1: at most one read from the socket, so the deadline is checked between reads.
            chunk = raw.read1(READ_SIZE, decode_content=False)
            if not chunk:
                if time.monotonic() >= deadline:  # the watchdog's shutdown reads as an end
                    raise OutboundError(
                        f"{what} took longer than {limits.timeout:g} s to download."
                    )
                break
            if gunzip is not None:
                # Never more than the limit allows, however well the body compresses.
                chunk = gunzip.decompress(chunk, limits.max_bytes - len(body) + 1)
                if gunzip.unconsumed_tail and not cut:
                    raise OutboundError(f"{what} is larger than {limits.max_bytes} bytes.")
            body += chunk
            if len(body) > limits.max_bytes:
                if cut:
                    return bytes(body[: limits.max_bytes])
                raise OutboundError(f"{what} is larger than {limits.max_bytes} bytes.")
    except OutboundError:
        raise
    except zlib.error as exc:
        raise OutboundError(f"{what}'s compressed body could not be read.") from exc
    except Exception as exc:  # urllib3, ssl and socket errors, including the watchdog's shut
        if time.monotonic() >= deadline or "timed out" in str(exc).lower():
            raise OutboundError(
                f"{what} took longer than {limits.timeout:g} s to download."
            ) from exc
        raise OutboundError(f"{what}'s connection broke off.") from exc
    return bytes(body)


def _shut_all(sockets: list[socket.socket]) -> None:
    # The plain socket's shutdown: it wakes a blocked read, TLS or not.
    for sock in list(sockets):
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
