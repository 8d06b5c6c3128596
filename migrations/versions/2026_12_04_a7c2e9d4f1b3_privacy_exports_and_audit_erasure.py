"""personal exports; pseudonymising audit events of an erased person

What and why: `personal_exports` holds a person's subject access bundles (encrypted), visible
to that person alone (like special-category data). Audit events stay append-only for the app:
no policy lets the runtime role update or delete one. Erasure must still pseudonymise the
names and emails an event holds (actor_name, reason, data), so the tables' owner provides
`app_pseudonymise_audit`, a SECURITY DEFINER function that rewrites only those three columns,
only with the erased person's own traces, and only once their staff record carries the
erased address (set by the same transaction's erasure). The owner's own UPDATE policy on
audit_events exists for this function alone; the app is not the owner. Additive.

Revision ID: a7c2e9d4f1b3
Revises: 9242bb4ccaf5
Create Date: 2026-12-04 01:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import consortium.core.db

revision = "a7c2e9d4f1b3"
down_revision = "9242bb4ccaf5"
branch_labels = None
depends_on = None

PERSON = "app_all_tenants() OR person_id = app_person_id()"

# Each string and key of a JSON value, never its text: a pattern matching inside an escape
# (a one-letter name and "\\n") would leave invalid JSON.
SCRUB_JSONB = r"""
CREATE FUNCTION app_scrub_jsonb(j jsonb, p text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = public, pg_temp AS $$
BEGIN
    CASE jsonb_typeof(j)
        WHEN 'string' THEN
            RETURN to_jsonb(regexp_replace(j #>> '{}', p, '[erased]', 'gi'));
        WHEN 'array' THEN
            RETURN (SELECT coalesce(jsonb_agg(app_scrub_jsonb(e, p) ORDER BY i), '[]'::jsonb)
                    FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, i));
        WHEN 'object' THEN
            RETURN (SELECT coalesce(jsonb_object_agg(regexp_replace(k, p, '[erased]', 'gi'),
                                                     app_scrub_jsonb(v, p)), '{}'::jsonb)
                    FROM jsonb_each(j) AS t(k, v));
        ELSE
            RETURN j;
    END CASE;
END
$$;
"""

PSEUDONYMISE = r"""
CREATE FUNCTION app_pseudonymise_audit(p_person uuid, p_needles text[], p_pattern text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed integer;
BEGIN
    -- Only for someone already erased: the app cannot use this to rewrite anyone's history.
    IF NOT EXISTS (
        SELECT 1 FROM people WHERE id = p_person
        AND email = 'erased-' || replace(p_person::text, '-', '') || '@erased.invalid'
    ) THEN
        RAISE EXCEPTION 'person % is not erased', p_person;
    END IF;
    IF p_pattern IS NULL OR p_pattern = '' THEN
        RAISE EXCEPTION 'nothing to pseudonymise';
    END IF;
    -- An event is about them when any of its text holds their id, email or full name.
    UPDATE audit_events SET
        actor_name = left(regexp_replace(actor_name, p_pattern, '[erased]', 'gi'), 200),
        reason = regexp_replace(reason, p_pattern, '[erased]', 'gi'),
        data = app_scrub_jsonb(data, p_pattern)
    WHERE EXISTS (
        SELECT 1 FROM unnest(p_needles) AS needle
        WHERE position(needle IN lower(actor || ' ' || actor_name || ' '
            || coalesce(reason, '') || ' ' || data::text)) > 0
    );
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "personal_exports",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("bundle_encrypted", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consortium.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_personal_exports_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_personal_exports_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_personal_exports_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_exports")),
    )
    op.create_index(
        op.f("ix_personal_exports_organisation_id"),
        "personal_exports",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_personal_exports_person_id"), "personal_exports", ["person_id"], unique=False
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE personal_exports ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE personal_exports FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON personal_exports USING ({PERSON}) WITH CHECK ({PERSON})"
    )
    # FORCEd row-level security binds the owner too: this policy lets the owner's function
    # (and only the owner) update audit events; the runtime role still has none.
    op.execute(
        "CREATE POLICY owner_pseudonymise ON audit_events FOR UPDATE TO CURRENT_USER"
        " USING (true) WITH CHECK (true)"
    )
    op.execute(SCRUB_JSONB)
    op.execute(PSEUDONYMISE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION app_pseudonymise_audit(uuid, text[], text)")
        op.execute("DROP FUNCTION app_scrub_jsonb(jsonb, text)")
        op.execute("DROP POLICY owner_pseudonymise ON audit_events")
    op.drop_index(op.f("ix_personal_exports_person_id"), table_name="personal_exports")
    op.drop_index(op.f("ix_personal_exports_organisation_id"), table_name="personal_exports")
    op.drop_table("personal_exports")
