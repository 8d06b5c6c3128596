"""People: preceptor and clinical supervisor

What and why: a mentee's preceptor or clinical supervisor is excluded as their mentor, as a
line manager is (issue 17). Two nullable self-references, cleared when the named person is
deleted; not indexed, like line_manager_id (read from the person's own row, never searched by).

Revision ID: d4f6b8a1c3e5
Revises: c7e2a9d5f1b4
Create Date: 2026-12-04 02:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d4f6b8a1c3e5"
down_revision = "c7e2a9d5f1b4"
branch_labels = None
depends_on = None

COLUMNS = ("preceptor_id", "clinical_supervisor_id")


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Uuid(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_people_{name}_people"), "people", [name], ["id"], ondelete="SET NULL"
            )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        for name in reversed(COLUMNS):
            batch.drop_constraint(op.f(f"fk_people_{name}_people"), type_="foreignkey")
            batch.drop_column(name)
