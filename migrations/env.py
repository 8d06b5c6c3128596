"""Alembic environment: runs with the URL `flask db upgrade` passes (MIGRATION_DATABASE_URL)."""

from alembic import context
from sqlalchemy import create_engine, pool

from consortium.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            # Fail fast instead of queueing behind a long lock on a busy production table.
            transaction_per_migration=True,
        )
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET lock_timeout = '5s'")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
