"""Protected time and mentor training

What and why: issue 17 part 4. A programme may require the mentee's line manager (or, without
one, their organisation's admins) to approve the time before an application is matched:
`programmes.protected_time_required` and `session_minutes` (the time asked for is sessions x
minutes), `applications.protected_time` (pending / approved / declined, null when not asked),
and `time_approvals`, one request per application, owned by the mentee's organisation with a
row-level security policy on it like the other tenant tables. A consortium may require mentor
training before a member's mentor profile is released: `consortia.mentor_training_required`.
New columns have server defaults (or are nullable), so existing rows need no rewrite.

Revision ID: a7c3e1f09b42
Revises: 7c1e5a9d3b20
Create Date: 2026-12-04 01:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

import consortium.core.db

revision = "a7c3e1f09b42"
down_revision = "7c1e5a9d3b20"
branch_labels = None
depends_on = None

ORGANISATION = "app_all_tenants() OR organisation_id = app_organisation_id()"


def upgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.add_column(
            sa.Column(
                "protected_time_required", sa.Boolean(), server_default="false", nullable=False
            )
        )
        batch.add_column(
            sa.Column("session_minutes", sa.Integer(), server_default="60", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_programmes_session_minutes"), "session_minutes BETWEEN 15 AND 480"
        )
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("protected_time", sa.String(length=16), nullable=True))
        batch.create_check_constraint(
            op.f("ck_applications_protected_time"),
            "protected_time IS NULL OR protected_time IN ('pending', 'approved', 'declined')",
        )
    with op.batch_alter_table("consortia") as batch:
        batch.add_column(
            sa.Column(
                "mentor_training_required", sa.Boolean(), server_default="false", nullable=False
            )
        )
    op.create_table(
        "time_approvals",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("approver_kind", sa.String(length=32), nullable=False),
        sa.Column("approver_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'declined', 'withdrawn')",
            name=op.f("ck_time_approvals_status"),
        ),
        sa.CheckConstraint(
            "approver_kind IN ('line_manager', 'organisation_admins')",
            name=op.f("ck_time_approvals_approver_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_time_approvals_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_time_approvals_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_time_approvals_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["approver_id"],
            ["people.id"],
            name=op.f("fk_time_approvals_approver_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_time_approvals_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_approvals")),
        sa.UniqueConstraint("application_id", name=op.f("uq_time_approvals_application_id")),
    )
    for column in ("organisation_id", "person_id", "approver_id"):
        op.create_index(op.f(f"ix_time_approvals_{column}"), "time_approvals", [column])
    op.create_index(
        "ix_time_approvals_organisation_id_created_at_id",
        "time_approvals",
        ["organisation_id", "created_at", "id"],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE time_approvals ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE time_approvals FORCE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY tenant_isolation ON time_approvals "
            f"USING ({ORGANISATION}) WITH CHECK ({ORGANISATION})"
        )


def downgrade() -> None:
    op.drop_table("time_approvals")
    with op.batch_alter_table("consortia") as batch:
        batch.drop_column("mentor_training_required")
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint(op.f("ck_applications_protected_time"), type_="check")
        batch.drop_column("protected_time")
    with op.batch_alter_table("programmes") as batch:
        batch.drop_constraint(op.f("ck_programmes_session_minutes"), type_="check")
        batch.drop_column("session_minutes")
        batch.drop_column("protected_time_required")
