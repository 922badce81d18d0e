"""The same Alembic migrations run up and down on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from grader.db import migrate
from grader.db.models import Base
from grader.db.session import make_engine


def _check_up_and_down(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert {t.name for t in Base.metadata.sorted_tables} <= set(
            inspect(engine).get_table_names()
        )
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_migrations_up_and_down_on_sqlite(tmp_path):
    _check_up_and_down(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_migrations_up_and_down_on_postgres(fresh_postgres_url):
    _check_up_and_down(fresh_postgres_url)


def test_hidden_answers_become_shown_after_the_due_date(tmp_path):
    """0004 keeps each assignment's choice: hide_answers=true meant "after the due date"."""
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        migrate.upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, username, role, created_at) VALUES (1, 'u', 'instructor', '2030-01-01')"
                )
            )
            conn.execute(
                text("INSERT INTO courses (id, title, created_at) VALUES (1, 'c', '2030-01-01')")
            )
            conn.execute(
                text(
                    "INSERT INTO exercises (id, slug, latest_version, created_at) VALUES (1, 'e', 1, '2030-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO exercise_versions (id, exercise_id, version, title, yaml_text,"
                    " sha256, max_score, created_at) VALUES (1, 1, 1, 't', 'y', 's', 1, '2030-01-01')"
                )
            )
            for ident, hide in ((1, True), (2, False)):
                conn.execute(
                    text(
                        "INSERT INTO assignments (id, course_id, exercise_version_id, created_at,"
                        " hide_answers) VALUES (:i, 1, 1, '2030-01-01', :h)"
                    ),
                    {"i": ident, "h": hide},
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, show_answers FROM assignments")).all())
        assert rows == {1: "after_due", 2: "always"}
        migrate.downgrade(engine, "0003")
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, hide_answers FROM assignments")).all())
        assert rows == {1: 1, 2: 0}
    finally:
        engine.dispose()


def test_the_newest_migration_file_names_alembics_head():
    """Commands skip Alembic on an up-to-date database by reading the newest file's revision:
    it must be the head Alembic itself computes."""
    assert migrate.newest_file_revision() == migrate.head_revision()


def test_a_database_is_current_only_at_the_newest_revision(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        assert not migrate.is_current(engine)  # empty: no alembic_version table
        migrate.upgrade_if_needed(engine)
        assert migrate.is_current(engine)
        migrate.downgrade(engine, "-1")
        assert not migrate.is_current(engine)
        migrate.upgrade_if_needed(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
