"""Concerns, and a safe way out of a pairing: no-fault endings and paused pairings

What and why: issue 17, part 5. `concerns` holds what one of a pairing's two people tells the
programme's coordinators (safeguarding, conduct, not working). The row is the consortium's:
its row-level security policy lets the person who raised it and the consortium's coordinators
(but neither of the pairing's two people, even as a coordinator) see it, and nobody else,
whichever organisation they work for. `matches` gains `no_fault` (ended by one of the two, or
a coordinator's rematch: who and why are the coordinators' only; the pair is never proposed
again) and `paused_at` (paused by the coordinators: no new bookings). New table and two
nullable-or-defaulted columns: no rewrite, no long lock.

Revision ID: 7c1e5a9d3b20
Revises: a7c2e9d4f1b3
Create Date: 2026-12-04 02:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import consortium.core.db

revision = "7c1e5a9d3b20"
down_revision = "a7c2e9d4f1b3"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# Mirrors concerns.models.Concern.tenant_criteria. No tenant (no person) means no rows.
POLICY = (
    "app_all_tenants()"
    " OR (raised_by_person_id = app_person_id()"
    " AND raised_by_organisation_id = app_organisation_id())"
    " OR (consortium_id = ANY (app_coordinated_ids())"
    " AND mentor_person_id <> app_person_id() AND mentee_id <> app_person_id())"
)


def upgrade() -> None:
    op.add_column(
        "matches", sa.Column("no_fault", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "matches",
        sa.Column("paused_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "concerns",
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_person_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("raised_by_person_id", sa.Uuid(), nullable=False),
        sa.Column("raised_by_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("raised_as", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("history", JSON, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('safeguarding', 'conduct', 'not_working')", name=op.f("ck_concerns_kind")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'acknowledged', 'resolved')", name=op.f("ck_concerns_status")
        ),
        sa.CheckConstraint("raised_as IN ('mentor', 'mentee')", name=op.f("ck_concerns_raised_as")),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_concerns_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_concerns_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_concerns_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_person_id"],
            ["people.id"],
            name=op.f("fk_concerns_mentor_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["people.id"],
            name=op.f("fk_concerns_mentee_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_person_id"],
            ["people.id"],
            name=op.f("fk_concerns_raised_by_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_concerns_raised_by_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concerns")),
    )
    op.create_index(
        "ix_concerns_consortium_id_status_created_at",
        "concerns",
        ["consortium_id", "status", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_concerns_match_id"), "concerns", ["match_id"], unique=False)
    op.create_index(
        op.f("ix_concerns_raised_by_person_id"), "concerns", ["raised_by_person_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE concerns ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE concerns FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON concerns USING ({POLICY}) WITH CHECK ({POLICY})"
        )


def downgrade() -> None:
    op.drop_table("concerns")
    op.drop_column("matches", "paused_at")
    op.drop_column("matches", "no_fault")
