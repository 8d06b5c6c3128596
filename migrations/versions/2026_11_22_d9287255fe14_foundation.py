"""foundation: tenants, consortia, people, roles, API clients, signing keys, jobs, idempotency

What and why: the first schema. Every tenant-owned table carries organisation_id (indexed, so
row-level security costs little) and gets an RLS policy, ENABLEd and FORCEd so even the
tables' owner is filtered. The policies read transaction-local settings the app sets with
set_config(..., true) at the start of every transaction: app.organisation_id,
app.consortium_ids and app.all_tenants. No setting means no rows: NULLIF(..., '') turns the
empty string a pooled connection reads back after SET LOCAL into NULL, which matches nothing.

Revision ID: d9287255fe14
Revises:
Create Date: 2026-11-22 00:00:28.444799
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "d9287255fe14"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consortia",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("approval_policy", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "approval_policy IN ('coordinator', 'coordinator_and_home_org')",
            name=op.f("ck_consortia_approval_policy"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consortia")),
        sa.UniqueConstraint("slug", name=op.f("uq_consortia_slug")),
    )
    op.create_table(
        "organisations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=True),
        sa.Column("email_domains", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sector IN ('health', 'police', 'fire', 'local_authority', 'education', 'voluntary', 'other')",
            name=op.f("ck_organisations_sector"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'suspended')", name=op.f("ck_organisations_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("private_key_encrypted", sa.String(length=8000), nullable=False),
        sa.Column("public_jwk", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('active', 'retired')", name=op.f("ck_signing_keys_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_signing_keys_kid")),
    )
    op.create_table(
        "api_clients",
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('active', 'revoked')", name=op.f("ck_api_clients_status")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_api_clients_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_clients_client_id")),
    )
    op.create_index(
        op.f("ix_api_clients_organisation_id"), "api_clients", ["organisation_id"], unique=False
    )
    op.create_table(
        "consortium_memberships",
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_consortium_memberships_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_consortium_memberships_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consortium_memberships")),
        sa.UniqueConstraint(
            "consortium_id",
            "organisation_id",
            name=op.f("uq_consortium_memberships_consortium_id_organisation_id"),
        ),
    )
    op.create_index(
        op.f("ix_consortium_memberships_organisation_id"),
        "consortium_memberships",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("principal_key", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("response_headers", JSON, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_idempotency_keys_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "principal_key", "key", name=op.f("uq_idempotency_keys_principal_key_key")
        ),
    )
    op.create_index(
        op.f("ix_idempotency_keys_organisation_id"),
        "idempotency_keys",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "jobs",
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column("arguments", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_jobs_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_organisation_id"), "jobs", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_jobs_status"), "jobs", ["status"], unique=False)
    op.create_table(
        "people",
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("profession", sa.String(length=100), nullable=True),
        sa.Column("seniority", sa.Integer(), nullable=True),
        sa.Column("line_manager_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f("ck_people_status")),
        sa.CheckConstraint("seniority BETWEEN 1 AND 9", name=op.f("ck_people_seniority")),
        sa.ForeignKeyConstraint(
            ["line_manager_id"],
            ["people.id"],
            name=op.f("fk_people_line_manager_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_people_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint(
            "organisation_id", "email", name=op.f("uq_people_organisation_id_email")
        ),
        sa.UniqueConstraint(
            "organisation_id", "external_id", name=op.f("uq_people_organisation_id_external_id")
        ),
    )
    op.create_index(op.f("ix_people_organisation_id"), "people", ["organisation_id"], unique=False)
    op.create_table(
        "role_assignments",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("consortium_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(role = 'coordinator') = (consortium_id IS NOT NULL)",
            name=op.f("ck_role_assignments_coordinator_has_consortium"),
        ),
        sa.CheckConstraint(
            "role IN ('org_admin', 'coordinator')", name=op.f("ck_role_assignments_role")
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_role_assignments_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_role_assignments_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_role_assignments_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
        sa.UniqueConstraint(
            "person_id",
            "role",
            "consortium_id",
            name=op.f("uq_role_assignments_person_id_role_consortium_id"),
        ),
    )
    op.create_index(
        op.f("ix_role_assignments_organisation_id"),
        "role_assignments",
        ["organisation_id"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        _enable_row_level_security()


# Who may see a row: the platform (all tenants), the owning organisation, or, for consortium
# rows, the members of that consortium. WITH CHECK defaults to the same expression for writes.
POLICIES = {
    "organisations": "app_all_tenants() OR id = app_organisation_id()",
    "consortia": "app_all_tenants() OR id = ANY (app_consortium_ids())",
    "consortium_memberships": (
        "app_all_tenants() OR organisation_id = app_organisation_id()"
        " OR consortium_id = ANY (app_consortium_ids())"
    ),
    "people": "app_all_tenants() OR organisation_id = app_organisation_id()",
    "role_assignments": "app_all_tenants() OR organisation_id = app_organisation_id()",
    "api_clients": "app_all_tenants() OR organisation_id = app_organisation_id()",
    "jobs": "app_all_tenants() OR organisation_id = app_organisation_id()",
    "idempotency_keys": "app_all_tenants() OR organisation_id = app_organisation_id()",
}
# Only the platform writes consortia and memberships.
WRITE_CHECKS = {
    "consortia": "app_all_tenants()",
    "consortium_memberships": "app_all_tenants()",
}

FUNCTIONS = """
CREATE FUNCTION app_organisation_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.organisation_id', true), '')::uuid $$;
CREATE FUNCTION app_consortium_ids() RETURNS uuid[] LANGUAGE sql STABLE AS
$$ SELECT string_to_array(NULLIF(current_setting('app.consortium_ids', true), ''), ',')::uuid[] $$;
CREATE FUNCTION app_all_tenants() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('app.all_tenants', true), '') = 'on' $$;
"""


def _enable_row_level_security() -> None:
    op.execute(FUNCTIONS)
    for table, using in POLICIES.items():
        check = WRITE_CHECKS.get(table, using)
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({check})"
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_role_assignments_organisation_id"), table_name="role_assignments")
    op.drop_table("role_assignments")
    op.drop_index(op.f("ix_people_organisation_id"), table_name="people")
    op.drop_table("people")
    op.drop_index(op.f("ix_jobs_status"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_organisation_id"), table_name="jobs")
    op.drop_table("jobs")
    op.drop_index(op.f("ix_idempotency_keys_organisation_id"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index(
        op.f("ix_consortium_memberships_organisation_id"), table_name="consortium_memberships"
    )
    op.drop_table("consortium_memberships")
    op.drop_index(op.f("ix_api_clients_organisation_id"), table_name="api_clients")
    op.drop_table("api_clients")
    op.drop_table("signing_keys")
    op.drop_table("organisations")
    op.drop_table("consortia")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION app_organisation_id(), app_consortium_ids(), app_all_tenants()")
