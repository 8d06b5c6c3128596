"""Webhooks: an organisation's endpoints and the deliveries made to them

What and why: outbound webhooks (issue 15). `webhook_endpoints` holds each organisation's
endpoint URLs, event types and signing secret (encrypted at rest: deliveries must sign with it);
`webhook_deliveries` one row per event per endpoint with its attempts, the retry schedule's next
attempt (indexed for the sweep) and the exact body sent. Both are tenant tables with a
row-level security policy on the organisation, FORCEd as the others are. New tables only.

Revision ID: 94b96b3b32bc
Revises: e5b7a3c9d1f2
Create Date: 2026-12-03 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import consortium.core.db

revision = "94b96b3b32bc"
down_revision = "e5b7a3c9d1f2"
branch_labels = None
depends_on = None

ORGANISATION = "app_all_tenants() OR organisation_id = app_organisation_id()"
TABLES = ("webhook_endpoints", "webhook_deliveries")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("event_types", JSON, nullable=False),
        sa.Column("secret_encrypted", sa.String(length=500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_webhook_endpoints_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(
        op.f("ix_webhook_endpoints_organisation_id"),
        "webhook_endpoints",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        "ix_webhook_endpoints_organisation_id_created_at_id",
        "webhook_endpoints",
        ["organisation_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("redelivery_of", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('pending', 'retrying', 'succeeded', 'failed')",
            name=op.f("ck_webhook_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_webhook_deliveries_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["redelivery_of"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_deliveries_redelivery_of_webhook_deliveries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_organisation_id"),
        "webhook_deliveries",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint_id_created_at_id",
        "webhook_deliveries",
        ["endpoint_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_webhook_deliveries_next_attempt_at"),
        "webhook_deliveries",
        ["next_attempt_at"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} "
                f"USING ({ORGANISATION}) WITH CHECK ({ORGANISATION})"
            )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
