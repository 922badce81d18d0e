"""Alembic environment: the engine comes from grader.db.migrate or from GRADER_* settings."""

from __future__ import annotations

from alembic import context

from grader.db.models import Base

target_metadata = Base.metadata


def _engine():
    engine = context.config.attributes.get("engine")
    if engine is not None:
        return engine
    from grader.config import Config
    from grader.db.session import make_engine

    url = context.config.get_main_option("sqlalchemy.url") or Config.from_env().database_url
    return make_engine(url)


def run_offline() -> None:
    from grader.config import Config

    url = context.config.get_main_option("sqlalchemy.url") or Config.from_env().database_url
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        # SQLite's batch mode copies a table, drops the old one and renames the copy; with
        # foreign keys on, that DROP deletes every row referencing it (ON DELETE CASCADE), so
        # dropping a column of courses would empty assignments. The pragma only takes effect
        # outside a transaction, hence on the raw connection before the migration begins.
        raw = connection.connection.dbapi_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection, target_metadata=target_metadata, render_as_batch=sqlite
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_offline()
else:
    run_online()
