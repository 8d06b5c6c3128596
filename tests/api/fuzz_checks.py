"""Checks of our own for the fuzz test (tests/api/test_schemathesis.py), loaded by the
schemathesis CLI through SCHEMATHESIS_HOOKS and run beside its built-in ones.

- bearer_token_enforced stands in for the built-in ignored_auth, which probes only apiKey and
  http security schemes: ours is declared as OAuth 2.0 client credentials, so its probe kept
  the token and reported every authenticated success as "accepts requests without
  authentication". This one sends the same request with no token and with a forged one.
- validation_errors_name_the_field: a 422 is problem+json naming the field at fault, as
  the API promises (DESIGN: "Bad input gets problem+json naming the field").
"""

from __future__ import annotations

import json
from typing import Any

import requests
import schemathesis

PROBLEM = "application/problem+json"
FORGED = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.forged"
_probed: set[str] = set()
_session = requests.Session()


def _requires_bearer(case: Any) -> bool:
    """The operation needs a token (or a session cookie), not nothing."""
    security = case.operation.definition.raw.get("security")
    if security is None:
        security = case.operation.schema.raw_schema.get("security")
    if not security:
        return False
    return all(requirement for requirement in security) and any(
        "oauth2" in requirement for requirement in security
    )


@schemathesis.check
def bearer_token_enforced(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request that succeeded with the token is refused (401) without it or with a forged
    one; once per operation."""
    label = case.operation.label
    if not 200 <= response.status_code < 300 or label in _probed or not _requires_bearer(case):
        return None
    if (response.request.method or "").upper() != case.operation.method.upper():
        return None  # another check's probe (e.g. OPTIONS), not the operation itself
    _probed.add(label)
    for authorization in (None, FORGED):
        probe = response.request.copy()
        probe.headers.pop("Authorization", None)
        probe.headers.pop("Cookie", None)
        if authorization:
            probe.headers["Authorization"] = authorization
        answer = _session.send(probe, timeout=30, allow_redirects=False)
        if answer.status_code != 401:
            what = "a forged token" if authorization else "no token"
            raise AssertionError(
                f"{probe.method} {probe.url} answered {answer.status_code}, not 401, with {what} "
                f"(it answered {response.status_code} with the token): {answer.text[:300]}"
            )
    return True


@schemathesis.check
def validation_errors_name_the_field(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 422 is problem+json whose `errors` name a field and say what is wrong with it."""
    if response.status_code != 422:
        return None
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if content_type != PROBLEM:
        raise AssertionError(f"A 422 as {content_type!r}, not {PROBLEM}")
    body = json.loads(response.content)
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors:
        raise AssertionError(f"A 422 without `errors` naming the field: {body}")
    for error in errors:
        # A field may be named "" when the client sent a key "" (an unknown field, say).
        if not (isinstance(error, dict) and isinstance(error.get("field"), str)):
            raise AssertionError(f"A 422 error that names no field: {error}")
        if not error.get("detail"):
            raise AssertionError(f"A 422 error that does not say what is wrong: {error}")
    return True
