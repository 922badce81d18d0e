"""Leases: named work that one process at a time may do, across every service process (one
roster import per course), kept in the `leases` table.

Taking a lease is one atomic upsert that succeeds only when the key is free or its holder's
time ran out (a process that died lets go after `ttl_s`), so parallel requests are refused
before they start the expensive part of their work, not after it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from grader.db.core import table_of
from grader.db.models import Lease
from grader.db.session import Database


@dataclass(frozen=True)
class Taken:
    """A key someone else holds, and since when (epoch seconds)."""

    key: str
    since: float


class _Busy(Exception):
    def __init__(self, taken: Taken):
        super().__init__(taken.key)
        self.taken = taken


@contextmanager
def held(db: Database, keys: Sequence[str], ttl_s: float) -> Iterator[Taken | None]:
    """Hold every one of `keys` for the block, or none of them: yields None when all were
    taken here, else the first key someone else holds (nothing is held then)."""
    holder = uuid.uuid4().hex
    table = table_of(Lease)
    dialect = sqlite if db.is_sqlite else postgresql
    now = time.time()
    busy: Taken | None = None
    try:
        with db.write() as session:
            for key in keys:
                stmt = (
                    dialect.insert(table)
                    .values(key=key, holder=holder, since=now, until=now + ttl_s)
                    .on_conflict_do_update(
                        index_elements=[table.c.key],
                        set_={"holder": holder, "since": now, "until": now + ttl_s},
                        where=table.c.until < now,
                    )
                    .returning(table.c.holder)
                )
                if session.execute(stmt).scalar() != holder:
                    since = session.scalar(select(table.c.since).where(table.c.key == key))
                    raise _Busy(Taken(key, float(since if since is not None else now)))
    except _Busy as exc:  # rolled back: the keys taken before this one are free again
        busy = exc.taken
    if busy is not None:
        yield busy
        return
    try:
        yield None
    finally:
        with db.write() as session:
            session.execute(delete(table).where(table.c.key.in_(keys), table.c.holder == holder))
