"""The Celery task (registered by celery_app.configure): grade a batch of submission ids."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from grader.services import grading
from grader.workers.runtime import TASK, runtime

log = logging.getLogger(__name__)


def grade(self: Any, ids: list[int]) -> int:
    """Grade the still-queued submissions among `ids` in one batch; returns how many."""
    rt = runtime()
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    return run_batch(rt.svc, ids, redelivered, rt.device, _sender(self.app), rt.evaluator)


def _sender(celery: Any) -> Callable[[list[int]], None]:
    return lambda ids: celery.send_task(TASK, args=[ids])


def run_batch(
    svc: Any,
    ids: list[int],
    redelivered: bool,
    device: str,
    send: Callable[[list[int]], None],
    evaluator: grading.Evaluator | None = None,
) -> int:
    """Claim, grade (vectorised per exercise version) and store; returns the number written.

    A redelivered task means its worker died mid-way: its rows go back to `queued` (or to
    `failed` once out of tries, counted in the row), and a batch is split into single tasks
    so that a submission that kills its worker cannot take its batch-mates down with it.
    With an `evaluator` (the worker process's ChildGrader, as in the embedded pool), a
    submission whose grading overruns its deadline fails alone at once instead.
    """
    if redelivered:
        requeued, failed = grading.requeue_stuck(svc, 0, ids)
        if (requeued or failed) and len(ids) > 1:
            log.warning("batch of %s interrupted; resending one by one", len(ids))
            for one in ids:
                send([one])
            return 0
    items = grading.claim(svc, len(ids), ids)
    if not items:
        return 0
    done = grading.store(svc, grading.grade_claimed(svc, items, device, evaluator), observe=_record)
    return len(done)


def _record(size: int, latencies: list[float]) -> None:
    """Batch size and accepted-to-graded latency, for /metrics (best effort)."""
    try:
        from grader.services.metrics import ClusterMetrics

        rt = runtime()
        ClusterMetrics(rt.config, rt.options, _redis()).record(size, latencies)
    except Exception:
        log.debug("could not record metrics", exc_info=True)


_client: Any = None


def _redis() -> Any:
    global _client
    if _client is None:
        from grader.services.broker import redis_client

        rt = runtime()
        _client = redis_client(rt.config, rt.options)
    return _client
