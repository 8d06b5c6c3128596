"""The committed OpenAPI document is current, and documents what clients need to handle."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from consortium.openapi import SPEC_PATH, spec_json

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
PROBLEM = "application/problem+json"
# Operator probes answer 200 or a 5xx; they take no input a client could get wrong.
NO_CLIENT_ERRORS = {("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics")}


@pytest.fixture(scope="module")
def spec(app: Any) -> dict[str, Any]:
    return dict(json.loads(spec_json(app)))


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in sorted(spec["paths"].items())
        for method, op in sorted(item.items())
        if method in METHODS
    ]


def _resolve(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    ref = response.get("$ref")
    if not ref:
        return response
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return dict(node)


def test_committed_spec_is_current(app: Any) -> None:
    committed = SPEC_PATH.read_text(encoding="utf-8")
    assert committed == spec_json(app), (
        "openapi/openapi.json is out of date with the code: run `make openapi` and commit it."
    )


def test_the_spec_has_operations(spec: dict[str, Any]) -> None:
    paths = {path for _, path, _ in _operations(spec)}
    assert {"/oauth/token", "/api/v1/people", "/api/v1/organisations", "/healthz"} <= paths


def test_every_operation_has_summary_tag_and_a_client_error(
    spec: dict[str, Any], subtests: Any
) -> None:
    for method, path, op in _operations(spec):
        with subtests.test(f"{method.upper()} {path}"):
            assert op.get("summary", "").strip(), "no summary (the view's docstring)"
            assert op.get("tags"), "no tag"
            statuses = set(op["responses"])
            # Success is a 2xx, or for the browser sign-in steps a 302 redirect.
            assert any(s.startswith(("2", "302")) for s in statuses), statuses
            if (method, path) not in NO_CLIENT_ERRORS:
                assert any(s.startswith("4") for s in statuses), (
                    f"no 4xx documented: {sorted(statuses)}"
                )


def test_secured_operations_document_401_and_403(spec: dict[str, Any], subtests: Any) -> None:
    secured = [(m, p, op) for m, p, op in _operations(spec) if op.get("security")]
    assert len(secured) > 10
    for method, path, op in secured:
        with subtests.test(f"{method.upper()} {path}"):
            schemes = {name for requirement in op["security"] for name in requirement}
            assert "401" in op["responses"]
            # A bearer token may lack the scope (403); the token endpoint's client has none to lack.
            if "oauth2" in schemes:
                assert "403" in op["responses"]


def test_unsecured_operations_are_only_the_public_ones(spec: dict[str, Any]) -> None:
    public = {(m, p) for m, p, op in _operations(spec) if not op.get("security")}
    assert public == {
        ("get", "/.well-known/jwks.json"),
        ("get", "/auth/sso/{org_slug}/login"),
        ("get", "/auth/sso/{org_slug}/callback"),
        ("post", "/auth/logout"),  # ends the cookie's session if any; 204 either way
        ("get", "/calendar/{token}.ics"),  # the secret token in the URL is the credential
        *NO_CLIENT_ERRORS,
    }


def test_security_names_known_schemes_and_scopes(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    scopes = set(schemes["oauth2"]["flows"]["clientCredentials"]["scopes"])
    for _, _, op in _operations(spec):
        for requirement in op.get("security", []):
            for name, required in requirement.items():
                assert name in schemes
                assert set(required) <= scopes


def test_error_responses_are_documented_as_problem_json(
    spec: dict[str, Any], subtests: Any
) -> None:
    for method, path, op in _operations(spec):
        for status, response in op["responses"].items():
            if status.startswith(("1", "2", "3")):
                continue
            with subtests.test(f"{method.upper()} {path} {status}"):
                content = _resolve(spec, response).get("content", {})
                if path.startswith("/scim/v2"):
                    # RFC 7644 §3.12: SCIM errors have their own media type and schema.
                    assert list(content) == ["application/scim+json"]
                    assert content["application/scim+json"]["schema"] == {
                        "$ref": "#/components/schemas/ScimError"
                    }
                    continue
                if path == "/oauth/token" and status not in {"default", "429"}:
                    # RFC 6749 §5.2: the token endpoint's refusals are OAuth's JSON error shape
                    # (test_oauth.py checks each refusal's body against this schema).
                    assert list(content) == ["application/json"]
                    assert content["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/OAuthError"
                    }
                    continue
                assert list(content) == [PROBLEM]
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_every_rate_limited_operation_documents_429_with_retry_after(
    spec: dict[str, Any], subtests: Any
) -> None:
    for method, path, op in _operations(spec):
        with subtests.test(f"{method.upper()} {path}"):
            if (method, path) in NO_CLIENT_ERRORS:  # the probes are never limited
                assert "429" not in op["responses"]
                continue
            response = _resolve(spec, op["responses"]["429"])
            assert {
                "Retry-After",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            } <= set(response["headers"])
            (media,) = response["content"].values()
            assert media["example"]["status"] in {429, "429"}


def test_every_operation_has_a_unique_readable_operation_id(spec: dict[str, Any]) -> None:
    ids = {(method, path): op.get("operationId") for method, path, op in _operations(spec)}
    assert len(ids) > 100
    missing = sorted(f"{m.upper()} {p}" for (m, p), i in ids.items() if not i)
    assert not missing, missing
    duplicates = sorted({i for i in ids.values() if list(ids.values()).count(i) > 1})
    assert not duplicates, duplicates
    # snake_case identifiers, so every generator can use them as function names.
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", i) for i in ids.values()), ids
    assert ids[("get", "/api/v1/people")] == "people_list"
    assert ids[("post", "/api/v1/people")] == "people_create"
    assert ids[("get", "/api/v1/people/{person_id}")] == "people_get"
    assert ids[("patch", "/api/v1/people/{person_id}")] == "people_update"
    assert ids[("post", "/api/v1/people/import")] == "people_import"
    assert ids[("post", "/api/v1/matches/{match_id}/approve")] == "matches_approve"
    assert (
        ids[("put", "/api/v1/organisations/{organisation_id}/sso")] == "organisations_sso_replace"
    )
    assert ids[("get", "/scim/v2/Users")] == "scim_users_list"
    assert ids[("post", "/oauth/token")] == "oauth_token"


def test_served_spec_matches_the_generated_one(client: Any, spec: dict[str, Any]) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == spec


def test_docs_page_is_html(client: Any) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "swagger-ui" in html and "openapi.json" in html
