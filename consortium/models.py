"""Every mapped model, imported once so metadata is complete (Alembic, tests, seeds)."""

from consortium.audit.models import AuditEvent
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
from consortium.matches.models import Match, MentoringSession
from consortium.matching.models import MatchingRun
from consortium.organisations.models import Organisation
from consortium.people.models import Person
from consortium.pool.models import CpdEntry, MentorProfile, MentorProfileShare, VettingDecision
from consortium.programmes.models import Application, Programme
from consortium.sensitive.models import Consent, SensitiveAttributes

__all__ = [
    "ApiClient",
    "Application",
    "AuditEvent",
    "Base",
    "Consent",
    "Consortium",
    "ConsortiumMembership",
    "CpdEntry",
    "IdempotencyRecord",
    "Job",
    "LoginSession",
    "Match",
    "MatchingRun",
    "MentorProfile",
    "MentorProfileShare",
    "MentoringSession",
    "Organisation",
    "Person",
    "PersonIdentity",
    "Programme",
    "RoleAssignment",
    "SensitiveAttributes",
    "SigningKey",
    "SsoConfiguration",
    "VettingDecision",
]
