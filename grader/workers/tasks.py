"""The Celery task (registered by celery_app.configure): grade a lane's work, fairly.

A message names a lane, not submissions: the worker that takes it claims work from the
table claim by claim, as the embedded pool does (the next course by fair share, a claim sized
by cost, a lease renewed while grading; see grader.services.grading.scheduling), until the lane has
nothing left or its time slice is over (then it sends the lane again). A message that finds
nothing costs one query. `sweep` is the same task with the lane "sweep": requeue claims whose
lease ran out (their worker died) and send their lanes again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from grader.services.grading import runner as grading
from grader.services.grading import scheduling
from grader.workers.runtime import SWEEP, TASK, runtime

log = logging.getLogger(__name__)
Send = Callable[[str], None]


def grade(self: Any, lane: Any = scheduling.CHEAP) -> int:
    """Grade the lane's queued work; returns how many submissions were claimed."""
    rt = runtime()
    send = _sender(self.app)
    if lane == SWEEP:
        from grader.services.grading.sweep import locked_sweep

        locked_sweep(rt.svc, _redis(), send)
        return 0
    if lane not in scheduling.LANES:  # a message from before lanes (a list of ids): any lane
        lane = None
    slice_s = rt.options.job_timeout_s / 4
    return run_lane(rt.svc, lane, rt.device, send, rt.evaluator, rt.leases, slice_s, _record)


def _sender(celery: Any) -> Send:
    queue = runtime().options.queue
    return lambda lane: celery.send_task(
        TASK, args=[lane], queue=scheduling.queue_name(queue, lane)
    )


def run_lane(
    svc: Any,
    lane: str | None,
    device: str,
    send: Send,
    evaluator: grading.Evaluator | None = None,
    leases: scheduling.Leases | None = None,
    slice_s: float = 15.0,
    observe: Callable[[int, list[float]], None] | None = None,
) -> int:
    """Claim, grade and store claim by claim until the lane is empty or `slice_s` is spent
    (the lane is then sent again, so the task stays under Celery's time limit)."""
    leases = leases or scheduling.Leases(svc.db, svc.config.lease_s)
    deadline = time.monotonic() + slice_s
    total = 0
    while n := grading.process_batch(
        svc,
        svc.config.batch_size,
        lane,
        device=device,
        observe=observe,
        evaluator=evaluator,
        leases=leases,
    ):
        total += n
        if time.monotonic() > deadline:
            send(lane or scheduling.CHEAP)
            break
    return total


def _record(size: int, latencies: list[float]) -> None:
    """Claim size and accepted-to-graded latency, for /metrics (best effort)."""
    try:
        from grader.services.infra.metrics import ClusterMetrics

        rt = runtime()
        ClusterMetrics(rt.config, rt.options, _redis()).record(size, latencies)
    except Exception:
        log.debug("could not record metrics", exc_info=True)


_client: Any = None


def _redis() -> Any:
    global _client
    if _client is None:
        from grader.services.infra.broker import redis_client

        rt = runtime()
        _client = redis_client(rt.config, rt.options)
    return _client
