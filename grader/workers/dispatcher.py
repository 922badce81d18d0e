"""The Celery dispatcher: the web process sends batches of submission ids through Redis.

Submissions accepted within `flush_ms` of each other travel as one task (up to the batch size),
so a worker grades them in one vectorised pass. A send that fails (Redis down) is retried each
second; the rows are already committed as `queued`, and the periodic sweep (run here, by one
web process at a time thanks to a Redis lock) sends anything still left behind.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from grader.services.broker import redis_client
from grader.services.context import Services
from grader.services.sweep import sweep
from grader.workers.celery_app import configure
from grader.workers.runtime import TASK

log = logging.getLogger(__name__)
MAX_PENDING = 200_000  # ids held for resending while Redis is down (the sweep has the rest)


class CeleryDispatcher:
    notifies_completion = False  # workers are other processes: ?wait polls the table

    def __init__(self, svc: Services):
        self.svc = svc
        self.options = svc.config.celery
        self.app = configure(svc.config)
        self.redis = redis_client(svc.config, self.options)
        self._pending: list[int] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_sweep = 0.0
        self.sent = 0

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="grader-dispatch", daemon=True)
            self._thread.start()

    def submitted(self, submission_ids: list[int]) -> None:
        with self._lock:
            self._pending.extend(submission_ids)
            del self._pending[:-MAX_PENDING]
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self.flush()
        self.app.close()

    def send(self, ids: list[int]) -> None:
        """Publish one grading task now (raises when the broker is unreachable)."""
        self.app.send_task(TASK, args=[ids], retry=False)
        self.sent += len(ids)

    def flush(self) -> bool:
        """Send everything pending in batches; False (ids kept) when the broker is down."""
        with self._lock:
            ids, self._pending = self._pending, []
        size = self.svc.config.batch_size
        for start in range(0, len(ids), size):
            try:
                self.send(ids[start : start + size])
            except Exception as exc:
                log.warning("broker unreachable, %s submission(s) wait: %s", len(ids) - start, exc)
                with self._lock:
                    self._pending[:0] = ids[start:]
                return False
        return True

    def sweep_now(self) -> Any:
        """One sweep if no other web process swept within the interval (a Redis lock)."""
        interval = self.options.sweep_interval_s
        key = self.options.redis_prefix + "sweep-lock"
        if not self.redis.set(key, os.getpid(), nx=True, px=int(interval * 1000)):
            return None
        depth = int(self.redis.llen(self.options.redis_prefix + self.options.queue))
        result = sweep(
            self.svc,
            self.send,
            stuck_after_s=max(self.options.stuck_after_s, self.svc.config.stuck_after_s),
            redispatch_after_s=self.options.redispatch_after_s,
            broker_depth=depth,
        )
        if result.requeued or result.failed or result.dispatched:
            log.warning("sweep: %s", result)
        return result

    def _run(self) -> None:
        flush_s = self.options.flush_ms / 1000
        while not self._stop.is_set():
            woke = self._wake.wait(1.0)
            self._wake.clear()
            if woke and flush_s:
                self._stop.wait(flush_s)  # let the batch fill
            ok = self.flush()
            if ok and time.monotonic() >= self._next_sweep:
                self._next_sweep = time.monotonic() + self.options.sweep_interval_s
                try:
                    self.sweep_now()
                except Exception as exc:  # database or broker down: try next interval
                    log.warning("sweep skipped: %s", exc)
