"""People: started_on

What and why: graduate and new-starter programmes admit staff who started within some months
(issue 17), so a staff record may say when the person started. Nullable, no default: an
existing record has none recorded, and such a programme asks for it.

Revision ID: c7e2a9d5f1b4
Revises: b3d8f1a6c2e9
Create Date: 2026-12-04 02:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c7e2a9d5f1b4"
down_revision = "b3d8f1a6c2e9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("started_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "started_on")
