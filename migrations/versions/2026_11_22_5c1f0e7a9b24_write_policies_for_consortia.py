"""consortia and memberships: members read them, only the platform writes (DELETE included)

What and why: the foundation gave each table one policy whose USING clause (who may read) also
governs UPDATE and DELETE, so a member organisation could delete its consortium's rows. Each
now gets a read policy (FOR SELECT) and a write policy for every command. Policies only; safe
to run live.

Revision ID: 5c1f0e7a9b24
Revises: 3e9d87055e4d
Create Date: 2026-11-22 03:10:00.000000
"""

from alembic import op

revision = "5c1f0e7a9b24"
down_revision = "3e9d87055e4d"
branch_labels = None
depends_on = None

READ = {
    "consortia": "app_all_tenants() OR id = ANY (app_consortium_ids())",
    "consortium_memberships": (
        "app_all_tenants() OR organisation_id = app_organisation_id()"
        " OR consortium_id = ANY (app_consortium_ids())"
    ),
}
WRITE = "app_all_tenants()"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, read in READ.items():
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
        op.execute(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({read})")
        op.execute(f"CREATE POLICY tenant_write ON {table} USING ({WRITE}) WITH CHECK ({WRITE})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, read in READ.items():
        op.execute(f"DROP POLICY tenant_write ON {table}")
        op.execute(f"DROP POLICY tenant_read ON {table}")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({read}) WITH CHECK ({WRITE})")
