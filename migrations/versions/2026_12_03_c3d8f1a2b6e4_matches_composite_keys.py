"""Pairings' copies checked against their source by composite keys; the audit trail keyless

What and why: a pairing copies its programme's consortium and its mentor profile's person and
organisation, and row-level security reads those copies. Five single-column foreign keys
become two composite ones, (programme_id, consortium_id) -> programmes and (mentor_profile_id,
mentor_person_id, mentor_organisation_id) -> mentor_profiles, so the copies must agree with the
source row (they were never checked against it) and a matching run's bulk insert makes one
check per key instead of five. `matches.mentor_person_id` becomes NOT NULL (every pairing has
its mentor; a NULL would exempt the row from the composite check). Audit events lose their
foreign keys: the trail outlives what it records, so removing an organisation or a consortium no
longer erases its history. Existing rows whose copies disagree are repaired from the source first,
so the keys can be validated; deletes cascade exactly as before (through the profile or the
programme). Safe on live data: the new unique constraints are on tables of thousands of rows.

Revision ID: c3d8f1a2b6e4
Revises: 8b9f39e13f3c
Create Date: 2026-12-03 13:50:47.613928
"""

import sqlalchemy as sa
from alembic import op

revision = "c3d8f1a2b6e4"
down_revision = "8b9f39e13f3c"
branch_labels = None
depends_on = None

AUDIT_KEYS = (
    ("fk_audit_events_consortium_id_consortia", "consortia", "consortium_id"),
    ("fk_audit_events_organisation_id_organisations", "organisations", "organisation_id"),
    (
        "fk_audit_events_other_organisation_id_organisations",
        "organisations",
        "other_organisation_id",
    ),
)
MATCH_KEYS = (
    ("fk_matches_consortium_id_consortia", "consortia", "consortium_id"),
    ("fk_matches_programme_id_programmes", "programmes", "programme_id"),
    ("fk_matches_mentor_profile_id_mentor_profiles", "mentor_profiles", "mentor_profile_id"),
    ("fk_matches_mentor_person_id_people", "people", "mentor_person_id"),
    ("fk_matches_mentor_organisation_id_organisations", "organisations", "mentor_organisation_id"),
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # The owner is filtered too (FORCE ROW LEVEL SECURITY): the repair reads every tenant.
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
    op.execute(
        "UPDATE matches SET"
        " mentor_person_id = (SELECT p.person_id FROM mentor_profiles p"
        " WHERE p.id = matches.mentor_profile_id),"
        " mentor_organisation_id = (SELECT p.organisation_id FROM mentor_profiles p"
        " WHERE p.id = matches.mentor_profile_id),"
        " consortium_id = (SELECT g.consortium_id FROM programmes g"
        " WHERE g.id = matches.programme_id)"
        " WHERE mentor_person_id IS NULL OR NOT EXISTS (SELECT 1 FROM mentor_profiles p"
        " WHERE p.id = matches.mentor_profile_id AND p.person_id = matches.mentor_person_id"
        " AND p.organisation_id = matches.mentor_organisation_id)"
        " OR NOT EXISTS (SELECT 1 FROM programmes g WHERE g.id = matches.programme_id"
        " AND g.consortium_id = matches.consortium_id)"
    )
    if postgresql:
        op.execute("SELECT set_config('app.all_tenants', '', true)")
    with op.batch_alter_table("programmes") as batch:
        batch.create_unique_constraint(
            op.f("uq_programmes_id_consortium_id"), ["id", "consortium_id"]
        )
    with op.batch_alter_table("mentor_profiles") as batch:
        batch.create_unique_constraint(
            op.f("uq_mentor_profiles_id_person_id_organisation_id"),
            ["id", "person_id", "organisation_id"],
        )
    with op.batch_alter_table("audit_events") as batch:
        for name, _, _ in AUDIT_KEYS:
            batch.drop_constraint(op.f(name), type_="foreignkey")
    with op.batch_alter_table("matches") as batch:
        batch.alter_column("mentor_person_id", existing_type=sa.Uuid(), nullable=False)
        for name, _, _ in MATCH_KEYS:
            batch.drop_constraint(op.f(name), type_="foreignkey")
        batch.create_foreign_key(
            "fk_matches_programme_in_consortium",
            "programmes",
            ["programme_id", "consortium_id"],
            ["id", "consortium_id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            "fk_matches_mentor_of_profile",
            "mentor_profiles",
            ["mentor_profile_id", "mentor_person_id", "mentor_organisation_id"],
            ["id", "person_id", "organisation_id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("matches") as batch:
        batch.drop_constraint("fk_matches_mentor_of_profile", type_="foreignkey")
        batch.drop_constraint("fk_matches_programme_in_consortium", type_="foreignkey")
        for name, table, column in MATCH_KEYS:
            batch.create_foreign_key(op.f(name), table, [column], ["id"], ondelete="CASCADE")
        batch.alter_column("mentor_person_id", existing_type=sa.Uuid(), nullable=True)
    # Events whose organisation or consortium was removed meanwhile cannot keep a key to it.
    # The trail has no DELETE policy, so the owner steps outside row-level security for this.
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY")
    for _, table, column in AUDIT_KEYS:
        op.execute(
            f"DELETE FROM audit_events WHERE {column} IS NOT NULL"  # noqa: S608 - constants
            f" AND {column} NOT IN (SELECT id FROM {table})"
        )
    if postgresql:
        op.execute("ALTER TABLE audit_events FORCE ROW LEVEL SECURITY")
    with op.batch_alter_table("audit_events") as batch:
        for name, table, column in AUDIT_KEYS:
            batch.create_foreign_key(op.f(name), table, [column], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("mentor_profiles") as batch:
        batch.drop_constraint(
            op.f("uq_mentor_profiles_id_person_id_organisation_id"), type_="unique"
        )
    with op.batch_alter_table("programmes") as batch:
        batch.drop_constraint(op.f("uq_programmes_id_consortium_id"), type_="unique")
