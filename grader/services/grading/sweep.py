"""The periodic sweep: the database is the record, so work stuck in it is sent again.

A row stays `grading` when the worker that claimed it vanished: its lease runs out (a live
worker renews it), and the sweep requeues it (see grading.requeue_stuck for how tries are
counted). A row stays `queued` when no message about its lane reached a worker (Redis was down
when it was accepted, or lost its memory). The sweep sends each lane that has such rows again;
a message names a lane, not rows, and grading is idempotent by id, so sending twice is
harmless.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from grader.db.models import Submission, utcnow
from grader.services.context import Services
from grader.services.grading import runner as grading
from grader.services.grading import scheduling
from grader.vocabulary import SubmissionStatus

MAX_SENDS = 16  # messages per lane and sweep (each grades until its lane is empty)


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    failed: int
    dispatched: int


def sweep(
    svc: Services,
    send: Callable[[str], None],
    *,
    stuck_after_s: float,
    redispatch_after_s: float,
    broker_depth: int = 0,
) -> SweepResult:
    """Requeue abandoned claims, then send the lanes of `queued` rows older than the
    deadline (all of them after a requeue).

    While the broker still holds messages (`broker_depth` > 0) old `queued` rows are most
    likely waiting for them, so nothing is sent until it drains, unless rows were requeued.
    """
    requeued, failed = grading.requeue_stuck(svc, stuck_after_s)
    if broker_depth > 0 and not requeued:
        return SweepResult(requeued, failed, 0)
    cutoff = utcnow() - timedelta(seconds=0 if requeued else redispatch_after_s)
    with svc.db.read() as session:
        waiting = scheduling.lane_counts(
            session,
            svc.config,
            Submission.status == SubmissionStatus.QUEUED,
            Submission.created_at <= cutoff,
        )
    for lane, count in waiting.items():
        for _ in range(sends_for(count, svc.config.batch_size)):
            send(lane)
    dispatched = sum(waiting.values())
    return SweepResult(requeued, failed, dispatched)


def sends_for(count: int, batch_size: int) -> int:
    """Messages for `count` queued rows of one lane: enough to keep several workers busy."""
    return max(1, min(MAX_SENDS, math.ceil(count / batch_size))) if count else 0


def locked_sweep(svc: Services, redis: Any, send: Callable[[str], None]) -> SweepResult | None:
    """One sweep if no other process (web or worker) swept within the interval (a Redis
    lock); None when another did."""
    options = svc.config.celery
    key = options.redis_prefix + "sweep-lock"
    if not redis.set(key, os.getpid(), nx=True, px=int(options.sweep_interval_s * 1000)):
        return None
    queues = {scheduling.queue_name(options.queue, lane) for lane in scheduling.LANES}
    depth = sum(int(redis.llen(options.redis_prefix + queue)) for queue in queues)
    return sweep(
        svc,
        send,
        stuck_after_s=max(options.stuck_after_s, svc.config.stuck_after_s),
        redispatch_after_s=options.redispatch_after_s,
        broker_depth=depth,
    )
