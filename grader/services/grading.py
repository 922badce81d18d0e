"""Grading submissions from the table: claim a batch, grade it, write results once.

Every dispatcher uses these functions, so grading is idempotent by submission id: a claim
stamps a fresh token, and a result is written only by the holder of the latest claim.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, select, update

from grader.db.models import Assignment, ExerciseVersion, Submission, utcnow
from grader.engine import SamplingError, grade, grade_batch
from grader.services import outbox
from grader.services.context import Services
from grader.vocabulary import DONE, SubmissionStatus

log = logging.getLogger(__name__)
table = Submission.__table__


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    version_id: int
    answers: dict[str, Any]
    seed: int
    late: bool
    late_penalty: float | None
    sha256: str | None = None  # the version's content (see ExerciseCache.get)


@dataclass(frozen=True)
class Outcome:
    id: int
    token: str
    status: str
    score: float | None
    results: dict[str, Any] | None
    error: str | None
    grade_ms: float


def claim(svc: Services, limit: int, ids: list[int] | None = None) -> list[Claimed]:
    """Move up to `limit` queued submissions (oldest first, or `ids`) to `grading`."""
    token = uuid.uuid4().hex
    pick = select(table.c.id).where(table.c.status == SubmissionStatus.QUEUED)
    if ids:
        pick = pick.where(table.c.id.in_(ids))
    pick = pick.order_by(table.c.id).limit(limit).with_for_update(skip_locked=True)
    stmt = (
        update(table)
        .where(table.c.id.in_(pick.scalar_subquery()), table.c.status == SubmissionStatus.QUEUED)
        .values(
            status=SubmissionStatus.GRADING,
            claim_token=token,
            claimed_at=utcnow(),
            tries=table.c.tries + 1,
        )
    )
    with svc.db.write() as session:
        if session.execute(stmt).rowcount == 0:
            return []
        rows = session.execute(
            select(
                table.c.id,
                table.c.exercise_version_id,
                table.c.answers,
                table.c.seed,
                table.c.late,
                Assignment.late_penalty,
                ExerciseVersion.sha256,
            )
            .join(Assignment, Assignment.id == table.c.assignment_id)
            .join(ExerciseVersion, ExerciseVersion.id == table.c.exercise_version_id)
            .where(table.c.claim_token == token)
            .order_by(table.c.id)
        ).all()
    return [
        Claimed(
            r.id, token, r.exercise_version_id, r.answers, r.seed, r.late, r.late_penalty, r.sha256
        )
        for r in rows
    ]


def _outcome(item: Claimed, result: dict[str, Any], elapsed_ms: float) -> Outcome:
    penalty = float(item.late_penalty or 0.0) if item.late else 0.0
    result["raw_score"] = result["score"]
    result["penalty"] = penalty
    score = result["score"] * (1.0 - penalty)
    return Outcome(item.id, item.token, SubmissionStatus.GRADED, score, result, None, elapsed_ms)


# What grading one submission came to: (SubmissionStatus.GRADED, the engine's result as a dict) or
# (SubmissionStatus.FAILED, a reason a student may read). Plain data, so that it can cross a process boundary.
Verdict = tuple[str, Any]
INTERNAL_ERROR = "grading failed because of an internal error; it has been logged"


class GradingTimeout(Exception):
    """An evaluator gave up on a batch after its deadline (the work was stopped)."""


class GraderUnavailable(Exception):
    """An evaluator could not run at all (no child process); grade in this process instead."""


class Evaluator(Protocol):
    """Grades submissions of one exercise version, e.g. in a child process with a deadline
    (grader.workers.isolation). `source()` gives the version's YAML and a label if needed."""

    def evaluate(
        self,
        key: str,
        source: Callable[[], tuple[str, str]],
        pairs: list[tuple[dict[str, Any], int]],
        device: str,
        deadline_s: float,
    ) -> list[Verdict]: ...


def _verdict_one(exercise: Any, answers: dict[str, Any], seed: int, device: str) -> Verdict:
    try:
        return SubmissionStatus.GRADED, grade(exercise, answers, seed, device).to_dict()
    except SamplingError as exc:  # the exercise has no valid points for these params
        log.warning("%s: %s", exercise.id, exc.message)
        reason = f"the exercise cannot be graded for this student's parameters: {exc.message}"
        return SubmissionStatus.FAILED, reason[:1000]
    except Exception:  # a bug: the details go to the log, not to the student
        log.exception("grading a submission to %s failed", exercise.id)
        return SubmissionStatus.FAILED, INTERNAL_ERROR


def evaluate(
    exercise: Any, pairs: list[tuple[dict[str, Any], int]], device: str = "cpu"
) -> list[Verdict]:
    """Grade (answers, seed) pairs with one vectorised engine call; never raises.

    If the batch call fails, the pairs are graded one by one so that only the faulty one
    fails."""
    try:
        grades = grade_batch(exercise, pairs, device)
    except Exception:
        log.warning("batch of %s failed; grading one by one", len(pairs), exc_info=True)
        return [_verdict_one(exercise, answers, seed, device) for answers, seed in pairs]
    return [(SubmissionStatus.GRADED, g.to_dict()) for g in grades]


def _finish(item: Claimed, verdict: Verdict, elapsed_ms: float) -> Outcome:
    status, value = verdict
    if status == SubmissionStatus.GRADED:
        return _outcome(item, value, elapsed_ms)
    return Outcome(
        item.id, item.token, SubmissionStatus.FAILED, None, None, str(value)[:1000], elapsed_ms
    )


def grade_one(svc: Services, item: Claimed, device: str = "cpu") -> Outcome:
    """Grade one claimed submission in this process (never raises)."""
    started = time.perf_counter()
    try:
        exercise = svc.exercises.get(item.version_id, item.sha256)
    except Exception:
        log.exception("loading exercise version %s failed", item.version_id)
        return _finish(item, (SubmissionStatus.FAILED, INTERNAL_ERROR), 0.0)
    verdict = _verdict_one(exercise, item.answers, item.seed, device)
    return _finish(item, verdict, (time.perf_counter() - started) * 1000)


def batch_deadline_s(timeout_s: float, size: int) -> float:
    """How long a batch of `size` may take: one submission's budget plus a share per item."""
    return timeout_s * (1 + size / 50)


def _isolated(
    svc: Services, evaluator: Evaluator, group: list[Claimed], device: str
) -> list[Outcome]:
    """Grade one version's group with `evaluator`; after a timeout, each submission alone
    with its own budget, so that only the one that cannot finish fails."""
    first = group[0]
    timeout_s = svc.config.grade_timeout_s

    def source() -> tuple[str, str]:
        return svc.exercises.source(first.version_id)

    def run(items: list[Claimed], deadline_s: float) -> list[Verdict]:
        pairs = [(item.answers, item.seed) for item in items]
        key = f"{first.version_id}:{first.sha256}"
        return evaluator.evaluate(key, source, pairs, device, deadline_s)

    started = time.perf_counter()
    try:
        verdicts = run(group, batch_deadline_s(timeout_s, len(group)))
        each = (time.perf_counter() - started) * 1000 / len(group)
        return [_finish(i, v, each) for i, v in zip(group, verdicts, strict=True)]
    except GraderUnavailable as exc:
        log.warning("%s; grading a batch of %s in this process", exc, len(group))
        return _in_process(svc, group, device)
    except GradingTimeout:
        log.warning("a batch of %s did not finish in time; grading one by one", len(group))
    except Exception:
        log.exception("isolated grading of a batch of %s failed; one by one", len(group))
    outcomes = []
    for n, item in enumerate(group):
        started = time.perf_counter()
        try:
            verdict = run([item], timeout_s)[0]
        except GraderUnavailable as exc:
            log.warning("%s; grading %s submission(s) in this process", exc, len(group) - n)
            return outcomes + _in_process(svc, group[n:], device)
        except GradingTimeout:
            log.warning("submission %s: grading stopped after %s s", item.id, timeout_s)
            verdict = (
                SubmissionStatus.FAILED,
                f"grading this answer took longer than {timeout_s:g} s and was stopped; "
                "it uses no attempt — write it more simply and submit again",
            )
        except Exception:
            log.exception("isolated grading of submission %s failed", item.id)
            verdict = (SubmissionStatus.FAILED, INTERNAL_ERROR)
        outcomes.append(_finish(item, verdict, (time.perf_counter() - started) * 1000))
    return outcomes


def grade_claimed(
    svc: Services,
    items: list[Claimed],
    device: str = "cpu",
    evaluator: Evaluator | None = None,
) -> list[Outcome]:
    """Grade a batch, one vectorised engine call per exercise version; never raises.

    With an `evaluator` (the pool's child process), each call has a deadline and a submission
    that cannot finish fails alone; without one, grading runs in this thread.
    """
    groups: dict[int, list[Claimed]] = {}
    for item in items:
        groups.setdefault(item.version_id, []).append(item)
    outcomes: list[Outcome] = []
    for group in groups.values():
        if evaluator is not None:
            outcomes.extend(_isolated(svc, evaluator, group, device))
        else:
            outcomes.extend(_in_process(svc, group, device))
    return outcomes


def _in_process(svc: Services, group: list[Claimed], device: str) -> list[Outcome]:
    """Grade one version's group in this thread (one vectorised engine call)."""
    started = time.perf_counter()
    try:
        exercise = svc.exercises.get(group[0].version_id, group[0].sha256)
    except Exception:
        log.exception("loading exercise version %s failed", group[0].version_id)
        return [_finish(item, (SubmissionStatus.FAILED, INTERNAL_ERROR), 0.0) for item in group]
    verdicts = evaluate(exercise, [(item.answers, item.seed) for item in group], device)
    each = (time.perf_counter() - started) * 1000 / len(group)
    return [_finish(i, v, each) for i, v in zip(group, verdicts, strict=True)]


def store(
    svc: Services,
    outcomes: list[Outcome],
    *,
    observe: Callable[[int, list[float]], None] | None = None,
) -> list[int]:
    """Write results in one transaction; returns the ids whose claim was still current.

    ``observe`` is told the batch size and each written result's accepted-to-graded time."""
    if not outcomes:
        return []
    stmt = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.claim_token == bindparam("b_token"),
            table.c.status == SubmissionStatus.GRADING,
        )
        .values(
            status=bindparam("b_status"),
            score=bindparam("b_score"),
            results=bindparam("b_results"),
            error=bindparam("b_error"),
            grade_ms=bindparam("b_ms"),
            graded_at=bindparam("b_at"),
        )
    )
    now = utcnow()
    params = [
        {
            "b_id": o.id,
            "b_token": o.token,
            "b_status": o.status,
            "b_score": o.score,
            "b_results": o.results,
            "b_error": o.error,
            "b_ms": o.grade_ms,
            "b_at": now,
        }
        for o in outcomes
    ]
    with svc.db.write() as session:
        session.connection().execute(stmt, params)
        written = session.execute(  # the claim token stays on the row: it names the writer
            select(table.c.id, table.c.created_at).where(
                table.c.id.in_([o.id for o in outcomes]),
                table.c.claim_token.in_({o.token for o in outcomes}),
                table.c.status.in_(DONE),
            )
        ).all()
        done = [row.id for row in written]
        outbox.graded(session, done)  # LMS passbacks and webhooks commit with the grades
    if observe is not None and written:
        observe(len(outcomes), [(now - row.created_at).total_seconds() for row in written])
    svc.completions.finished(done)
    return list(done)


def process_batch(
    svc: Services,
    limit: int,
    ids: list[int] | None = None,
    device: str = "cpu",
    observe: Callable[[int, list[float]], None] | None = None,
    evaluator: Evaluator | None = None,
) -> int:
    """Claim, grade and store one batch; returns how many were claimed."""
    items = claim(svc, limit, ids)
    if items:
        store(svc, grade_claimed(svc, items, device, evaluator), observe=observe)
    return len(items)


def requeue_stuck(
    svc: Services, older_than_s: float, ids: list[int] | None = None
) -> tuple[int, int]:
    """Requeue rows left in `grading` (a worker died); fail those out of tries. (requeued, failed)"""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    stuck = (table.c.status == SubmissionStatus.GRADING) & (
        (table.c.claimed_at <= cutoff) | table.c.claimed_at.is_(None)
    )
    if ids is not None:
        stuck = stuck & table.c.id.in_(ids)
    limit = svc.config.max_grade_tries
    with svc.db.write() as session:
        failed = session.execute(
            update(table)
            .where(stuck, table.c.tries >= limit)
            .values(
                status=SubmissionStatus.FAILED,
                claim_token=None,
                graded_at=utcnow(),
                error=f"grading did not finish after {limit} tries",
            )
        ).rowcount
        requeued = session.execute(
            update(table).where(stuck).values(status=SubmissionStatus.QUEUED, claim_token=None)
        ).rowcount
    if requeued or failed:
        log.warning("requeued %s stuck submission(s), failed %s", requeued, failed)
    return int(requeued or 0), int(failed or 0)
