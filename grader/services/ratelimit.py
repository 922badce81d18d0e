"""A per-user token bucket in this process, for the endpoints that cost grading work."""

from __future__ import annotations

import math
import threading
import time

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
