"""Every mapped model, imported once so metadata is complete (Alembic, tests, seeds)."""

from consortium.audit.models import AuditEvent
from consortium.availability.models import (
    AvailabilityException,
    AvailabilityRule,
    BusyBlock,
    BusyFeed,
)
from consortium.calendar.models import CalendarFeed
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
from consortium.matches.models import Match, MatchGoal
from consortium.matching.models import MatchingRun
from consortium.organisations.models import Organisation
from consortium.people.models import Person
from consortium.pool.models import CpdEntry, MentorProfile, MentorProfileShare, VettingDecision
from consortium.programmes.models import Application, Programme
from consortium.protected_time.models import TimeApproval
from consortium.reciprocity.models import ReciprocityEntry
from consortium.sensitive.models import Consent, SensitiveAttributes
from consortium.sessions.models import (
    GoalReview,
    MentoringSession,
    SessionAction,
    SessionAttendee,
    SessionNote,
)
from consortium.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiClient",
    "Application",
    "AuditEvent",
    "AvailabilityException",
    "AvailabilityRule",
    "Base",
    "BusyBlock",
    "BusyFeed",
    "CalendarFeed",
    "Consent",
    "Consortium",
    "ConsortiumMembership",
    "CpdEntry",
    "GoalReview",
    "IdempotencyRecord",
    "Job",
    "LoginSession",
    "Match",
    "MatchGoal",
    "MatchingRun",
    "MentorProfile",
    "MentorProfileShare",
    "MentoringSession",
    "Organisation",
    "Person",
    "PersonIdentity",
    "Programme",
    "ReciprocityEntry",
    "RoleAssignment",
    "SensitiveAttributes",
    "SessionAction",
    "SessionAttendee",
    "SessionNote",
    "SigningKey",
    "SsoConfiguration",
    "TimeApproval",
    "VettingDecision",
    "WebhookDelivery",
    "WebhookEndpoint",
]
