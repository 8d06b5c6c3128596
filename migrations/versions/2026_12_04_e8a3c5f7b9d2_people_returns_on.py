"""People: returns_on

What and why: return-to-work programmes take applications in a window around the person's
return date (issue 17), so a staff record may say when the person returns (or returned) from
a long absence. Nullable, no default: nothing is recorded for existing records.

Revision ID: e8a3c5f7b9d2
Revises: d4f6b8a1c3e5
Create Date: 2026-12-04 02:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e8a3c5f7b9d2"
down_revision = "d4f6b8a1c3e5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("returns_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "returns_on")
