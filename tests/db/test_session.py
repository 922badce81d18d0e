"""SQLite connections get WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from grader.db.models import Membership
from grader.db.session import SQLITE_BUSY_TIMEOUT_MS, Database


def test_sqlite_pragmas(sqlite_url):
    db = Database(sqlite_url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    db.dispose()


def test_foreign_keys_are_enforced(database_url):
    db = Database(database_url)
    with pytest.raises(IntegrityError), db.write() as session:
        session.add(Membership(course_id=12345, user_id=67890, role="student"))
    db.dispose()
