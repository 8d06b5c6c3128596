"""Jobs: a `retrying` status, when the next attempt is due, and a check on the status

What and why: a failed attempt used to put the job back to `enqueued`, so a job between attempts
read as if nothing had happened. Jobs gain `next_attempt_at` (nullable) and a check constraint
naming every status the code writes, `retrying` included. Rows left `enqueued` after a failed
attempt (their `error` set) become `retrying`, so they read the same as new ones.

Revision ID: b7e2c41d9a05
Revises: 77406371148a
Create Date: 2026-11-22 09:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import consortium.core.db

revision = "b7e2c41d9a05"
down_revision = "77406371148a"
branch_labels = None
depends_on = None

STATUSES = "('pending', 'enqueued', 'running', 'retrying', 'succeeded', 'failed')"


def upgrade() -> None:
    op.execute(
        "UPDATE jobs SET status = 'retrying' WHERE status = 'enqueued' AND error IS NOT NULL"
    )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column(
                "next_attempt_at", consortium.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.create_check_constraint(op.f("ck_jobs_status"), f"status IN {STATUSES}")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(op.f("ck_jobs_status"), type_="check")
        batch.drop_column("next_attempt_at")
    op.execute("UPDATE jobs SET status = 'enqueued' WHERE status = 'retrying'")
