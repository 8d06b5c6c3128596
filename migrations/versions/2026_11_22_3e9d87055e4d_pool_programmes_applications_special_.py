"""pool: mentor profiles, programmes, applications, special-category data; care limits

What and why: new tables only (and three consortium columns with server defaults), each with
its row-level security policy, so it is safe to run live. Two settings join the RLS context:
app.person_id (special-category data is the person's alone) and app.coordinated_ids (the
consortia a person coordinates: their programmes' applications and pairings).

Revision ID: 3e9d87055e4d
Revises: 16bcb8e3a5a8
Create Date: 2026-11-22 01:17:28.440787
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import consortium.core.db

revision = "3e9d87055e4d"
down_revision = "16bcb8e3a5a8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programmes",
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cross_organisation_required", sa.Boolean(), nullable=False),
        sa.Column("sessions_min", sa.Integer(), nullable=False),
        sa.Column("sessions_max", sa.Integer(), nullable=False),
        sa.Column("cadence_days", sa.Integer(), nullable=False),
        sa.Column("min_accreditation_level", sa.String(length=32), nullable=True),
        sa.Column("seniority_direction", sa.String(length=16), nullable=False),
        sa.Column("vetting_required", sa.Boolean(), nullable=False),
        sa.Column(
            "eligibility",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("opens_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("matching_mode", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "matching_mode IN ('optimal', 'stable')", name=op.f("ck_programmes_matching_mode")
        ),
        sa.CheckConstraint(
            "seniority_direction IN ('any', 'mentor_senior', 'mentor_junior')",
            name=op.f("ck_programmes_seniority_direction"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'matching', 'running', 'closed')",
            name=op.f("ck_programmes_status"),
        ),
        sa.CheckConstraint(
            "type IN ('mentoring', 'reverse_mentoring', 'coaching', 'shadowing', 'ethical_mentoring', 'return_to_work', 'career_progression', 'board_mentoring', 'research_fellowship', 'team_coaching')",
            name=op.f("ck_programmes_type"),
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_programmes_window")),
        sa.CheckConstraint(
            "sessions_min BETWEEN 1 AND sessions_max", name=op.f("ck_programmes_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_programmes_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
    )
    op.create_index(
        op.f("ix_programmes_consortium_id"), "programmes", ["consortium_id"], unique=False
    )
    op.create_table(
        "applications",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "goals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "topics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "preferences",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "shortlist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("withdrawn_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=32), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'withdrawn')", name=op.f("ck_applications_status")),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_applications_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_applications_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_applications_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_applications_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index(
        op.f("ix_applications_consortium_id"), "applications", ["consortium_id"], unique=False
    )
    op.create_index(
        op.f("ix_applications_organisation_id"), "applications", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_applications_person_id"), "applications", ["person_id"], unique=False)
    op.create_index(
        op.f("ix_applications_programme_id"), "applications", ["programme_id"], unique=False
    )
    op.create_index(
        "uq_applications_programme_id_person_id_open",
        "applications",
        ["programme_id", "person_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "consents",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("attribute", sa.String(length=64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("given_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_consents_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_consents_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_consents_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(
        op.f("ix_consents_organisation_id"), "consents", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_consents_person_id"), "consents", ["person_id"], unique=False)
    op.create_index(op.f("ix_consents_programme_id"), "consents", ["programme_id"], unique=False)
    op.create_index(
        "uq_consents_person_id_programme_id_attribute_valid",
        "consents",
        ["person_id", "programme_id", "purpose", "attribute"],
        unique=True,
        postgresql_where=sa.text("withdrawn_at IS NULL"),
        sqlite_where=sa.text("withdrawn_at IS NULL"),
    )
    op.create_table(
        "mentor_profiles",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "modalities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "topics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("accreditation_body", sa.String(length=8), nullable=True),
        sa.Column("accreditation_level", sa.String(length=32), nullable=True),
        sa.Column("accreditation_rank", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active_load", sa.Integer(), nullable=False),
        sa.Column("vetting_status", sa.String(length=16), nullable=False),
        sa.Column("vetting_expires_on", sa.Date(), nullable=True),
        sa.Column("vetting_note", sa.Text(), nullable=True),
        sa.Column("vetting_decided_by", sa.String(length=200), nullable=True),
        sa.Column(
            "vetting_decided_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("sharing_scope", sa.String(length=16), nullable=False),
        sa.Column("released_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_reason", sa.String(length=32), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sharing_scope IN ('organisation', 'consortium', 'organisations')",
            name=op.f("ck_mentor_profiles_sharing_scope"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'paused')", name=op.f("ck_mentor_profiles_status")
        ),
        sa.CheckConstraint(
            "vetting_status IN ('pending', 'approved', 'suspended')",
            name=op.f("ck_mentor_profiles_vetting_status"),
        ),
        sa.CheckConstraint("capacity BETWEEN 1 AND 10", name=op.f("ck_mentor_profiles_capacity")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentor_profiles_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_mentor_profiles_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_profiles")),
        sa.UniqueConstraint("person_id", name=op.f("uq_mentor_profiles_person_id")),
    )
    op.create_index(
        op.f("ix_mentor_profiles_organisation_id"),
        "mentor_profiles",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "sensitive_attributes",
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_sensitive_attributes_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_sensitive_attributes_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensitive_attributes")),
    )
    op.create_index(
        op.f("ix_sensitive_attributes_organisation_id"),
        "sensitive_attributes",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_sensitive_attributes_person_id"),
        "sensitive_attributes",
        ["person_id"],
        unique=False,
    )
    op.create_table(
        "cpd_entries",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('supervision', 'training', 'reflection')", name=op.f("ck_cpd_entries_kind")
        ),
        sa.CheckConstraint("hours > 0 AND hours <= 24", name=op.f("ck_cpd_entries_hours")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cpd_entries_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["mentor_profiles.id"],
            name=op.f("fk_cpd_entries_profile_id_mentor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_entries")),
    )
    op.create_index(
        op.f("ix_cpd_entries_organisation_id"), "cpd_entries", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_cpd_entries_profile_id"), "cpd_entries", ["profile_id"], unique=False)
    op.create_table(
        "matches",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_profile_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'active', 'completed', 'rejected', 'declined', 'closed')",
            name=op.f("ck_matches_status"),
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_matches_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["people.id"],
            name=op.f("fk_matches_mentee_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_matches_mentee_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_matches_mentor_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_profile_id"],
            ["mentor_profiles.id"],
            name=op.f("fk_matches_mentor_profile_id_mentor_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_matches_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
    )
    op.create_index(op.f("ix_matches_consortium_id"), "matches", ["consortium_id"], unique=False)
    op.create_index(op.f("ix_matches_mentee_id"), "matches", ["mentee_id"], unique=False)
    op.create_index(
        op.f("ix_matches_mentee_organisation_id"),
        "matches",
        ["mentee_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_matches_mentor_organisation_id"),
        "matches",
        ["mentor_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_matches_mentor_profile_id"), "matches", ["mentor_profile_id"], unique=False
    )
    op.create_index(op.f("ix_matches_programme_id"), "matches", ["programme_id"], unique=False)
    op.create_table(
        "mentor_profile_shares",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("owner_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentor_profile_shares_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentor_profile_shares_owner_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["mentor_profiles.id"],
            name=op.f("fk_mentor_profile_shares_profile_id_mentor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_profile_shares")),
    )
    op.create_index(
        op.f("ix_mentor_profile_shares_organisation_id"),
        "mentor_profile_shares",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mentor_profile_shares_owner_organisation_id"),
        "mentor_profile_shares",
        ["owner_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mentor_profile_shares_profile_id"),
        "mentor_profile_shares",
        ["profile_id"],
        unique=False,
    )
    op.create_table(
        "vetting_decisions",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'suspended')",
            name=op.f("ck_vetting_decisions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_vetting_decisions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["mentor_profiles.id"],
            name=op.f("fk_vetting_decisions_profile_id_mentor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_decisions")),
    )
    op.create_index(
        op.f("ix_vetting_decisions_organisation_id"),
        "vetting_decisions",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_vetting_decisions_profile_id"), "vetting_decisions", ["profile_id"], unique=False
    )
    op.create_table(
        "mentoring_sessions",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_profile_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('scheduled', 'held', 'cancelled', 'no_show')",
            name=op.f("ck_mentoring_sessions_status"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_mentoring_sessions_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_mentoring_sessions_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_mentoring_sessions_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentoring_sessions_mentee_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentoring_sessions_mentor_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_profile_id"],
            ["mentor_profiles.id"],
            name=op.f("fk_mentoring_sessions_mentor_profile_id_mentor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_sessions")),
    )
    op.create_index(
        op.f("ix_mentoring_sessions_consortium_id"),
        "mentoring_sessions",
        ["consortium_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mentoring_sessions_match_id"), "mentoring_sessions", ["match_id"], unique=False
    )
    op.create_index(
        op.f("ix_mentoring_sessions_mentee_organisation_id"),
        "mentoring_sessions",
        ["mentee_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mentoring_sessions_mentor_organisation_id"),
        "mentoring_sessions",
        ["mentor_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mentoring_sessions_mentor_profile_id"),
        "mentoring_sessions",
        ["mentor_profile_id"],
        unique=False,
    )
    op.add_column(
        "consortia", sa.Column("max_active_load", sa.Integer(), server_default="6", nullable=False)
    )
    op.add_column(
        "consortia",
        sa.Column("max_sessions_90_days", sa.Integer(), server_default="24", nullable=False),
    )
    op.add_column(
        "consortia",
        sa.Column("supervision_interval_days", sa.Integer(), server_default="90", nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _enable_row_level_security()


FUNCTIONS = """
CREATE FUNCTION app_coordinated_ids() RETURNS uuid[] LANGUAGE sql STABLE AS
$$ SELECT string_to_array(NULLIF(current_setting('app.coordinated_ids', true), ''), ',')::uuid[] $$;
CREATE FUNCTION app_person_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.person_id', true), '')::uuid $$;
"""
ORGANISATION = "app_all_tenants() OR organisation_id = app_organisation_id()"
PERSON = "app_all_tenants() OR person_id = app_person_id()"
PAIR = (
    "app_all_tenants() OR mentor_organisation_id = app_organisation_id()"
    " OR mentee_organisation_id = app_organisation_id()"
    " OR consortium_id = ANY (app_coordinated_ids())"
)
# Mirrors pool.models.MentorProfile.tenant_criteria: the owner, or anyone the released profile
# is shared with (their consortium, or their organisation by name).
PROFILE_SHARED = (
    ORGANISATION + " OR (released_at IS NOT NULL AND ("  # noqa: S608 - constant SQL
    "(sharing_scope = 'consortium' AND EXISTS (SELECT 1 FROM consortium_memberships m"
    " WHERE m.organisation_id = mentor_profiles.organisation_id"
    " AND m.consortium_id = ANY (app_consortium_ids())))"
    " OR (sharing_scope = 'organisations' AND EXISTS (SELECT 1 FROM mentor_profile_shares s"
    " WHERE s.profile_id = mentor_profiles.id AND s.organisation_id = app_organisation_id()))))"
)
# table: (who may read, who may write)
POLICIES = {
    "mentor_profiles": (PROFILE_SHARED, ORGANISATION),
    "mentor_profile_shares": (
        ORGANISATION + " OR owner_organisation_id = app_organisation_id()",
        "app_all_tenants() OR owner_organisation_id = app_organisation_id()",
    ),
    "vetting_decisions": (ORGANISATION, ORGANISATION),
    "cpd_entries": (ORGANISATION, ORGANISATION),
    "programmes": (
        "app_all_tenants() OR consortium_id = ANY (app_consortium_ids())",
        "app_all_tenants() OR consortium_id = ANY (app_coordinated_ids())",
    ),
    "applications": (
        ORGANISATION + " OR consortium_id = ANY (app_coordinated_ids())",
        ORGANISATION,
    ),
    "sensitive_attributes": (PERSON, PERSON),
    "consents": (PERSON, PERSON),
    "matches": (PAIR, PAIR),
    "mentoring_sessions": (PAIR, PAIR),
}


def _enable_row_level_security() -> None:
    op.execute(FUNCTIONS)
    for table, (read, write) in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        if read == write:
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({read}) WITH CHECK ({read})"
            )
            continue
        # Seen more widely than written: one policy for reading, and one for every command,
        # whose USING also limits UPDATE and DELETE (a single policy's USING would let anyone
        # who may read a row delete it).
        op.execute(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({read})")
        op.execute(f"CREATE POLICY tenant_write ON {table} USING ({write}) WITH CHECK ({write})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # This policy reads mentor_profile_shares, which is dropped first below.
        op.execute("DROP POLICY tenant_read ON mentor_profiles")
    op.drop_column("consortia", "supervision_interval_days")
    op.drop_column("consortia", "max_sessions_90_days")
    op.drop_column("consortia", "max_active_load")
    op.drop_index(op.f("ix_mentoring_sessions_mentor_profile_id"), table_name="mentoring_sessions")
    op.drop_index(
        op.f("ix_mentoring_sessions_mentor_organisation_id"), table_name="mentoring_sessions"
    )
    op.drop_index(
        op.f("ix_mentoring_sessions_mentee_organisation_id"), table_name="mentoring_sessions"
    )
    op.drop_index(op.f("ix_mentoring_sessions_match_id"), table_name="mentoring_sessions")
    op.drop_index(op.f("ix_mentoring_sessions_consortium_id"), table_name="mentoring_sessions")
    op.drop_table("mentoring_sessions")
    op.drop_index(op.f("ix_vetting_decisions_profile_id"), table_name="vetting_decisions")
    op.drop_index(op.f("ix_vetting_decisions_organisation_id"), table_name="vetting_decisions")
    op.drop_table("vetting_decisions")
    op.drop_index(op.f("ix_mentor_profile_shares_profile_id"), table_name="mentor_profile_shares")
    op.drop_index(
        op.f("ix_mentor_profile_shares_owner_organisation_id"), table_name="mentor_profile_shares"
    )
    op.drop_index(
        op.f("ix_mentor_profile_shares_organisation_id"), table_name="mentor_profile_shares"
    )
    op.drop_table("mentor_profile_shares")
    op.drop_index(op.f("ix_matches_programme_id"), table_name="matches")
    op.drop_index(op.f("ix_matches_mentor_profile_id"), table_name="matches")
    op.drop_index(op.f("ix_matches_mentor_organisation_id"), table_name="matches")
    op.drop_index(op.f("ix_matches_mentee_organisation_id"), table_name="matches")
    op.drop_index(op.f("ix_matches_mentee_id"), table_name="matches")
    op.drop_index(op.f("ix_matches_consortium_id"), table_name="matches")
    op.drop_table("matches")
    op.drop_index(op.f("ix_cpd_entries_profile_id"), table_name="cpd_entries")
    op.drop_index(op.f("ix_cpd_entries_organisation_id"), table_name="cpd_entries")
    op.drop_table("cpd_entries")
    op.drop_index(op.f("ix_sensitive_attributes_person_id"), table_name="sensitive_attributes")
    op.drop_index(
        op.f("ix_sensitive_attributes_organisation_id"), table_name="sensitive_attributes"
    )
    op.drop_table("sensitive_attributes")
    op.drop_index(op.f("ix_mentor_profiles_organisation_id"), table_name="mentor_profiles")
    op.drop_table("mentor_profiles")
    op.drop_index("uq_consents_person_id_programme_id_attribute_valid", table_name="consents")
    op.drop_index(op.f("ix_consents_programme_id"), table_name="consents")
    op.drop_index(op.f("ix_consents_person_id"), table_name="consents")
    op.drop_index(op.f("ix_consents_organisation_id"), table_name="consents")
    op.drop_table("consents")
    op.drop_index(
        "uq_applications_programme_id_person_id_open",
        table_name="applications",
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )
    op.drop_index(op.f("ix_applications_programme_id"), table_name="applications")
    op.drop_index(op.f("ix_applications_person_id"), table_name="applications")
    op.drop_index(op.f("ix_applications_organisation_id"), table_name="applications")
    op.drop_index(op.f("ix_applications_consortium_id"), table_name="applications")
    op.drop_table("applications")
    op.drop_index(op.f("ix_programmes_consortium_id"), table_name="programmes")
    op.drop_table("programmes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION app_coordinated_ids(), app_person_id()")
