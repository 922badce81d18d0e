"""The gradebook: each student's counted score per assignment (best or last attempt, after
the late penalty, or the instructor's override), with extensions and overrides, as JSON or CSV.

Preview submissions (instructors trying an assignment) never count.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.db.models import (
    Assignment,
    ExerciseVersion,
    Extension,
    Membership,
    ScoreOverride,
    Submission,
    User,
)
from grader.services import timezones
from grader.services.accounts.access import require_course_staff
from grader.services.assignments.assignment import (
    StudentTerms,
    answers_visible,
    course_zone,
    effective_terms,
    load,
    student_terms,
)
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Invalid, NotFound
from grader.services.infra.csvfile import safe_cell, to_csv  # noqa: F401  (safe_cell: also read here)
from grader.vocabulary import SubmissionStatus

MAX_REASON_CHARS = 1000
MAX_EXTRA_ATTEMPTS = 1000


@dataclass
class Cell:
    score: float | None = None
    attempts: int = 0
    late: bool = False
    counted_attempt: int | None = None
    overridden: bool = False
    reason: str | None = None
    extension: dict[str, Any] | None = None
    extension_row: Extension | None = None

    def to_dict(self, max_score: float, mine: StudentTerms | None = None) -> dict[str, Any]:
        """`mine`: the student's terms (`effective_terms`): their due date and attempts."""
        out: dict[str, Any] = {
            "score": self.score,
            "max_score": max_score,
            "attempts": self.attempts,
            "late": self.late,
            "overridden": self.overridden,
            "extension": self.extension,
        }
        if mine is not None:
            out["due_at"] = mine.due_at.isoformat() if mine.due_at else None
            out["max_attempts"] = mine.max_attempts
            out["attempts_left"] = mine.attempts_left
        if self.overridden:
            out["reason"] = self.reason
        return out


def _students(session: Session, course_id: int) -> Sequence[Any]:
    return session.execute(
        select(User.id, User.username, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.course_id == course_id, Membership.role == "student")
        .order_by(User.username)
    ).all()


def _assignments(session: Session, course_id: int) -> Sequence[Any]:
    return session.execute(
        select(
            Assignment.id,
            Assignment.score_policy,
            Assignment.due_at,
            Assignment.max_attempts,
            ExerciseVersion.title,
            ExerciseVersion.max_score,
        )
        .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
        .where(Assignment.course_id == course_id)
        .order_by(Assignment.id)
    ).all()


def counted_scores(session: Session, policy: dict[int, str]) -> dict[tuple[int, int], Cell]:
    """(assignment id, student id) -> the cell, from submissions, extensions and overrides;
    `policy`: assignment id -> its score policy (best or last)."""
    ids = list(policy)
    cells: dict[tuple[int, int], Cell] = {}
    subs = session.execute(
        select(
            Submission.assignment_id,
            Submission.student_id,
            Submission.attempt,
            Submission.status,
            Submission.score,
            Submission.late,
        )
        .where(Submission.assignment_id.in_(ids), Submission.preview.is_(False))
        .order_by(Submission.attempt)
    )
    for s in subs:
        if s.status == SubmissionStatus.FAILED:
            continue  # a failed grading uses no attempt and has no score
        cell = cells.setdefault((s.assignment_id, s.student_id), Cell())
        cell.attempts += 1
        if s.status != SubmissionStatus.GRADED or s.score is None:
            continue
        better = cell.score is None or (
            s.score > cell.score if policy[s.assignment_id] == "best" else True
        )
        if better:
            cell.score, cell.late, cell.counted_attempt = s.score, s.late, s.attempt
    for ext in session.scalars(select(Extension).where(Extension.assignment_id.in_(ids))):
        cell = cells.setdefault((ext.assignment_id, ext.student_id), Cell())
        cell.extension_row = ext
        cell.extension = {
            "due_at": ext.due_at.isoformat() if ext.due_at else None,
            "extra_attempts": ext.extra_attempts,
        }
    for ov in session.scalars(select(ScoreOverride).where(ScoreOverride.assignment_id.in_(ids))):
        cell = cells.setdefault((ov.assignment_id, ov.student_id), Cell())
        cell.score, cell.overridden, cell.reason = ov.score, True, ov.reason
    return cells


def gradebook(svc: Services, actor: Actor, course_id: int) -> dict[str, Any]:
    """{"assignments": [{id, title, max_score, score_policy}], "students": [{username,
    display_name, scores: {"<assignment id>": {score, max_score, attempts, late, overridden,
    extension, due_at, max_attempts, attempts_left[, reason]}}, total, max_total}]}: the due
    date and attempts are the student's own (`effective_terms`: an extension moves them)."""
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
        assignments = _assignments(session, course_id)
        students = _students(session, course_id)
        cells = counted_scores(session, {a.id: a.score_policy for a in assignments})
    max_total = sum(a.max_score for a in assignments)
    rows = []
    for student in students:
        scores = {}
        total = 0.0
        for a in assignments:
            cell = cells.get((a.id, student.id), Cell())
            mine = effective_terms(a.due_at, a.max_attempts, cell.extension_row, cell.attempts)
            scores[str(a.id)] = cell.to_dict(a.max_score, mine)
            total += cell.score or 0.0
        rows.append(
            {
                "username": student.username,
                "display_name": student.display_name,
                "scores": scores,
                "total": round(total, 6),
                "max_total": max_total,
            }
        )
    return {
        "assignments": [
            {"id": a.id, "title": a.title, "max_score": a.max_score, "score_policy": a.score_policy}
            for a in assignments
        ],
        "students": rows,
    }


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def gradebook_csv(book: dict[str, Any]) -> str:
    """One row per student, one column per assignment, the total, and the overrides' reasons."""
    assignments = book["assignments"]
    header = ["username", "display_name"]
    header += [f"{a['title']} (#{a['id']}, max {_number(a['max_score'])})" for a in assignments]
    header += ["total", "max_total", "late", "extensions", "overrides"]
    rows: list[list[Any]] = [header]
    for student in book["students"]:
        row: list[Any] = [student["username"], student["display_name"] or ""]
        late, extended, overrides = [], [], []
        for a in assignments:
            cell = student["scores"][str(a["id"])]
            row.append(_number(cell["score"]))
            if cell["late"]:
                late.append(f"#{a['id']}")
            if cell["extension"]:
                extended.append(f"#{a['id']}")
            if cell["overridden"]:
                overrides.append(f"#{a['id']}: {cell['reason']}")
        row += [_number(student["total"]), _number(student["max_total"])]
        row += [" ".join(late), " ".join(extended), "; ".join(overrides)]
        rows.append(row)
    return to_csv(rows)


def submissions_csv(svc: Services, actor: Actor, assignment_id: int) -> str:
    """Every (non-preview) submission of one assignment: who, when, score, each part's answer
    and verdict."""
    with svc.db.read() as session:
        version = staff_assignment(session, actor, assignment_id).exercise_version
        subs = session.execute(
            select(Submission, User.username)
            .join(User, User.id == Submission.student_id)
            .where(Submission.assignment_id == assignment_id, Submission.preview.is_(False))
            .order_by(User.username, Submission.attempt)
        ).all()
    parts = list(svc.exercises.get(version.id, version.sha256).parts)
    header = ["username", "attempt", "submitted_at", "status", "score", "max_score", "late"]
    for part in parts:
        header += [f"{part.id} answer", f"{part.id} correct"]
    rows: list[list[Any]] = [header]
    for sub, username in subs:
        line = [
            username,
            sub.attempt,
            _time(sub.created_at),
            sub.status,
            _number(sub.score),
            _number(sub.max_score),
            "yes" if sub.late else "",
        ]
        results = (sub.results or {}).get("parts", {})
        for part in parts:
            given = sub.answers.get(part.id)
            text = json.dumps(given, ensure_ascii=False) if isinstance(given, list) else given
            verdict = results.get(part.id, {}).get("correct")
            line += [text or "", "" if verdict is None else ("yes" if verdict else "no")]
        rows.append(line)
    return to_csv(rows)


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _student_of(session: Session, course_id: int, username: str) -> int:
    student_id = session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.course_id == course_id,
            Membership.role == "student",
            User.username == username,
        )
    )
    if student_id is None:
        raise NotFound(f"{username!r} is not a student of this course")
    return student_id


def staff_assignment(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    """The assignment, when the actor teaches its course (403/404 otherwise)."""
    row, _role = load(session, actor, assignment_id)
    require_course_staff(session, actor, row.course_id)
    return row


def _one_per_student(session: Session, model: Any, assignment_id: int, student_id: int) -> Any:
    """The student's row of `model` (an extension or an override) for the assignment, new if
    there is none yet."""
    found = session.scalar(
        select(model).where(model.assignment_id == assignment_id, model.student_id == student_id)
    )
    if found is None:
        found = model(assignment_id=assignment_id, student_id=student_id)
        session.add(found)
    return found


def set_override(
    svc: Services, actor: Actor, assignment_id: int, username: str, score: float, reason: str
) -> dict[str, Any]:
    """Set (or replace) one student's score for an assignment, with the reason."""
    reason = reason.strip()
    if not 0 < len(reason) <= MAX_REASON_CHARS:
        raise Invalid(
            f"give a reason of 1 to {MAX_REASON_CHARS} characters", details=[{"path": "reason"}]
        )
    try:
        with svc.db.write() as session:
            row = staff_assignment(session, actor, assignment_id)
            max_score = row.exercise_version.max_score
            if not 0 <= score <= max_score:
                raise Invalid(
                    f"the score must be between 0 and {max_score:g}", details=[{"path": "score"}]
                )
            student_id = _student_of(session, row.course_id, username)
            found = _one_per_student(session, ScoreOverride, assignment_id, student_id)
            found.score, found.reason, found.created_by = score, reason, actor.id
            session.flush()
    except IntegrityError:
        raise Conflict("the score was overridden at the same moment; try again") from None
    return {"username": username, "assignment_id": assignment_id, "score": score, "reason": reason}


def set_extension(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    username: str,
    due_at: datetime | None,
    extra_attempts: int | None,
) -> dict[str, Any]:
    """Give one student a later due date and/or extra attempts (replacing an earlier one)."""
    if due_at is None and not extra_attempts:
        raise Invalid("give a later due_at, extra_attempts, or both")
    if extra_attempts is not None and not 0 <= extra_attempts <= MAX_EXTRA_ATTEMPTS:
        raise Invalid(
            f"extra_attempts is 0 to {MAX_EXTRA_ATTEMPTS}", details=[{"path": "extra_attempts"}]
        )
    try:
        with svc.db.write() as session:
            row = staff_assignment(session, actor, assignment_id)
            due_at = timezones.in_zone(due_at, course_zone(session, row.course_id), "due_at")
            if due_at is not None and row.opens_at is not None and due_at <= row.opens_at:
                raise Invalid("due_at must be after the assignment opens")
            student_id = _student_of(session, row.course_id, username)
            # what the student has been shown stays shown after the extension
            shown = answers_visible(row, "student", student_terms(session, row, student_id))
            found = _one_per_student(session, Extension, assignment_id, student_id)
            found.due_at, found.extra_attempts = due_at, extra_attempts or 0
            found.answers_shown = bool(found.answers_shown) or shown
            found.created_by = actor.id
            session.flush()
    except IntegrityError:
        raise Conflict("an extension was given at the same moment; try again") from None
    return {
        "username": username,
        "assignment_id": assignment_id,
        "due_at": due_at.isoformat() if due_at else None,
        "extra_attempts": extra_attempts or 0,
    }
