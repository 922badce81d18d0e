"""The embedded grading pool: threads in the service process that take work from the table."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import SQLAlchemyError

from grader.services import grading
from grader.services.context import Services
from grader.services.metrics import PendingCounts

METRICS_FLUSH_S = 2.0

log = logging.getLogger(__name__)


class EmbeddedPool:
    """Grades `queued` rows in batches; wakes on new submissions and polls for others' rows.

    Each thread grades in a child process of its own (unless GRADER_ISOLATE_GRADING is off),
    so that a submission that would run for minutes fails alone after its deadline while the
    service keeps answering (see grader.workers.isolation).

    On start it requeues rows left in `grading` by a previous run (a crash or a kill). Grading is
    idempotent by id (see grader.services.grading), so a row that two processes grade ends with
    one result.
    """

    notifies_completion = True

    def __init__(self, svc: Services, size: int | None = None, batch_size: int | None = None):
        self.svc = svc
        self.size = svc.config.pool_size if size is None else size
        self.batch_size = batch_size or svc.config.batch_size
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.graded = 0
        self.device = "cpu"
        self.counts = PendingCounts()  # /metrics observations, flushed every few seconds

    def start(self) -> None:
        if self._threads:
            return
        from grader.workers import device

        self.device = device.resolve(self.svc.config.device)  # CUDA starts here, after any fork
        device.init_process(self.device, self.svc.config.torch_threads)
        self._stop.clear()
        if self.svc.config.recover_on_start:
            try:
                grading.requeue_stuck(self.svc, older_than_s=0)
            except SQLAlchemyError as exc:  # the loop retries; the service can still start
                log.warning("could not requeue stuck submissions yet: %s", exc)
        for index in range(self.size):
            thread = threading.Thread(target=self._run, name=f"grader-pool-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._wake.set()

    def submitted(self, submission_ids: list[int]) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads.clear()
        try:
            self.counts.flush(self.svc)
        except SQLAlchemyError as exc:
            log.warning("could not store the last metrics: %s", exc)

    def _housekeeping(self) -> None:
        """Metrics to the shared table and a WAL checkpoint, off the request path; a failure
        here is logged and never stops grading."""
        try:
            self.counts.flush(self.svc)
            self.svc.db.checkpoint()
        except Exception as exc:
            log.warning(
                "grading pool: housekeeping failed (retried in %s s): %s", METRICS_FLUSH_S, exc
            )

    def _run(self) -> None:
        evaluator = None
        if self.svc.config.isolate_grading:
            from grader.workers.isolation import ChildGrader

            evaluator = ChildGrader(self.device, self.svc.config.torch_threads)
        try:
            self._loop(evaluator)
        finally:
            if evaluator is not None:
                evaluator.close()

    def _loop(self, evaluator: grading.Evaluator | None) -> None:
        config = self.svc.config
        next_sweep = time.monotonic() + config.stuck_after_s / 2
        next_flush = time.monotonic() + METRICS_FLUSH_S
        while not self._stop.is_set():
            try:
                claimed = grading.process_batch(
                    self.svc,
                    self.batch_size,
                    device=self.device,
                    observe=self.counts.add,
                    evaluator=evaluator,
                )
                if time.monotonic() > next_flush:
                    next_flush = time.monotonic() + METRICS_FLUSH_S
                    self._housekeeping()
                self.graded += claimed
                if claimed:
                    continue
                if time.monotonic() > next_sweep:
                    grading.requeue_stuck(self.svc, config.stuck_after_s)
                    next_sweep = time.monotonic() + config.stuck_after_s / 2
            except SQLAlchemyError as exc:
                log.warning("grading pool: database error, retrying in 1 s: %s", exc)
                self._stop.wait(1.0)
                continue
            self._wake.wait(config.poll_interval_s)
            self._wake.clear()
