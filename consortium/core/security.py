"""Scopes and the checks routes declare; hashing of client secrets; encryption of secrets at rest.

Every key is derived from SECRET_KEY. While a new key rolls out, the previous ones
(SECRET_KEY_FALLBACKS, set from SECRET_KEY_PREVIOUS) still decrypt and verify what they wrote;
new ciphertext is always written under SECRET_KEY (`consortium.core.rotation` moves the rest).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from consortium.core import tenancy
from consortium.core.errors import DomainError

log = logging.getLogger(__name__)

SCOPES: dict[str, str] = {
    "platform:admin": "Operate the platform: create consortia, organisations and their clients.",
    "organisation:read": "Read the client's own organisation.",
    "people:read": "Read the organisation's staff records.",
    "people:write": "Create and change the organisation's staff records.",
    "jobs:read": "Read the status of background jobs the organisation caused.",
    "pool:read": "See the mentor pool, programmes and applications the caller may see.",
    "pool:write": "Offer to mentor or coach, keep a CPD log, and apply to programmes.",
    "scim": "Provision the organisation's staff through SCIM 2.0 at /scim/v2.",
    "webhooks:manage": "Manage the organisation's webhook endpoints and see their deliveries.",
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


# Column.info key marking a column that holds `encrypt()` ciphertext: the re-encryption job and
# `flask secrets check` find every such column by it (mapped_column(..., info={ENCRYPTED: True})).
ENCRYPTED = "encrypted_at_rest"
AT_REST = b"consortium secrets at rest v1"


class SecretUnreadable(DomainError):
    """A stored secret decrypts under none of the configured keys (an operator must act)."""

    status = 503
    title = "Service Unavailable"

    def __init__(self) -> None:
        super().__init__(
            "This service cannot read a secret it stored: its encryption key was changed "
            "without keeping the previous one. This has been logged for the operators; try "
            "again later."
        )


def secret_keys() -> list[str]:
    """SECRET_KEY, then the previous keys still accepted (newest first)."""
    config = current_app.config
    return [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ())]


def derived_key(purpose: bytes) -> bytes:
    """The key for one purpose under SECRET_KEY (what new values are written with)."""
    return _derive(current_app.config["SECRET_KEY"], purpose)


def derived_keys(purpose: bytes) -> list[bytes]:
    """The key for one purpose under SECRET_KEY and each previous key (to verify with)."""
    return [_derive(key, purpose) for key in secret_keys()]


@lru_cache(maxsize=64)
def _derive(secret_key: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret_key.encode()
    )


def fernet(purpose: bytes = AT_REST) -> MultiFernet:
    """A cipher for one purpose: encrypts under SECRET_KEY, decrypts under it or a previous key."""
    return _multi_fernet(tuple(secret_keys()), purpose)


@lru_cache(maxsize=64)
def _multi_fernet(keys: tuple[str, ...], purpose: bytes) -> MultiFernet:
    return MultiFernet(_fernet(key, purpose) for key in keys)


@lru_cache(maxsize=64)
def _fernet(secret_key: str, purpose: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret_key, purpose)))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise _unreadable() from exc


def reencrypt(ciphertext: str) -> str | None:
    """`ciphertext` under SECRET_KEY (its original timestamp kept); None if already so."""
    try:
        _fernet(current_app.config["SECRET_KEY"], AT_REST).decrypt(ciphertext.encode())
        return None
    except InvalidToken:
        pass
    try:
        return fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise _unreadable() from exc


def key_of(ciphertext: str) -> int | None:
    """Which key `ciphertext` decrypts under: 0 for SECRET_KEY, 1.. for the previous keys in
    order, None for none of them."""
    for index, key in enumerate(secret_keys()):
        try:
            _fernet(key, AT_REST).decrypt(ciphertext.encode())
        except InvalidToken:
            continue
        return index
    return None


def _unreadable() -> SecretUnreadable:
    # The operators' half of the message: which settings mend it (the client's says they must).
    log.error(
        "A secret stored at rest decrypts under none of the %d configured keys (SECRET_KEY "
        "and SECRET_KEY_PREVIOUS): put the key it was written under back in "
        "SECRET_KEY_PREVIOUS, then run `flask --app wsgi secrets reencrypt`.",
        len(secret_keys()),
    )
    return SecretUnreadable()
