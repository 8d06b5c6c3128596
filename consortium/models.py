"""Every mapped model, imported once so metadata is complete (Alembic, tests, seeds)."""

from consortium.audit.models import AuditEvent
from consortium.availability.models import (
    AvailabilityException,
    AvailabilityRule,
    BusyBlock,
    BusyFeed,
)
from consortium.calendar.models import CalendarFeed
from consortium.concerns.models import Concern
from consortium.consortia.models import Consortium, ConsortiumMembership
from consortium.core.db import Base
from consortium.core.idempotency import IdempotencyRecord
from consortium.core.jobs import Job
from consortium.evaluation.models import PairingEvaluation, SessionFeedback
from consortium.identity.models import (
    ApiClient,
    LoginSession,
    PersonIdentity,
    RoleAssignment,
    SigningKey,
    SsoConfiguration,
)
from consortium.insights.models import InsightEntry, InsightGroup, InsightRound
from consortium.matches.models import Match, MatchGoal
from consortium.matching.models import MatchingRun
from consortium.organisations.models import Organisation
from consortium.people.models import Person
from consortium.pool.models import CpdEntry, MentorProfile, MentorProfileShare, VettingDecision
from consortium.privacy.models import PersonalExport
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
    "Concern",
    "Consent",
    "Consortium",
    "ConsortiumMembership",
    "CpdEntry",
    "GoalReview",
    "IdempotencyRecord",
    "InsightEntry",
    "InsightGroup",
    "InsightRound",
    "Job",
    "LoginSession",
    "Match",
    "MatchGoal",
    "MatchingRun",
    "MentorProfile",
    "MentorProfileShare",
    "MentoringSession",
    "Organisation",
    "PairingEvaluation",
    "Person",
    "PersonIdentity",
    "PersonalExport",
    "Programme",
    "ReciprocityEntry",
    "RoleAssignment",
    "SensitiveAttributes",
    "SessionAction",
    "SessionAttendee",
    "SessionFeedback",
    "SessionNote",
    "SigningKey",
    "SsoConfiguration",
    "TimeApproval",
    "VettingDecision",
    "WebhookDelivery",
    "WebhookEndpoint",
]
