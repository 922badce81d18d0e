"""Throttles in this process: a per-user token bucket for the endpoints that cost grading work,
and a limit on failed sign-ins per account and per address."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from grader.services.errors import TooManyRequests


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: float | None = None):
        self.rate = rate_per_s
        self.burst = burst if burst is not None else max(1.0, 2 * rate_per_s)
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, user_id: int) -> None:
        """Take one token for `user_id`, or raise 429 with the seconds until the next one."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            level, at = self._buckets.get(user_id, (self.burst, now))
            level = min(self.burst, level + (now - at) * self.rate)
            if level < 1.0:
                wait = math.ceil((1.0 - level) / self.rate)
                raise TooManyRequests(
                    f"too many requests; at most {self.rate:g} per second",
                    headers={"Retry-After": str(wait)},
                )
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            self._buckets[user_id] = (level - 1.0, now)


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


class SignInThrottle:
    """Failed sign-ins: per username from one address, and (ten times as many) per address."""

    def __init__(self, max_failures: int = 5, window_s: float = 300.0):
        self.per_account = LoginThrottle(max_failures, window_s)
        self.per_address = LoginThrottle(10 * max_failures, window_s)

    @staticmethod
    def _account(username: str, address: str) -> str:
        return f"{username.lower()}|{address}"

    def check(self, username: str, address: str) -> None:
        """Refuse with 429 and Retry-After while either limit is reached."""
        self.per_account.check(self._account(username, address))
        self.per_address.check(address)

    def failed(self, username: str, address: str) -> None:
        self.per_account.failed(self._account(username, address))
        self.per_address.failed(address)

    def succeeded(self, username: str, address: str) -> None:
        self.per_account.succeeded(self._account(username, address))
