"""The development identity provider exists in development only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

from consortium import create_app
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]


def test_it_cannot_be_imported_under_production_config() -> None:
    env = {**os.environ, "CONSORTIUM_ENV": "production"}
    result = subprocess.run(
        [sys.executable, "-c", "import consortium.devidp.provider"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode != 0
    assert "not available in production" in result.stderr


def test_the_production_image_leaves_it_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "consortium/devidp" in ignored


def test_only_a_development_app_mounts_it(app: Flask, runtime_url: str) -> None:
    assert not any(r.rule.startswith("/dev-idp") for r in app.url_map.iter_rules())
    development = create_app(make_settings(runtime_url, env="development"))
    rules = {r.rule for r in development.url_map.iter_rules()}
    assert "/dev-idp/.well-known/openid-configuration" in rules
    metadata = development.test_client().get("/dev-idp/.well-known/openid-configuration").get_json()
    assert metadata["issuer"] == "http://localhost/dev-idp"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
