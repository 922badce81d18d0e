"""Fair scheduling of grading work: lanes by cost, a fair share per course, leases.

Every grader (an embedded pool thread or a Celery worker) takes work the same way:

- **Lanes by cost.** Each exercise version carries `cost_ms`, the estimated milliseconds of
  grading one submission (measured at upload, refined by every observed grade). Versions at or
  above `GRADER_HEAVY_MS` are *heavy*: only heavy graders take them, so an expensive exercise
  never stands in front of cheap ones.
- **A fair share per course.** Within a lane, the next claim serves the course that holds the
  fewest claims in flight, then the one whose oldest submission has waited longest; a course
  with a backlog, however large or expensive, takes one grader at a time while others wait.
- **Claims sized by cost.** A claim takes submissions of one course, oldest first, up to
  `GRADER_CLAIM_BUDGET_MS` of estimated work (at least one, at most the batch size).
- **Leases.** A claim holds a lease until `lease_until`; its live worker renews it (`Leases`),
  so the sweep requeues only work whose worker is gone.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, bindparam, distinct, func, select, update

from grader.config import Config
from grader.db.models import Assignment, ExerciseVersion, Submission, utcnow
from grader.db.session import Database
from grader.vocabulary import SubmissionStatus

log = logging.getLogger(__name__)
table = Submission.__table__

CHEAP, HEAVY = "cheap", "heavy"
LANES = (CHEAP, HEAVY)
UNKNOWN_COST_MS = 5.0  # a version never measured (uploaded before costs were kept)
OBSERVED_WEIGHT = 0.2  # each observed grade moves the estimate this far towards itself


def lane_of(config: Config, cost_ms: float | None) -> str:
    """The lane of a version that costs `cost_ms` per submission."""
    return HEAVY if (cost_ms or 0.0) >= config.heavy_ms else CHEAP


def queue_name(queue: str, lane: str | None) -> str:
    """The Celery queue a lane's messages travel on: `queue`, and `<queue>-heavy`."""
    return f"{queue}-heavy" if lane == HEAVY else queue


def in_lane(config: Config, lane: str | None) -> ColumnElement[bool]:
    """SQL: the version (joined as ExerciseVersion) belongs to `lane` (None: any lane)."""
    return in_lane_ms(config.heavy_ms, lane)


def in_lane_ms(heavy_ms: float, lane: str | None) -> ColumnElement[bool]:
    heavy = func.coalesce(ExerciseVersion.cost_ms, 0.0) >= heavy_ms
    if lane is None:
        return heavy | ~heavy
    return heavy if lane == HEAVY else ~heavy


def _work(*columns: Any) -> Any:
    """SELECT `columns` FROM submissions joined to their assignment and version."""
    return (
        select(*columns)
        .select_from(table)
        .join(Assignment, Assignment.id == table.c.assignment_id)
        .join(ExerciseVersion, ExerciseVersion.id == table.c.exercise_version_id)
    )


def lane_counts(session: Any, config: Config, *where: Any) -> dict[str, int]:
    """How many submissions matching `where` belong to each lane (one query)."""
    heavy = func.coalesce(ExerciseVersion.cost_ms, 0.0) >= config.heavy_ms
    counts = dict.fromkeys(LANES, 0)
    rows = session.execute(
        select(heavy, func.count())
        .select_from(table)
        .join(ExerciseVersion, ExerciseVersion.id == table.c.exercise_version_id)
        .where(*where)
        .group_by(heavy)
    )
    for is_heavy, count in rows:
        counts[HEAVY if is_heavy else CHEAP] += count
    return counts


def lanes_of(db: Database, config: Config, ids: list[int]) -> dict[str, int]:
    """How many of the submissions `ids` belong to each lane (for a dispatcher's messages)."""
    with db.read() as session:
        return lane_counts(session, config, table.c.id.in_(ids))


@functools.lru_cache(maxsize=64)
def _statements(lane: str | None, heavy_ms: float) -> tuple[Any, Any, Any]:
    """The scheduler's three queries for one lane, built once (building a statement costs
    more than running it): courses with queued work, their claims in flight, and a course's
    oldest queued submissions."""
    lane_rule = in_lane_ms(heavy_ms, lane)
    waiting = (
        _work(Assignment.course_id, func.min(table.c.id).label("oldest"))
        .where(table.c.status == SubmissionStatus.QUEUED, lane_rule)
        .group_by(Assignment.course_id)
    )
    held = (
        _work(Assignment.course_id, func.count(distinct(table.c.claim_token)))
        .where(
            table.c.status == SubmissionStatus.GRADING,
            lane_rule,
            Assignment.course_id.in_(bindparam("courses", expanding=True)),
        )
        .group_by(Assignment.course_id)
    )
    oldest = (
        _work(
            table.c.id,
            table.c.exercise_version_id,
            table.c.answers,
            table.c.seed,
            table.c.late,
            table.c.solo,
            Assignment.late_penalty,
            ExerciseVersion.sha256,
            ExerciseVersion.cost_ms,
        )
        .where(
            table.c.status == SubmissionStatus.QUEUED,
            Assignment.course_id == bindparam("course"),
            lane_rule,
        )
        .order_by(table.c.id)
        .limit(bindparam("limit", type_=Integer, literal_execute=True))
        .with_for_update(skip_locked=True, of=table)
    )
    return waiting, held, oldest


def next_course(session: Any, config: Config, lane: str | None) -> int | None:
    """The course to serve next in `lane`: of those with queued work there, the one holding
    the fewest claims in flight, then the one whose oldest submission has waited longest."""
    waiting_stmt, held_stmt, _ = _statements(lane, config.heavy_ms)
    waiting = session.execute(waiting_stmt).all()
    if len(waiting) <= 1:
        return waiting[0].course_id if waiting else None
    courses = [row.course_id for row in waiting]
    held = dict(session.execute(held_stmt, {"courses": courses}).all())
    return min(waiting, key=lambda row: (held.get(row.course_id, 0), row.oldest)).course_id


def candidates(session: Any, config: Config, lane: str | None, course_id: int, limit: int) -> list:
    """The course's oldest queued submissions in `lane` (locked on PostgreSQL), with what
    grading them needs."""
    oldest = _statements(lane, config.heavy_ms)[2]
    return session.execute(oldest, {"course": course_id, "limit": limit}).all()


def within_budget(rows: list, budget_ms: float) -> list:
    """The leading rows whose estimated cost fits `budget_ms` (always the first); a `solo`
    row is taken alone."""
    if not rows:
        return []
    if rows[0].solo:
        return rows[:1]
    chosen, spent = [rows[0]], rows[0].cost_ms or UNKNOWN_COST_MS
    for row in rows[1:]:
        spent += row.cost_ms or UNKNOWN_COST_MS
        if row.solo or spent > budget_ms:
            break
        chosen.append(row)
    return chosen


@functools.cache
def _observe_statement() -> Any:
    cost, ms = ExerciseVersion.cost_ms, bindparam("ms", type_=Float)
    return (
        update(ExerciseVersion)
        .where(ExerciseVersion.id == bindparam("b_version"))
        .values(cost_ms=func.coalesce(cost * (1 - OBSERVED_WEIGHT) + ms * OBSERVED_WEIGHT, ms))
    )


def observe_costs(session: Any, observed: dict[int, float]) -> None:
    """Move each version's estimate towards the milliseconds per submission just observed."""
    if observed:
        params = [{"b_version": version, "ms": ms} for version, ms in observed.items()]
        session.connection().execute(_observe_statement(), params)


class Leases:
    """The leases of the claims this process holds, renewed from one thread every `lease_s`/4
    while a claim is held; a process that dies stops renewing, and its claims expire."""

    def __init__(self, db: Database, lease_s: float):
        self.db = db
        self.lease_s = lease_s
        self._tokens: dict[str, int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.renewals = 0

    def until(self) -> Any:
        """A lease taken now ends at this time."""
        return utcnow() + timedelta(seconds=self.lease_s)

    @contextlib.contextmanager
    def hold(self, token: str) -> Iterator[None]:
        """Keep the claim `token` leased while the block runs."""
        with self._lock:
            self._tokens[token] = self._tokens.get(token, 0) + 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="grader-leases", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                left = self._tokens.pop(token) - 1
                if left:
                    self._tokens[token] = left

    def renew(self) -> int:
        """Extend every held claim's lease now; returns the rows renewed."""
        with self._lock:
            tokens = list(self._tokens)
        if not tokens:
            return 0
        with self.db.write() as session:
            result: Any = session.execute(
                update(Submission)
                .where(
                    Submission.claim_token.in_(tokens),
                    Submission.status == SubmissionStatus.GRADING,
                )
                .values(lease_until=self.until())
            )
            count = result.rowcount
        self.renewals += 1
        return int(count or 0)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.lease_s / 4)
            with self._lock:
                if not self._tokens:  # nothing held: the thread ends; the next hold starts one
                    self._thread = None
                    return
            try:
                self.renew()
            except Exception as exc:  # the database is down: the next round tries again
                log.warning("could not renew grading leases: %s", exc)
