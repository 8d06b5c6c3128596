"""Keep a fuzzed service's traffic on this machine: names resolve only to loopback, and
sockets connect only to loopback. Fuzzed inputs name hosts (SSO issuers, busy-feed URLs) that
the server and its worker would otherwise look up and fetch; here such a lookup fails as an
unknown host does, which the service already answers for.

Installed in a process by `install()`; the fuzz test does it through a sitecustomize module
on the served processes' PYTHONPATH (see tests/api/test_schemathesis.py)."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def install() -> None:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: not resolved (loopback only)")
        return real_getaddrinfo(host, *args, **kwargs)

    def allowed(self: socket.socket, address: Any) -> bool:
        return self.family not in (socket.AF_INET, socket.AF_INET6) or is_loopback(address[0])

    def connect(self: socket.socket, address: Any) -> None:
        if not allowed(self, address):
            raise OSError(errno.ENETUNREACH, f"{address[0]}: unreachable (loopback only)")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not allowed(self, address):
            return errno.ENETUNREACH
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
