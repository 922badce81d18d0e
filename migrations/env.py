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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
