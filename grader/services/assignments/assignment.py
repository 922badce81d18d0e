"""Assignments: an exercise version in a course, with dates, attempts and a late penalty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, literal, select, update
from sqlalchemy.orm import Session

from grader.db.core import table_of
from grader.db.models import (
    ANSWER_VISIBILITY,
    SCORE_POLICIES,
    Assignment,
    Course,
    EarlierGrade,
    ExerciseVersion,
    Extension,
    Submission,
    utcnow,
)
from grader.engine import ParseError, preview
from grader.services import timezones
from grader.services.accounts.access import course_role, require_course_staff
from grader.services.assignments.seeds import student_seed
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound
from grader.services.exercises import instances
from grader.services.exercises import library as exercise_service
from grader.services.exercises.markup import latex_to_mathml, render_markdown
from grader.services.pagination import envelope, page
from grader.vocabulary import DONE, AssignmentState, SubmissionStatus


def reveal_wording(
    show: str,
    due_at: datetime | None,
    max_attempts: int | None,
    late_penalty: float | None,
    time_zone: str | None = None,
) -> str:
    """When a student will see the correct answer, as it will actually happen under the
    setting and the student's own due date and attempts (never a promise that cannot come
    true: "after the due date" without one is "not shown"). Dates in the course's zone."""
    if show == "always":
        return "the correct answer is shown"
    if show == "never":
        return "the correct answer is not shown for this assignment"
    due = timezones.shown(due_at, time_zone) if due_at else None
    if show == "after_due":
        if due is None:
            return "the correct answer is not shown: this assignment has no due date"
        return f"the correct answer is shown after the due date ({due})"
    moments = []
    if max_attempts is not None:
        moments.append("once you have no attempts left")
    if due is not None and late_penalty is None:
        moments.append(f"once the assignment closes ({due})")
    if not moments:
        return (
            "the correct answer is not shown: attempts are unlimited and the assignment "
            "does not close"
        )
    return "the correct answer is shown " + " or ".join(moments)


def check_show_answers(value: str) -> str:
    if value not in ANSWER_VISIBILITY:
        raise Invalid(
            f"show_answers must be one of {', '.join(ANSWER_VISIBILITY)}",
            details=[{"path": "show_answers"}],
        )
    return value


def check_score_policy(value: str) -> str:
    if value not in SCORE_POLICIES:
        raise Invalid(
            "score_policy must be best or last (which attempt counts in the gradebook)",
            details=[{"path": "score_policy"}],
        )
    return value


def answers_visible(
    row: Assignment, role: str, mine: StudentTerms, now: datetime | None = None
) -> bool:
    """Whether the student whose terms are `mine` (see `student_terms`) may see the correct
    answer now.

    Staff always may. "after_due" without a due date never shows it; "after_last_attempt"
    shows it once no attempt is left or the assignment is closed to them (past a due date that
    takes no late work). What a student was shown before an extension stays shown
    (`mine.answers_kept`): an extension gives time, it does not take back what they saw.
    """
    if role != "student":
        return True
    show = row.show_answers
    if show == "always":
        return True
    if show == "never":
        return False
    if mine.answers_kept:
        return True
    now = now or utcnow()
    if show == "after_due":
        return mine.past_due(now)
    return mine.attempts_left == 0 or mine.closed(row, now)


def course_zone(session: Session, course_id: int) -> str:
    return session.scalar(select(Course.time_zone).where(Course.id == course_id)) or "UTC"


def _check_dates(opens: datetime | None, due: datetime | None) -> None:
    if opens and due and due <= opens:
        raise Invalid("due_at must be after opens_at", details=[{"path": "due_at"}])


def create_assignment(svc: Services, actor: Actor, course_id: int, spec: dict[str, Any]) -> dict:
    """`spec`: exercise_id (slug), version?, opens_at?, due_at?, max_attempts?, late_penalty?,
    show_answers? (one of ANSWER_VISIBILITY; default "always"), solution_hint? (bool)"""
    show = check_show_answers(spec.get("show_answers") or "always")
    policy = check_score_policy(spec.get("score_policy") or "best")
    with svc.db.write() as session:
        require_course_staff(session, actor, course_id)
        check_not_archived(session, course_id)
        zone = course_zone(session, course_id)  # a time without an offset is in it
        opens = timezones.in_zone(spec.get("opens_at"), zone, "opens_at")
        due = timezones.in_zone(spec.get("due_at"), zone, "due_at")
        _check_dates(opens, due)
        exercise = exercise_service.find(session, spec["exercise_id"])
        number = spec.get("version") or exercise.latest_version
        version = session.scalar(
            select(ExerciseVersion).where(
                ExerciseVersion.exercise_id == exercise.id, ExerciseVersion.version == number
            )
        )
        if version is None:
            raise NotFound(f"no version {number} of {exercise.slug!r}")
        row = Assignment(
            course_id=course_id,
            exercise_version_id=version.id,
            opens_at=opens,
            due_at=due,
            max_attempts=spec.get("max_attempts"),
            late_penalty=spec.get("late_penalty"),
            show_answers=show,
            solution_hint=bool(spec.get("solution_hint")),
            score_policy=policy,
        )
        session.add(row)
        session.flush()
        return {"id": row.id, "exercise_id": exercise.slug, "version": version.version}


def load(session: Session, actor: Actor, assignment_id: int) -> tuple[Assignment, str]:
    """The assignment and the actor's role in its course (403/404 otherwise)."""
    row = session.get(Assignment, assignment_id)
    if row is None:
        raise NotFound(f"no assignment {assignment_id}")
    return row, course_role(session, actor, row.course_id)


def check_open(
    row: Any, role: str, now: datetime | None = None, *, due_at: datetime | None = None
) -> bool:
    """Whether a submission now is late; refuses before opening or after a hard due date.

    `due_at`: the student's own due date when an extension moved it."""
    now = now or utcnow()
    if role != "student":
        return False
    if row.opens_at and now < row.opens_at:
        raise Forbidden(
            f"assignment {row.id} opens at {row.opens_at.isoformat()}",
            code="not_open",
            details={"opens_at": row.opens_at.isoformat()},
        )
    due = due_at or row.due_at
    late = bool(due and now > due)
    if late and row.late_penalty is None:
        raise Forbidden(
            f"assignment {row.id} was due at {due.isoformat()} and takes no late work",
            code="past_due",
            details={"due_at": due.isoformat()},
        )
    return late


def state(row: Assignment, now: datetime | None = None) -> AssignmentState:
    """upcoming, open, late (past due, late work taken with a penalty) or closed."""
    now = now or utcnow()
    if row.opens_at and now < row.opens_at:
        return AssignmentState.UPCOMING
    if row.due_at and now > row.due_at:
        return AssignmentState.CLOSED if row.late_penalty is None else AssignmentState.LATE
    return AssignmentState.OPEN


@dataclass(frozen=True)
class StudentTerms:
    """One student's standing on one assignment: its due date and attempt limit as an
    extension moved them, the attempts used (failed gradings use none) and left."""

    due_at: datetime | None
    max_attempts: int | None
    attempts_used: int = 0
    extended: bool = False
    answers_kept: bool = False  # the correct answer was shown before an extension

    @property
    def attempts_left(self) -> int | None:
        if self.max_attempts is None:
            return None
        return max(self.max_attempts - self.attempts_used, 0)

    def past_due(self, now: datetime | None = None) -> bool:
        return self.due_at is not None and (now or utcnow()) > self.due_at

    def closed(self, row: Any, now: datetime | None = None) -> bool:
        """Past this student's due date, and the assignment takes no late work."""
        return self.past_due(now) and row.late_penalty is None

    def state(self, row: Any, now: datetime | None = None) -> AssignmentState:
        """upcoming, open, late (past due, late work taken with a penalty), closed, or done
        (no attempt left while it is open), for this student."""
        now = now or utcnow()
        if row.opens_at and now < row.opens_at:
            return AssignmentState.UPCOMING
        if self.past_due(now):
            found = AssignmentState.CLOSED if row.late_penalty is None else AssignmentState.LATE
        else:
            found = AssignmentState.OPEN
        if found is not AssignmentState.CLOSED and self.attempts_left == 0:
            return AssignmentState.DONE
        return found


def effective_terms(
    due_at: datetime | None,
    max_attempts: int | None,
    extension: Extension | None,
    attempts_used: int = 0,
) -> StudentTerms:
    """The rule, in one place: the assignment's `due_at` and `max_attempts` as the student's
    `extension` (or None) moves them. An extension's due date only ever moves the date later;
    its extra attempts add to a limit (no limit stays no limit).

    Callers that hold the rows already (the submission path, the gradebook) call this; others
    call `student_terms`, which loads them."""
    if extension is None:
        return StudentTerms(due_at, max_attempts, attempts_used)
    due = extension.due_at
    if due is None or (due_at is not None and due <= due_at):
        due = due_at
    limit = None if max_attempts is None else max_attempts + (extension.extra_attempts or 0)
    kept = bool(getattr(extension, "answers_shown", False))
    return StudentTerms(due, limit, attempts_used, True, kept)


def student_terms(session: Session, row: Assignment, student_id: int) -> StudentTerms:
    """A student's effective due date and attempts on one assignment, extension included.
    Every page, the API and the gradebook take a student's due date and attempts from here
    (or `student_terms_for`, its form for many assignments), never from the assignment."""
    return student_terms_for(session, [row], student_id)[row.id]


def student_terms_for(
    session: Session, rows: Sequence[Assignment], student_id: int
) -> dict[int, StudentTerms]:
    """`student_terms` for many assignments at once (two queries): assignment id -> terms."""
    ids = [r.id for r in rows]
    if not ids:
        return {}
    extensions = {
        ext.assignment_id: ext
        for ext in session.scalars(
            select(Extension).where(
                Extension.assignment_id.in_(ids), Extension.student_id == student_id
            )
        )
    }
    used: dict[int, int] = {
        assignment_id: count
        for assignment_id, count in session.execute(
            select(Submission.assignment_id, func.count(Submission.id))
            .where(
                Submission.assignment_id.in_(ids),
                Submission.student_id == student_id,
                Submission.status != SubmissionStatus.FAILED,
            )
            .group_by(Submission.assignment_id)
        )
    }
    return {
        r.id: effective_terms(r.due_at, r.max_attempts, extensions.get(r.id), used.get(r.id, 0))
        for r in rows
    }


def check_not_archived(session: Session, course_id: int) -> None:
    archived = session.scalar(select(Course.archived_at).where(Course.id == course_id))
    if archived is not None:
        raise Forbidden(f"course {course_id} is archived and read-only", code="archived")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def view(svc: Services, actor: Actor, assignment_id: int, *, past_due_ok: bool = False) -> dict:
    """The assignment as the actor sees it: their own parameters, never the definitions.

    `past_due_ok`: also past a due date that takes no late work (to read it again; submitting
    stays refused). Before it opens it is never shown to students.
    """
    with svc.db.read() as session:
        row, role = load(session, actor, assignment_id)
        mine = student_terms(session, row, actor.id)
        zone = course_zone(session, row.course_id)
        try:
            check_open(row, role, due_at=mine.due_at)
        except Forbidden as exc:
            if not (past_due_ok and exc.code == "past_due"):
                raise
        version = row.exercise_version
        slug = version.exercise.slug
    seed = student_seed(svc.config.secret_key, actor.id, row.id)
    instance = instances.student_instance(svc, row.exercise_version_id, version.sha256, seed)
    parts = []
    for part in instance.parts:
        latex = part.get("prompt_latex") or ""
        parts.append({**part, "prompt_mathml": latex_to_mathml(latex) if latex else ""})
    student = role == "student"  # staff try it as previews: no limit
    return {
        "id": row.id,
        "course_id": row.course_id,
        "exercise_id": slug,
        "version": version.version,
        "title": version.title,
        "statement": instance.statement,
        "statement_html": render_markdown(instance.statement),
        "params": dict(instance.params),
        "parts": parts,
        "max_score": version.max_score,
        "opens_at": _iso(row.opens_at),
        "due_at": _iso(mine.due_at),
        "time_zone": zone,
        "max_attempts": mine.max_attempts if student else row.max_attempts,
        "late_penalty": row.late_penalty,
        "show_answers": row.show_answers,
        "solution_hint": row.solution_hint,
        "answers_visible": answers_visible(row, role, mine),
        "extended": mine.extended,
        "attempts_used": mine.attempts_used,
        "attempts_left": mine.attempts_left if student else None,
        "your_role": role,
    }


def summary(row: Assignment) -> dict:
    version = row.exercise_version
    return {
        "id": row.id,
        "course_id": row.course_id,
        "exercise_id": version.exercise.slug,
        "version": version.version,
        "title": version.title,
        "opens_at": _iso(row.opens_at),
        "due_at": _iso(row.due_at),
        "max_attempts": row.max_attempts,
        "late_penalty": row.late_penalty,
        "show_answers": row.show_answers,
        "solution_hint": row.solution_hint,
        "score_policy": row.score_policy,
    }


SETTINGS = (
    "opens_at",
    "due_at",
    "max_attempts",
    "late_penalty",
    "show_answers",
    "solution_hint",
    "score_policy",
)


def update_assignment(
    svc: Services, actor: Actor, assignment_id: int, changes: dict[str, Any]
) -> dict:
    """Change an assignment's settings (the course's instructors); keys absent stay as they are,
    a key given as None clears that setting (no date, no attempt limit, no late work).

    `version` moves the assignment to another version of its exercise and regrades every
    submission with it; the earlier results are kept (earlier_grades)."""
    unknown = set(changes) - {*SETTINGS, "version"}
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}")
    changes = dict(changes)
    number = changes.pop("version", None)
    if "show_answers" in changes:
        check_show_answers(changes["show_answers"] or "")
    if "solution_hint" in changes and not isinstance(changes["solution_hint"], bool):
        raise Invalid("solution_hint must be true or false", details=[{"path": "solution_hint"}])
    if "score_policy" in changes:
        check_score_policy(changes["score_policy"] or "")
    with svc.db.write() as session:
        row, role = load(session, actor, assignment_id)
        if role == "student":
            raise Forbidden("only the course's instructors may change assignments")
        zone = course_zone(session, row.course_id)  # a time without an offset is in it
        for key in ("opens_at", "due_at"):
            if key in changes:
                changes[key] = timezones.in_zone(changes[key], zone, key)
        for key, value in changes.items():
            setattr(row, key, value)
        _check_dates(row.opens_at, row.due_at)
        requeued = _move_to_version(session, row, number) if number is not None else []
        session.flush()
        out = {**summary(row), "regraded": len(requeued)}
    if requeued:
        svc.dispatcher.submitted(requeued)
    return out


def _move_to_version(session: Session, row: Assignment, number: int) -> list[int]:
    """Point the assignment and its submissions at another version; queue them for grading."""
    current = row.exercise_version
    if number == current.version:
        return []
    version = session.scalar(
        select(ExerciseVersion).where(
            ExerciseVersion.exercise_id == current.exercise_id, ExerciseVersion.version == number
        )
    )
    if version is None:
        raise NotFound(f"no version {number} of {current.exercise.slug!r}")
    row.exercise_version_id = version.id
    row.exercise_version = version
    table = table_of(Submission)
    mine = table.c.assignment_id == row.id
    session.execute(
        table_of(EarlierGrade)
        .insert()
        .from_select(
            [
                "submission_id",
                "exercise_version_id",
                "status",
                "score",
                "max_score",
                "results",
                "graded_at",
                "replaced_at",
            ],
            select(
                table.c.id,
                table.c.exercise_version_id,
                table.c.status,
                table.c.score,
                table.c.max_score,
                table.c.results,
                table.c.graded_at,
                literal(utcnow(), type_=table.c.created_at.type),
            ).where(mine, table.c.status.in_(DONE)),
        )
    )
    ids = list(session.scalars(select(table.c.id).where(mine).order_by(table.c.id)))
    session.execute(
        update(table)
        .where(mine)
        .values(
            exercise_version_id=version.id,
            max_score=version.max_score,
            status=SubmissionStatus.QUEUED,
            score=None,
            results=None,
            error=None,
            tries=0,
            claim_token=None,  # a grading still running on the old version is not stored
            claimed_at=None,
            graded_at=None,
            grade_ms=None,
        )
    )
    return ids


def list_for_course(svc: Services, actor: Actor, course_id: int, limit: int, offset: int) -> dict:
    with svc.db.read() as session:
        course_role(session, actor, course_id)
        query = select(Assignment).where(Assignment.course_id == course_id).order_by(Assignment.id)
        rows, total = page(session, query, limit, offset)
        return envelope([summary(r) for r in rows], total, limit, offset)


def delete_assignment(svc: Services, actor: Actor, assignment_id: int) -> None:
    """Delete an assignment nobody has submitted to."""
    with svc.db.write() as session:
        row, role = load(session, actor, assignment_id)
        if role == "student":
            raise Forbidden("only the course's instructors may delete assignments")
        if session.scalar(select(exists().where(Submission.assignment_id == row.id))):
            raise Conflict("the assignment has submissions and is kept as their record")
        session.delete(row)


def check_part(exercise: Any, part_id: str | None) -> None:
    if part_id is not None and part_id not in {p.id for p in exercise.parts}:
        known = ", ".join(p.id for p in exercise.parts)
        raise Invalid(f"no part {part_id!r}; the parts are {known}", details=[{"path": "part"}])


def preview_answer(
    svc: Services, actor: Actor, assignment_id: int, expression: str, part_id: str | None
) -> dict:
    """How an answer was read (LaTeX, MathML), or a 422 with the message and column."""
    if len(expression) > svc.config.max_answer_chars:
        raise Invalid(f"an answer may have at most {svc.config.max_answer_chars} characters")
    with svc.db.read() as session:
        row, role = load(session, actor, assignment_id)
        sha256 = row.exercise_version.sha256
    check_open(row, role)  # closed to students exactly when the assignment itself is
    exercise = svc.exercises.get(row.exercise_version_id, sha256)
    check_part(exercise, part_id)
    seed = student_seed(svc.config.secret_key, actor.id, row.id)
    try:
        shown = preview(exercise, part_id, expression, seed)
    except ParseError as exc:
        raise Invalid(exc.message, code="parse_error", details=exc.to_dict()) from None
    return {"latex": shown.latex, "mathml": shown.mathml, "text": shown.text}


def settings(svc: Services, actor: Actor, assignment_id: int) -> dict[str, Any]:
    """Course, state and settings (those of `summary`) of an assignment the actor can see."""
    with svc.db.read() as session:
        row = session.get(Assignment, assignment_id)
        if row is None:
            raise NotFound(f"no assignment {assignment_id}")
        role = course_role(session, actor, row.course_id)
        course = session.get_one(Course, row.course_id)
        return {
            **summary(row),
            "id": row.id,
            "title": row.exercise_version.title,
            "course_id": course.id,
            "course_title": course.title,
            "time_zone": course.time_zone,
            "role": role,
            "state": state(row),
            "due": row.due_at,
            "opens": row.opens_at,
            "show_answers": row.show_answers,
            "solution_hint": row.solution_hint,
        }
