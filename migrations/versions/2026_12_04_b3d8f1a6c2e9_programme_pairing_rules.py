"""Programmes: pairing rules a programme can switch on

What and why: issue 17's rules per programme type. A programme may require a mentor of a
different discipline (profession), one outside the mentee's immediate system (another
organisation in another sector), and a mentor seniority floor (board mentoring). Booleans
with a server default false and a nullable integer: existing programmes keep matching as
before, no rewrite of the rows' meaning.

Revision ID: b3d8f1a6c2e9
Revises: a7c3e1f09b42
Create Date: 2026-12-04 02:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b3d8f1a6c2e9"
down_revision = "a7c3e1f09b42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.add_column(
            sa.Column(
                "different_discipline_required",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(
            sa.Column(
                "outside_system_required", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(sa.Column("mentor_seniority_min", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_programmes_mentor_seniority_min"), "mentor_seniority_min BETWEEN 1 AND 9"
        )


def downgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.drop_constraint(op.f("ck_programmes_mentor_seniority_min"), type_="check")
        batch.drop_column("mentor_seniority_min")
        batch.drop_column("outside_system_required")
        batch.drop_column("different_discipline_required")
