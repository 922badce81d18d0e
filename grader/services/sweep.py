"""The periodic sweep: the database is the record, so rows stuck in it are sent again.

A row stays `queued` when its message never reached the broker (Redis was down when it was
accepted) or was lost with the broker's memory; a row stays in `grading` when the worker that
claimed it vanished and the broker did not redeliver. The sweep requeues the second kind
(failing rows out of tries) and re-dispatches old `queued` rows. Grading is idempotent by id,
so a row sent twice is still graded once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from grader.db.models import Submission, utcnow
from grader.services import grading
from grader.services.context import Services
from grader.vocabulary import SubmissionStatus


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    failed: int
    dispatched: int


def sweep(
    svc: Services,
    send: Callable[[list[int]], None],
    *,
    stuck_after_s: float,
    redispatch_after_s: float,
    broker_depth: int = 0,
    limit: int = 20_000,
) -> SweepResult:
    """Requeue abandoned `grading` rows and send `queued` rows older than the deadline.

    While the broker still holds messages (`broker_depth` > 0) old `queued` rows are most
    likely waiting in it, so they are not sent again until it drains.
    """
    requeued, failed = grading.requeue_stuck(svc, stuck_after_s)
    if broker_depth > 0:
        return SweepResult(requeued, failed, 0)
    cutoff = utcnow() - timedelta(seconds=redispatch_after_s)
    with svc.db.read() as session:
        ids = list(
            session.scalars(
                select(Submission.id)
                .where(
                    Submission.status == SubmissionStatus.QUEUED, Submission.created_at <= cutoff
                )
                .order_by(Submission.id)
                .limit(limit)
            )
        )
    size = svc.config.batch_size
    for start in range(0, len(ids), size):
        send(ids[start : start + size])
    return SweepResult(requeued, failed, len(ids))
