"""API clients: creating them (the secret is returned once, stored hashed) and listing them."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, select

from consortium.core import tenancy
from consortium.core.errors import Invalid, NotFound
from consortium.core.security import ORGANISATION_SCOPES, SCOPES, hash_secret, new_secret
from consortium.extensions import db
from consortium.identity.models import ApiClient
from consortium.organisations import service as organisations


@dataclass(frozen=True)
class IssuedClient:
    """A new client with its one-time secret; reads through to the client's fields."""

    client: ApiClient
    client_secret: str

    def __getattr__(self, name: str) -> object:
        return getattr(self.client, name)


def create_client(
    *, name: str, scopes: list[str], organisation_id: uuid.UUID | None
) -> IssuedClient:
    """Create an API client; the returned secret is never retrievable again."""
    allowed = ORGANISATION_SCOPES if organisation_id else tuple(SCOPES)
    unknown = sorted(set(scopes) - set(allowed))
    if unknown:
        raise Invalid(
            f"Unknown or not allowed scope(s): {', '.join(unknown)}. "
            f"Allowed: {', '.join(allowed)}.",
            field="scopes",
        )
    if organisation_id is not None:
        _administered(organisation_id)
    secret = new_secret()
    client = ApiClient(
        organisation_id=organisation_id,
        name=name,
        client_id="cli_" + secrets.token_hex(12),
        secret_hash=hash_secret(secret),
        scopes=sorted(set(scopes)),
    )
    db.session.add(client)
    db.session.flush()
    return IssuedClient(client=client, client_secret=secret)


def list_clients(*, organisation_id: uuid.UUID) -> Select[ApiClient]:
    """An organisation's API clients, oldest first."""
    _administered(organisation_id)
    return (
        select(ApiClient)
        .where(ApiClient.organisation_id == organisation_id)
        .order_by(ApiClient.created_at, ApiClient.id)
    )


def _administered(organisation_id: uuid.UUID) -> None:
    # Another organisation's clients are not even visible: 404, as if it did not exist.
    if not tenancy.current().administers(organisation_id):
        raise NotFound(f"No organisation {organisation_id}.")
    organisations.get_organisation(organisation_id=organisation_id)
