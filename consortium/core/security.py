"""Scopes and the checks routes declare; hashing of client secrets; encryption of secrets at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from consortium.core import tenancy

SCOPES: dict[str, str] = {
    "platform:admin": "Operate the platform: create consortia, organisations and their clients.",
    "organisation:read": "Read the client's own organisation.",
    "people:read": "Read the organisation's staff records.",
    "people:write": "Create and change the organisation's staff records.",
    "jobs:read": "Read the status of background jobs the organisation caused.",
    "pool:read": "See the mentor pool, programmes and applications the caller may see.",
    "pool:write": "Offer to mentor or coach, keep a CPD log, and apply to programmes.",
    "scim": "Provision the organisation's staff through SCIM 2.0 at /scim/v2.",
    "organisation:admin": "Administer the organisation: SSO, admins, API clients (org admins).",
    "consortium:coordinate": "Run the consortia the person coordinates (coordinators).",
}
# Scopes that come only from a person's roles (or platform:admin), never granted to a client.
ROLE_ONLY_SCOPES = ("platform:admin", "organisation:admin", "consortium:coordinate")
# What an organisation's own API client may be granted.
ORGANISATION_SCOPES = tuple(s for s in SCOPES if s not in ROLE_ONLY_SCOPES)

F = TypeVar("F", bound=Callable[..., Any])


def requires(*scopes: str) -> Callable[[F], F]:
    """Allow the view to any principal holding one of `scopes` (any signed-in one if none)."""

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = tenancy.current()
            if principal.kind == "anonymous":
                raise Unauthorized(
                    "Send an access token: Authorization: Bearer <token> (see POST /oauth/token).",
                    www_authenticate=WWWAuthenticate("bearer"),
                )
            if scopes and not any(principal.has_scope(s) for s in scopes):
                raise Forbidden(f"This needs the scope {' or '.join(scopes)}.")
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_secret(secret: str) -> str:
    """Digest of a high-entropy generated secret (no salt or stretching needed at 256 bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), digest)


def derived_key(purpose: bytes) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


def fernet(purpose: bytes = b"consortium secrets at rest v1") -> Fernet:
    """A cipher derived from SECRET_KEY for one purpose (default: secrets at rest)."""
    return Fernet(base64.urlsafe_b64encode(derived_key(purpose)))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:  # SECRET_KEY changed, or the value was tampered with
        raise RuntimeError("A secret stored at rest could not be decrypted.") from exc
