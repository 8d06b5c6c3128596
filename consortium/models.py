"""Every mapped model, imported once so metadata is complete (Alembic, tests, seeds)."""

from consortium.consortia.models import Consortium, ConsortiumMembership
from consortium.core.db import Base
from consortium.core.idempotency import IdempotencyRecord
from consortium.core.jobs import Job
from consortium.identity.models import (
    ApiClient,
    LoginSession,
    PersonIdentity,
    RoleAssignment,
    SigningKey,
    SsoConfiguration,
)
from consortium.organisations.models import Organisation
from consortium.people.models import Person

__all__ = [
    "ApiClient",
    "Base",
    "Consortium",
    "ConsortiumMembership",
    "IdempotencyRecord",
    "Job",
    "LoginSession",
    "Organisation",
    "Person",
    "PersonIdentity",
    "RoleAssignment",
    "SigningKey",
    "SsoConfiguration",
]
