"""A small HTTP load generator for the bench scripts: N concurrent clients on one asyncio
loop, each sending requests one after another for a fixed time (GETs of one URL, or requests
a function makes anew each time, e.g. bookings of distinct times), timing each from connect to
the last byte of the body.

One loop in one thread costs far less CPU per request than a client library (this machine has
2 cores, shared with the server under test), and every target gets the same client. A
connection is reused while the server keeps it alive; gunicorn's sync workers close it after
each response, so then each request connects anew, as their clients do. Loopback only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np


@dataclass
class Result:
    """What one run measured: request latencies (seconds) of the 2xx answers, the other
    answers and failures by kind, and the run's wall time."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.latencies, q) * 1000) if self.latencies else float("nan")


def _request(
    path: str, host: str, headers: dict[str, str], method: str = "GET", body: bytes = b""
) -> bytes:
    if body:
        headers = {**headers, "Content-Length": str(len(body))}
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass(frozen=True)
class Post:
    """POSTs to `base` whose path, JSON body and headers `make()` gives anew for every request
    (it has no await inside: the loop's clients never make two at once)."""

    base: str
    make: Callable[[], tuple[str, bytes, dict[str, str]]]


async def _client(
    host: str,
    port: int,
    request: Callable[[], bytes],
    until: float,
    result: Result,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            writer.write(request())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            result.errors[type(exc).__name__] = result.errors.get(type(exc).__name__, 0) + 1
            close, status = True, 0
        if 200 <= status < 300:
            result.latencies.append(time.perf_counter() - started)
        elif status:
            result.errors[str(status)] = result.errors.get(str(status), 0) + 1
        if close and writer is not None:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def run(
    target: str | Post,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> Result:
    """GET the URL `target` (or send the Post `target`) from `connections` concurrent clients
    for `seconds`."""
    parts = urlsplit(target.base if isinstance(target, Post) else target)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only targets this machine (loopback)")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    sent = {"Accept": "application/json", **(headers or {})}
    if isinstance(target, Post):
        post, json_headers = target, {**sent, "Content-Type": "application/json"}

        def request() -> bytes:
            made_path, body, made_headers = post.make()
            headers = {**json_headers, **made_headers}
            return _request(made_path, f"{host}:{port}", headers, "POST", body)

    else:
        fixed = _request(path, f"{host}:{port}", sent)

        def request() -> bytes:
            return fixed

    result = Result()

    async def main() -> None:
        until = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(_client(host, port, request, until, result) for _ in range(connections))
        )
        result.elapsed = time.perf_counter() - started

    asyncio.run(main())
    return result
