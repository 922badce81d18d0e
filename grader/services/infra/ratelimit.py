"""Throttles shared by every service process, kept in the database: a per-user limit on the
requests that cost grading work, and a limit on failed sign-ins per account and per address.

Each process used to count alone, so N processes allowed N times the limit (40 wrong passwords
got 10 tries before a 429 with two processes). The counts now live in two small tables that
every process reads and updates, one statement at a time.
"""

from __future__ import annotations

import math
import random
import time

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from grader.db.models import RateBucket, SignInFailure
from grader.db.session import Database
from grader.services.errors import TooManyRequests

PRUNE_CHANCE = 0.01  # one call in a hundred also deletes what is long past


class RateLimiter:
    """A token bucket per user in `rate_buckets`: `rate` requests per second, in bursts of up
    to `burst` (default twice the rate).

    One upsert refills the bucket for the time passed and takes a token: a request finding
    less than one is refused, and its level (never below -1) says when the next token comes.
    Refused requests keep the bucket empty, so a client that keeps hammering keeps waiting.
    Being one statement, simultaneous requests in several processes count one at a time."""

    def __init__(self, db: Database, rate_per_s: float, burst: float | None = None):
        self.db = db
        self.rate = rate_per_s
        self.burst = burst if burst is not None else max(1.0, 2 * rate_per_s)

    def check(self, user_id: int) -> None:
        """Take one token for `user_id`, or raise 429 with the seconds until the next one."""
        if self.rate <= 0:
            return
        now = time.time()
        table = RateBucket.__table__
        dialect = sqlite if self.db.is_sqlite else postgresql
        stmt = dialect.insert(table).values(key=f"user:{user_id}", level=self.burst - 1, at=now)
        grown = table.c.level + (now - table.c.at) * self.rate
        refilled = case((grown > self.burst, self.burst), else_=grown)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"level": case((refilled < 0, -1.0), else_=refilled - 1), "at": now},
        ).returning(table.c.level)
        with self.db.write() as session:
            level = session.execute(stmt).scalar_one()
            if random.random() < PRUNE_CHANCE:  # full buckets of users long gone
                session.execute(delete(table).where(table.c.at < now - 3600))
        if level < 0:
            wait = max(1, math.ceil((1.0 - level) / self.rate))
            raise TooManyRequests(
                f"too many requests; at most {self.rate:g} per second",
                headers={"Retry-After": str(wait)},
            )


class SignInThrottle:
    """Failed sign-ins over a sliding window: at most `max_failures` per username from one
    address, and ten times as many per address (any usernames)."""

    def __init__(self, db: Database, max_failures: int = 5, window_s: float = 300.0):
        self.db = db
        self.max_failures = max_failures
        self.window_s = window_s

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"account:{username.lower()}|{address}", f"address:{address}"

    def check(self, username: str, address: str) -> None:
        """Refuse with 429 and Retry-After while either limit is reached."""
        now = time.time()
        table = SignInFailure.__table__
        limits = zip(self._keys(username, address), (1, 10), strict=True)
        with self.db.read() as session:
            for key, factor in limits:
                count, first = session.execute(
                    select(func.count(), func.min(table.c.at)).where(
                        table.c.key == key, table.c.at > now - self.window_s
                    )
                ).one()
                if count >= self.max_failures * factor:
                    wait = max(1, math.ceil(first + self.window_s - now))
                    raise TooManyRequests(
                        f"too many failed sign-ins; try again in {wait} seconds",
                        headers={"Retry-After": str(wait)},
                    )

    def failed(self, username: str, address: str) -> None:
        now = time.time()
        table = SignInFailure.__table__
        with self.db.write() as session:
            session.execute(
                insert(table), [{"key": key, "at": now} for key in self._keys(username, address)]
            )
            if random.random() < PRUNE_CHANCE:
                session.execute(delete(table).where(table.c.at < now - self.window_s))

    def succeeded(self, username: str, address: str) -> None:
        """A correct password clears this account's failures from this address."""
        with self.db.write() as session:
            session.execute(
                delete(SignInFailure.__table__).where(
                    SignInFailure.key == self._keys(username, address)[0]
                )
            )
