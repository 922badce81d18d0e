"""Engines and sessions: SQLite tuned for a busy single host, PostgreSQL through psycopg 3."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
AUTOCHECKPOINT_PAGES = 20_000
# The WAL file is kept near this size: a checkpoint finding it larger (a burst of writes)
# truncates it, waiting at most TRUNCATE_WAIT_MS for readers (docs/service.md, "Disk").
WAL_LIMIT_BYTES = 8 * 1024 * 1024
TRUNCATE_WAIT_MS = 200


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("pool_size", 16)
    kwargs.setdefault("max_overflow", 16)
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # durable against process crashes in WAL
        # Checkpoints (copying the WAL into the database, with an fsync) ran inside whichever
        # commit crossed 1,000 pages, stalling that request and every writer queued behind it;
        # the service checkpoints from its pool instead (Database.checkpoint), and this higher
        # threshold only keeps the WAL bounded where nothing does.
        cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        # a WAL that grew in a burst is cut back to this after the checkpoint that empties it
        cur.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(IMMEDIATE):
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


# Failures that mean the database cannot be used right now (down, unreachable, or every pooled
# connection busy past the pool's timeout): the API and the pages both answer 503 with
# Retry-After, and nothing was changed.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)

IMMEDIATE = "grader_write"  # execution option: this transaction will write
WRITE_WAIT_S = 10.0


def _begin_immediate(conn: Any) -> None:
    """Take SQLite's write lock up front, waiting in steps of a fraction of a millisecond.

    Several service processes write to one SQLite file. SQLite's own busy handler sleeps
    1, 2, 5, 10 ... 100 ms between tries, which turns brief contention into long stalls; we
    ask without waiting and retry quickly instead. Taking the lock at BEGIN means a write
    transaction never fails halfway for want of it.
    """
    deadline = time.monotonic() + WRITE_WAIT_S
    delay = 0.0001
    raw = conn.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.5, 0.002)
    finally:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


class Database:
    """An engine and its session factory, shared by the app, the pool and the CLI."""

    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time: threads of this process queue for it here, in
        # order, instead of polling the file lock against each other.
        self._writer = threading.Lock() if self.is_sqlite else contextlib.nullcontext()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def read(self) -> Session:
        """A session for reading: `with db.read() as session:` (nothing is committed)."""
        return self._sessions()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for writing, committed on success and rolled back on any error.

        On SQLite it holds the write lock from the start (see `_begin_immediate`).
        """
        with self._writer, self._sessions() as session:
            try:
                if self.is_sqlite:
                    session.connection(execution_options={IMMEDIATE: True})
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def checkpoint(self) -> None:
        """Copy the SQLite WAL into the database without blocking writers (PASSIVE); after a
        burst (the WAL file over WAL_LIMIT_BYTES) truncate it, waiting briefly for readers."""
        if not self.is_sqlite:
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            if self.wal_bytes() > WAL_LIMIT_BYTES:
                raw: Any = conn.connection.dbapi_connection
                raw.execute(f"PRAGMA busy_timeout={TRUNCATE_WAIT_MS}")
                try:
                    with self._writer:
                        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.OperationalError:
                    pass  # readers kept it busy: the next checkpoint tries again
                finally:
                    raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")

    def wal_bytes(self) -> int:
        """The size of the SQLite WAL file (0 when there is none)."""
        database = make_url(self.url).database
        try:
            return Path(f"{database}-wal").stat().st_size if database else 0
        except OSError:
            return 0

    def dispose(self) -> None:
        self.engine.dispose()
