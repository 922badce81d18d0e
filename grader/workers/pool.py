"""The embedded grading pool: threads in the service process that take work from the table."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import SQLAlchemyError

from grader.services.context import Services
from grader.services.grading import runner as grading
from grader.services.grading import scheduling
from grader.services.infra.metrics import PendingCounts

METRICS_FLUSH_S = 2.0

log = logging.getLogger(__name__)


class EmbeddedPool:
    """Grades `queued` rows claim by claim; wakes on new submissions and polls for others' rows.

    `size` threads grade cheap exercises and GRADER_HEAVY_WORKERS more grade heavy ones (with
    none, every thread takes both); each claim serves the course with the fewest claims in
    flight (see grader.services.grading.scheduling) and holds a lease that `leases` renews.

    Each thread grades in a child process of its own (unless GRADER_ISOLATE_GRADING is off),
    so that a submission that would run for minutes fails alone after its deadline while the
    service keeps answering (see grader.workers.isolation).

    On start it requeues rows left in `grading` by a previous run (a crash or a kill) whose
    lease has run out. Grading is idempotent by id (see grader.services.grading.runner), so a row
    that two processes grade ends with one result.
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
        self.leases = scheduling.Leases(svc.db, svc.config.lease_s)
        heavy = svc.config.heavy_workers if self.size else 0
        self.lanes: list[str | None] = []
        if heavy:
            self.lanes += [scheduling.CHEAP] * self.size + [scheduling.HEAVY] * heavy
        else:
            self.lanes += [None] * self.size

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
        for index, lane in enumerate(self.lanes):
            name = f"grader-pool-{index}-{lane or 'any'}"
            thread = threading.Thread(target=self._run, args=(lane,), name=name, daemon=True)
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

    def _run(self, lane: str | None) -> None:
        evaluator = None
        if self.svc.config.isolate_grading:
            from grader.workers.isolation import ChildGrader

            evaluator = ChildGrader(self.device, self.svc.config.torch_threads)
        try:
            self._loop(lane, evaluator)
        finally:
            if evaluator is not None:
                evaluator.close()

    def _loop(self, lane: str | None, evaluator: grading.Evaluator | None) -> None:
        config = self.svc.config
        sweep_every = min(config.stuck_after_s, config.lease_s) / 2
        next_sweep = time.monotonic() + sweep_every
        next_flush = time.monotonic() + METRICS_FLUSH_S
        while not self._stop.is_set():
            try:
                claimed = grading.process_batch(
                    self.svc,
                    self.batch_size,
                    lane,
                    device=self.device,
                    observe=self.counts.add,
                    evaluator=evaluator,
                    leases=self.leases,
                )
                if time.monotonic() > next_flush:
                    next_flush = time.monotonic() + METRICS_FLUSH_S
                    self._housekeeping()
                self.graded += claimed
                if claimed:
                    continue
                if time.monotonic() > next_sweep:
                    if any(grading.requeue_stuck(self.svc, config.stuck_after_s)):
                        self._wake.set()
                    next_sweep = time.monotonic() + sweep_every
            except SQLAlchemyError as exc:
                log.warning("grading pool: database error, retrying in 1 s: %s", exc)
                self._stop.wait(1.0)
                continue
            self._wake.wait(config.poll_interval_s)
            self._wake.clear()
