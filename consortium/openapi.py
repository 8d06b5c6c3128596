"""The OpenAPI document: what flask-smorest does not infer, and writing the committed copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask

from consortium.core.security import SCOPES

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"

SPEC_KWARGS: dict[str, Any] = {
    "info": {
        "description": (
            "Pool mentors and coaches across public-sector employers, share availability and "
            "broker cross-organisation pairings.\n\n"
            "Machine clients authenticate with OAuth 2.0 client credentials at `/oauth/token` "
            "(HTTP Basic) and send `Authorization: Bearer <token>`. Staff sign in with their "
            "employer's identity provider at `/auth/sso/{org_slug}/login`, which sets a session "
            "cookie; cookie-authenticated POST, PUT, PATCH and DELETE requests must send "
            "`X-CSRF-Token` (from `GET /auth/session`). Errors are "
            "`application/problem+json` (RFC 9457). Collections page with `page` and "
            "`page_size` (at most 100); the `X-Pagination` header carries the totals. Changes "
            "to a resource need `If-Match` with its `ETag` (428 without, 412 when stale). "
            "Creating requests accept an `Idempotency-Key`. Another organisation's resources "
            "answer 404, exactly like missing ones."
        ),
        "contact": {"name": "Consortium platform team"},
    },
    "servers": [{"url": "/", "description": "This server"}],
    "components": {
        "securitySchemes": {
            "oauth2": {
                "type": "oauth2",
                "description": "Client credentials issued by a platform admin.",
                "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": SCOPES}},
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "consortium_session",
                "description": "A person signed in through their organisation's SSO "
                "(`__Host-consortium_session` over https). What it allows follows the person's "
                "roles: staff, org_admin, coordinator.",
            },
            "clientBasic": {
                "type": "http",
                "scheme": "basic",
                "description": "client_id and client_secret, at the token endpoint only.",
            },
        }
    },
}


def spec_json(app: Flask) -> str:
    """The spec as the app generates it, serialised stably for committing and comparing."""
    from consortium.extensions import api

    with app.app_context():
        spec = api.spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_spec(app: Flask, path: Path = SPEC_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec_json(app), encoding="utf-8")
    return path
