"""Session feedback and pairing evaluations

What and why: after a held session either person of a pairing rates it and comments
(`session_feedback`, shared with the pair or left for the coordinators only); once the pairing
has ended each evaluates it (`pairing_evaluations`, after the EMCC ISMCP). New tables only, so
safe to run live. Row-level security holds who reads what at the person level: feedback its
author, the other person when shared with the pair, the coordinators when left for them; an
evaluation its author and the coordinators; only the author writes either.

Revision ID: 9242bb4ccaf5
Revises: 5d1e8c2a9f47
Create Date: 2026-12-04 01:35:56.699174
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import consortium.core.db

revision = "9242bb4ccaf5"
down_revision = "5d1e8c2a9f47"
branch_labels = None
depends_on = None

AUTHOR = "app_all_tenants() OR author_person_id = app_person_id()"
# Mirrors evaluation.models.SessionFeedback.tenant_criteria.
FEEDBACK_READ = (
    "app_all_tenants() OR author_person_id = app_person_id()"
    " OR (visibility = 'pair' AND (mentee_id = app_person_id()"
    " OR mentor_person_id = app_person_id()))"
    " OR (visibility = 'coordinator' AND consortium_id = ANY (app_coordinated_ids()))"
)
# Mirrors evaluation.models.PairingEvaluation.tenant_criteria.
EVALUATION_READ = (
    "app_all_tenants() OR author_person_id = app_person_id()"
    " OR consortium_id = ANY (app_coordinated_ids())"
)
POLICIES = {"session_feedback": FEEDBACK_READ, "pairing_evaluations": EVALUATION_READ}


def upgrade() -> None:
    op.create_table(
        "pairing_evaluations",
        sa.Column(
            "goals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("what_changed", sa.Text(), nullable=False),
        sa.Column("would_recommend", sa.Boolean(), nullable=False),
        sa.Column("hours_given", sa.Float(), nullable=False),
        sa.Column("overall_rating", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("author_person_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.String(length=8), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_person_id", sa.Uuid(), nullable=True),
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "author_role IN ('mentor', 'mentee')", name=op.f("ck_pairing_evaluations_author_role")
        ),
        sa.CheckConstraint("hours_given >= 0", name=op.f("ck_pairing_evaluations_hours_given")),
        sa.CheckConstraint(
            "overall_rating BETWEEN 1 AND 5", name=op.f("ck_pairing_evaluations_overall_rating")
        ),
        sa.ForeignKeyConstraint(
            ["author_person_id"],
            ["people.id"],
            name=op.f("fk_pairing_evaluations_author_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_pairing_evaluations_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_pairing_evaluations_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["people.id"],
            name=op.f("fk_pairing_evaluations_mentee_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_pairing_evaluations_mentee_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_pairing_evaluations_mentor_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_person_id"],
            ["people.id"],
            name=op.f("fk_pairing_evaluations_mentor_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_pairing_evaluations_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_evaluations")),
    )
    op.create_index(
        op.f("ix_pairing_evaluations_author_person_id"),
        "pairing_evaluations",
        ["author_person_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pairing_evaluations_consortium_id"),
        "pairing_evaluations",
        ["consortium_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pairing_evaluations_match_id"), "pairing_evaluations", ["match_id"], unique=False
    )
    op.create_index(
        op.f("ix_pairing_evaluations_mentee_id"), "pairing_evaluations", ["mentee_id"], unique=False
    )
    op.create_index(
        op.f("ix_pairing_evaluations_mentee_organisation_id"),
        "pairing_evaluations",
        ["mentee_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pairing_evaluations_mentor_organisation_id"),
        "pairing_evaluations",
        ["mentor_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pairing_evaluations_mentor_person_id"),
        "pairing_evaluations",
        ["mentor_person_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pairing_evaluations_programme_id"),
        "pairing_evaluations",
        ["programme_id"],
        unique=False,
    )
    op.create_index(
        "uq_pairing_evaluations_match_id_author_person_id",
        "pairing_evaluations",
        ["match_id", "author_person_id"],
        unique=True,
    )
    op.create_table(
        "session_feedback",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("author_person_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.String(length=8), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_person_id", sa.Uuid(), nullable=True),
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "author_role IN ('mentor', 'mentee')", name=op.f("ck_session_feedback_author_role")
        ),
        sa.CheckConstraint(
            "visibility IN ('pair', 'coordinator')", name=op.f("ck_session_feedback_visibility")
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_session_feedback_rating")),
        sa.ForeignKeyConstraint(
            ["author_person_id"],
            ["people.id"],
            name=op.f("fk_session_feedback_author_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_session_feedback_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_session_feedback_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["people.id"],
            name=op.f("fk_session_feedback_mentee_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_session_feedback_mentee_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_session_feedback_mentor_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_person_id"],
            ["people.id"],
            name=op.f("fk_session_feedback_mentor_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_session_feedback_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mentoring_sessions.id"],
            name=op.f("fk_session_feedback_session_id_mentoring_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_feedback")),
    )
    op.create_index(
        op.f("ix_session_feedback_author_person_id"),
        "session_feedback",
        ["author_person_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_session_feedback_consortium_id"),
        "session_feedback",
        ["consortium_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_session_feedback_match_id"), "session_feedback", ["match_id"], unique=False
    )
    op.create_index(
        op.f("ix_session_feedback_mentee_id"), "session_feedback", ["mentee_id"], unique=False
    )
    op.create_index(
        op.f("ix_session_feedback_mentee_organisation_id"),
        "session_feedback",
        ["mentee_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_session_feedback_mentor_organisation_id"),
        "session_feedback",
        ["mentor_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_session_feedback_mentor_person_id"),
        "session_feedback",
        ["mentor_person_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_session_feedback_programme_id"), "session_feedback", ["programme_id"], unique=False
    )
    op.create_index(
        "ix_session_feedback_programme_id_created_at_id",
        "session_feedback",
        ["programme_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_session_feedback_session_id"), "session_feedback", ["session_id"], unique=False
    )
    op.create_index(
        "uq_session_feedback_session_id_author_person_id",
        "session_feedback",
        ["session_id", "author_person_id"],
        unique=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, read in POLICIES.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({read})")
            op.execute(
                f"CREATE POLICY tenant_write ON {table} USING ({AUTHOR}) WITH CHECK ({AUTHOR})"
            )


def downgrade() -> None:
    op.drop_index("uq_session_feedback_session_id_author_person_id", table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_session_id"), table_name="session_feedback")
    op.drop_index("ix_session_feedback_programme_id_created_at_id", table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_programme_id"), table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_mentor_person_id"), table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_mentor_organisation_id"), table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_mentee_organisation_id"), table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_mentee_id"), table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_match_id"), table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_consortium_id"), table_name="session_feedback")
    op.drop_index(op.f("ix_session_feedback_author_person_id"), table_name="session_feedback")
    op.drop_table("session_feedback")
    op.drop_index(
        "uq_pairing_evaluations_match_id_author_person_id", table_name="pairing_evaluations"
    )
    op.drop_index(op.f("ix_pairing_evaluations_programme_id"), table_name="pairing_evaluations")
    op.drop_index(op.f("ix_pairing_evaluations_mentor_person_id"), table_name="pairing_evaluations")
    op.drop_index(
        op.f("ix_pairing_evaluations_mentor_organisation_id"), table_name="pairing_evaluations"
    )
    op.drop_index(
        op.f("ix_pairing_evaluations_mentee_organisation_id"), table_name="pairing_evaluations"
    )
    op.drop_index(op.f("ix_pairing_evaluations_mentee_id"), table_name="pairing_evaluations")
    op.drop_index(op.f("ix_pairing_evaluations_match_id"), table_name="pairing_evaluations")
    op.drop_index(op.f("ix_pairing_evaluations_consortium_id"), table_name="pairing_evaluations")
    op.drop_index(op.f("ix_pairing_evaluations_author_person_id"), table_name="pairing_evaluations")
    op.drop_table("pairing_evaluations")
