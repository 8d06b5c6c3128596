"""The service's token-signing keys: created on first use, private halves encrypted at rest.

Verifying a token reads the public keys from this process's copy (VerificationKeys), not from
the database on every request.
"""

from __future__ import annotations

import functools
import secrets
import time
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select

from consortium.core.security import decrypt, encrypt
from consortium.extensions import db
from consortium.identity.models import SigningKey

ALGORITHM = "RS256"


def signing_key() -> RSAKey:
    """The newest active private key, creating the first one if there is none."""
    row = db.session.scalar(
        select(SigningKey)
        .where(SigningKey.status == "active")
        .order_by(SigningKey.created_at.desc())
        .limit(1)
    )
    if row is None:
        row = _create_key()
    return _private_key(decrypt(row.private_key_encrypted), row.kid, row.algorithm)


@functools.lru_cache(maxsize=8)
def _private_key(pem: str, kid: str, algorithm: str) -> RSAKey:
    # Loading a PEM checks the RSA key, tens of milliseconds that every token issued paid;
    # keyed by the PEM itself, a rotated or re-encrypted key is loaded afresh.
    # PEM carries no key id: give it back, so tokens name the key that verifies them.
    return RSAKey.import_key(pem, parameters={"kid": kid, "use": "sig", "alg": algorithm})


def public_jwks() -> dict[str, Any]:
    """Every key a token still in circulation may be signed with (active and retired)."""
    rows = list(db.session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc())))
    return {"keys": [row.public_jwk for row in rows or [_create_key()]]}


# How long a process trusts its copy of the public keys before reading them again: a key taken
# out of the table stops verifying within this time. A key added (a rotation) is read at once,
# by the first token that names it.
KEYS_MAX_AGE = 300.0


@dataclass(frozen=True)
class _Copy:
    keys: KeySet
    kids: frozenset[str]
    read_at: float


class VerificationKeys:
    """This process's copy of the keys that verify access tokens (one per app)."""

    def __init__(self, max_age: float = KEYS_MAX_AGE) -> None:
        self.max_age = max_age
        self._copy: _Copy | None = None

    def for_kid(self, kid: str | None) -> KeySet:
        """The key set, read again if the copy is older than `max_age` or lacks `kid`.

        A token naming an unknown key costs one read, as every token did before the copy.
        """
        copy, now = self._copy, time.monotonic()
        if copy is None or now - copy.read_at > self.max_age or (kid and kid not in copy.kids):
            jwks = public_jwks()
            copy = _Copy(
                keys=KeySet.import_key_set(jwks),  # type: ignore[arg-type]
                kids=frozenset(str(k.get("kid")) for k in jwks["keys"]),
                read_at=now,
            )
            self._copy = copy  # one assignment: a concurrent reader sees the old or the new
        return copy.keys


def _create_key() -> SigningKey:
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
    row = SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_key_encrypted=encrypt(key.as_pem(private=True).decode()),
        public_jwk=key.as_dict(private=False),
    )
    db.session.add(row)
    db.session.flush()
    return row
