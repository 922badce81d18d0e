"""Submitting answers, reading results and waiting for them."""

from __future__ import annotations

import functools
import time
from typing import Any

from sqlalchemy import Integer, bindparam, case, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from grader.db.core import table_of
from grader.db.models import (
    Assignment,
    Course,
    ExerciseVersion,
    Extension,
    Membership,
    Submission,
    User,
    utcnow,
)
from grader.engine import ParseError, parse_answer
from grader.engine.labels import split_answer
from grader.services.accounts.access import course_role
from grader.services.assignments.assignment import (
    answers_visible,
    check_open,
    effective_terms,
    student_terms,
)
from grader.services.assignments.seeds import student_seed
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from grader.services.exercises.markup import render_feedback
from grader.services.grading.code_runs import check_code_answer, require_sandbox
from grader.services.pagination import envelope
from grader.vocabulary import DONE, SubmissionStatus

Answers = dict[str, str | list[str]]
MAX_KEY_CHARS = 200


def present_parts(parts: dict[str, Any], visible: bool) -> dict[str, Any]:
    """Each part's result as its reader gets it: the derivative's value where the feedback
    points ("The derivative there is 12.") joins the feedback only where the correct answer
    may be shown (`answers_visible`); `feedback_html` is the feedback rendered (math as MathML).
    """
    out = {}
    for part_id, result in parts.items():
        shown = {k: v for k, v in result.items() if k != "expected"}
        feedback = shown.get("feedback") or ""
        if visible and result.get("expected"):
            feedback = f"{feedback} {result['expected']}"
        shown["feedback"] = feedback
        shown["feedback_html"] = render_feedback(feedback)
        out[part_id] = shown
    return out


def answers_visible_to(
    session: Session, actor: Actor, assignment: Assignment, student_id: int
) -> bool:
    """Whether `actor` may see the correct answers on `student_id`'s work in `assignment`."""
    role = course_role(session, actor, assignment.course_id)
    if role != "student":
        return True
    return answers_visible(assignment, role, student_terms(session, assignment, student_id))


def submission_dict(
    row: Submission, username: str | None = None, visible: bool = False
) -> dict[str, Any]:
    results = row.results or {}
    return {
        "id": row.id,
        "assignment_id": row.assignment_id,
        "student": username,
        "attempt": row.attempt,
        "status": row.status,
        "score": row.score,
        "max_score": row.max_score,
        "late": row.late,
        "penalty": results.get("penalty", 0.0),
        "parts": present_parts(results.get("parts", {}), visible),
        "error": row.error,
        "answers": row.answers,
        "created_at": row.created_at.isoformat(),
        "graded_at": row.graded_at.isoformat() if row.graded_at else None,
        "grade_ms": row.grade_ms,
        "preview": row.preview,
    }


@functools.cache
def _context_statement() -> Any:
    """Assignment, version and the actor's course role and extension (built once)."""
    reader = bindparam("actor", type_=Integer)
    return (
        select(
            Assignment.id,
            Assignment.exercise_version_id,
            Assignment.opens_at,
            Assignment.due_at,
            Assignment.max_attempts,
            Assignment.late_penalty,
            ExerciseVersion.max_score,
            ExerciseVersion.sha256,
            Membership.role,
            Course.archived_at,
            Extension.due_at.label("extended_due_at"),
            Extension.extra_attempts,
            Extension.answers_shown,
        )
        .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(
            Membership,
            (Membership.course_id == Assignment.course_id) & (Membership.user_id == reader),
        )
        .outerjoin(
            Extension,
            (Extension.assignment_id == Assignment.id) & (Extension.student_id == reader),
        )
        .where(Assignment.id == bindparam("assignment"))
    )


def _context(session: Session, actor: Actor, assignment_id: int) -> Any:
    """Assignment, version and the actor's course role in one query."""
    params = {"actor": actor.id, "assignment": assignment_id}
    row = session.execute(_context_statement(), params).first()
    if row is None:
        raise NotFound(f"no assignment {assignment_id}")
    if row.role is None and not actor.is_admin:
        raise Forbidden(f"you are not a member of the course of assignment {assignment_id}")
    return row


def _extension(ctx: Any) -> Extension | None:
    if ctx.extended_due_at is None and ctx.extra_attempts is None:
        return None
    return Extension(
        due_at=ctx.extended_due_at,
        extra_attempts=ctx.extra_attempts or 0,
        answers_shown=bool(ctx.answers_shown),
    )


def check_answers(svc: Services, exercise: Any, answers: Answers) -> Answers:
    """Drop blank answers and parse the rest; unreadable ones are a 422 listing each."""
    limit = svc.config.max_answer_chars
    parts = {p.id: p for p in exercise.parts}
    cleaned: Answers = {}
    errors: dict[str, Any] = {}
    for part_id, value in answers.items():
        part = parts.get(part_id)
        if part is None:
            errors[part_id] = {"message": f"no part {part_id!r}; the parts are {', '.join(parts)}"}
            continue
        if part.kind == "code":  # the code is run (in the sandbox) when graded, not here
            problem = check_code_answer(value)
            if problem:
                errors[part_id] = {"message": problem}
            elif isinstance(value, str) and value.strip():
                require_sandbox()
                cleaned[part_id] = value
            continue
        texts = split_answer(value, len(part.components))
        if texts is None:
            n = len(part.components)
            errors[part_id] = {
                "message": f"give {n} answers, one per name" if n > 1 else "give one answer"
            }
            continue
        if all(not text.strip() for text in texts):
            continue  # left blank: graded as "no answer", costs nothing to check
        for index, text in enumerate(texts):
            where = {"component": index} if len(texts) > 1 else {}
            if len(text) > limit:
                errors[part_id] = {**where, "message": f"longer than {limit} characters"}
                break
            try:
                parse_answer(exercise, part, text, index)
            except ParseError as exc:
                errors[part_id] = {**where, **exc.to_dict()}
                break
        else:
            cleaned[part_id] = value
    if errors:
        raise Invalid(
            "some answers could not be read; nothing was submitted and no attempt was used",
            code="unreadable_answers",
            details=errors,
        )
    if not cleaned:
        raise Invalid(
            "no answers: nothing was submitted and no attempt was used",
            code="no_answers",
            details={"parts": list(parts)},
        )
    return cleaned


def _existing(svc: Services, actor: Actor, key: str) -> dict[str, Any] | None:
    with svc.db.read() as session:
        row = session.scalar(
            select(Submission).where(
                Submission.student_id == actor.id, Submission.idempotency_key == key
            )
        )
        if row is None:
            return None
        assignment = session.get_one(Assignment, row.assignment_id)
        visible = answers_visible_to(session, actor, assignment, row.student_id)
        return submission_dict(row, actor.username, visible)


def _replay(found: dict[str, Any], assignment_id: int) -> dict[str, Any]:
    """The submission an Idempotency-Key named before, if it was made to this assignment.

    A key is the student's own, across assignments; replaying a submission to another
    assignment would tell the student that this one was stored when nothing was.
    """
    if found["assignment_id"] != assignment_id:
        raise Conflict(
            f"this Idempotency-Key was used for a submission to assignment "
            f"{found['assignment_id']}; use a new key for each submission",
            code="idempotency_key_reused",
            details={"assignment_id": found["assignment_id"]},
        )
    return found


def submit(
    svc: Services, actor: Actor, assignment_id: int, answers: Answers, key: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Store a submission as `queued` and hand it to the dispatcher.

    Returns the submission and whether it is new. Not new: the Idempotency-Key was seen
    before, or the answers are those of the student's last attempt (then that attempt is
    returned, marked `repeated`, and no attempt is used).
    """
    if key is not None and not 0 < len(key) <= MAX_KEY_CHARS:
        raise Invalid(f"an Idempotency-Key has 1 to {MAX_KEY_CHARS} characters")
    if key is not None and (found := _existing(svc, actor, key)):
        return _replay(found, assignment_id), False
    with svc.db.read() as session:
        ctx = _context(session, actor, assignment_id)
    assignment = ctx
    role = "admin" if ctx.role is None else ctx.role
    if ctx.archived_at is not None:
        raise Forbidden("the course is archived and takes no submissions", code="archived")
    mine = effective_terms(ctx.due_at, ctx.max_attempts, _extension(ctx))
    late = check_open(assignment, role, due_at=mine.due_at)
    # staff trying the assignment ("preview as student"): marked, never counted, no limit
    preview = role != "student"
    max_attempts = None if preview else mine.max_attempts
    seed = student_seed(svc.config.secret_key, actor.id, assignment_id)
    exercise = svc.exercises.get(assignment.exercise_version_id, ctx.sha256)
    cleaned = check_answers(svc, exercise, answers)
    if svc.queue_depth() >= svc.config.max_queue:
        raise TooManyRequests(
            "the grading queue is full; try again in a few seconds",
            headers={"Retry-After": "5"},
        )
    values = {
        "assignment_id": assignment_id,
        "student_id": actor.id,
        "exercise_version_id": assignment.exercise_version_id,
        "seed": seed,
        "answers": cleaned,
        "idempotency_key": key,
        "late": late,
        "max_score": ctx.max_score,
        "preview": preview,
    }
    for _ in range(5):
        try:
            row, repeated = _insert(svc, values, max_attempts)
            break
        except IntegrityError:
            if key is not None and (found := _existing(svc, actor, key)):
                return _replay(found, assignment_id), False
            # another attempt took the same number at the same moment: count again
    else:
        raise Conflict("too many simultaneous submissions; try again")
    if row is None:
        raise Conflict(
            f"all {max_attempts} attempts are used",
            code="no_attempts_left",
            details={"max_attempts": max_attempts},
        )
    if repeated:
        # the same answers as the last attempt: its result again, no attempt used
        return {"id": row.id, "status": row.status, "attempt": row.attempt, "repeated": True}, False
    svc.dispatcher.submitted([row.id])
    return {"id": row.id, "status": SubmissionStatus.QUEUED, "attempt": row.attempt}, True


INSERT_COLUMNS = (
    "assignment_id",
    "student_id",
    "exercise_version_id",
    "seed",
    "answers",
    "idempotency_key",
    "late",
    "max_score",
    "preview",
)


@functools.cache
def _insert_statement(limited: bool) -> Any:
    """INSERT ... SELECT: the attempt number and the limit check in one statement (built once)."""
    table = table_of(Submission)
    mine = (table.c.assignment_id == bindparam("assignment_id")) & (
        table.c.student_id == bindparam("student_id")
    )
    used = func.coalesce(func.sum(case((table.c.status != SubmissionStatus.FAILED, 1), else_=0)), 0)
    source = select(
        *(bindparam(name, type_=table.c[name].type).label(name) for name in INSERT_COLUMNS),
        (func.coalesce(func.max(table.c.attempt), 0) + 1).label("attempt"),
        literal(SubmissionStatus.QUEUED.value).label("status"),
        literal(0).label("tries"),
        bindparam("created_at", type_=table.c.created_at.type).label("created_at"),
    ).where(mine)
    if limited:
        source = source.having(used < bindparam("max_attempts"))
    names = [*INSERT_COLUMNS, "attempt", "status", "tries", "created_at"]
    return table.insert().from_select(names, source).returning(table.c.id, table.c.attempt)


def same_answers(a: Answers, b: Answers) -> bool:
    """Whether two submissions' answers are the same text, part for part (spaces around and
    runs of spaces inside an answer do not count)."""

    def canonical(answers: Answers) -> dict[str, Any]:
        def text(value: str) -> str:
            return " ".join(value.split())

        return {
            part: text(value) if isinstance(value, str) else [text(v) for v in value]
            for part, value in answers.items()
        }

    return canonical(a) == canonical(b)


def _last_if_same(session: Session, values: dict[str, Any]) -> Any:
    """The student's last attempt (failed gradings are no attempt) when it has the same
    answers on the same exercise version as `values`, else None."""
    last = session.execute(
        select(
            Submission.id,
            Submission.attempt,
            Submission.status,
            Submission.answers,
            Submission.exercise_version_id,
        )
        .where(
            Submission.assignment_id == values["assignment_id"],
            Submission.student_id == values["student_id"],
            Submission.status != SubmissionStatus.FAILED,
        )
        .order_by(Submission.attempt.desc())
        .limit(1)
    ).first()
    if last is None or last.exercise_version_id != values["exercise_version_id"]:
        return None
    return last if same_answers(last.answers, values["answers"]) else None


def _insert(svc: Services, values: dict[str, Any], max_attempts: int | None) -> tuple[Any, bool]:
    """Insert the next attempt, or find that the last one has the same answers: (the row,
    whether it is that earlier one). The row is None when no attempt is left.

    One student's submissions to one assignment are numbered one at a time: SQLite's write
    lock does this already; on PostgreSQL a transaction-scoped advisory lock on (assignment,
    student) does, so that simultaneous submissions wait for each other instead of colliding
    on the attempt number (which, retried, ended in 409), and two identical ones at the same
    moment use one attempt."""
    params = {**values, "created_at": utcnow(), "max_attempts": max_attempts}
    with svc.db.write() as session:
        if not svc.db.is_sqlite:
            session.execute(
                select(func.pg_advisory_xact_lock(values["assignment_id"], values["student_id"]))
            )
        same = _last_if_same(session, values)
        if same is not None:
            return same, True
        return session.execute(_insert_statement(max_attempts is not None), params).first(), False


@functools.cache
def _readback_statement() -> Any:
    """A submission with everything reading it needs, in one query (built once): the row, its
    student's name, its assignment, the reader's course role, the student's extension and
    attempts used (the correct answer's visibility depends on them)."""
    other = aliased(Submission)
    used = (
        select(func.count())
        .where(
            other.assignment_id == Submission.assignment_id,
            other.student_id == Submission.student_id,
            other.status != SubmissionStatus.FAILED,
        )
        .scalar_subquery()
    )
    return (
        select(Submission, User.username, Assignment, Membership.role, Extension, used)
        .join(User, User.id == Submission.student_id)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .outerjoin(
            Membership,
            (Membership.course_id == Assignment.course_id)
            & (Membership.user_id == bindparam("reader")),
        )
        .outerjoin(
            Extension,
            (Extension.assignment_id == Submission.assignment_id)
            & (Extension.student_id == Submission.student_id),
        )
        .where(Submission.id == bindparam("submission_id"))
    )


def get_submission(svc: Services, actor: Actor, submission_id: int) -> dict[str, Any]:
    """A submission the actor may read (the student, the course's instructors, admins); any
    other is 404 like an unknown id, so that ids of other people's work (and the courses they
    belong to) are not revealed. One query."""
    with svc.db.read() as session:
        found = session.execute(
            _readback_statement(), {"submission_id": submission_id, "reader": actor.id}
        ).first()
        if found is None:
            raise NotFound(f"no submission {submission_id}")
        row, username, assignment, role, extension, used = found
        role = "admin" if actor.is_admin else role
        if row.student_id != actor.id and role in (None, "student"):
            raise NotFound(f"no submission {submission_id}")
        if role is None:  # their own work, in a course they have left
            raise Forbidden(f"you are not a member of course {assignment.course_id}")
        terms = effective_terms(assignment.due_at, assignment.max_attempts, extension, used)
        visible = answers_visible(assignment, role, terms)
        return submission_dict(row, username, visible)


def wait_for(
    svc: Services, submission_id: int, timeout_s: float, user_id: int | None = None
) -> bool:
    """Block up to `timeout_s` until the submission is graded or failed. A request waiting
    for `user_id` takes a wait slot: False, at once, when this process already has as many
    waiting requests as it allows, in all or for this user (see WaitSlots)."""
    with svc.waits.slot(user_id) as granted:
        if not granted:
            return False
        deadline = time.monotonic() + timeout_s
        event = svc.completions.listen(submission_id)
        step = 0.05
        try:
            while (left := deadline - time.monotonic()) > 0:
                with svc.db.read() as session:
                    status = session.scalar(
                        select(Submission.status).where(Submission.id == submission_id)
                    )
                if status in (None, *DONE):
                    return True
                # This process hears of its own pool's results at once (and its pool, woken by
                # the submission, usually takes it); another process's pool (several service
                # processes share the table) is seen by looking again, less often as time
                # passes. Celery workers tell nobody: look every 50 ms.
                event.wait(min(left, step))
                if svc.dispatcher.notifies_completion:
                    step = min(0.4, step * 2)
        finally:
            svc.completions.forget(submission_id, event)
        return True


def list_submissions(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    *,
    student: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Instructors see everyone's (filterable by student), students their own; newest first."""
    with svc.db.read() as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None:
            raise NotFound(f"no assignment {assignment_id}")
        role = course_role(session, actor, assignment.course_id)
        query = (
            select(Submission, User.username)
            .join(User, User.id == Submission.student_id)
            .where(Submission.assignment_id == assignment_id)
            .order_by(Submission.id.desc())
        )
        if role == "student":
            query = query.where(Submission.student_id == actor.id)
        elif student:
            query = query.where(User.username == student)
        if status:
            query = query.where(Submission.status == status)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(query.limit(limit).offset(offset)).all()
        visible = role != "student" or answers_visible_to(session, actor, assignment, actor.id)
        items = [submission_dict(row, name, visible) for row, name in rows]
        return envelope(items, total, limit, offset)
