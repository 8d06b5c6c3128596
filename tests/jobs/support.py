"""Helpers for the job tests: private Redis servers, worker processes, polling, reading rows."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_for(predicate: Callable[[], T], *, timeout: float = 20.0, what: str = "condition") -> T:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A private redis-server on its own port, which a test may stop and start again."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Redis:
        return Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)

    def ping(self) -> bool:
        try:
            with self.client() as c:
                return bool(c.ping())
        except RedisError:
            return False

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        process, self.process = self.process, None
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        wait_for(lambda: not self.ping(), what="redis-server to stop")


def worker_env(runtime_url: str, redis_url: str) -> dict[str, str]:
    """The environment a deployed worker gets: the application role, not the owner."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=runtime_url,
        REDIS_URL=redis_url,
        CONSORTIUM_ENV="test",
        JOBS_INLINE="0",
        LOG_LEVEL="WARNING",
        PUBLIC_BASE_URL="http://localhost",
        SECRET_KEY="test-secret-key-that-is-long-enough-for-production-checks",
        PYTHONPATH=str(ROOT),
    )
    env.pop("MIGRATION_DATABASE_URL", None)
    return env


FLASK_WORKER = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
TEST_WORKER = [sys.executable, "-m", "tests.jobs.worker_main"]


def run_burst_worker(env: dict[str, str], command: list[str] = FLASK_WORKER, timeout: float = 90) -> str:
    """Run a worker process until the queues are empty; return its output."""
    done = subprocess.run(
        [*command, "--burst"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def start_worker(env: dict[str, str], log: Path, command: list[str] = TEST_WORKER) -> subprocess.Popen[bytes]:
    """Start a long-running worker in its own process group (so its work-horse can be killed too)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def job_row(owner_engine: Engine, job_id: uuid.UUID | str) -> dict[str, Any] | None:
    """The job's row as the owner sees it (no tenancy in the way)."""
    with owner_engine.connect() as c:
        row = c.execute(text("SELECT * FROM jobs WHERE id = :id"), {"id": str(job_id)}).mappings().first()
    return dict(row) if row else None


def job_count(owner_engine: Engine) -> int:
    with owner_engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM jobs")).scalar_one())


def job_title(owner_engine: Engine, person_id: uuid.UUID | str) -> str:
    with owner_engine.connect() as c:
        value = c.execute(
            text("SELECT job_title FROM people WHERE id = :id"), {"id": str(person_id)}
        ).scalar_one()
    return value or ""
