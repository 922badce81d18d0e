"""The SQLite WAL stays bounded: a burst of writes grows it, the next checkpoint cuts it back
(it used to stay at its largest: 24 MB beside a 2.6 MB database, 76 MB after a flood)."""

from __future__ import annotations

from sqlalchemy import text

from grader.db.session import WAL_LIMIT_BYTES, Database


def test_a_checkpoint_after_a_burst_truncates_the_wal(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'burst.db'}")
    try:
        with db.write() as session:
            session.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)"))
        chunk = b"x" * 100_000
        for _ in range(20):  # about 12 MB of WAL, in several transactions (a flood)
            with db.write() as session:
                for _ in range(6):
                    session.execute(text("INSERT INTO blobs (data) VALUES (:d)"), {"d": chunk})
        assert db.wal_bytes() > WAL_LIMIT_BYTES
        db.checkpoint()
        assert db.wal_bytes() <= WAL_LIMIT_BYTES
        with db.read() as session:  # nothing lost
            assert session.execute(text("SELECT count(*) FROM blobs")).scalar_one() == 120
    finally:
        db.dispose()
