"""The outbox runner: a thread in each service process that sends due grade passbacks and
webhook events, whichever dispatcher grades (the embedded pool or Celery workers).

Rows are claimed atomically, so several processes can run it side by side.
"""

from __future__ import annotations

import logging
import threading

from grader.services import integrations
from grader.services.context import Services

log = logging.getLogger(__name__)


class OutboxRunner:
    def __init__(self, svc: Services):
        self.svc = svc
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="grader-outbox", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        interval = self.svc.config.lti.outbox_poll_s
        while not self._stop.wait(interval):
            try:
                counts = integrations.deliver_due(self.svc)
                if any(counts.values()):
                    log.info("outbox: %s", counts)
            except Exception as exc:  # database down, a bug: logged, tried again next round
                log.warning("outbox: delivery round failed: %s", exc)
