"""A client generated from the committed spec by openapi-python-client, as an integrator would
(README: "Generating a client"): every operation is generated, and the client works."""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from consortium.openapi import SPEC_PATH

CONFIG = SPEC_PATH.parent / "openapi-python-client.yaml"
PACKAGE = "consortium_generated_client"
CSV = "given_name,family_name,email\nGrace,Hopper,grace.hopper@alpha-trust.example.org\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ModuleType]]:
    """(the generator's output, the generated package imported)."""
    root = tmp_path_factory.mktemp("generated")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(SPEC_PATH),
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # Its post-generation hooks run ruff, which lives beside this interpreter.
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    sys.path.insert(0, str(root))
    try:
        yield output, importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_every_operation_is_generated_without_warnings(
    generated: tuple[str, ModuleType], spec_operations: set[str]
) -> None:
    output, package = generated
    # The generator says "Warning(s) encountered" and "will not be generated" for each skip.
    assert "warning" not in output.lower(), output
    assert "will not be generated" not in output, output
    modules = {
        path.stem
        for path in Path(package.__file__).parent.joinpath("api").glob("*/*.py")
        if path.stem != "__init__"
    }
    assert modules == spec_operations


@pytest.fixture
def spec_operations(app: Any) -> set[str]:
    from consortium.extensions import api

    with app.app_context():
        paths = api.spec.to_dict()["paths"]
    return {
        op["operationId"]
        for item in paths.values()
        for method, op in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
    }


def _module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_the_generated_client_gets_a_token_imports_csv_and_lists_people(
    generated: tuple[str, ModuleType], app: Any, platform: Any, tenant_a: Any
) -> None:
    _, package = generated
    issued = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/api-clients",
        json={"name": "generated", "scopes": ["people:read", "people:write"]},
    ).get_json()
    transport = httpx.WSGITransport(app=app)
    models = _module(package, "models")
    oauth_token = _module(package, "api.oauth.oauth_token")

    basic = package.Client(
        base_url="http://localhost",
        httpx_args={"transport": transport, "auth": (issued["client_id"], issued["client_secret"])},
    )
    token = oauth_token.sync(
        client=basic, body=models.TokenRequest(grant_type="client_credentials")
    )
    assert isinstance(token, models.Token), token
    assert token.scope == "people:read people:write"
    refused = oauth_token.sync(
        client=basic, body=models.TokenRequest(grant_type="client_credentials", scope="scim")
    )
    assert isinstance(refused, models.OAuthError), refused  # the documented error shape parses
    assert refused.error == models.OAuthErrorError.INVALID_SCOPE

    bearer = package.AuthenticatedClient(
        base_url="http://localhost", token=token.access_token, httpx_args={"transport": transport}
    )
    imported = _module(package, "api.people.people_import").sync_detailed(
        client=bearer,
        body=package.types.File(payload=io.BytesIO(CSV.encode()), mime_type="text/csv"),
    )
    assert imported.status_code == 202, imported.content
    people = _module(package, "api.people.people_list").sync(client=bearer)
    assert "grace.hopper@alpha-trust.example.org" in {person.email for person in people}
