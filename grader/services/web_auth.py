"""Password sign-in for the web pages: argon2 hashes and a throttle on failed sign-ins."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from grader.db.models import User
from grader.services.context import Actor, Services
from grader.services.errors import Invalid, NotFound, TooManyRequests, Unauthorized

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
_hasher = PasswordHasher()
_dummy_hash: list[str] = []  # verified for unknown users so timing does not reveal them


def password_stamp(password_hash: str | None) -> str:
    """A short fingerprint of the stored hash: sessions die when the password changes."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def set_password(svc: Services, username: str, password: str) -> str:
    """Store an argon2 hash of `password` for `username`; returns the hash."""
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise Invalid(f"a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")
    with svc.db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        user.password_hash = _hasher.hash(password)
        return user.password_hash


def _verify(stored: str | None, password: str) -> bool:
    if stored is None:
        if not _dummy_hash:
            _dummy_hash.append(_hasher.hash("no such user"))
        stored = _dummy_hash[0]
        password = "\x00" + password  # never matches
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(svc: Services, username: str, password: str) -> tuple[Actor, str]:
    """The actor for a correct username and password, and its password stamp; else 401."""
    with svc.db.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user else None
    if not _verify(stored, password[:MAX_PASSWORD_CHARS]) or user is None:
        raise Unauthorized("wrong username or password")
    if _hasher.check_needs_rehash(stored):
        stored = set_password(svc, username, password)
    return Actor(user.id, user.username, user.role), password_stamp(stored)


def session_actor(svc: Services, user_id: int, stamp: str) -> Actor | None:
    """The signed-in actor, or None when the user is gone or changed their password."""
    with svc.db.sessions() as session:
        user = session.get(User, user_id)
    if user is None or user.password_hash is None or password_stamp(user.password_hash) != stamp:
        return None
    return Actor(user.id, user.username, user.role)


class LoginThrottle:
    """At most `max_failures` failed sign-ins per key (username, address) per `window_s`."""

    def __init__(self, max_failures: int = 5, window_s: float = 300.0):
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def check(self, *keys: str) -> None:
        """Refuse with 429 and Retry-After while any key has too many recent failures."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = math.ceil(times[0] + self.window_s - now)
                    raise TooManyRequests(
                        f"too many failed sign-ins; try again in {wait} seconds",
                        headers={"Retry-After": str(wait)},
                    )

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 100_000:
                self._failures.clear()
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
