"""Benchmark the API's hot path from outside: its tenant-scoped lists and a booking, each
against a bare endpoint doing the same reads or writes.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/http.py [--seconds 10] [--rounds 2] [--connections 16]
        [--endpoints people,mentor-profiles,matches,booking]

Builds two tenants in a throwaway PostgreSQL database (bench/support.py: created, migrated and
dropped by the server's user; served as the non-owner runtime role under FORCEd row-level
security): one of 1,000 staff records and one of 100,000, members of one consortium, each with
an API client holding `people:read` and `pool:read`. The 1k tenant also has 100 mentors, their
profiles released to the consortium with availability every day from 07:00 to 21:00, each with
10 active pairings (a programme's) with staff of the 100k tenant. Then serves both of these
with gunicorn (2 sync workers each, production settings, logs at WARNING) and measures them one
after the other:

- the project (`wsgi:app`): `GET /api/v1/people` on each tenant, first page and a deep one (the
  middle of the tenant: row 480 of 1k, row 49,980 of 100k; reached by following the keyset
  `next` links), `GET /api/v1/mentor-profiles` and `GET /api/v1/matches` (first page, 1k
  tenant), all with the tenant's client-credentials bearer; and `POST
  /api/v1/matches/{id}/sessions` by a mentor, signed in (session cookie and CSRF token), each
  request a new half-hour on one of the pairings of the first 80 mentors;
- the bare endpoints (bench/bare.py): SQLAlchemy Core and marshmallow reading the same page of
  the same table (same role and policies; by OFFSET), with no authentication or count, and
  writing the same booking rows (the session and its two attendees, on the other 20 mentors'
  pairings), with no availability check, audit or events;

loading each with the same generator (bench/load.py: 16 concurrent clients), after checking
that both lists answer with the same 20 rows. The rounds alternate which goes first.

Prints, for each: requests per second, p50 and p99 latency, the CPU a request costs the
server's workers and their PostgreSQL backends (read from /proc: steadier than latency on a
busy machine), and the project's throughput as a share of the bare endpoint's; then the
project's 100k tenant as a share of its 1k tenant at each depth. Targets: the lists ≥ 0.9 times
the bare endpoint with p99 < 25 ms (issue 18; issue 15: p99 < 50 ms, the booking included), and
the 100k tenant ≥ 0.8 times the 1k tenant. The last line is JSON.

The machine's 2 cores are shared by the server, PostgreSQL and this client (its CPU share is
printed): figures are comparative, and noisy when other work runs.
"""

from __future__ import annotations

# This file is bench/http.py: drop its folder from the path, or `import http` (the standard
# library's, which nearly everything imports) would import this script.
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import base64  # noqa: E402
import contextlib  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from datetime import time as clock  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import numpy as np  # noqa: E402
import redis  # noqa: E402
from sqlalchemy import create_engine, make_url, select, text  # noqa: E402

from bench import load  # noqa: E402
from bench.support import (  # noqa: E402
    RUNTIME_ROLE,
    add_rows,
    analyse,
    bench_app,
    measured_role,
    seeded_uuid,
    throwaway_database,
)
from consortium.config import normalise_database_url  # noqa: E402
from consortium.core import tenancy  # noqa: E402
from consortium.extensions import db  # noqa: E402
from consortium.identity import service as identity  # noqa: E402
from consortium.identity import sessions  # noqa: E402
from consortium.models import (  # noqa: E402
    AvailabilityRule,
    Consortium,
    ConsortiumMembership,
    Match,
    MentorProfile,
    Organisation,
    Person,
    Programme,
)

SEED = 20261122
TENANTS = {"1k": 1_000, "100k": 100_000}
PAGE_SIZE = 20
SECRET_KEY = "bench-http-secret-key-that-is-long-enough-1234"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
TARGET_VS_BARE, TARGET_P99_MS, TARGET_DEEP_VS_SMALL = 0.9, 25.0, 0.8
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ENDPOINTS = ("people", "mentor-profiles", "matches", "booking")
# The 1k tenant's mentors, each with PAIRINGS_EACH pairings (its capacity, at most 10); the
# project books on the first BOOKING_MENTORS' pairings, the bare endpoint on the others'.
PROFILES, PAIRINGS_EACH, BOOKING_MENTORS = 100, 10, 80
LONDON = ZoneInfo("Europe/London")
HALF_HOURS_A_DAY = 28  # 07:00 to 21:00, the mentor's availability


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], epilog="Needs BENCH_DATABASE_URL (PostgreSQL)."
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="load per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each, alternated")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--endpoints",
        default=",".join(ENDPOINTS),
        help=f"which to measure, comma-separated (default: all of {','.join(ENDPOINTS)})",
    )
    parser.add_argument(
        "--project-root",
        type=Path,
        default=ROOT,
        help="serve the project (wsgi:app) from this checkout, e.g. to measure a change against "
        "what it replaces (default: this one; the schema must be the same)",
    )
    arguments = parser.parse_args()
    if not os.environ.get("BENCH_DATABASE_URL", "").startswith("postgresql"):
        parser.error("set BENCH_DATABASE_URL to a PostgreSQL server where it may create a database")
    arguments.endpoints = [e for e in arguments.endpoints.split(",") if e]
    if not arguments.endpoints or set(arguments.endpoints) - set(ENDPOINTS):
        parser.error(f"--endpoints takes some of {','.join(ENDPOINTS)}")

    with throwaway_database() as (url, kind):
        # The served app's key: the mentor's session cookie is signed with it.
        app = bench_app(url, secret_key=SECRET_KEY)
        with app.app_context():
            print(f"database: {kind}; measured as {measured_role()}")
            print(f"project served from {arguments.project_root}")
            started = time.perf_counter()
            tenants = build()
            analyse()
            db.engine.dispose()
        print(f"built the tenants in {time.perf_counter() - started:.1f} s")
        runtime = make_url(url).render_as_string(hide_password=False)
        with (
            serve(
                "wsgi:app", {"DATABASE_URL": runtime}, arguments.workers, arguments.project_root
            ) as project,
            serve("bench.bare:app", {"BARE_DATABASE_URL": runtime}, arguments.workers) as bare,
        ):
            servers = {"project": project, "bare": bare}
            figures = measure(servers, make_url(url).database or "", tenants, arguments)
    report(figures, arguments)


# --- the servers -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base: str  # its URL
    pid: int  # gunicorn's master: its children are the workers


@contextlib.contextmanager
def serve(
    target: str, environment: dict[str, str], workers: int, root: Path = ROOT
) -> Iterator[Server]:
    """Run `target` from `root` under gunicorn (sync workers) on a loopback port."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **environment,
        "CONSORTIUM_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "PUBLIC_BASE_URL": base,
        "LOG_LEVEL": "WARNING",
        # Counted as production counts (in Redis), but too high to refuse the load.
        "RATELIMIT_CLIENT": "100000000 per minute",
        "RATELIMIT_KEY_PREFIX": f"bench-{port}",
        # The jobs a booking queues (no worker runs them) go to a database of their own,
        # emptied afterwards: never to a worker's queue elsewhere.
        "REDIS_URL": BENCH_REDIS_URL,
        "PYTHONPATH": str(root),
    }
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", target]
    # Its access lines (gunicorn.conf.py) are written, as in production, but not shown.
    server = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn {target} exited with {server.returncode}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {target} did not start listening")
            time.sleep(0.2)
        yield Server(base, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        with contextlib.suppress(OSError, redis.RedisError):
            redis.Redis.from_url(BENCH_REDIS_URL).flushdb()


def _cpu_seconds(pids: set[int]) -> dict[int, float]:
    """User + system CPU of each live process in `pids` (Linux /proc)."""
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


class CpuMeter:
    """The CPU a server's workers and their PostgreSQL backends spend, read from /proc: what
    a request costs, whatever else the machine is doing (unlike its latency)."""

    def __init__(self, server: Server, database: str) -> None:
        self.server, self.database = server, database
        self.admin = create_engine(normalise_database_url(os.environ["BENCH_DATABASE_URL"]))

    def _processes(self) -> tuple[set[int], set[int]]:
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        workers = {int(p) for p in children.read_text().split()}
        with self.admin.connect() as c:
            backends = set(
                c.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = :d AND usename = :u"
                        " AND client_port IS NOT NULL"
                    ),
                    {"d": self.database, "u": RUNTIME_ROLE},
                ).scalars()
            )
        return workers, backends

    def read(self) -> tuple[dict[int, float], dict[int, float]]:
        workers, backends = self._processes()
        return _cpu_seconds(workers), _cpu_seconds(backends)

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[Any, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response), response.headers


def token(project: str, client_id: str, secret: str) -> str:
    """A client-credentials access token from the served project, as a partner gets one."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    request = urllib.request.Request(
        f"{project}/oauth/token",
        data=b"grant_type=client_credentials",
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return str(json.load(response)["access_token"])


# --- the measurements --------------------------------------------------------------------------


def _with_query(url: str, **params: Any) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query)) | {k: str(v) for k, v in params.items()}
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _next_link(headers: Any) -> str | None:
    """The RFC 8288 `Link` header's rel="next" target, if any."""
    for part in (headers.get("Link") or "").split(","):
        target, _, params = part.strip().partition(";")
        if 'rel="next"' in params.replace(" ", "") and target.startswith("<"):
            return target.strip("<>")
    return None


def project_url(project: str, bearer: dict[str, str], offset: int, expected: list[str]) -> str:
    """The project's URL of the page of 20 starting at row `offset`, reached as a client does:
    from the first page, following the list's `next` links (keyset cursors; `page=` numbers are
    deprecated and cost a full count and an OFFSET)."""
    url, at = f"{project}/api/v1/people?page_size=100", 0
    while at < offset:
        size = 100 if offset - at >= 100 else PAGE_SIZE
        body, headers = _get(_with_query(url, page_size=size), bearer)
        at += len(body)
        following = _next_link(headers)
        if following is None:
            raise RuntimeError("the project's list ended before the page asked for")
        url = urllib.parse.urljoin(project, following)
    return _with_query(url, page_size=PAGE_SIZE)


def measure(
    servers: dict[str, Server],
    database: str,
    tenants: dict[str, dict[str, Any]],
    arguments: Any,
) -> list[dict[str, Any]]:
    project, bare = servers["project"].base, servers["bare"].base
    scenarios: list[dict[str, Any]] = []
    bearers = {
        name: {"Authorization": f"Bearer {token(project, t['client_id'], t['secret'])}"}
        for name, t in tenants.items()
    }
    if "people" in arguments.endpoints:
        for name, tenant in tenants.items():
            people = TENANTS[name]
            for depth, offset in (
                ("first", 0),
                ("deep", (people // PAGE_SIZE // 2 - 1) * PAGE_SIZE),
            ):
                expected = [str(i) for i in tenant["ids"][offset : offset + PAGE_SIZE]]
                project_page = project_url(project, bearers[name], offset, expected)
                bare_page = (
                    f"{bare}/people?organisation_id={tenant['id']}"
                    f"&page={offset // PAGE_SIZE + 1}&page_size={PAGE_SIZE}"
                )
                scenarios.append(
                    _list_scenario("people", name, depth, offset, expected,
                                   (project_page, bearers[name]), (bare_page, {}))
                )  # fmt: skip
    small = tenants["1k"]
    for endpoint, table in (("mentor-profiles", "mentor_profiles"), ("matches", "matches")):
        if endpoint in arguments.endpoints:
            expected = [str(i) for i in small[table][:PAGE_SIZE]]
            scenarios.append(
                _list_scenario(
                    endpoint, "1k", "first", 0, expected,
                    (f"{project}/api/v1/{endpoint}?page_size={PAGE_SIZE}", bearers["1k"]),
                    (f"{bare}/{table}?organisation_id={small['id']}&page_size={PAGE_SIZE}", {}),
                )
            )  # fmt: skip
    if "booking" in arguments.endpoints:
        scenarios.append(_booking_scenario(project, bare, small))
    for scenario in scenarios:
        for target in ("project", "bare"):
            scenario["check"](*scenario["targets"][target])
    meters = {target: CpuMeter(server, database) for target, server in servers.items()}
    figures = []
    for scenario in scenarios:
        results: dict[str, list[load.Result]] = {"project": [], "bare": []}
        cpu = {t: {"client": 0.0, "app": 0.0, "database": 0.0} for t in results}
        for round_ in range(arguments.rounds):
            order = ("project", "bare") if round_ % 2 == 0 else ("bare", "project")
            for target in order:
                url, headers = scenario["targets"][target]
                load.run(url, connections=arguments.connections, seconds=1.0, headers=headers)
                client, (app_before, db_before) = time.process_time(), meters[target].read()
                results[target].append(
                    load.run(
                        url,
                        connections=arguments.connections,
                        seconds=arguments.seconds,
                        headers=headers,
                    )
                )
                app_after, db_after = meters[target].read()
                cpu[target]["client"] += time.process_time() - client
                cpu[target]["app"] += CpuMeter.spent(app_before, app_after)
                cpu[target]["database"] += CpuMeter.spent(db_before, db_after)
        row: dict[str, Any] = {k: scenario[k] for k in ("endpoint", "tenant", "depth", "page")}
        for target, runs in results.items():
            pooled = load.Result(
                latencies=[x for r in runs for x in r.latencies],
                elapsed=sum(r.elapsed for r in runs),
            )
            for r in runs:
                for kind, count in r.errors.items():
                    pooled.errors[kind] = pooled.errors.get(kind, 0) + count
            done = max(len(pooled.latencies), 1)
            row[target] = {
                "rps": round(pooled.rps, 1),
                "rps_rounds": [round(r.rps, 1) for r in runs],
                "p50_ms": round(pooled.percentile_ms(50), 2),
                "p99_ms": round(pooled.percentile_ms(99), 2),
                "requests": len(pooled.latencies),
                "errors": pooled.errors,
                "app_cpu_ms": round(cpu[target]["app"] * 1000 / done, 2),
                "database_cpu_ms": round(cpu[target]["database"] * 1000 / done, 2),
                "client_cpu_share": round(cpu[target]["client"] / pooled.elapsed, 2),
            }
        row["ratio"] = round(row["project"]["rps"] / max(row["bare"]["rps"], 1e-9), 2)
        figures.append(row)
        print(_line(row), flush=True)
    for meter in meters.values():
        meter.admin.dispose()
    return figures


def _list_scenario(
    endpoint: str,
    tenant: str,
    depth: str,
    offset: int,
    expected: list[str],
    project: tuple[str, dict[str, str]],
    bare: tuple[str, dict[str, str]],
) -> dict[str, Any]:
    def check(url: str, headers: dict[str, str]) -> None:
        got = [r["id"] for r in _get(url, headers)[0]]
        assert got == expected, f"{url} answered other rows than the page's"

    return {
        "endpoint": endpoint,
        "tenant": tenant,
        "depth": depth,
        "page": offset // PAGE_SIZE + 1,
        "targets": {"project": project, "bare": bare},
        "check": check,
    }


def _half_hours() -> Iterator[tuple[datetime, datetime]]:
    """Half-hours inside the mentor's availability, from tomorrow on, each given out once:
    no booking overlaps another (of the project's or the bare endpoint's)."""
    first = datetime.now(LONDON).date() + timedelta(days=1)
    for n in itertools.count():
        day = first + timedelta(days=n // HALF_HOURS_A_DAY)
        start = datetime.combine(day, clock(7), tzinfo=LONDON) + timedelta(
            minutes=30 * (n % HALF_HOURS_A_DAY)
        )
        yield start, start + timedelta(minutes=30)


def _booking_scenario(project: str, bare: str, tenant: dict[str, Any]) -> dict[str, Any]:
    """A mentor books a new half-hour each request, the mentors taking turns, on pairings of
    the project's mentors or the bare endpoint's (the project counts a pairing's sessions
    against the programme's maximum; the bare endpoint does not)."""
    times = _half_hours()
    pairings = tenant["pairings"]  # (mentor index, match id), mentor by mentor
    turns = {
        "project": itertools.cycle([p for p in pairings if p[0] < BOOKING_MENTORS]),
        "bare": itertools.cycle([p for p in pairings if p[0] >= BOOKING_MENTORS]),
    }

    def make(target: str) -> tuple[str, bytes, dict[str, str]]:
        start, end = next(times)
        mentor, match_id = next(turns[target])
        fields = {"start": start.isoformat(), "end": end.isoformat(), "mode": "virtual"}
        if target == "project":
            cookie, csrf = tenant["signed_in"][mentor]
            path = f"/api/v1/matches/{match_id}/sessions"
            return path, json.dumps(fields).encode(), {"Cookie": cookie, "X-CSRF-Token": csrf}
        query = f"organisation_id={tenant['id']}&person_id={tenant['mentors'][mentor]}"
        body = json.dumps({**fields, "match_id": str(match_id)}).encode()
        return f"/sessions?{query}", body, {}

    posts = {
        "project": load.Post(project, lambda: make("project")),
        "bare": load.Post(bare, lambda: make("bare")),
    }

    def check(post: load.Post, _headers: dict[str, str]) -> None:
        path, data, headers = post.make()
        request = urllib.request.Request(
            post.base + path,
            data=data,
            method="POST",
            headers={**headers, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 201, f"booking answered {response.status}"

    return {
        "endpoint": "booking",
        "tenant": "1k",
        "depth": "-",
        "page": 0,
        "targets": {"project": (posts["project"], {}), "bare": (posts["bare"], {})},
        "check": check,
    }


def _line(row: dict[str, Any]) -> str:
    p, b = row["project"], row["bare"]
    errors = {k: v for k, v in (p["errors"] | b["errors"]).items()}

    def side(f: dict[str, Any]) -> str:
        return (
            f"{f['rps']:7.1f} rps  p50 {f['p50_ms']:6.1f}  p99 {f['p99_ms']:6.1f} ms  "
            f"CPU/req {f['app_cpu_ms']:5.2f} + db {f['database_cpu_ms']:5.2f} ms"
        )

    where = f"{row['tenant']} {row['depth']} p{row['page']}" if row["page"] else ""
    return (
        f"  {row['endpoint']:15} {where:14} project {side(p)} | "
        f"bare {side(b)} | ratio {row['ratio']:.2f}x" + (f"  ERRORS {errors}" if errors else "")
    )


def report(figures: list[dict[str, Any]], arguments: Any) -> None:
    by = {(f["endpoint"], f["tenant"], f["depth"]): f for f in figures}
    print(
        f"{arguments.connections} connections, {arguments.workers} sync workers, "
        f"{arguments.rounds} x {arguments.seconds:g} s each; client CPU share "
        f"{max(f[t]['client_cpu_share'] for f in figures for t in ('project', 'bare')):.2f} "
        "of a core at most"
    )
    scale = {}
    for depth in ("first", "deep"):
        small, large = by.get(("people", "1k", depth)), by.get(("people", "100k", depth))
        if small is None or large is None:
            continue
        scale[depth] = {
            t: round(large[t]["rps"] / max(small[t]["rps"], 1e-9), 2) for t in ("project", "bare")
        }
        print(
            f"  people, 100k tenant vs 1k, {depth} page: project {scale[depth]['project']:.2f}x, "
            f"bare {scale[depth]['bare']:.2f}x"
        )
    lists = [f for f in figures if f["endpoint"] != "booking"]
    met = {
        "vs_bare": all(f["ratio"] >= TARGET_VS_BARE for f in lists),
        "p99": all(f["project"]["p99_ms"] < TARGET_P99_MS for f in lists),
        "100k_vs_1k": all(s["project"] >= TARGET_DEEP_VS_SMALL for s in scale.values()),
        "booking_p99_under_50ms": all(
            f["project"]["p99_ms"] < 50 for f in figures if f["endpoint"] == "booking"
        ),
    }
    print(
        f"targets (lists): project >= {TARGET_VS_BARE}x bare: {_yes(met['vs_bare'])}; "
        f"p99 < {TARGET_P99_MS:g} ms: {_yes(met['p99'])}; "
        f"100k >= {TARGET_DEEP_VS_SMALL}x 1k: {_yes(met['100k_vs_1k'])}; "
        f"booking p99 < 50 ms: {_yes(met['booking_p99_under_50ms'])}"
    )
    print(json.dumps({"scenarios": figures, "scale_100k_over_1k": scale, "targets_met": met}))


def _yes(ok: bool) -> str:
    return "met" if ok else "NOT met"


# --- the database ------------------------------------------------------------------------------


def build() -> dict[str, dict[str, Any]]:
    """The two tenants in one consortium, written in bulk; each one's id, its people's ids in
    list order, and an API client's credentials."""
    rng = np.random.default_rng(SEED)
    consortium_id = seeded_uuid(rng)
    tenants: dict[str, dict[str, Any]] = {}
    platform = tenancy.Principal(
        kind="system", all_tenants=True, scopes=frozenset({"platform:admin"}), name="bench"
    )
    with tenancy.acting_as(platform):
        add_rows(Consortium, [{"id": consortium_id, "name": "Bench ICS", "slug": "bench-ics"}])
        for k, (name, count) in enumerate(TENANTS.items()):
            org = seeded_uuid(rng)
            add_rows(Organisation, [
                {"id": org, "name": f"Employer {name}", "slug": f"employer-{name}",
                 "sector": "health", "email_domains": [f"employer-{k}.example.org"]}
            ])  # fmt: skip
            add_rows(ConsortiumMembership, [
                {"id": seeded_uuid(rng), "consortium_id": consortium_id, "organisation_id": org}
            ])  # fmt: skip
            ids = [seeded_uuid(rng) for _ in range(count)]
            # One a second, as records arrive: the list's order (created_at, id) is fixed.
            add_rows(Person, [
                {"id": p, "organisation_id": org, "given_name": "Bench", "family_name": f"P{j}",
                 "email": f"p{j}@employer-{k}.example.org", "job_title": "Staff nurse",
                 "profession": "nursing", "seniority": int(rng.integers(1, 10)),
                 "status": "active", "created_at": NOW - timedelta(seconds=count - j),
                 "updated_at": NOW}
                for j, p in enumerate(ids)
            ])  # fmt: skip
            issued = identity.create_client(
                name=f"bench {name}", scopes=["people:read", "pool:read"], organisation_id=org
            )
            tenants[name] = {
                "id": org,
                "ids": ids,
                "client_id": issued.client.client_id,
                "secret": issued.client_secret,
            }
        _build_pool(rng, consortium_id, tenants["1k"], tenants["100k"])
        db.session.commit()
        for tenant in tenants.values():  # as the list orders them
            tenant["ids"] = list(
                db.session.scalars(
                    select(Person.id)
                    .where(Person.organisation_id == tenant["id"])
                    .order_by(Person.created_at, Person.id)
                )
            )
        db.session.rollback()
    return tenants


def _build_pool(
    rng: np.random.Generator,
    consortium_id: Any,
    small: dict[str, Any],
    large: dict[str, Any],
) -> None:
    """The 1k tenant's mentors: their profiles, availability (every day 07:00-21:00), active
    pairings with staff of the 100k tenant, and a session cookie and CSRF token each; the
    profiles' and pairings' ids in list order."""
    mentors = small["ids"][:PROFILES]
    profile_ids = [seeded_uuid(rng) for _ in range(PROFILES)]
    add_rows(MentorProfile, [
        {"id": profile_ids[j], "organisation_id": small["id"], "person_id": mentors[j],
         "modalities": ["mentoring"], "topics": ["leadership"], "capacity": PAIRINGS_EACH,
         "active_load": PAIRINGS_EACH, "vetting_status": "approved",
         "vetting_expires_on": date.today() + timedelta(365), "sharing_scope": "consortium",
         "released_at": NOW, "released_by": "bench", "status": "active",
         "created_at": NOW - timedelta(seconds=PROFILES - j), "updated_at": NOW}
        for j in range(PROFILES)
    ])  # fmt: skip
    add_rows(AvailabilityRule, [
        {"id": seeded_uuid(rng), "organisation_id": small["id"], "profile_id": profile_ids[j],
         "dtstart": datetime(2020, 1, 1, 7, 0), "duration_minutes": 14 * 60,
         "rrule": "FREQ=DAILY", "timezone": "Europe/London", "created_by": "bench"}
        for j in range(PROFILES)
    ])  # fmt: skip
    programme_id = seeded_uuid(rng)
    add_rows(Programme, [
        {"id": programme_id, "consortium_id": consortium_id, "name": "Bench", "type": "mentoring",
         "status": "open", "opens_at": NOW - timedelta(days=10),
         "closes_at": NOW + timedelta(days=10), "created_by": "bench"}
    ])  # fmt: skip
    pairings = [(j, seeded_uuid(rng)) for j in range(PROFILES) for _ in range(PAIRINGS_EACH)]
    add_rows(Match, [
        {"id": match_id, "consortium_id": consortium_id, "programme_id": programme_id,
         "mentor_organisation_id": small["id"], "mentee_organisation_id": large["id"],
         "mentor_profile_id": profile_ids[j], "mentor_person_id": mentors[j],
         "mentee_id": large["ids"][i], "status": "active", "origin": "manual",
         "activated_at": NOW, "created_at": NOW - timedelta(seconds=len(pairings) - i),
         "updated_at": NOW}
        for i, (j, match_id) in enumerate(pairings)
    ])  # fmt: skip
    signed_in = []
    for j in range(PROFILES):
        _, raw = sessions.start_session(person_id=mentors[j], organisation_id=small["id"])
        # As the served app names (served on http: no __Host- prefix) and signs it.
        cookie = f"consortium_session={sessions._serializer().dumps(raw)}"
        signed_in.append((cookie, sessions.csrf_token_for(raw)))
    small.update(
        mentors=mentors,
        mentor_profiles=profile_ids,
        matches=[match_id for _, match_id in pairings],
        pairings=pairings,
        signed_in=signed_in,
    )


if __name__ == "__main__":
    main()
