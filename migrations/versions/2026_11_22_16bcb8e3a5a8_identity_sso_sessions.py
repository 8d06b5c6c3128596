"""identity: SSO configurations, people's provider identities, browser sessions

What and why: three new tenant tables for single sign-on, each with organisation_id and the
same RLS policy as the other organisation-owned tables (ENABLEd and FORCEd). A partial unique
index stops a person being made org_admin twice (consortium_id is NULL there, and NULLs are
distinct in the existing unique constraint). people.deprovisioned_at marks a person an HR
system deleted through SCIM (kept, deactivated, no longer a SCIM resource). New tables, a
nullable column and an index on a small table: safe to run live. The plain index on
people.organisation_id goes: the unique (organisation_id, email) index covers it, and during a
large uncommitted import the planner preferred the plain one and scanned the whole organisation
for every row.

Revision ID: 16bcb8e3a5a8
Revises: d9287255fe14
Create Date: 2026-11-22 00:28:22.110084
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import consortium.core.db

revision = "16bcb8e3a5a8"
down_revision = "d9287255fe14"
branch_labels = None
depends_on = None

TABLES = ("sso_configurations", "person_identities", "login_sessions")
POLICY = "app_all_tenants() OR organisation_id = app_organisation_id()"


def upgrade() -> None:
    op.create_table(
        "sso_configurations",
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.String(length=2000), nullable=False),
        sa.Column(
            "email_domains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "provider_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("discovered_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_sso_configurations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_configurations")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_sso_configurations_organisation_id")),
    )
    op.create_index(
        op.f("ix_sso_configurations_organisation_id"),
        "sso_configurations",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "login_sessions",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_login_sessions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_login_sessions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_login_sessions_organisation_id"),
        "login_sessions",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_login_sessions_person_id"), "login_sessions", ["person_id"], unique=False
    )
    op.create_table(
        "person_identities",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("last_login_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_person_identities_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_identities_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_person_identities_issuer_subject")),
    )
    op.create_index(
        op.f("ix_person_identities_organisation_id"),
        "person_identities",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_person_identities_person_id"), "person_identities", ["person_id"], unique=False
    )
    op.drop_index("ix_people_organisation_id", table_name="people")
    op.add_column(
        "people",
        sa.Column("deprovisioned_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "uq_role_assignments_person_id_org_admin",
        "role_assignments",
        ["person_id", "role"],
        unique=True,
        postgresql_where=sa.text("consortium_id IS NULL"),
        sqlite_where=sa.text("consortium_id IS NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})"
            )


def downgrade() -> None:
    op.drop_index("uq_role_assignments_person_id_org_admin", table_name="role_assignments")
    op.drop_column("people", "deprovisioned_at")
    op.create_index("ix_people_organisation_id", "people", ["organisation_id"], unique=False)
    op.drop_index(op.f("ix_person_identities_person_id"), table_name="person_identities")
    op.drop_index(op.f("ix_person_identities_organisation_id"), table_name="person_identities")
    op.drop_table("person_identities")
    op.drop_index(op.f("ix_login_sessions_person_id"), table_name="login_sessions")
    op.drop_index(op.f("ix_login_sessions_organisation_id"), table_name="login_sessions")
    op.drop_table("login_sessions")
    op.drop_index(op.f("ix_sso_configurations_organisation_id"), table_name="sso_configurations")
    op.drop_table("sso_configurations")
