"""Timed exams: a student's start, the end the server holds for them (time limit × their time
factor + extra minutes, never past the close), accommodations, and who is where.

The end is computed from the stored start and the current accommodations, on the server's
clock only, so a reload or another browser shows the same time left, and an accommodation
given during the exam takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grader.db.models import (
    Assignment,
    Course,
    ExamStart,
    Extension,
    Membership,
    User,
    utcnow,
)
from grader.services.accounts.access import course_role, require_course_staff
from grader.services.assignments.results import (
    CourseAccommodation,
    ExamCounts,
    ExamFinished,
    ExamRoster,
    ExamStarted,
    ExamStudent,
)
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound

GRACE = timedelta(seconds=30)  # a request in flight when the time ran out is still taken
MAX_TIME_FACTOR = 10.0
MAX_EXTRA_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class Accommodation:
    """A student's time factor and extra minutes for one exam (the exam's own, else the
    course's, else none)."""

    time_factor: float = 1.0
    extra_minutes: int = 0


def accommodation(membership: Any, extension: Any) -> Accommodation:
    """From the course membership's and the exam extension's columns (either may be None)."""

    def pick(name: str, default: Any) -> Any:
        for source in (extension, membership):
            value = getattr(source, name, None) if source is not None else None
            if value is not None:
                return value
        return default

    return Accommodation(float(pick("time_factor", 1.0)), int(pick("extra_minutes", 0)))


def ends_at(row: Any, started_at: datetime | None, acc: Accommodation) -> datetime | None:
    """When this student's exam ends: the earlier of start + limit × factor + extra minutes,
    and the close time (None: no end)."""
    ends = row.closes_at
    if started_at is not None and row.time_limit_minutes:
        minutes = row.time_limit_minutes * acc.time_factor + acc.extra_minutes
        own = started_at + timedelta(minutes=minutes)
        ends = own if ends is None else min(ends, own)
    return ends


def closed(row: Any, now: datetime | None = None) -> bool:
    """Whether the exam is over for everyone (past its close time, else its due date)."""
    now = now or utcnow()
    end = row.closes_at or row.due_at
    return end is not None and now > end


def feedback_level(row: Any, role: str, now: datetime | None = None) -> str:
    """What a student sees of a graded submission now: "full", or while an exam runs, what
    its instructor chose ("none": that it was received; "score": the score only)."""
    if role != "student" or row.kind != "exam" or closed(row, now):
        return "full"
    return row.exam_feedback


def time_up(ends: datetime | None, now: datetime) -> bool:
    return ends is not None and now > ends + GRACE


def refuse_time_up(ends: datetime) -> Conflict:
    return Conflict(
        f"the time for this exam ended at {ends.isoformat()}; nothing was stored and no "
        "attempt was used",
        code="time_up",
        details={"ends_at": ends.isoformat()},
    )


def timing(start: Any, ends: datetime | None, now: datetime | None = None) -> dict[str, Any]:
    """started_at, ends_at, finished_at, time_left_s and the server's now, for a view."""
    now = now or utcnow()
    left = None
    if start is not None and ends is not None:
        left = max(0.0, round((ends - now).total_seconds(), 1))
    return {
        "started_at": start.started_at.isoformat() if start is not None else None,
        "ends_at": ends.isoformat() if ends is not None and start is not None else None,
        "finished_at": start.finished_at.isoformat()
        if start is not None and start.finished_at
        else None,
        "time_left_s": left,
        "server_now": now.isoformat(),
    }


def _student_rows(session: Any, row: Assignment, student_id: int) -> tuple[Any, Any, Any]:
    start = session.scalar(
        select(ExamStart).where(
            ExamStart.assignment_id == row.id, ExamStart.student_id == student_id
        )
    )
    membership = session.scalar(
        select(Membership).where(
            Membership.course_id == row.course_id, Membership.user_id == student_id
        )
    )
    extension = session.scalar(
        select(Extension).where(
            Extension.assignment_id == row.id, Extension.student_id == student_id
        )
    )
    return start, membership, extension


def student_timing(session: Any, row: Assignment, student_id: int) -> tuple[Any, datetime | None]:
    """(the student's ExamStart or None, their end or None)."""
    start, membership, extension = _student_rows(session, row, student_id)
    acc = accommodation(membership, extension)
    return start, ends_at(row, start.started_at if start else None, acc)


def start(svc: Services, actor: Actor, assignment_id: int) -> ExamStarted:
    """Start the exam for the student (a second call returns the same start and end).
    Staff get a trial start that is not recorded."""
    now = utcnow()
    with svc.db.write() as session:
        row = session.get(Assignment, assignment_id)
        if row is None:
            raise NotFound(f"no assignment {assignment_id}")
        role = course_role(session, actor, row.course_id)
        if row.kind != "exam":
            raise Conflict(
                f"assignment {assignment_id} is homework, not an exam: there is nothing to start",
                code="not_an_exam",
            )
        if role != "student":
            acc = Accommodation()
            ends = ends_at(row, now, acc)
            return ExamStarted(started_at=now.isoformat(), ends_at=_iso(ends), preview=True)
        found, ends = student_timing(session, row, actor.id)
        if found is not None:
            return _started(found, ends)
        if row.opens_at and now < row.opens_at:
            raise Forbidden(
                f"the exam opens at {row.opens_at.isoformat()}",
                code="not_open",
                details={"opens_at": row.opens_at.isoformat()},
            )
        if row.closes_at and now >= row.closes_at:
            raise refuse_time_up(row.closes_at)
        if session.scalar(select(Course.archived_at).where(Course.id == row.course_id)):
            raise Forbidden("the course is archived and takes no work", code="archived")
    try:
        with svc.db.write() as session:
            session.add(ExamStart(assignment_id=assignment_id, student_id=actor.id, started_at=now))
    except IntegrityError:
        pass  # started at the same moment in another request: that start stands
    with svc.db.read() as session:
        row = session.get_one(Assignment, assignment_id)
        found, ends = student_timing(session, row, actor.id)
        return _started(found, ends)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _started(found: ExamStart, ends: datetime | None) -> ExamStarted:
    return ExamStarted(started_at=found.started_at.isoformat(), ends_at=_iso(ends))


def finish(svc: Services, actor: Actor, assignment_id: int) -> ExamFinished:
    """The student hands the exam in early: no more submissions are taken from them."""
    with svc.db.write() as session:
        row = session.get(Assignment, assignment_id)
        if row is None:
            raise NotFound(f"no assignment {assignment_id}")
        course_role(session, actor, row.course_id)
        found = session.scalar(
            select(ExamStart).where(
                ExamStart.assignment_id == assignment_id, ExamStart.student_id == actor.id
            )
        )
        if found is None:
            raise Conflict("you have not started this exam", code="not_started")
        if found.finished_at is None:
            found.finished_at = utcnow()
        out = ExamFinished(
            started_at=found.started_at.isoformat(), finished_at=_iso(found.finished_at)
        )
    return out


def roster(svc: Services, actor: Actor, assignment_id: int) -> ExamRoster:
    """Every student of the exam's course: not started, working (with the time left), or
    finished (handed in, or out of time)."""
    now = utcnow()
    with svc.db.read() as session:
        row = session.get(Assignment, assignment_id)
        if row is None:
            raise NotFound(f"no assignment {assignment_id}")
        require_course_staff(session, actor, row.course_id)
        members = session.execute(
            select(User.id, User.username, User.display_name, Membership)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.course_id == row.course_id, Membership.role == "student")
            .order_by(User.username)
        ).all()
        starts = {
            s.student_id: s
            for s in session.scalars(select(ExamStart).where(ExamStart.assignment_id == row.id))
        }
        extensions = {
            e.student_id: e
            for e in session.scalars(select(Extension).where(Extension.assignment_id == row.id))
        }
    students = []
    counts = {"not_started": 0, "working": 0, "finished": 0}
    for user_id, username, display_name, membership in members:
        acc = accommodation(membership, extensions.get(user_id))
        begun = starts.get(user_id)
        ends = ends_at(row, begun.started_at if begun else None, acc)
        if begun is None:
            state = "not_started"
        elif begun.finished_at is not None or (ends is not None and now > ends):
            state = "finished"
        else:
            state = "working"
        counts[state] += 1
        students.append(
            ExamStudent(
                username=username,
                display_name=display_name,
                state=state,
                time_factor=acc.time_factor,
                extra_minutes=acc.extra_minutes,
                **timing(begun, ends, now),
            )
        )
    return ExamRoster(
        assignment_id=row.id,
        time_limit_minutes=row.time_limit_minutes,
        closes_at=_iso(row.closes_at),
        counts=ExamCounts(**counts),
        students=students,
    )


def check_accommodation(time_factor: Any, extra_minutes: Any) -> None:
    if time_factor is not None and not 1.0 <= float(time_factor) <= MAX_TIME_FACTOR:
        raise Invalid(
            f"time_factor is from 1 to {MAX_TIME_FACTOR:g} (1.5: half as much time again)",
            details=[{"path": "time_factor"}],
        )
    if extra_minutes is not None and not 0 <= int(extra_minutes) <= MAX_EXTRA_MINUTES:
        raise Invalid(
            f"extra_minutes is from 0 to {MAX_EXTRA_MINUTES}", details=[{"path": "extra_minutes"}]
        )


def set_course_accommodation(
    svc: Services,
    actor: Actor,
    course_id: int,
    username: str,
    time_factor: float | None,
    extra_minutes: int | None,
) -> CourseAccommodation:
    """A student's time factor and extra minutes for every timed exam of the course (null
    clears one); an exam's own accommodation for the student takes precedence."""
    check_accommodation(time_factor, extra_minutes)
    with svc.db.write() as session:
        require_course_staff(session, actor, course_id)
        membership = session.scalar(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.course_id == course_id, User.username == username)
        )
        if membership is None or membership.role != "student":
            raise NotFound(f"{username!r} is not a student of course {course_id}")
        membership.time_factor, membership.extra_minutes = time_factor, extra_minutes
    return CourseAccommodation(
        username=username,
        course_id=course_id,
        time_factor=time_factor,
        extra_minutes=extra_minutes,
    )
