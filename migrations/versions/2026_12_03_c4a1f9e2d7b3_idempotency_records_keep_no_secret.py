"""Idempotency records keep no secret: strip client_secret from stored responses

What and why: an API client created with an Idempotency-Key had its response stored in
`idempotency_keys` for 24 hours, plaintext `client_secret` included. The app no longer stores
shown-once fields (and refuses to replay such a response); this takes the secret out of the
records written before. The records stay, so a repeat within their lifetime is still refused
rather than creating a second client. Downgrade has nothing to restore.

Revision ID: c4a1f9e2d7b3
Revises: c3d8f1a2b6e4
Create Date: 2026-12-03 12:00:00.000000
"""

from alembic import op

revision = "c4a1f9e2d7b3"
down_revision = "c3d8f1a2b6e4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Row-level security is FORCEd, for the owner too: this change is for every tenant.
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")
        # Only bodies that are a JSON object holding the key (all the app ever stored).
        op.execute(
            "UPDATE idempotency_keys SET response_body = "
            "(response_body::jsonb - 'client_secret')::text "
            "WHERE response_body LIKE '{%\"client_secret\"%'"
        )
    else:
        op.execute(
            "UPDATE idempotency_keys SET response_body = "
            "json_remove(response_body, '$.client_secret') "
            "WHERE response_body LIKE '{%\"client_secret\"%'"
        )


def downgrade() -> None:
    """The secrets are gone; nothing to put back."""
