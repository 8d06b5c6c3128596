"""Lists: an index per list on its filter column then its order, for keyset pagination

What and why: lists now page by keyset (`WHERE (created_at, id) > (:a, :b) ORDER BY created_at,
id LIMIT n + 1`, see consortium/core/pagination.py) instead of OFFSET and a full count. Each
index below leads with the column a list is scoped by (its tenant or parent) and follows the
list's ORDER BY, so a page of any depth is an index range scan with no sort. Where the leading
column had a plain index of its own, the new one replaces it (it serves every lookup that did).

On PostgreSQL the indexes are built and dropped CONCURRENTLY, outside a transaction, so writes
to a busy table are not blocked while they build (a failed build leaves an INVALID index:
drop it and run the upgrade again).

Revision ID: 8b9f39e13f3c
Revises: b7e2c41d9a05
Create Date: 2026-12-03 10:00:00.000000
"""

from alembic import op

revision = "8b9f39e13f3c"
down_revision = "b7e2c41d9a05"
branch_labels = None
depends_on = None

# (table, columns): named ix_<table>_<columns> by the metadata's naming convention.
INDEXES = [
    ("people", ("organisation_id", "created_at", "id")),
    ("organisations", ("name", "id")),
    ("consortia", ("name", "id")),
    ("mentor_profiles", ("organisation_id", "created_at", "id")),
    ("cpd_entries", ("profile_id", "held_on", "created_at", "id")),
    ("programmes", ("consortium_id", "created_at", "id")),
    ("applications", ("programme_id", "created_at", "id")),
    ("matching_runs", ("programme_id", "created_at", "id")),
    ("matches", ("programme_id", "created_at", "id")),
    ("audit_events", ("organisation_id", "created_at", "id")),
    ("consents", ("person_id", "given_at", "id")),
    ("mentoring_sessions", ("match_id", "starts_at", "id")),
    ("session_notes", ("session_id", "created_at", "id")),
    ("session_actions", ("session_id", "created_at", "id")),
]
# Plain indexes the new ones lead with the same column of, so replace.
REPLACED = [
    ("mentor_profiles", "organisation_id"),
    ("cpd_entries", "profile_id"),
    ("programmes", "consortium_id"),
    ("applications", "programme_id"),
    ("matching_runs", "programme_id"),
    ("matches", "programme_id"),
    ("audit_events", "organisation_id"),
]


def _name(table: str, columns: tuple[str, ...]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for table, columns in INDEXES:
            op.create_index(
                _name(table, columns), table, list(columns), postgresql_concurrently=True
            )
        for table, column in REPLACED:
            op.drop_index(_name(table, (column,)), table_name=table, postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for table, column in REPLACED:
            op.create_index(
                _name(table, (column,)), table, [column], postgresql_concurrently=True
            )
        for table, columns in INDEXES:
            op.drop_index(_name(table, columns), table_name=table, postgresql_concurrently=True)
