"""Mentor profiles as the API shows and accepts them.

One response schema serves every caller; `view` says which fields it holds. The mentor, their
organisation's admins, coordinators of a consortium the profile is shared with and the platform
get the full view; anyone else who may see the profile gets the public fields only.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from consortium.core.api import Schema
from consortium.organisations.models import SECTORS
from consortium.pool.models import (
    ACCREDITATION_BODIES,
    CPD_KINDS,
    LEVEL_RANKS,
    LEVELS_BY_BODY,
    MODALITIES,
    PROFILE_STATUSES,
    SHARING_SCOPES,
    VETTING_STATUSES,
)
from consortium.pool.topics import MAX_TOPIC_LENGTH, MAX_TOPICS

PUBLIC_FIELDS = (
    "id",
    "view",
    "person",
    "organisation",
    "modalities",
    "topics",
    "accreditation",
    "capacity_left",
)
LEVEL_HELP = (
    "EMCC, AC and other bodies: foundation, practitioner, senior_practitioner or "
    "master_practitioner; ICF: ACC, PCC or MCC (ranked with practitioner, senior_practitioner "
    "and master_practitioner)."
)


class AccreditationSchema(Schema):
    body = ma.fields.String(
        required=True, validate=validate.OneOf(ACCREDITATION_BODIES), metadata={"example": "EMCC"}
    )
    level = ma.fields.String(
        required=True, metadata={"description": LEVEL_HELP, "example": "senior_practitioner"}
    )

    @ma.validates_schema
    def _level_of_body(self, data: dict[str, Any], **kwargs: Any) -> None:
        levels = LEVELS_BY_BODY.get(data.get("body", ""), {})
        if levels and data.get("level") not in levels:
            raise ma.ValidationError(
                f"{data['body']} levels are: {', '.join(levels)}.", field_name="level"
            )


class SharingSchema(Schema):
    scope = ma.fields.String(
        load_default="organisation",
        validate=validate.OneOf(SHARING_SCOPES),
        metadata={
            "description": "organisation: colleagues only; consortium: every consortium the "
            "mentor's organisation belongs to; organisations: the organisations named. Anything "
            "beyond the organisation is seen only once an org admin has released the profile.",
            "example": "consortium",
        },
    )
    organisation_ids = ma.fields.List(
        ma.fields.UUID(),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "With scope organisations: who may see the profile."},
    )

    @ma.validates_schema
    def _organisations_named(self, data: dict[str, Any], **kwargs: Any) -> None:
        named = data.get("organisation_ids") or []
        if data.get("scope") == "organisations" and not named:
            raise ma.ValidationError(
                "Name at least one organisation to share with.", field_name="organisation_ids"
            )
        if data.get("scope") != "organisations" and named:
            raise ma.ValidationError(
                "Only a profile shared with named organisations lists them.",
                field_name="organisation_ids",
            )
        if len(set(named)) != len(named):
            raise ma.ValidationError(
                "Organisations are listed twice.", field_name="organisation_ids"
            )


def _modalities(**kwargs: Any) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=validate.OneOf(MODALITIES)),
        validate=[validate.Length(1, len(MODALITIES)), _unique],
        metadata={"example": ["mentoring", "reverse_mentoring"]},
        **kwargs,
    )


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ma.ValidationError("Each value may appear once.")


def _topics(**kwargs: Any) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=validate.Length(1, MAX_TOPIC_LENGTH)),
        validate=validate.Length(max=MAX_TOPICS),
        metadata={
            "description": "Expertise tags; stored normalised (lower case, hyphenated): "
            '"Quality Improvement" becomes "quality-improvement".',
            "example": ["leadership", "quality-improvement"],
        },
        **kwargs,
    )


class MentorProfileCreateSchema(Schema):
    person_id = ma.fields.UUID(
        metadata={
            "description": "Whose profile: by default the signed-in person; an org admin (or the "
            "organisation's API client) may create one for a colleague."
        }
    )
    modalities = _modalities(required=True)
    topics = _topics(load_default=list)
    bio = ma.fields.String(
        load_default="",
        validate=validate.Length(max=4000),
        metadata={
            "example": "Ward manager for ten years; I enjoy helping new leaders find their feet."
        },
    )
    accreditation = ma.fields.Nested(AccreditationSchema, allow_none=True, load_default=None)
    capacity = ma.fields.Integer(
        strict=True,
        load_default=2,
        validate=validate.Range(1, 10),
        metadata={"description": "Mentees at the same time.", "example": 2},
    )
    sharing = ma.fields.Nested(SharingSchema, load_default=lambda: {"scope": "organisation"})
    status = ma.fields.String(
        load_default="active",
        validate=validate.OneOf(PROFILE_STATUSES),
        metadata={"example": "active"},
    )


class MentorProfileUpdateSchema(Schema):
    modalities = _modalities()
    topics = _topics()
    bio = ma.fields.String(validate=validate.Length(max=4000))
    accreditation = ma.fields.Nested(AccreditationSchema, allow_none=True)
    capacity = ma.fields.Integer(strict=True, validate=validate.Range(1, 10))
    sharing = ma.fields.Nested(SharingSchema)
    status = ma.fields.String(validate=validate.OneOf(PROFILE_STATUSES))


class PublicPersonSchema(Schema):
    display_name = ma.fields.String(metadata={"example": "Amara Okafor"})
    job_title = ma.fields.String(allow_none=True, metadata={"example": "Ward Manager"})
    profession = ma.fields.String(allow_none=True, metadata={"example": "nursing"})


class ProfileOrganisationSchema(Schema):
    id = ma.fields.UUID()
    name = ma.fields.String(metadata={"example": "Leeds Teaching Hospitals"})
    sector = ma.fields.String(metadata={"example": "health"})


class VettingSchema(Schema):
    status = ma.fields.String(metadata={"example": "approved"})
    expires_on = ma.fields.Date(allow_none=True)
    approved_by = ma.fields.String(
        allow_none=True, metadata={"description": "Who made the latest decision."}
    )
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    note = ma.fields.String(allow_none=True)
    expired = ma.fields.Boolean()


class ReleaseSchema(Schema):
    released = ma.fields.Boolean()
    released_at = ma.fields.AwareDateTime(allow_none=True)
    released_by = ma.fields.String(allow_none=True)


class LimitsSchema(Schema):
    max_active_load = ma.fields.Integer()
    max_sessions_90_days = ma.fields.Integer()
    supervision_interval_days = ma.fields.Integer()


class CareSchema(Schema):
    active_load = ma.fields.Integer(
        metadata={"description": "Pairings proposed, approved or active."}
    )
    sessions_last_90_days = ma.fields.Integer()
    fatigued = ma.fields.Boolean(
        metadata={
            "description": "Load or recent sessions are past the consortium's limits: "
            "no new pairings until they fall."
        }
    )
    fatigue_reasons = ma.fields.List(ma.fields.String())
    last_supervision_on = ma.fields.Date(allow_none=True)
    supervision_due = ma.fields.Boolean()
    supervision_due_on = ma.fields.Date(allow_none=True)
    limits = ma.fields.Nested(LimitsSchema)


class MentorProfileSchema(Schema):
    """A profile; `view` public holds only id, person (name, job title, profession),
    organisation, modalities, topics, accreditation and capacity_left."""

    id = ma.fields.UUID()
    view = ma.fields.String(
        validate=validate.OneOf(("full", "public")), metadata={"example": "full"}
    )
    person_id = ma.fields.UUID()
    person = ma.fields.Nested(PublicPersonSchema)
    organisation = ma.fields.Nested(ProfileOrganisationSchema)
    modalities = ma.fields.List(ma.fields.String(), metadata={"example": ["mentoring"]})
    topics = ma.fields.List(ma.fields.String(), metadata={"example": ["leadership"]})
    bio = ma.fields.String()
    accreditation = ma.fields.Nested(AccreditationSchema, allow_none=True)
    capacity = ma.fields.Integer(metadata={"example": 2})
    capacity_left = ma.fields.Integer(metadata={"example": 1})
    status = ma.fields.String(metadata={"example": "active"})
    paused_reason = ma.fields.String(allow_none=True, metadata={"example": None})
    vetting = ma.fields.Nested(VettingSchema)
    sharing = ma.fields.Nested(SharingSchema)
    release = ma.fields.Nested(ReleaseSchema)
    care = ma.fields.Nested(CareSchema)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class MentorProfileQuerySchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    modality = ma.fields.String(validate=validate.OneOf(MODALITIES))
    topic = ma.fields.String(validate=validate.Length(1, MAX_TOPIC_LENGTH))
    sector = ma.fields.String(validate=validate.OneOf(SECTORS))
    organisation_id = ma.fields.UUID()
    consortium_id = ma.fields.UUID(
        metadata={"description": "Profiles in this consortium's pool (released, shared with it)."}
    )
    accreditation_level = ma.fields.String(
        validate=validate.OneOf(LEVEL_RANKS),
        metadata={"description": "At least this level (ICF credentials ranked alongside)."},
    )
    has_capacity = ma.fields.Boolean(
        metadata={"description": "true: a place is free; false: full."}
    )
    person_id = ma.fields.UUID()
    status = ma.fields.String(validate=validate.OneOf(PROFILE_STATUSES))
    vetting_status = ma.fields.String(validate=validate.OneOf(VETTING_STATUSES))


class VettingDecisionSchema(Schema):
    status = ma.fields.String(
        required=True, validate=validate.OneOf(VETTING_STATUSES), metadata={"example": "approved"}
    )
    expires_on = ma.fields.Date(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Required when approving; a future date.",
            "example": "2027-11-30",
        },
    )
    note = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=2000),
        metadata={"example": "DBS enhanced check seen; references taken."},
    )


class CpdEntrySchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    profile_id = ma.fields.UUID(dump_only=True)
    date = ma.fields.Date(
        required=True, attribute="held_on", data_key="date", metadata={"example": "2026-11-02"}
    )
    kind = ma.fields.String(
        required=True, validate=validate.OneOf(CPD_KINDS), metadata={"example": "supervision"}
    )
    hours = ma.fields.Float(
        required=True,
        allow_nan=False,
        validate=validate.Range(0.25, 24),
        metadata={"example": 1.5},
    )
    note = ma.fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"example": "Group supervision with the network's supervisor."},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
