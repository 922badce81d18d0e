"""The Celery dispatcher: the web process tells workers through Redis which lanes have work.

Submissions accepted within `flush_ms` of each other are announced together: one message per
lane per batch of them (cheap lane on `<queue>`, heavy on `<queue>-heavy`). A message names a
lane, not submissions; the worker that takes it claims from the table as the embedded pool
does (fair share per course, claims sized by cost; see grader.workers.tasks). A send that
fails (Redis down) is retried each second; the rows are already committed as `queued`, and the
periodic sweep (run here and by the workers, one process at a time thanks to a Redis lock)
requeues claims whose worker died and sends lanes still left behind.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from grader.services.context import Services
from grader.services.grading import scheduling
from grader.services.grading.sweep import locked_sweep, sends_for
from grader.services.infra.broker import redis_client
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

    def send(self, lane: str) -> None:
        """Publish one message for `lane` now (raises when the broker is unreachable)."""
        queue = scheduling.queue_name(self.options.queue, lane)
        self.app.send_task(TASK, args=[lane], queue=queue, retry=False)

    def flush(self) -> bool:
        """Send each lane of the pending submissions (enough messages to keep several workers
        busy); False (ids kept) when the broker or the database is down."""
        with self._lock:
            ids, self._pending = self._pending, []
        if not ids:
            return True
        try:
            lanes = scheduling.lanes_of(self.svc.db, self.svc.config, ids)
            for lane, count in lanes.items():
                for _ in range(sends_for(count, self.svc.config.batch_size)):
                    self.send(lane)
        except Exception as exc:
            log.warning("broker unreachable, %s submission(s) wait: %s", len(ids), exc)
            with self._lock:
                self._pending[:0] = ids
            return False
        self.sent += len(ids)
        return True

    def sweep_now(self) -> Any:
        """One sweep if no other process swept within the interval (a Redis lock)."""
        result = locked_sweep(self.svc, self.redis, self.send)
        if result is not None and (result.requeued or result.failed or result.dispatched):
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
