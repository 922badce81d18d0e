"""The gradebook: each student's counted score per assignment (the sum of its questions' best
or last attempts in points, after the late penalty, or the instructor's override), with
per-question scores, extensions and overrides, as JSON or CSV.

Preview submissions (instructors trying an assignment) never count.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from grader.db.models import (
    Assignment,
    Extension,
    Membership,
    QuestionOverride,
    ScoreOverride,
    Submission,
    User,
)
from grader.services import timezones
from grader.services.accounts.access import course_role, require_course_staff
from grader.services.assignments import exams, questions, scoring
from grader.services.assignments.assignment import (
    StudentTerms,
    answers_seen_by,
    answers_visible,
    course_zone,
    effective_terms,
    load,
    question_student_terms,
)
from grader.services.assignments.scoring import Tally
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound
from grader.services.gradebook.results import ExtensionGiven, Override
from grader.services.infra.csvfile import safe_cell, to_csv  # noqa: F401  (safe_cell: also read here)
from grader.services.mastery.goals import Goal, goal_scores

MAX_REASON_CHARS = 1000
MAX_EXTRA_ATTEMPTS = 1000


@dataclass
class Cell:
    """One student's standing on one assignment: the counted total (or an override), the
    attempts used over its questions, and each question's tally."""

    score: float | None = None
    attempts: int = 0
    late: bool = False
    counted_attempt: int | None = None
    overridden: bool = False
    reason: str | None = None
    extension: dict[str, Any] | None = None
    extension_row: Extension | None = None
    questions: dict[int, Tally] = field(default_factory=dict)

    def to_dict(
        self,
        max_score: float,
        points: dict[int, float] | None = None,
        mine: StudentTerms | None = None,
    ) -> dict[str, Any]:
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
        if points is not None:
            out["questions"] = {
                str(qid): _question_cell(self.questions.get(qid), value)
                for qid, value in points.items()
            }
        return out


def _question_cell(tally: Tally | None, points: float) -> dict[str, Any]:
    tally = tally or Tally()
    return {
        "score": tally.points(points),
        "points": points,
        "attempts": tally.attempts,
        "late": tally.late,
        "status": tally.status,
        "overridden": tally.override is not None,
    }


def _students(session: Session, course_id: int) -> Sequence[Any]:
    return session.execute(
        select(User.id, User.username, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.course_id == course_id, Membership.role == "student")
        .order_by(User.username)
    ).all()


@dataclass(frozen=True)
class Column:
    """An assignment as the gradebook shows it: title, questions with points, maximum."""

    id: int
    title: str
    kind: str
    score_policy: str
    late_penalty: float | None
    due_at: datetime | None
    max_attempts: int | None  # the limit shown per assignment: its only question's
    points: dict[int, float]  # question id -> points, in the assignment's order
    titles: dict[int, str]
    goal: Goal | None = None  # kind "practice": the skills to reach, one point each

    @property
    def max_score(self) -> float:
        if self.goal is not None:
            return self.goal.max_score
        return round(sum(self.points.values()), 9)


def columns(session: Session, rows: list[Assignment]) -> list[Column]:
    """The gradebook's columns of these assignments (their questions loaded in one query)."""
    every = [q for row in rows for q in row.questions]
    versions = questions.alternatives(session, questions.version_ids(every))
    out = []
    for row in rows:
        points, titles = {}, {}
        for q in row.questions:
            first = versions[questions.alternative_ids(q)[0]]
            points[q.id] = questions.points_of(q, first.max_score)
            titles[q.id] = f"pool of {len(q.pool)}" if q.pool else first.title
        first_title = next(iter(titles.values()), "")
        limit = row.max_attempts
        if len(row.questions) > 1:
            limit = None  # attempts are counted per question
        elif row.questions and row.questions[0].max_attempts is not None:
            limit = row.questions[0].max_attempts
        out.append(
            Column(
                row.id,
                row.title or first_title,
                row.kind,
                row.score_policy,
                row.late_penalty,
                row.due_at,
                limit,
                points,
                titles,
                goal_of(row),
            )
        )
    return out


def goal_of(row: Assignment) -> Goal | None:
    """A practice assignment's goal (None for homework and exams)."""
    if row.kind != "practice" or not row.target_skills:
        return None
    level = row.target_level or "proficient"
    return Goal(row.id, row.course_id, tuple(row.target_skills), level, row.due_at)


def _assignments(session: Session, course_id: int) -> list[Column]:
    rows = session.scalars(
        select(Assignment)
        .where(Assignment.course_id == course_id)
        .order_by(Assignment.id)
        .options(selectinload(Assignment.questions))
    ).all()
    return columns(session, list(rows))


def counted_scores(
    session: Session, cols: list[Column], student_id: int | None = None
) -> dict[tuple[int, int], Cell]:
    """(assignment id, student id) -> the cell, from submissions, extensions and overrides
    (of one student, or everyone's)."""
    ids = [c.id for c in cols]
    by_id = {c.id: c for c in cols}
    cells: dict[tuple[int, int], Cell] = {}
    query = (
        select(
            Submission.assignment_id,
            Submission.question_id,
            Submission.student_id,
            Submission.attempt,
            Submission.status,
            Submission.score,
            Submission.max_score,
            Submission.late,
        )
        .where(Submission.assignment_id.in_(ids), Submission.preview.is_(False))
        .order_by(Submission.attempt, Submission.id)
    )
    extensions = select(Extension).where(Extension.assignment_id.in_(ids))
    overrides = select(ScoreOverride).where(ScoreOverride.assignment_id.in_(ids))
    if student_id is not None:
        query = query.where(Submission.student_id == student_id)
        extensions = extensions.where(Extension.student_id == student_id)
        overrides = overrides.where(ScoreOverride.student_id == student_id)
    for s in session.connection().execute(query):  # Core rows: no ORM work per row
        col = by_id[s.assignment_id]
        cell = cells.setdefault((s.assignment_id, s.student_id), Cell())
        cell.questions.setdefault(s.question_id, Tally()).add(s, col.score_policy, col.late_penalty)
    by_question = select(QuestionOverride).where(QuestionOverride.assignment_id.in_(ids))
    if student_id is not None:
        by_question = by_question.where(QuestionOverride.student_id == student_id)
    for qo in session.scalars(by_question):  # an instructor's score at one question replaces it
        cell = cells.setdefault((qo.assignment_id, qo.student_id), Cell())
        cell.questions.setdefault(qo.question_id, Tally()).override = qo.score
    for (aid, _sid), cell in cells.items():
        col = by_id[aid]
        scores = [
            t.points(col.points.get(qid, t.max_score or 0.0)) for qid, t in cell.questions.items()
        ]
        cell.score = scoring.total(scores)
        cell.attempts = sum(t.attempts for t in cell.questions.values())
        cell.late = any(t.late for t in cell.questions.values() if t.score is not None)
    for col in cols:  # practice: the target skills reached by the due date
        if col.goal is not None:
            ids_ = None if student_id is None else [student_id]
            for sid, score in goal_scores(session, col.goal, ids_).items():
                cells.setdefault((col.id, sid), Cell()).score = score
    for ext in session.scalars(extensions):
        cell = cells.setdefault((ext.assignment_id, ext.student_id), Cell())
        cell.extension_row = ext
        given = ext.question_attempts or {}
        if not (ext.due_at or ext.extra_attempts or ext.time_factor or ext.extra_minutes or given):
            continue  # it only keeps answers shown: no extension to name
        cell.extension = {
            "due_at": ext.due_at.isoformat() if ext.due_at else None,
            "extra_attempts": ext.extra_attempts,
            "time_factor": ext.time_factor,
            "extra_minutes": ext.extra_minutes,
        }
        if given:  # extra attempts at single questions, question id -> attempts
            cell.extension["question_attempts"] = {k: int(v) for k, v in given.items()}
    for ov in session.scalars(overrides):
        cell = cells.setdefault((ov.assignment_id, ov.student_id), Cell())
        cell.score, cell.overridden, cell.reason = ov.score, True, ov.reason
    return cells


def _column_dict(col: Column) -> dict[str, Any]:
    return {
        "id": col.id,
        "title": col.title,
        "kind": col.kind,
        "max_score": col.max_score,
        "score_policy": col.score_policy,
        **(
            {"target_skills": list(col.goal.skills), "target_level": col.goal.level}
            if col.goal
            else {}
        ),
        "questions": [
            {"id": qid, "number": n, "title": col.titles[qid], "points": points}
            for n, (qid, points) in enumerate(col.points.items(), start=1)
        ],
    }


def gradebook(svc: Services, actor: Actor, course_id: int) -> dict[str, Any]:
    """{"assignments": [{id, title, kind, max_score, score_policy, questions: [{id, number,
    title, points}]}], "students": [{username, display_name, scores: {"<assignment id>":
    {score, max_score, attempts, late, overridden, extension[, reason], questions:
    {"<question id>": {score, points, attempts, late, status}}}}, total, max_total}]}"""
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
        cols = _assignments(session, course_id)
        students = _students(session, course_id)
        cells = counted_scores(session, cols)
    max_total = round(sum(c.max_score for c in cols), 9)
    rows = []
    for student in students:
        scores = {}
        total = 0.0
        for col in cols:
            cell = cells.get((col.id, student.id), Cell())
            mine = effective_terms(col.due_at, col.max_attempts, cell.extension_row, cell.attempts)
            scores[str(col.id)] = cell.to_dict(col.max_score, col.points, mine)
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
    return {"assignments": [_column_dict(c) for c in cols], "students": rows}


def student_detail(svc: Services, actor: Actor, course_id: int, username: str) -> dict[str, Any]:
    """One student's gradebook row drilled down: per assignment, each question's exercise (the
    student's own pool draw), points, score, attempts and status (the course's staff, or the
    student themself)."""
    with svc.db.read() as session:
        role = course_role(session, actor, course_id)
        student_id = _student_of(session, course_id, username)
        if role == "student" and student_id != actor.id:
            raise Forbidden("students see only their own grades")
        rows = list(
            session.scalars(
                select(Assignment)
                .where(Assignment.course_id == course_id)
                .order_by(Assignment.id)
                .options(selectinload(Assignment.questions))
            )
        )
        cols = columns(session, rows)
        cells = counted_scores(session, cols, student_id)
        drawn = {q.id: questions.drawn_version(q, student_id) for r in rows for q in r.questions}
        versions = questions.alternatives(session, set(drawn.values()))
    out = []
    for col, row in zip(cols, rows, strict=True):
        cell = cells.get((col.id, student_id), Cell())
        items = []
        for n, q in enumerate(row.questions, start=1):
            version = versions[drawn[q.id]]
            items.append(
                {
                    "id": q.id,
                    "number": n,
                    "exercise_id": version.slug,
                    "title": version.title,
                    **_question_cell(cell.questions.get(q.id), col.points[q.id]),
                }
            )
        out.append({**_column_dict(col), **cell.to_dict(col.max_score), "questions": items})
    total = round(sum(a["score"] or 0.0 for a in out), 6)
    return {"username": username, "course_id": course_id, "assignments": out, "total": total}


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def gradebook_csv(book: dict[str, Any], per_question: bool = False) -> str:
    """One row per student, one column per assignment (and with `per_question`, one per
    question after it), the total, and the overrides' reasons."""
    assignments = book["assignments"]
    header = ["username", "display_name"]
    for a in assignments:
        header.append(f"{a['title']} (#{a['id']}, max {_number(a['max_score'])})")
        if per_question:
            header += [
                f"{a['title']} Q{q['number']} (#{a['id']}.{q['id']}, max {_number(q['points'])})"
                for q in a["questions"]
            ]
    header += ["total", "max_total", "late", "extensions", "overrides"]
    rows: list[list[Any]] = [header]
    for student in book["students"]:
        row: list[Any] = [student["username"], student["display_name"] or ""]
        late, extended, overrides = [], [], []
        for a in assignments:
            cell = student["scores"][str(a["id"])]
            row.append(_number(cell["score"]))
            if per_question:
                row += [_number(cell["questions"][str(q["id"])]["score"]) for q in a["questions"]]
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
    and verdict; with several questions (or a pool), which question and exercise too."""
    with svc.db.read() as session:
        row = staff_assignment(session, actor, assignment_id)
        numbers = {q.id: n for n, q in enumerate(row.questions, start=1)}
        several = len(row.questions) > 1 or any(q.pool for q in row.questions)
        subs = session.execute(
            select(Submission, User.username)
            .join(User, User.id == Submission.student_id)
            .where(Submission.assignment_id == assignment_id, Submission.preview.is_(False))
            .order_by(User.username, Submission.question_id, Submission.attempt)
        ).all()
        used = questions.version_ids(row.questions) | {sub.exercise_version_id for sub, _ in subs}
        versions = questions.alternatives(session, used)
    parts: list[str] = []
    for version in sorted(versions.values(), key=lambda v: v.version_id):
        for part in svc.exercises.get(version.version_id, version.sha256).parts:
            if part.id not in parts:
                parts.append(part.id)
    header = ["username"]
    if several:
        header += ["question", "exercise_id"]
    header += ["attempt", "submitted_at", "status", "score", "max_score", "late"]
    for part in parts:
        header += [f"{part} answer", f"{part} correct", f"{part} help penalty"]
    rows: list[list[Any]] = [header]
    for sub, username in subs:
        line: list[Any] = [username]
        if several:
            drawn = versions.get(sub.exercise_version_id)
            line += [numbers.get(sub.question_id, ""), drawn.slug if drawn else ""]
        line += [
            sub.attempt,
            _time(sub.created_at),
            sub.status,
            _number(sub.score),
            _number(sub.max_score),
            "yes" if sub.late else "",
        ]
        results = (sub.results or {}).get("parts", {})
        for part in parts:
            given = sub.answers.get(part)
            text = json.dumps(given, ensure_ascii=False) if isinstance(given, list) else given
            verdict = results.get(part, {}).get("correct")
            line += [text or "", "" if verdict is None else ("yes" if verdict else "no")]
            line.append(_number(results.get(part, {}).get("penalty")))
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
) -> Override:
    """Set (or replace) one student's score for an assignment, with the reason."""
    reason = reason.strip()
    if not 0 < len(reason) <= MAX_REASON_CHARS:
        raise Invalid(
            f"give a reason of 1 to {MAX_REASON_CHARS} characters", details=[{"path": "reason"}]
        )
    try:
        with svc.db.write() as session:
            row = staff_assignment(session, actor, assignment_id)
            max_score = columns(session, [row])[0].max_score
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
    return Override(username=username, assignment_id=assignment_id, score=score, reason=reason)


def set_extension(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    username: str,
    due_at: datetime | None,
    extra_attempts: int | None,
    time_factor: float | None = None,
    extra_minutes: int | None = None,
) -> ExtensionGiven:
    """Give one student a later due date, extra attempts (at each question), and for an
    exam their own time factor and extra minutes (replacing an earlier extension)."""
    if due_at is None and not extra_attempts and time_factor is None and extra_minutes is None:
        raise Invalid("give a later due_at, extra_attempts, time_factor or extra_minutes")
    if extra_attempts is not None and not 0 <= extra_attempts <= MAX_EXTRA_ATTEMPTS:
        raise Invalid(
            f"extra_attempts is 0 to {MAX_EXTRA_ATTEMPTS}", details=[{"path": "extra_attempts"}]
        )
    exams.check_accommodation(time_factor, extra_minutes)
    try:
        with svc.db.write() as session:
            row = staff_assignment(session, actor, assignment_id)
            due_at = timezones.in_zone(due_at, course_zone(session, row.course_id), "due_at")
            _check_due(row, due_at)
            student_id = _student_of(session, row.course_id, username)
            found = _extension_row(session, row, student_id, actor)
            found.due_at, found.extra_attempts = due_at, extra_attempts or 0
            found.time_factor, found.extra_minutes = time_factor, extra_minutes
            session.flush()
    except IntegrityError:
        raise Conflict("an extension was given at the same moment; try again") from None
    return ExtensionGiven(
        username=username,
        assignment_id=assignment_id,
        due_at=due_at.isoformat() if due_at else None,
        extra_attempts=extra_attempts or 0,
        time_factor=time_factor,
        extra_minutes=extra_minutes,
    )


def set_question_override(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    username: str,
    question_id: int,
    score: float | None,
    reason: str,
) -> dict[str, Any]:
    """Set one student's score at one question (0 to its points, for their own pool draw),
    with the reason; None removes it (their attempts count again). The assignment's score
    is the sum with it, computed on read."""
    reason = reason.strip()
    if score is not None and not 0 < len(reason) <= MAX_REASON_CHARS:
        raise Invalid(
            f"give a reason of 1 to {MAX_REASON_CHARS} characters", details=[{"path": "reason"}]
        )
    with svc.db.write() as session:
        row = staff_assignment(session, actor, assignment_id)
        question = next((q for q in row.questions if q.id == question_id), None)
        if question is None:
            raise NotFound(f"assignment {assignment_id} has no question {question_id}")
        student_id = _student_of(session, row.course_id, username)
        drawn = questions.drawn_version(question, student_id)
        alt = questions.alternatives(session, {drawn})[drawn]
        points = questions.points_of(question, alt.max_score)
        if score is not None and not 0 <= score <= points:
            raise Invalid(
                f"the score must be between 0 and {points:g}", details=[{"path": "score"}]
            )
        found = session.scalar(
            select(QuestionOverride).where(
                QuestionOverride.question_id == question_id,
                QuestionOverride.student_id == student_id,
            )
        )
        if score is None:
            if found is not None:
                session.delete(found)
        else:
            if found is None:
                found = QuestionOverride(
                    assignment_id=assignment_id, question_id=question_id, student_id=student_id
                )
                session.add(found)
            found.score, found.reason, found.created_by = score, reason, actor.id
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("the score was overridden at the same moment; try again") from None
    return {
        "username": username,
        "assignment_id": assignment_id,
        "question_id": question_id,
        "score": score,
        "reason": reason if score is not None else None,
    }


def _extension_row(session: Session, row: Assignment, student_id: int, actor: Actor) -> Extension:
    """The student's extension on `row` (new if none), given by `actor`; what the student has
    been shown stays shown after it."""
    shown = _answers_shown(session, row, student_id)
    found = _one_per_student(session, Extension, row.id, student_id)
    found.answers_shown = bool(found.answers_shown) or shown
    found.created_by = actor.id
    return found


def set_question_attempts(
    svc: Services, actor: Actor, assignment_id: int, username: str, question_id: int, extra: int
) -> ExtensionGiven:
    """Give one student `extra` attempts at one question (0 takes them back), on top of any
    extra attempts at each question; the rest of their extension stays."""
    if isinstance(extra, bool) or not 0 <= extra <= MAX_EXTRA_ATTEMPTS:
        raise Invalid(
            f"extra_attempts is 0 to {MAX_EXTRA_ATTEMPTS}", details=[{"path": "extra_attempts"}]
        )
    try:
        with svc.db.write() as session:
            row = staff_assignment(session, actor, assignment_id)
            if question_id not in {q.id for q in row.questions}:
                raise NotFound(f"assignment {assignment_id} has no question {question_id}")
            found = _extension_row(
                session, row, _student_of(session, row.course_id, username), actor
            )
            given = dict(found.question_attempts or {})
            given.pop(str(question_id), None)
            if extra:
                given[str(question_id)] = extra
            found.question_attempts = given or None
            found.extra_attempts = each = found.extra_attempts or 0
            due = found.due_at
            session.flush()
    except IntegrityError:
        raise Conflict("an extension was given at the same moment; try again") from None
    return ExtensionGiven(
        username=username,
        assignment_id=assignment_id,
        due_at=due.isoformat() if due else None,
        extra_attempts=each,
        question_id=question_id,
        question_attempts=given,
    )


def _answers_shown(session: Session, row: Assignment, student_id: int) -> bool:
    """Whether the correct answer of any question is shown to the student now."""
    return any(
        answers_visible(row, "student", question_student_terms(session, row, q.id, student_id))
        for q in row.questions
    )


def _check_due(row: Assignment, due_at: datetime | None) -> None:
    if due_at is not None and row.opens_at is not None and due_at <= row.opens_at:
        raise Invalid("due_at must be after the assignment opens", details=[{"path": "due_at"}])


def extend_class(
    svc: Services, actor: Actor, assignment_id: int, due_at: datetime
) -> ExtensionGiven:
    """Move the due date of every student of the course to `due_at` in one action: each gets
    an extension to it (one that already goes later is kept; extra attempts and exam time
    stay). Students enrolled later have the assignment's own date."""
    try:
        with svc.db.write() as session:
            row = staff_assignment(session, actor, assignment_id)
            zone = course_zone(session, row.course_id)  # a time without an offset is in it
            due_at = timezones.in_zone(due_at, zone, "due_at") or due_at
            _check_due(row, due_at)
            students = [s.id for s in _students(session, row.course_id)]
            seen = answers_seen_by(session, row)  # stays shown after the extension
            existing = {
                e.student_id: e
                for e in session.scalars(
                    select(Extension).where(Extension.assignment_id == assignment_id)
                )
            }
            for student_id in students:
                found = existing.get(student_id)
                if found is None:
                    found = Extension(assignment_id=assignment_id, student_id=student_id)
                    found.extra_attempts = 0
                    session.add(found)
                found.answers_shown = bool(found.answers_shown) or student_id in seen
                if found.due_at is None or found.due_at < due_at:
                    found.due_at = due_at
                found.created_by = actor.id
            session.flush()
    except IntegrityError:
        raise Conflict("an extension was given at the same moment; try again") from None
    return ExtensionGiven(
        all=True, assignment_id=assignment_id, due_at=due_at.isoformat(), students=len(students)
    )
