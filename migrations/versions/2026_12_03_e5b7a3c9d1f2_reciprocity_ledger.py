"""Reciprocity ledger: the hours each held session gave from one employer to another

What and why: every held session books its hours from the mentor's employer to the mentee's
(`reciprocity_entries`), so a consortium can show who gave time to whom and matching can favour
pairings that even it out. Append-only: the runtime role may read and insert rows its tenant
may see, and no policy lets anyone update or delete one. An entry names organisations, never
a person, so erasing a person leaves the hours as they were. Sessions held before this
revision are booked from `mentoring_sessions` and `matches`.

Revision ID: e5b7a3c9d1f2
Revises: c4a1f9e2d7b3
Create Date: 2026-12-03 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import consortium.core.db

revision = "e5b7a3c9d1f2"
down_revision = "c4a1f9e2d7b3"
branch_labels = None
depends_on = None

# Either side's organisation and the consortium's coordinators (ReciprocityEntry.tenant_criteria).
POLICY = (
    "app_all_tenants() OR consortium_id = ANY (app_coordinated_ids())"
    " OR giver_organisation_id = app_organisation_id()"
    " OR receiver_organisation_id = app_organisation_id()"
)


def upgrade() -> None:
    op.create_table(
        "reciprocity_entries",
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("giver_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("receiver_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("held_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_reciprocity_entries_minutes")),
        sa.CheckConstraint(
            "giver_organisation_id <> receiver_organisation_id",
            name=op.f("ck_reciprocity_entries_two_sides"),
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_reciprocity_entries_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["giver_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_reciprocity_entries_giver_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["receiver_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_reciprocity_entries_receiver_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reciprocity_entries")),
        sa.UniqueConstraint("session_id", name=op.f("uq_reciprocity_entries_session_id")),
    )
    op.create_index(
        "ix_reciprocity_entries_consortium_id_held_at",
        "reciprocity_entries",
        ["consortium_id", "held_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_reciprocity_entries_giver_organisation_id"),
        "reciprocity_entries",
        ["giver_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_reciprocity_entries_receiver_organisation_id"),
        "reciprocity_entries",
        ["receiver_organisation_id"],
        unique=False,
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE reciprocity_entries ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE reciprocity_entries FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_read ON reciprocity_entries FOR SELECT USING ({POLICY})")
        op.execute(
            f"CREATE POLICY tenant_insert ON reciprocity_entries FOR INSERT WITH CHECK ({POLICY})"
        )
        # The sessions held so far, across every tenant (RLS is FORCEd for the owner too).
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
    op.execute(
        "INSERT INTO reciprocity_entries (id, created_at, updated_at, consortium_id,"  # noqa: S608 - fixed SQL per dialect
        " giver_organisation_id, receiver_organisation_id, session_id, minutes, held_at) "
        f"SELECT {'gen_random_uuid()' if postgresql else _sqlite_uuid()},"
        " s.updated_at, s.updated_at, m.consortium_id, m.mentor_organisation_id,"
        f" m.mentee_organisation_id, s.id, {_minutes(postgresql)}, s.starts_at"
        " FROM mentoring_sessions s JOIN matches m ON m.id = s.match_id"
        " WHERE s.status = 'held' AND m.mentor_organisation_id <> m.mentee_organisation_id"
        f" AND {_minutes(postgresql)} > 0"
    )


def _minutes(postgresql: bool) -> str:
    if postgresql:
        return "CAST(round(extract(epoch FROM s.ends_at - s.starts_at) / 60) AS integer)"
    return "CAST(round((julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS integer)"


def _sqlite_uuid() -> str:
    # A version-4 UUID as SQLAlchemy's Uuid type stores it on SQLite (32 hex digits).
    return (
        "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2)"
        " || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)"
        " || hex(randomblob(6)))"
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_reciprocity_entries_receiver_organisation_id"), table_name="reciprocity_entries"
    )
    op.drop_index(
        op.f("ix_reciprocity_entries_giver_organisation_id"), table_name="reciprocity_entries"
    )
    op.drop_index("ix_reciprocity_entries_consortium_id_held_at", table_name="reciprocity_entries")
    op.drop_table("reciprocity_entries")
