"""Submitting answers, reading results and waiting for them."""

from __future__ import annotations

import functools
import time
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, case, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from grader import languages
from grader.db.core import table_of
from grader.db.models import (
    Assignment,
    AssignmentQuestion,
    Course,
    ExamStart,
    ExerciseVersion,
    Extension,
    Membership,
    Submission,
    User,
    utcnow,
)
from grader.engine import ParseError, parse_answer
from grader.engine.assistance import HELP_KEY
from grader.engine.labels import split_answer
from grader.engine.steps import part_steps
from grader.services import translation
from grader.services.accounts.access import course_role
from grader.services.assignments import exams
from grader.services.assignments.assignment import (
    answers_visible,
    check_open,
    pick_question,
    question_student_terms,
    question_terms,
)
from grader.services.assignments.exams import feedback_level
from grader.services.assignments.questions import drawn_version, question_seed
from grader.services.assignments.scoring import Tally
from grader.services.context import Actor, Services
from grader.services.errors import N_, Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from grader.services.exercises.markup import render_feedback
from grader.services.grading.code_runs import check_code_answer, require_sandbox
from grader.services.grading.help import snapshot as help_snapshot
from grader.services.pagination import envelope
from grader.vocabulary import DONE, SubmissionStatus

Answers = dict[str, str | list[str]]
MAX_KEY_CHARS = 200


def present_parts(parts: dict[str, Any], visible: bool) -> dict[str, Any]:
    """Each part's result as its reader gets it: the derivative's value where the feedback
    points ("The derivative there is 12.") joins the feedback only where the correct answer
    may be shown (`answers_visible`); `feedback_html` is the feedback rendered (math as MathML).
    Both are in the request's language (worded anew from the stored messages).
    """
    out = {}
    language = languages.current()
    for part_id, result in parts.items():
        shown = {k: v for k, v in result.items() if k not in ("expected", "expected_messages")}
        feedback, expected = shown.get("feedback") or "", result.get("expected")
        if language != languages.DEFAULT:  # worded anew from its messages, where it has them
            feedback = translation.feedback(result.get("messages") or (), language) or feedback
            again = translation.feedback(result.get("expected_messages") or (), language)
            expected = again or expected
        if visible and expected:
            feedback = f"{feedback} {expected}"
        shown["feedback"] = feedback
        shown["feedback_html"] = render_feedback(feedback)
        if shown.get("steps"):
            shown["steps"] = {
                step_id: _worded(step, language) for step_id, step in shown["steps"].items()
            }
        if shown.get("steps_note"):
            note = shown["steps_note"]
            if language != languages.DEFAULT:
                again = translation.feedback(result.get("steps_note_messages") or (), language)
                note = shown["steps_note"] = again or note
            shown["steps_note_html"] = render_feedback(note)
        out[part_id] = shown
    return out


def _worded(step: dict[str, Any], language: str) -> dict[str, Any]:
    """A step's result as its reader gets it (in their language, rendered)."""
    feedback = step.get("feedback") or ""
    if language != languages.DEFAULT:
        feedback = translation.feedback(step.get("messages") or (), language) or feedback
    shown = {k: v for k, v in step.items() if k not in ("expected", "expected_messages")}
    return {**shown, "feedback": feedback, "feedback_html": render_feedback(feedback)}


def answers_visible_to(
    session: Session,
    actor: Actor,
    assignment: Assignment,
    student_id: int,
    question_id: int | None = None,
) -> bool:
    """Whether `actor` may see the correct answers on `student_id`'s work at a question of
    `assignment` (the first when None)."""
    return reading(session, actor, assignment, student_id, question_id)[0]


def reading(
    session: Session,
    actor: Actor,
    assignment: Assignment,
    student_id: int,
    question_id: int | None = None,
) -> tuple[bool, str]:
    """(whether the correct answers may be seen, the feedback level: full, or during an exam
    what its instructor chose: score or none) for `actor` reading `student_id`'s work."""
    role = course_role(session, actor, assignment.course_id)
    if role != "student":
        return True, "full"
    level = feedback_level(assignment, role)
    if level != "full":
        return False, level
    mine = question_student_terms(session, assignment, question_id, student_id)
    return answers_visible(assignment, role, mine), level


def submission_dict(
    row: Submission, username: str | None = None, visible: bool = False, level: str = "full"
) -> dict[str, Any]:
    """A submission as its reader may see it; while an exam runs, a student sees what its
    instructor chose: nothing of the grade (`level` "none") or the score only ("score")."""
    results = row.results or {}
    parts = present_parts(results.get("parts", {}), visible) if level == "full" else {}
    return {
        "id": row.id,
        "assignment_id": row.assignment_id,
        "question_id": row.question_id,
        "variant": row.variant,
        "student": username,
        "attempt": row.attempt,
        "status": row.status,
        "score": row.score if level != "none" else None,
        "max_score": row.max_score,
        "late": row.late,
        "penalty": results.get("penalty", 0.0),
        "parts": parts,
        "feedback": level,
        "error": row.error,
        "answers": row.answers,
        "created_at": row.created_at.isoformat(),
        "graded_at": row.graded_at.isoformat() if row.graded_at else None,
        "grade_ms": row.grade_ms,
        "preview": row.preview,
    }


def _context(session: Session, actor: Actor, assignment_id: int) -> Any:
    """The assignment's settings, the actor's course role and accommodations, their
    extension and exam start, in one query."""
    row = session.execute(
        select(
            Assignment.id,
            Assignment.course_id,
            Assignment.kind,
            Assignment.opens_at,
            Assignment.due_at,
            Assignment.closes_at,
            Assignment.time_limit_minutes,
            Assignment.max_attempts,
            Assignment.late_penalty,
            Assignment.score_policy,
            Assignment.follow_through,
            Membership.role,
            Membership.time_factor.label("course_time_factor"),
            Membership.extra_minutes.label("course_extra_minutes"),
            Course.archived_at,
            Extension.due_at.label("extended_due_at"),
            Extension.extra_attempts,
            Extension.answers_shown,
            Extension.time_factor,
            Extension.extra_minutes,
            Extension.question_attempts,
            ExamStart.started_at,
            ExamStart.finished_at,
        )
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(
            Membership,
            (Membership.course_id == Assignment.course_id) & (Membership.user_id == actor.id),
        )
        .outerjoin(
            Extension,
            (Extension.assignment_id == Assignment.id) & (Extension.student_id == actor.id),
        )
        .outerjoin(
            ExamStart,
            (ExamStart.assignment_id == Assignment.id) & (ExamStart.student_id == actor.id),
        )
        .where(Assignment.id == assignment_id)
    ).first()
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
        question_attempts=ctx.question_attempts,
    )


def _exam_clock(svc: Services, actor: Actor, ctx: Any, now: datetime) -> None:
    """Refuse a student's exam submission outside their time: before their start (409
    not_started; an exam without a time limit starts with the first submission), after
    handing in, or after their end (+ grace) (409 time_up). Nothing is stored."""
    started = ctx.started_at
    if started is None:
        if ctx.time_limit_minutes:
            raise Conflict(
                f"start the exam first (POST /api/v1/assignments/{ctx.id}/start); "
                "nothing was stored",
                code="not_started",
            )
        started = now
        exams.start(svc, actor, ctx.id)
    if ctx.finished_at is not None:
        raise Conflict(N_("you have handed this exam in; nothing was stored"), code="finished")
    course = SimpleNamespace(
        time_factor=ctx.course_time_factor, extra_minutes=ctx.course_extra_minutes
    )
    own = SimpleNamespace(time_factor=ctx.time_factor, extra_minutes=ctx.extra_minutes)
    ends = exams.ends_at(ctx, started, exams.accommodation(course, own))
    if ends is not None and exams.time_up(ends, now):
        raise exams.refuse_time_up(ends)


def check_answers(svc: Services, exercise: Any, answers: Answers) -> Answers:
    """Drop blank answers and parse the rest; unreadable ones are a 422 listing each."""
    limit = svc.config.max_answer_chars
    parts = {p.id: p for p in exercise.parts}
    # a step's answer is given under its id ("<part>.<number>"), checked like a part's
    steps = {s.id: s.part for found in part_steps(exercise).values() for s in found}
    cleaned: Answers = {}
    errors: dict[str, Any] = {}
    for part_id, value in answers.items():
        part = parts.get(part_id) or steps.get(part_id)
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
                errors[part_id] = {**where, **translation.parse_error(exc)}
                break
        else:
            cleaned[part_id] = value
    if errors:
        raise Invalid(
            N_("some answers could not be read; nothing was submitted and no attempt was used"),
            code="unreadable_answers",
            details=errors,
        )
    if not cleaned:
        raise Invalid(
            N_("no answers: nothing was submitted and no attempt was used"),
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
        visible, level = reading(session, actor, assignment, row.student_id, row.question_id)
        return submission_dict(row, actor.username, visible, level)


def _replay(found: dict[str, Any], assignment_id: int, question_id: int | None) -> dict[str, Any]:
    """The submission an Idempotency-Key named before, if it was made to this assignment
    (and question).

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
    if question_id is not None and found["question_id"] != question_id:
        raise Conflict(
            f"this Idempotency-Key was used for a submission to question "
            f"{found['question_id']} of this assignment; use a new key for each submission",
            code="idempotency_key_reused",
            details={"assignment_id": assignment_id, "question_id": found["question_id"]},
        )
    return found


def submit(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    answers: Answers,
    key: str | None = None,
    question_id: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store a submission to one question (the only one when None) as `queued` and hand it
    to the dispatcher.

    Returns the submission and whether it is new. Not new: the Idempotency-Key was seen
    before, or the answers are those of the student's last attempt (then that attempt is
    returned, marked `repeated`, and no attempt is used).
    """
    if key is not None and not 0 < len(key) <= MAX_KEY_CHARS:
        raise Invalid(f"an Idempotency-Key has 1 to {MAX_KEY_CHARS} characters")
    if key is not None and (found := _existing(svc, actor, key)):
        return _replay(found, assignment_id, question_id), False
    now = utcnow()
    with svc.db.read() as session:
        ctx = _context(session, actor, assignment_id)
        items = list(
            session.scalars(
                select(AssignmentQuestion)
                .where(AssignmentQuestion.assignment_id == assignment_id)
                .order_by(AssignmentQuestion.position)
            )
        )
        question = pick_question(items, question_id, assignment_id)
        version_id = drawn_version(question, actor.id)
        helped = help_snapshot(session, assignment_id, question.id, actor.id, ctx.follow_through)
        version = session.execute(
            select(ExerciseVersion.sha256, ExerciseVersion.max_score).where(
                ExerciseVersion.id == version_id
            )
        ).one()
        variant = 0
        if question.variants == "new_each_attempt":
            tally = Tally()
            for sub in session.execute(
                select(
                    Submission.attempt,
                    Submission.status,
                    Submission.score,
                    Submission.max_score,
                    Submission.late,
                )
                .where(Submission.question_id == question.id, Submission.student_id == actor.id)
                .order_by(Submission.attempt)
            ):
                tally.add(sub, ctx.score_policy, ctx.late_penalty)
            variant = tally.wrong
    role = "admin" if ctx.role is None else ctx.role
    if ctx.archived_at is not None:
        raise Forbidden(N_("the course is archived and takes no submissions"), code="archived")
    extension = _extension(ctx)
    mine = question_terms(ctx, question, extension)
    late = check_open(ctx, role, now, due_at=mine.due_at)
    if role == "student" and ctx.kind == "exam":
        _exam_clock(svc, actor, ctx, now)
    # staff trying the assignment ("preview as student"): marked, never counted, no limit
    preview = role != "student"
    max_attempts = None if preview else mine.max_attempts
    seed = question_seed(svc.config.secret_key, actor.id, assignment_id, question.seed_key, variant)
    exercise = svc.exercises.get(version_id, version.sha256)
    cleaned = check_answers(svc, exercise, answers)
    stored: dict[str, Any] = dict(cleaned) if helped is None else {**cleaned, HELP_KEY: helped}
    if svc.queue_depth() >= svc.config.max_queue:
        raise TooManyRequests(
            N_("the grading queue is full; try again in a few seconds"),
            headers={"Retry-After": "5"},
        )
    values = {
        "assignment_id": assignment_id,
        "question_id": question.id,
        "variant": variant,
        "student_id": actor.id,
        "exercise_version_id": version_id,
        "seed": seed,
        "answers": stored,
        "idempotency_key": key,
        "late": late,
        "max_score": version.max_score,
        "preview": preview,
    }
    for _ in range(5):
        try:
            row, repeated = _insert(svc, values, max_attempts)
            break
        except IntegrityError:
            if key is not None and (found := _existing(svc, actor, key)):
                return _replay(found, assignment_id, question_id), False
            # another attempt took the same number at the same moment: count again
    else:
        raise Conflict(N_("too many simultaneous submissions; try again"))
    if row is None:
        raise Conflict(
            N_("all %(max_attempts)s attempts are used"),
            values={"max_attempts": max_attempts},
            code="no_attempts_left",
            details={"max_attempts": max_attempts, "question_id": question.id},
        )
    if repeated:
        # the same answers as the last attempt: its result again, no attempt used
        again = {"id": row.id, "status": row.status, "attempt": row.attempt, "repeated": True}
        return {**again, "question_id": question.id}, False
    svc.dispatcher.submitted([row.id])
    accepted = {"id": row.id, "status": SubmissionStatus.QUEUED, "attempt": row.attempt}
    return {**accepted, "question_id": question.id}, True


INSERT_COLUMNS = (
    "assignment_id",
    "question_id",
    "variant",
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
    mine = (table.c.question_id == bindparam("question_id")) & (
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
            part: text(value)
            if isinstance(value, str)
            else [text(v) for v in value]
            if isinstance(value, list)
            else value  # the help taken (@help), compared as it is
            for part, value in answers.items()
        }

    return canonical(a) == canonical(b)


def _last_if_same(session: Session, values: dict[str, Any]) -> Any:
    """The student's last attempt at the question (failed gradings are no attempt) when it
    has the same answers on the same exercise version and variant as `values`, else None."""
    last = session.execute(
        select(
            Submission.id,
            Submission.attempt,
            Submission.status,
            Submission.answers,
            Submission.exercise_version_id,
            Submission.variant,
        )
        .where(
            Submission.question_id == values["question_id"],
            Submission.student_id == values["student_id"],
            Submission.status != SubmissionStatus.FAILED,
        )
        .order_by(Submission.attempt.desc())
        .limit(1)
    ).first()
    if last is None or last.exercise_version_id != values["exercise_version_id"]:
        return None
    if last.variant != values["variant"]:
        return None  # new parameters: the same text is another answer
    return last if same_answers(last.answers, values["answers"]) else None


def _insert(svc: Services, values: dict[str, Any], max_attempts: int | None) -> tuple[Any, bool]:
    """Insert the next attempt, or find that the last one has the same answers: (the row,
    whether it is that earlier one). The row is None when no attempt is left.

    One student's submissions to one question are numbered one at a time: SQLite's write
    lock does this already; on PostgreSQL a transaction-scoped advisory lock on (question,
    student) does, so that simultaneous submissions wait for each other instead of colliding
    on the attempt number (which, retried, ended in 409), and two identical ones at the same
    moment use one attempt."""
    params = {**values, "created_at": utcnow(), "max_attempts": max_attempts}
    with svc.db.write() as session:
        if not svc.db.is_sqlite:
            session.execute(
                select(func.pg_advisory_xact_lock(values["question_id"], values["student_id"]))
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
        visible, level = reading(session, actor, assignment, row.student_id, row.question_id)
        return submission_dict(row, username, visible, level)


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
    question_id: int | None = None,
) -> dict[str, Any]:
    """Instructors see everyone's (filterable by student), students their own; newest first;
    all questions' or one's."""
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
        if question_id is not None:
            query = query.where(Submission.question_id == question_id)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(query.limit(limit).offset(offset)).all()
        shown: dict[int, tuple[bool, str]] = {}
        items = []
        for row, name in rows:
            if row.question_id not in shown:
                shown[row.question_id] = (
                    (True, "full")
                    if role != "student"
                    else reading(session, actor, assignment, actor.id, row.question_id)
                )
            items.append(submission_dict(row, name, *shown[row.question_id]))
        return envelope(items, total, limit, offset)
