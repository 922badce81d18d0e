"""Counts kept in this process only, for limits that must cost no write anywhere (an
unauthenticated request must not be able to fill a table): fixed windows per key, with a
bounded number of keys (the least recently seen are forgotten first).

Each service process counts alone, so N processes allow N times the limit; the limits that
must hold across processes live in the database (ratelimit.py)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

MAX_KEYS = 10_000


class WindowCounts:
    def __init__(self, max_keys: int = MAX_KEYS):
        self.max_keys = max_keys
        self._counts: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str, limit: int, window_s: float) -> bool:
        """Count one event for `key`; False once the window already holds `limit`."""
        now = time.monotonic()
        with self._lock:
            start, count = self._counts.pop(key, (now, 0))
            if now - start >= window_s:
                start, count = now, 0
            count += 1
            self._counts[key] = (start, count)
            while len(self._counts) > self.max_keys:
                self._counts.popitem(last=False)
        return count <= limit
