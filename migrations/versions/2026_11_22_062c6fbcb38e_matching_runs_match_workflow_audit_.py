"""matching runs, match workflow, audit events

What and why: matching runs (consortium-owned, coordinators only), the match workflow's columns
(who approved, accepted or ended a pairing, and why; its score and reasons) with a partial unique
index allowing one live pairing per mentee per programme, the consortium's matching weights, and
the append-only audit trail. New tables get forced row-level security; audit events have
SELECT and INSERT policies only, so nobody updates or deletes one. Additive: safe to run live.

Revision ID: 062c6fbcb38e
Revises: 5c1f0e7a9b24
Create Date: 2026-11-22 02:42:25.273802
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import consortium.core.db

revision = "062c6fbcb38e"
down_revision = "5c1f0e7a9b24"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("consortium_id", sa.Uuid(), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("other_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_audit_events_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_audit_events_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_audit_events_other_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_action"), "audit_events", ["action"], unique=False)
    op.create_index(
        op.f("ix_audit_events_consortium_id"), "audit_events", ["consortium_id"], unique=False
    )
    op.create_index(
        op.f("ix_audit_events_organisation_id"), "audit_events", ["organisation_id"], unique=False
    )
    op.create_index(
        op.f("ix_audit_events_other_organisation_id"),
        "audit_events",
        ["other_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_events_subject_id"), "audit_events", ["subject_id"], unique=False
    )
    op.create_table(
        "matching_runs",
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("started_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "timings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "unmatched",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('optimal', 'stable')", name=op.f("ck_matching_runs_mode")),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_matching_runs_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_matching_runs_job_id_jobs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_matching_runs_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_runs")),
    )
    op.create_index(
        op.f("ix_matching_runs_consortium_id"), "matching_runs", ["consortium_id"], unique=False
    )
    op.create_index(op.f("ix_matching_runs_job_id"), "matching_runs", ["job_id"], unique=False)
    op.create_index(
        op.f("ix_matching_runs_programme_id"), "matching_runs", ["programme_id"], unique=False
    )
    op.add_column(
        "consortia",
        sa.Column(
            "matching_weights",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
    )
    with op.batch_alter_table("matches") as batch:
        batch.add_column(sa.Column("mentor_person_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("application_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("matching_run_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("origin", sa.String(length=8), server_default="run", nullable=False)
        )
        batch.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column(
                "score_parts",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="{}",
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column(
                "reasons",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("proposed_by", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column(
                "overridden",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("coordinator_approved_by", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column(
                "coordinator_approved_at",
                consortium.core.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("home_org_approved_by", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column(
                "home_org_approved_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(
            sa.Column(
                "mentor_accepted_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(
            sa.Column(
                "mentee_accepted_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(
            sa.Column("activated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("ended_by", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("ended_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("ended_reason", sa.Text(), nullable=True))
        batch.create_index(op.f("ix_matches_application_id"), ["application_id"], unique=False)
        batch.create_index(op.f("ix_matches_matching_run_id"), ["matching_run_id"], unique=False)
        batch.create_index(op.f("ix_matches_mentor_person_id"), ["mentor_person_id"], unique=False)
        batch.create_index(
            "uq_matches_programme_id_mentee_id_live",
            ["programme_id", "mentee_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('proposed', 'approved', 'active')"),
            sqlite_where=sa.text("status IN ('proposed', 'approved', 'active')"),
        )
        batch.create_foreign_key(
            op.f("fk_matches_mentor_person_id_people"),
            "people",
            ["mentor_person_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            op.f("fk_matches_matching_run_id_matching_runs"),
            "matching_runs",
            ["matching_run_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_matches_application_id_applications"),
            "applications",
            ["application_id"],
            ["id"],
            ondelete="SET NULL",
        )
    if op.get_bind().dialect.name == "postgresql":
        _enable_row_level_security()


COORDINATORS = "app_all_tenants() OR consortium_id = ANY (app_coordinated_ids())"
# Mirrors audit.models.AuditEvent.tenant_criteria at the organisation boundary (that only
# admins within an organisation see its events is the ORM's narrower rule).
AUDIT = (
    COORDINATORS + " OR organisation_id = app_organisation_id()"
    " OR other_organisation_id = app_organisation_id()"
)


def _enable_row_level_security() -> None:
    for table in ("matching_runs", "audit_events"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON matching_runs USING ({COORDINATORS})"
        f" WITH CHECK ({COORDINATORS})"
    )
    # Append-only: read and insert; with no UPDATE or DELETE policy, nobody changes an event.
    op.execute(f"CREATE POLICY tenant_read ON audit_events FOR SELECT USING ({AUDIT})")
    op.execute(f"CREATE POLICY tenant_insert ON audit_events FOR INSERT WITH CHECK ({AUDIT})")


def downgrade() -> None:
    with op.batch_alter_table("matches") as batch:
        batch.drop_constraint(op.f("fk_matches_application_id_applications"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_matches_matching_run_id_matching_runs"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_matches_mentor_person_id_people"), type_="foreignkey")
        batch.drop_index("uq_matches_programme_id_mentee_id_live")
        batch.drop_index(op.f("ix_matches_mentor_person_id"))
        batch.drop_index(op.f("ix_matches_matching_run_id"))
        batch.drop_index(op.f("ix_matches_application_id"))
        batch.drop_column("ended_reason")
        batch.drop_column("ended_at")
        batch.drop_column("ended_by")
        batch.drop_column("activated_at")
        batch.drop_column("mentee_accepted_at")
        batch.drop_column("mentor_accepted_at")
        batch.drop_column("home_org_approved_at")
        batch.drop_column("home_org_approved_by")
        batch.drop_column("coordinator_approved_at")
        batch.drop_column("coordinator_approved_by")
        batch.drop_column("override_reason")
        batch.drop_column("overridden")
        batch.drop_column("proposed_by")
        batch.drop_column("reasons")
        batch.drop_column("score_parts")
        batch.drop_column("score")
        batch.drop_column("origin")
        batch.drop_column("matching_run_id")
        batch.drop_column("application_id")
        batch.drop_column("mentor_person_id")
    op.drop_column("consortia", "matching_weights")
    op.drop_index(op.f("ix_matching_runs_programme_id"), table_name="matching_runs")
    op.drop_index(op.f("ix_matching_runs_job_id"), table_name="matching_runs")
    op.drop_index(op.f("ix_matching_runs_consortium_id"), table_name="matching_runs")
    op.drop_table("matching_runs")
    op.drop_index(op.f("ix_audit_events_subject_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_other_organisation_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_organisation_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_consortium_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_action"), table_name="audit_events")
    op.drop_table("audit_events")
