"""Under real gunicorn, as production runs it (`gunicorn wsgi:app`, gunicorn.conf.py read from
the working directory): every line on stdout and stderr is JSON with an ISO 8601 time and its
offset, and the access line of a request carries the request id its response sent."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.jobs.support import ROOT, free_port, wait_for, worker_env

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


def _listening_port(stderr: Path) -> int | None:
    for line in _lines(stderr):
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
        if found:
            return int(found.group(1))
    return None


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


@pytest.mark.slow
def test_every_line_is_json_with_an_offset_time_and_access_lines_carry_the_request_id(
    runtime_url: str, tmp_path: Path
) -> None:
    # Redis on a port nobody listens on: /readyz answers 503 and the app logs a warning.
    env = worker_env(runtime_url, f"redis://127.0.0.1:{free_port()}/0")
    env.update(LOG_LEVEL="INFO", HOME=str(tmp_path))  # HOME: gunicorn's control socket
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=err,
        )
        try:
            port = wait_for(lambda: _listening_port(stderr), timeout=30, what="gunicorn to listen")
            base = f"http://127.0.0.1:{port}"
            requests = {
                "/healthz": _get(f"{base}/healthz"),
                "/readyz": _get(f"{base}/readyz"),
                "/api/v1/no-such-thing": _get(f"{base}/api/v1/no-such-thing", {"X-Request-ID": "probe-4711"}),
            }
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    assert [status for status, _ in requests.values()] == [200, 503, 404]
    assert requests["/api/v1/no-such-thing"][1]["X-Request-ID"] == "probe-4711"

    records = []
    for path in (stdout, stderr):
        for line in _lines(path):
            record = json.loads(line)  # every line, the app's and gunicorn's own
            assert isinstance(record, dict), line
            assert ISO_WITH_OFFSET.match(record["time"]), line
            assert datetime.fromisoformat(record["time"]).utcoffset() is not None
            records.append(record)
    loggers = {r["logger"] for r in records}
    assert {"gunicorn.error", "gunicorn.access"} <= loggers, loggers

    access = {r["path"]: r for r in records if r["logger"] == "gunicorn.access"}
    for path, (status, headers) in requests.items():
        line = access[path]
        assert line["request_id"] == headers["X-Request-ID"], line
        assert (line["method"], line["status"]) == ("GET", status)
        assert line["duration_ms"] >= 0
    # The app's own line about the failed check carries the same request id.
    warning = next(r for r in records if "readiness: redis check failed" in r["message"])
    assert warning["request_id"] == requests["/readyz"][1]["X-Request-ID"]
