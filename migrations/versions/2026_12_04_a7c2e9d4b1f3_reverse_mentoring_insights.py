"""Reverse mentoring insights: junior mentors' feedback on their mentees' organisations

What and why: issue 14 part 2. `insight_entries` holds pending feedback (a theme, a 1-5
sentiment, free text), readable and writable by its author only. Publishing a round writes
`insight_rounds` and one `insight_groups` row per mentee organisation x theme with at least 3
distinct authors (a CHECK refuses fewer), and deletes the entries it took, so nothing published
stays linked to a person. Rounds and groups are frozen: their policies allow SELECT and INSERT
only, so no role of the app can change or delete what was published. New tables only.

Revision ID: a7c2e9d4b1f3
Revises: 94b96b3b32bc
Create Date: 2026-12-04 01:45:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import consortium.core.db

revision = "a7c2e9d4b1f3"
down_revision = "94b96b3b32bc"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
THEMES = "('inclusion', 'culture', 'processes', 'technology', 'leadership', 'communication')"
# InsightEntry.tenant_criteria: the author, within their organisation.
AUTHOR = (
    "app_all_tenants() OR (organisation_id = app_organisation_id()"
    " AND author_person_id = app_person_id())"
)
# InsightRound: the consortium's members read, its coordinators publish.
ROUND_READ = "app_all_tenants() OR consortium_id = ANY (app_consortium_ids())"
COORDINATORS = "app_all_tenants() OR consortium_id = ANY (app_coordinated_ids())"
# InsightGroup: coordinators, and the organisation it is about (its admins: the app narrows).
GROUP_READ = COORDINATORS + " OR mentee_organisation_id = app_organisation_id()"


def _entity() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "insight_entries",
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("author_person_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("theme", sa.String(length=32), nullable=False),
        sa.Column("sentiment", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        *_entity(),
        sa.CheckConstraint(f"theme IN {THEMES}", name=op.f("ck_insight_entries_theme")),
        sa.CheckConstraint("sentiment BETWEEN 1 AND 5", name=op.f("ck_insight_entries_sentiment")),
        _fk("insight_entries", "consortium_id", "consortia"),
        _fk("insight_entries", "programme_id", "programmes"),
        _fk("insight_entries", "organisation_id", "organisations"),
        _fk("insight_entries", "author_person_id", "people"),
        _fk("insight_entries", "mentee_organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_entries")),
        sa.UniqueConstraint(
            "author_person_id",
            "programme_id",
            "mentee_organisation_id",
            "theme",
            name=op.f(
                "uq_insight_entries_author_person_id_programme_id_mentee_organisation_id_theme"
            ),
        ),
    )
    for column in (
        "consortium_id",
        "organisation_id",
        "author_person_id",
        "mentee_organisation_id",
    ):
        op.create_index(op.f(f"ix_insight_entries_{column}"), "insight_entries", [column])
    op.create_index("ix_insight_entries_programme_id", "insight_entries", ["programme_id"])

    op.create_table(
        "insight_rounds",
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        *_entity(),
        _fk("insight_rounds", "consortium_id", "consortia"),
        _fk("insight_rounds", "programme_id", "programmes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_rounds")),
        sa.UniqueConstraint(
            "programme_id", "number", name=op.f("uq_insight_rounds_programme_id_number")
        ),
    )
    op.create_index(op.f("ix_insight_rounds_consortium_id"), "insight_rounds", ["consortium_id"])

    op.create_table(
        "insight_groups",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("consortium_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("theme", sa.String(length=32), nullable=False),
        sa.Column("contributors", sa.Integer(), nullable=False),
        sa.Column("sentiments", JSON, nullable=False),
        sa.Column("comments", JSON, nullable=False),
        *_entity(),
        sa.CheckConstraint(f"theme IN {THEMES}", name=op.f("ck_insight_groups_theme")),
        sa.CheckConstraint("contributors >= 3", name=op.f("ck_insight_groups_k_anonymous")),
        _fk("insight_groups", "round_id", "insight_rounds"),
        _fk("insight_groups", "consortium_id", "consortia"),
        _fk("insight_groups", "programme_id", "programmes"),
        _fk("insight_groups", "mentee_organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_groups")),
        sa.UniqueConstraint(
            "round_id",
            "mentee_organisation_id",
            "theme",
            name=op.f("uq_insight_groups_round_id_mentee_organisation_id_theme"),
        ),
    )
    op.create_index(op.f("ix_insight_groups_consortium_id"), "insight_groups", ["consortium_id"])
    op.create_index(
        op.f("ix_insight_groups_mentee_organisation_id"),
        "insight_groups",
        ["mentee_organisation_id"],
    )
    op.create_index("ix_insight_groups_programme_id", "insight_groups", ["programme_id"])

    if op.get_bind().dialect.name == "postgresql":
        for table in ("insight_entries", "insight_rounds", "insight_groups"):
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON insight_entries USING ({AUTHOR}) WITH CHECK ({AUTHOR})"
        )
        # Published is frozen: read and insert, and no policy for UPDATE or DELETE.
        for table, read in (("insight_rounds", ROUND_READ), ("insight_groups", GROUP_READ)):
            op.execute(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({read})")
            op.execute(
                f"CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK ({COORDINATORS})"
            )


def downgrade() -> None:
    op.drop_table("insight_groups")
    op.drop_table("insight_rounds")
    op.drop_table("insight_entries")
