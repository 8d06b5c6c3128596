"""The service's token-signing keys: created on first use, private halves encrypted at rest."""

from __future__ import annotations

import secrets
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
    # PEM carries no key id: give it back, so tokens name the key that verifies them.
    return RSAKey.import_key(
        decrypt(row.private_key_encrypted),
        parameters={"kid": row.kid, "use": "sig", "alg": row.algorithm},
    )


def public_jwks() -> dict[str, Any]:
    """Every key a token still in circulation may be signed with (active and retired)."""
    if db.session.scalar(select(SigningKey.id).limit(1)) is None:
        _create_key()
    rows = db.session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc()))
    return {"keys": [row.public_jwk for row in rows]}


def verification_keys() -> KeySet:
    return KeySet.import_key_set(public_jwks())  # type: ignore[arg-type]


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
