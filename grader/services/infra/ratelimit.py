"""Throttles shared by every service process, kept in the database: a per-user limit on the
requests that cost grading work, a limit on failed sign-ins per account and per address, and
a limit on unauthenticated LTI login initiations per address.

Each process used to count alone, so N processes allowed N times the limit (40 wrong passwords
got 10 tries before a 429 with two processes). The counts now live in two small tables that
every process reads and updates, one statement at a time.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import case, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from grader.db.core import table_of
from grader.db.models import RateBucket, SignInCounter
from grader.db.session import Database
from grader.services.errors import N_, TooManyRequests

PRUNE_CHANCE = 0.01  # one call in a hundred also deletes what is long past


class RateLimiter:
    """A token bucket per user: `rate` requests per second, in bursts of up to `burst` (default
    twice the rate), shared by every service process.

    With Redis configured (`redis`), one atomic script per request refills the bucket for the
    time passed and takes a token. Otherwise the buckets live in `rate_buckets`, and the writes
    are batched: each process counts its requests against its own copy of a user's bucket and
    adds them to the table every `sync_s` (one transaction for all users), so that a request
    costs no write; once a user's bucket is below half full, each request of theirs is counted
    in the table at once and decided there, so the limit itself stays exact across processes
    (N processes can let through at most N half-bursts more than the limit, once).

    A request finding less than one token is refused, and the level (never below -1) says when
    the next token comes. Refused requests keep the bucket empty, so a client that keeps
    hammering keeps waiting."""

    def __init__(
        self,
        db: Database,
        rate_per_s: float,
        burst: float | None = None,
        *,
        redis: Any = None,
        redis_prefix: str = "grader:",
        sync_s: float = 0.25,
    ):
        self.db = db
        self.rate = rate_per_s
        self.burst = burst if burst is not None else max(1.0, 2 * rate_per_s)
        self.redis = redis
        self.redis_prefix = redis_prefix
        self.sync_s = sync_s
        self._buckets: dict[int, list[float]] = {}  # user -> [level, at, requests not written]
        self._lock = threading.Lock()
        self._next_sync = 0.0
        self._script: Any = None

    def check(self, user_id: int) -> None:
        """Take one token for `user_id`, or raise 429 with the seconds until the next one."""
        if self.rate <= 0:
            return
        level = self._take_redis(user_id) if self.redis is not None else self._take(user_id)
        if level < 0:
            wait = max(1, math.ceil((1.0 - level) / self.rate))
            raise TooManyRequests(
                N_("too many requests; at most %(rate)s per second"),
                values={"rate": f"{self.rate:g}"},
                headers={"Retry-After": str(wait)},
            )

    def _take(self, user_id: int) -> float:
        now = time.time()
        with self._lock:
            bucket = self._buckets.setdefault(user_id, [self.burst, now, 0])
            bucket[0], bucket[1] = _drained(self._refilled(bucket[0], now - bucket[1]), 1), now
            bucket[2] += 1
            exact = bucket[0] < self.burst / 2
            due = now >= self._next_sync
            if due:
                self._next_sync = now + self.sync_s
            users = list(self._buckets) if due else [user_id] if exact else []
            level = bucket[0]
        if users:
            written = self.sync(users, now)
            if exact:
                level = written.get(user_id, level)
        return level

    def _refilled(self, level: float, seconds: float) -> float:
        return min(self.burst, level + seconds * self.rate)

    def sync(self, users: list[int] | None = None, now: float | None = None) -> dict[int, float]:
        """Add the requests counted here to the table (all users, or `users`); returns the
        levels the table holds now."""
        now = time.time() if now is None else now
        with self._lock:
            counts = {}
            for user in self._buckets if users is None else users:
                bucket = self._buckets.get(user)
                if bucket is not None and bucket[2]:
                    counts[user], bucket[2] = int(bucket[2]), 0
            for user in [u for u, b in self._buckets.items() if not b[2] and b[1] < now - 60]:
                del self._buckets[user]  # idle: the table remembers it
        if not counts:
            return {}
        table = table_of(RateBucket)
        dialect = sqlite if self.db.is_sqlite else postgresql
        levels = {}
        with self.db.write() as session:
            for user, count in counts.items():
                stmt = dialect.insert(table).values(
                    key=f"user:{user}", level=max(-1.0, self.burst - count), at=now
                )
                grown = table.c.level + (now - table.c.at) * self.rate
                refilled = case((grown > self.burst, self.burst), else_=grown)
                drained = case((refilled - count < -1, -1.0), else_=refilled - count)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[table.c.key], set_={"level": drained, "at": now}
                ).returning(table.c.level)
                levels[user] = session.execute(stmt).scalar_one()
            if random.random() < PRUNE_CHANCE:  # full buckets of users long gone
                session.execute(delete(table).where(table.c.at < now - 3600))
        with self._lock:
            for user, level in levels.items():
                bucket = self._buckets.setdefault(user, [level, now, 0])
                # what this process counted while the table was written stays to be written
                bucket[0], bucket[1] = _drained(level, bucket[2]), now
        return levels

    def _take_redis(self, user_id: int) -> float:
        if self._script is None:
            self._script = self.redis.register_script(REDIS_BUCKET)
        key = f"{self.redis_prefix}rate:user:{user_id}"
        return float(self._script(keys=[key], args=[self.rate, self.burst, time.time()]))


def _drained(level: float, count: float) -> float:
    """A bucket at `level` after `count` requests (never below -1)."""
    return max(-1.0, level - count) if level >= 0 else -1.0


# Refill for the time passed, take one token; the same arithmetic as the table's upsert.
REDIS_BUCKET = """
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local level = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
level = math.min(burst, level + math.max(0, now - at) * rate)
if level < 0 then level = -1 else level = math.max(-1, level - 1) end
redis.call('HSET', KEYS[1], 'level', level, 'at', now)
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(level)
"""


def count_in_window(
    db: Database, session: Any, key: str, now: float, window_s: float, amount: int = 1
) -> tuple[int, float]:
    """Count `amount` events under `key` in `sign_in_counters`, in one atomic upsert (a window
    older than `window_s` starts again); returns the count and the window's start."""
    table = table_of(SignInCounter)
    dialect = sqlite if db.is_sqlite else postgresql
    expired = table.c.since <= now - window_s
    stmt = (
        dialect.insert(table)
        .values(key=key, count=amount, since=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "since": case((expired, now), else_=table.c.since),
            },
        )
        .returning(table.c.count, table.c.since)
    )
    count, since = session.execute(stmt).one()
    return int(count), float(since)


class SharedWindowLimit:
    """At most `limit` events per key in each window of `window_s`, counted by every service
    process together (one upsert per event in `sign_in_counters`, keys under `prefix`).

    For unauthenticated requests (LTI login initiations): each allowed event costs one row
    update, never a new row beyond one per key and window; once a key is over its limit, this
    process refuses it from memory until the window ends, so a flood costs no writes (each
    process makes at most `limit` + 1 per key and window). Memory holds at most `max_keys`
    refused keys (the oldest are forgotten first; forgetting costs one more write)."""

    def __init__(self, db: Database, prefix: str, window_s: float = 60.0, max_keys: int = 10_000):
        self.db = db
        self.prefix = prefix
        self.window_s = window_s
        self.max_keys = max_keys
        self._refused: OrderedDict[str, float] = OrderedDict()  # key -> end of its window
        self._lock = threading.Lock()

    def check(self, key: str, limit: int, amount: int = 1) -> float | None:
        """Count `amount` events for `key`; None when allowed, else the seconds until its
        window ends (the events are refused, and still counted)."""
        now = time.time()
        key = f"{self.prefix}{key}"[:400]
        with self._lock:
            until = self._refused.get(key)
            if until is not None and until > now:
                return until - now
            self._refused.pop(key, None)
        with self.db.write() as session:
            count, since = count_in_window(self.db, session, key, now, self.window_s, amount)
            if random.random() < PRUNE_CHANCE:
                table = table_of(SignInCounter)
                session.execute(
                    delete(table).where(
                        table.c.key.startswith(self.prefix, autoescape=True),
                        table.c.since < now - self.window_s,
                    )
                )
        if count <= limit:
            return None
        until = since + self.window_s
        with self._lock:
            self._refused[key] = until
            while len(self._refused) > self.max_keys:
                self._refused.popitem(last=False)
        return max(0.0, until - now)


class SignInThrottle:
    """Sign-in attempts counted before the password is checked, in one atomic upsert per key,
    so parallel attempts cannot slip between a check and a count (60 parallel wrong passwords
    got 19 checks against a limit of 5 when the count followed the check).

    Three counters over a fixed window of `window_s`: an account from one address (at most
    `max_failures`), an account from anywhere (ten times as many: distributed guessing), and
    an address (ten times as many, any usernames: password spraying). The two wide locks do
    not apply to a browser that proves the account signed in on it before (a device cookie,
    OWASP's "device cookies"), so 50 wrong guesses at random usernames from a shared address
    (a school's NAT) cannot lock out the people who use it, admin included. A right password
    undoes its own count and clears its account-from-address counter."""

    def __init__(self, db: Database, max_failures: int = 5, window_s: float = 300.0):
        self.db = db
        self.max_failures = max_failures
        self.window_s = window_s

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str, str]:
        name = username.lower()[:150]
        return f"pair:{name}|{address[:100]}", f"account:{name}", f"address:{address[:100]}"

    def _count(self, session: Any, key: str, now: float) -> tuple[int, float]:
        return count_in_window(self.db, session, key, now, self.window_s)

    def attempt(self, username: str, address: str, known_device: bool = False) -> None:
        """Count one attempt, before the password is checked; 429 with Retry-After when it is
        one too many. `known_device`: the browser proves this account signed in on it before
        (a device cookie): the account-wide and address-wide locks do not shut it out."""
        now = time.time()
        pair_key, account_key, address_key = self._keys(username, address)
        with self.db.write() as session:  # always in this order: no deadlock between two
            pair, pair_since = self._count(session, pair_key, now)
            account, account_since = self._count(session, account_key, now)
            by_address, address_since = self._count(session, address_key, now)
            if random.random() < PRUNE_CHANCE:  # its own keys only: others keep longer windows
                table = table_of(SignInCounter)
                session.execute(
                    delete(table).where(
                        or_(
                            *(table.c.key.startswith(p) for p in ("pair:", "account:", "address:"))
                        ),
                        table.c.since < now - self.window_s,
                    )
                )
        wide = 10 * self.max_failures
        for over, since in (
            (pair > self.max_failures, pair_since),
            (account > wide and not known_device, account_since),
            (by_address > wide and not known_device, address_since),
        ):
            if over:
                wait = max(1, math.ceil(since + self.window_s - now))
                raise TooManyRequests(
                    N_("too many failed sign-ins; try again in %(wait)s seconds"),
                    values={"wait": wait},
                    headers={"Retry-After": str(wait)},
                )

    def succeeded(self, username: str, address: str) -> None:
        """A right password: its own attempt no longer counts, nor do earlier failures of
        this account from this address."""
        pair_key, account_key, address_key = self._keys(username, address)
        table = table_of(SignInCounter)
        with self.db.write() as session:
            session.execute(delete(table).where(table.c.key == pair_key))
            session.execute(
                update(table)
                .where(table.c.key.in_((account_key, address_key)), table.c.count > 0)
                .values(count=table.c.count - 1)
            )
