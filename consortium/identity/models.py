"""Machine identity and roles: API clients, the service's token-signing keys, role assignments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from consortium.core.db import Base, Entity
from consortium.core.security import ENCRYPTED
from consortium.core.tenancy import OrganisationOwned

ROLES = ("org_admin", "coordinator")


class ApiClient(Entity, OrganisationOwned, Base):
    """An OAuth 2 client (client credentials). No organisation means a platform client."""

    __tablename__ = "api_clients"
    __table_args__ = (CheckConstraint("status IN ('active', 'revoked')", name="status"),)

    organisation_id: Mapped[uuid.UUID | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    last_used_at: Mapped[datetime | None]


class SigningKey(Entity, Base):
    """A key the service signs access tokens with; the private half is encrypted at rest."""

    __tablename__ = "signing_keys"
    __table_args__ = (CheckConstraint("status IN ('active', 'retired')", name="status"),)

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    private_key_encrypted: Mapped[str] = mapped_column(String(8000), info={ENCRYPTED: True})
    public_jwk: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="active")


class RoleAssignment(Entity, OrganisationOwned, Base):
    """A person's role: org_admin of their organisation, or coordinator of a consortium."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "consortium_id"),
        # NULLs are distinct above, so org_admin (no consortium) needs its own unique index.
        Index(
            "uq_role_assignments_person_id_org_admin",
            "person_id",
            "role",
            unique=True,
            postgresql_where=text("consortium_id IS NULL"),
            sqlite_where=text("consortium_id IS NULL"),
        ),
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint(
            "(role = 'coordinator') = (consortium_id IS NOT NULL)",
            name="coordinator_has_consortium",
        ),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    consortium_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE")
    )


class SsoConfiguration(Entity, OrganisationOwned, Base):
    """An organisation's OpenID Connect provider; `version` grows with every change."""

    __tablename__ = "sso_configurations"
    __table_args__ = (UniqueConstraint("organisation_id"),)

    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(String(2000), info={ENCRYPTED: True})
    # Empty: the organisation's own email domains apply.
    email_domains: Mapped[list[str]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(default=1)
    # The provider's discovery document as validated when the configuration was saved.
    provider_metadata: Mapped[dict[str, Any]]
    discovered_at: Mapped[datetime]


class PersonIdentity(Entity, OrganisationOwned, Base):
    """A person's account at an identity provider: (issuer, subject) names exactly one person."""

    __tablename__ = "person_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None]


class LoginSession(Entity, OrganisationOwned, Base):
    """A signed-in browser session; the cookie carries a token whose hash is stored here."""

    __tablename__ = "login_sessions"

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
