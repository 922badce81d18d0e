"""Grading submissions from the table: claim a course's next work, grade it, write each
result as it is known.

Every dispatcher uses these functions, so grading is idempotent by submission id: a claim
stamps a fresh token, and a result is written only by the holder of the latest claim. Which
work a claim takes (lanes by cost, a fair share per course) is `scheduling`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, select, update

from grader.db.core import table_of
from grader.db.models import Submission, utcnow
from grader.engine import SamplingError, grade, grade_batch
from grader.engine.code_check import CodeUnavailable, code_time_s
from grader.services import integrations, mastery
from grader.services.context import Services
from grader.services.grading import scheduling
from grader.vocabulary import DONE, SubmissionStatus

log = logging.getLogger(__name__)
table = table_of(Submission)


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
    version_id: int = 0  # observed costs refine this version's estimate (0: none)


@functools.cache
def _claim_statement() -> Any:
    return (
        update(table)
        .where(
            table.c.id.in_(bindparam("ids", expanding=True)),
            table.c.status == SubmissionStatus.QUEUED,
        )
        .values(
            status=SubmissionStatus.GRADING,
            claim_token=bindparam("token"),
            claimed_at=bindparam("now"),
            lease_until=bindparam("lease"),
            tries=table.c.tries + 1,
        )
        .returning(table.c.id)
    )


def claim(svc: Services, limit: int, lane: str | None = None) -> list[Claimed]:
    """Move the next course's queued submissions in `lane` (None: any) to `grading`: up to
    `limit` of them, oldest first, as much as the claim budget allows (see scheduling)."""
    config = svc.config
    token = uuid.uuid4().hex
    with svc.db.write() as session:
        course_id = scheduling.next_course(session, config, lane)
        if course_id is None:
            return []
        rows = scheduling.within_budget(
            scheduling.candidates(session, config, lane, course_id, limit), config.claim_budget_ms
        )
        now = utcnow()
        params = {
            "ids": [row.id for row in rows],
            "token": token,
            "now": now,
            "lease": now + timedelta(seconds=config.lease_s),
        }
        taken = set(session.scalars(_claim_statement(), params))
    return [
        Claimed(
            r.id, token, r.exercise_version_id, r.answers, r.seed, r.late, r.late_penalty, r.sha256
        )
        for r in rows
        if r.id in taken
    ]


def _outcome(item: Claimed, result: dict[str, Any], elapsed_ms: float) -> Outcome:
    penalty = float(item.late_penalty or 0.0) if item.late else 0.0
    result["raw_score"] = result["score"]
    result["penalty"] = penalty
    score = result["score"] * (1.0 - penalty)
    return Outcome(
        item.id,
        item.token,
        SubmissionStatus.GRADED,
        score,
        result,
        None,
        elapsed_ms,
        item.version_id,
    )


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
    except CodeUnavailable as exc:  # code parts are refused where the sandbox cannot run
        log.error("%s: %s", exercise.id, exc)
        return SubmissionStatus.FAILED, str(exc)[:1000]
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
    error = str(value)[:1000]
    return Outcome(
        item.id, item.token, SubmissionStatus.FAILED, None, None, error, elapsed_ms, item.version_id
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


Sink = Callable[[list[Outcome]], None]


def _ignore(outcomes: list[Outcome]) -> None:
    pass


def _isolated(
    svc: Services, evaluator: Evaluator, group: list[Claimed], device: str, emit: Sink
) -> list[Outcome]:
    """Grade one version's group with `evaluator`; after a timeout, each submission alone
    with its own budget, so that only the one that cannot finish fails. Results go to `emit`
    as they are known (the group at once, or one by one)."""
    first = group[0]
    timeout_s = svc.config.grade_timeout_s
    code_s = _code_time_s(svc, first)  # sandbox runs take their own time, one after another

    def source() -> tuple[str, str]:
        return svc.exercises.source(first.version_id)

    def run(items: list[Claimed], deadline_s: float) -> list[Verdict]:
        pairs = [(item.answers, item.seed) for item in items]
        key = f"{first.version_id}:{first.sha256}"
        return evaluator.evaluate(key, source, pairs, device, deadline_s)

    started = time.perf_counter()
    try:
        verdicts = run(group, batch_deadline_s(timeout_s, len(group)) + code_s * len(group))
        each = (time.perf_counter() - started) * 1000 / len(group)
        outcomes = [_finish(i, v, each) for i, v in zip(group, verdicts, strict=True)]
        emit(outcomes)
        return outcomes
    except GraderUnavailable as exc:
        log.warning("%s; grading a batch of %s in this process", exc, len(group))
        return _in_process(svc, group, device, emit)
    except GradingTimeout:
        log.warning("a batch of %s did not finish in time; grading one by one", len(group))
    except Exception:
        log.exception("isolated grading of a batch of %s failed; one by one", len(group))
    outcomes = []
    for n, item in enumerate(group):
        started = time.perf_counter()
        try:
            verdict = run([item], timeout_s + code_s)[0]
        except GraderUnavailable as exc:
            log.warning("%s; grading %s submission(s) in this process", exc, len(group) - n)
            return outcomes + _in_process(svc, group[n:], device, emit)
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
        outcome = _finish(item, verdict, (time.perf_counter() - started) * 1000)
        emit([outcome])
        outcomes.append(outcome)
    return outcomes


def _code_time_s(svc: Services, item: Claimed) -> float:
    """The time the exercise's code parts may take in their sandboxes (0 without any)."""
    try:
        return code_time_s(svc.exercises.get(item.version_id, item.sha256))
    except Exception:  # the child reports a version that does not load
        return 0.0


def grade_claimed(
    svc: Services,
    items: list[Claimed],
    device: str = "cpu",
    evaluator: Evaluator | None = None,
    sink: Sink | None = None,
) -> list[Outcome]:
    """Grade a batch, one vectorised engine call per exercise version; never raises.

    With an `evaluator` (the pool's child process), each call has a deadline and a submission
    that cannot finish fails alone; without one, grading runs in this thread. `sink` receives
    the outcomes as each version's group (or, after a timeout, each submission) finishes.
    """
    emit = sink or _ignore
    groups: dict[int, list[Claimed]] = {}
    for item in items:
        groups.setdefault(item.version_id, []).append(item)
    outcomes: list[Outcome] = []
    for group in groups.values():
        if evaluator is not None:
            outcomes.extend(_isolated(svc, evaluator, group, device, emit))
        else:
            outcomes.extend(_in_process(svc, group, device, emit))
    return outcomes


def _in_process(svc: Services, group: list[Claimed], device: str, emit: Sink) -> list[Outcome]:
    """Grade one version's group in this thread (one vectorised engine call)."""
    started = time.perf_counter()
    try:
        exercise = svc.exercises.get(group[0].version_id, group[0].sha256)
    except Exception:
        log.exception("loading exercise version %s failed", group[0].version_id)
        outcomes = [_finish(item, (SubmissionStatus.FAILED, INTERNAL_ERROR), 0.0) for item in group]
    else:
        verdicts = evaluate(exercise, [(item.answers, item.seed) for item in group], device)
        each = (time.perf_counter() - started) * 1000 / len(group)
        outcomes = [_finish(i, v, each) for i, v in zip(group, verdicts, strict=True)]
    emit(outcomes)
    return outcomes


@functools.cache
def _store_statements() -> tuple[Any, Any]:
    """The result UPDATE (executemany) and the read of what was written, built once."""
    write = (
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
    written = select(table.c.id, table.c.created_at).where(
        table.c.id.in_(bindparam("ids", expanding=True)),
        table.c.claim_token.in_(bindparam("tokens", expanding=True)),
        table.c.status.in_(DONE),
    )
    return write, written


def store(
    svc: Services,
    outcomes: list[Outcome],
    *,
    observe: Callable[[int, list[float]], None] | None = None,
) -> list[int]:
    """Write results in one transaction (and refine the versions' cost estimates); returns the
    ids whose claim was still current.

    ``observe`` is told the batch size and each written result's accepted-to-graded time."""
    if not outcomes:
        return []
    stmt, written_stmt = _store_statements()
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
            written_stmt,
            {"ids": [o.id for o in outcomes], "tokens": list({o.token for o in outcomes})},
        ).all()
        done = [row.id for row in written]
        integrations.graded(session, done)  # LMS passbacks and webhooks commit with the grades
        observed = mastery.record_submissions(session, done)  # skills' evidence, with them too
        integrations.practiced(session, observed)  # practice assignments it moved, to the LMS
        scheduling.observe_costs(session, _observed_costs(outcomes))
    if observe is not None and written:
        observe(len(outcomes), [(now - row.created_at).total_seconds() for row in written])
    svc.completions.finished(done)
    return list(done)


def _observed_costs(outcomes: list[Outcome]) -> dict[int, float]:
    """Milliseconds per submission seen for each version in `outcomes`."""
    seen: dict[int, list[float]] = {}
    for o in outcomes:
        if o.version_id and o.grade_ms > 0:
            seen.setdefault(o.version_id, []).append(o.grade_ms)
    return {version: sum(ms) / len(ms) for version, ms in seen.items()}


def process_batch(
    svc: Services,
    limit: int,
    lane: str | None = None,
    device: str = "cpu",
    observe: Callable[[int, list[float]], None] | None = None,
    evaluator: Evaluator | None = None,
    leases: scheduling.Leases | None = None,
) -> int:
    """Claim one course's next work in `lane` (None: any), grade it and write each result as
    it is known, holding the claim's lease meanwhile; returns how many were claimed."""
    items = claim(svc, limit, lane)
    if not items:
        return 0

    def sink(outcomes: list[Outcome]) -> None:
        store(svc, outcomes, observe=observe)

    with leases.hold(items[0].token) if leases is not None else contextlib.nullcontext():
        grade_claimed(svc, items, device, evaluator, sink)
    return len(items)


def requeue_stuck(
    svc: Services, older_than_s: float, ids: list[int] | None = None
) -> tuple[int, int]:
    """Requeue rows in `grading` whose worker is gone: their lease ran out (or, for rows
    claimed without one, they were claimed over `older_than_s` ago). (requeued, failed)

    A failure in one submission never costs another a try: rows abandoned together (one claim,
    several rows) get their try back and are claimed alone from then on, since which of them
    took the worker down is unknown; a row abandoned alone keeps its try, and is failed once
    out of tries."""
    now = utcnow()
    cutoff = now - timedelta(seconds=older_than_s)
    lease = table.c.lease_until
    expired = (lease.is_not(None) & (lease < now)) | (
        lease.is_(None) & (table.c.claimed_at.is_(None) | (table.c.claimed_at <= cutoff))
    )
    stuck = (table.c.status == SubmissionStatus.GRADING) & expired
    if ids is not None:
        stuck = stuck & table.c.id.in_(ids)
    limit = svc.config.max_grade_tries
    with svc.db.write() as session:
        rows = session.execute(
            select(table.c.id, table.c.claim_token, table.c.tries)
            .where(stuck)
            .with_for_update(skip_locked=True)
        ).all()
        together = Counter(row.claim_token for row in rows if row.claim_token)
        shared = [row.id for row in rows if together[row.claim_token] > 1]
        alone = [row for row in rows if together[row.claim_token] <= 1]
        out = [row.id for row in alone if row.tries >= limit]
        again = [row.id for row in alone if row.tries < limit]
        released = {"claim_token": None, "lease_until": None}
        queued = {**released, "status": SubmissionStatus.QUEUED}
        error = f"grading did not finish after {limit} tries"
        for ids_, values in (
            (
                out,
                {**released, "status": SubmissionStatus.FAILED, "graded_at": now, "error": error},
            ),
            (again, queued),
            (shared, {**queued, "solo": True, "tries": table.c.tries - 1}),
        ):
            if ids_:
                session.execute(update(table).where(table.c.id.in_(ids_)).values(**values))
    requeued = len(again) + len(shared)
    if rows:
        log.warning("requeued %s stuck submission(s), failed %s", requeued, len(out))
    return requeued, len(out)
