"""API clients: creating them (the secret is returned once, stored hashed) and listing them."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, select

from consortium.audit import service as audit
from consortium.core.errors import Conflict, Invalid, NotFound
from consortium.core.security import ORGANISATION_SCOPES, SCOPES, hash_secret, new_secret
from consortium.extensions import db
from consortium.identity.models import ApiClient
from consortium.identity.roles import require_admin_of


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
        require_admin_of(organisation_id)
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
    audit.record(
        action="api_client.created",
        subject_type="api_client",
        subject_id=client.id,
        organisation_id=organisation_id,
        data={"client_id": client.client_id, "name": name, "scopes": client.scopes},
    )
    return IssuedClient(client=client, client_secret=secret)


def list_clients(*, organisation_id: uuid.UUID) -> Select[ApiClient]:
    """An organisation's API clients, oldest first."""
    require_admin_of(organisation_id)
    return (
        select(ApiClient)
        .where(ApiClient.organisation_id == organisation_id)
        .order_by(ApiClient.created_at, ApiClient.id)
    )


def revoke_client(*, organisation_id: uuid.UUID, api_client_id: uuid.UUID) -> ApiClient:
    """Revoke an organisation's API client: its tokens stop working at once (every request
    reads the client afresh) and it gets no new ones. 409 if it is already revoked."""
    require_admin_of(organisation_id)
    client = db.session.scalar(
        select(ApiClient)
        .where(ApiClient.id == api_client_id, ApiClient.organisation_id == organisation_id)
        .with_for_update()
    )
    if client is None:
        raise NotFound(f"No API client {api_client_id}.")
    if client.status == "revoked":
        raise Conflict(f"The API client {client.client_id} is already revoked.")
    client.status = "revoked"
    db.session.flush()
    audit.record(
        action="api_client.revoked",
        subject_type="api_client",
        subject_id=client.id,
        organisation_id=organisation_id,
        data={"client_id": client.client_id, "name": client.name},
    )
    return client
