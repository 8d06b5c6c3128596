"""Jobs: progress

What and why: a long job (a consortium report built in the background) tells its caller how
far it has got. While it runs the figure lives in Redis (the job's row is locked until it
ends); `progress` keeps the last one reported once it succeeds. A nullable column: no rewrite.

Revision ID: 5d1e8c2a9f47
Revises: a7c2e9d4b1f3
Create Date: 2026-12-04 01:40:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5d1e8c2a9f47"
down_revision = "a7c2e9d4b1f3"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("jobs", sa.Column("progress", JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "progress")
