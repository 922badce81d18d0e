"""What the web pages show beyond the API's views: course overviews, feedback and plot data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from grader.db.models import Assignment, Course, ExerciseVersion, Membership, Submission, utcnow
from grader.engine import Curves, curves
from grader.services.access import course_role
from grader.services.assignments import REVEAL_PHRASES, answers_visible, attempts_used, summary
from grader.services.context import Actor, Services
from grader.services.errors import NotFound
from grader.services.markup import latex_to_mathml
from grader.services.submissions import get_submission

PLOT_POINTS = 400  # grid of a feedback plot


def state(row: Assignment, now: datetime | None = None) -> str:
    """upcoming, open, late (past due, late work taken with a penalty) or closed."""
    now = now or utcnow()
    if row.opens_at and now < row.opens_at:
        return "upcoming"
    if row.due_at and now > row.due_at:
        return "closed" if row.late_penalty is None else "late"
    return "open"


def _my_stats(session: Session, student_id: int, ids: list[int]) -> dict[int, Any]:
    counted = case((Submission.status != "failed", 1), else_=0)
    rows = session.execute(
        select(
            Submission.assignment_id,
            func.sum(counted).label("used"),
            func.max(Submission.score).label("best"),
            func.sum(case((Submission.late, 1), else_=0)).label("late"),
            func.count(Submission.id).label("total"),
        )
        .where(Submission.student_id == student_id, Submission.assignment_id.in_(ids))
        .group_by(Submission.assignment_id)
    ).all()
    return {r.assignment_id: r for r in rows}


def _all_stats(session: Session, ids: list[int]) -> dict[int, Any]:
    rows = session.execute(
        select(
            Submission.assignment_id,
            func.count(Submission.id).label("total"),
            func.count(func.distinct(Submission.student_id)).label("students"),
        )
        .where(Submission.assignment_id.in_(ids))
        .group_by(Submission.assignment_id)
    ).all()
    return {r.assignment_id: r for r in rows}


def overview(svc: Services, actor: Actor, course_id: int | None = None) -> list[dict[str, Any]]:
    """The actor's courses (or the one course), each with its assignments and the actor's
    standing in them; a course the actor may not see is a 403/404."""
    with svc.db.sessions() as session:
        if course_id is None:
            courses = session.execute(
                select(Course, Membership.role)
                .join(Membership, Membership.course_id == Course.id)
                .where(Membership.user_id == actor.id)
                .order_by(Course.title, Course.id)
            ).all()
        else:
            role = course_role(session, actor, course_id)
            courses = [(session.get(Course, course_id), role)]
        rows = session.scalars(
            select(Assignment)
            .where(Assignment.course_id.in_([c.id for c, _ in courses]))
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
        ).all()
        ids = [r.id for r in rows]
        mine, everyone = _my_stats(session, actor.id, ids), _all_stats(session, ids)
        out = []
        for course, role in courses:
            items = []
            for row in (r for r in rows if r.course_id == course.id):
                stats = mine.get(row.id) if role == "student" else everyone.get(row.id)
                items.append(_item(row, role, stats))
            out.append({"id": course.id, "title": course.title, "role": role, "assignments": items})
        return out


def _item(row: Assignment, role: str, stats: Any) -> dict[str, Any]:
    item = {**summary(row), "state": state(row), "max_score": row.exercise_version.max_score}
    item["due"] = row.due_at
    if role != "student":
        item["submissions"] = stats.total if stats else 0
        item["students"] = stats.students if stats else 0
        return item
    used = int(stats.used or 0) if stats else 0
    item["attempts_used"] = used
    item["attempts_left"] = None if row.max_attempts is None else max(row.max_attempts - used, 0)
    item["best_score"] = stats.best if stats else None
    if item["attempts_left"] == 0 and item["state"] in ("open", "late"):
        item["state"] = "done"  # no attempts left: nothing more to hand in
    item["late_submissions"] = int(stats.late or 0) if stats else 0
    return item


def settings(svc: Services, actor: Actor, assignment_id: int) -> dict[str, Any]:
    """Course, state and answer-hiding of an assignment the actor can see."""
    with svc.db.sessions() as session:
        row = session.get(Assignment, assignment_id)
        if row is None:
            raise NotFound(f"no assignment {assignment_id}")
        role = course_role(session, actor, row.course_id)
        course = session.get(Course, row.course_id)
        return {
            "id": row.id,
            "title": row.exercise_version.title,
            "course_id": course.id,
            "course_title": course.title,
            "role": role,
            "state": state(row),
            "due": row.due_at,
            "opens": row.opens_at,
            "show_answers": row.show_answers,
        }


@dataclass(frozen=True)
class Graded:
    """A submission with what its feedback page needs."""

    submission: dict[str, Any]
    title: str
    course_id: int
    seed: int
    version_id: int
    hidden: bool
    max_attempts: int | None
    attempts_used: int
    version_sha256: str | None = None  # see ExerciseCache.get
    reveal: str = ""  # when the correct answer is shown, in the student's words


def load_graded(svc: Services, actor: Actor, submission_id: int) -> Graded:
    """A submission the actor may read (404 otherwise), with its assignment's context."""
    sub = get_submission(svc, actor, submission_id)
    with svc.db.sessions() as session:
        row = session.execute(
            select(
                Submission.seed,
                Submission.student_id,
                Submission.exercise_version_id,
                Assignment,
                ExerciseVersion.title,
                ExerciseVersion.sha256,
            )
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .join(ExerciseVersion, ExerciseVersion.id == Submission.exercise_version_id)
            .where(Submission.id == submission_id)
        ).one()
        assignment: Assignment = row.Assignment
        role = course_role(session, actor, assignment.course_id)
        used = attempts_used(session, assignment.id, row.student_id)
    return Graded(
        sub,
        row.title,
        assignment.course_id,
        row.seed,
        row.exercise_version_id,
        not answers_visible(assignment, role, used),
        assignment.max_attempts,
        used,
        row.sha256,
        REVEAL_PHRASES[assignment.show_answers],
    )


def _texts(answer: Any) -> list[str]:
    return [str(a) for a in answer] if isinstance(answer, list) else [str(answer or "")]


def feedback_parts(svc: Services, graded: Graded) -> list[dict[str, Any]]:
    """Each part: its prompt (MathML), the answers given, the verdict, and what to plot."""
    exercise = svc.exercises.get(graded.version_id, graded.version_sha256)
    prompts = exercise.instance(graded.seed).parts
    results = graded.submission["parts"]
    answers = graded.submission["answers"]
    out = []
    for prompt in prompts:
        part_id = prompt["id"]
        result = results.get(part_id, {})
        given = answers.get(part_id)
        texts = _texts(given) if given is not None else []
        plots: list[dict[str, Any]] = []
        if texts and result and not result.get("correct") and not prompt["numeric"]:
            plots = _plots(exercise, graded.seed, part_id, texts, prompt["component_labels"])
        out.append(
            {
                **prompt,
                "prompt_mathml": latex_to_mathml(prompt["prompt_latex"]),
                "answers": texts,
                "result": result,
                "plots": plots,
            }
        )
    return out


def _plots(exercise: Any, seed: int, part_id: str, texts: list[str], labels: list[str]) -> list:
    """Components whose curve differs from the reference (all of them if none visibly does)."""
    found = []
    for c, text in enumerate(texts):
        try:
            data = curves(exercise, seed, part_id, text, c, n=PLOT_POINTS)
        except Exception:  # an unreadable answer has no curve; its feedback says why
            continue
        found.append({"component": c, "label": labels[c], "differs": any(data.wrong)})
    differing = [p for p in found if p["differs"]]
    return differing or found


def plot_data(
    svc: Services, actor: Actor, submission_id: int, part_id: str, component: int
) -> tuple[Curves, bool, str]:
    """Curves of one answer component against the reference; whether to hide the reference."""
    graded = load_graded(svc, actor, submission_id)
    exercise = svc.exercises.get(graded.version_id, graded.version_sha256)
    given = graded.submission["answers"].get(part_id)
    texts = _texts(given) if given is not None else []
    if not 0 <= component < len(texts):
        raise NotFound(f"no answer to plot for part {part_id!r}, component {component}")
    try:
        data = curves(exercise, graded.seed, part_id, texts[component], component, n=PLOT_POINTS)
    except (ValueError, KeyError):
        raise NotFound(f"part {part_id!r} has no curve to plot") from None
    label = exercise.instance(graded.seed).parts[exercise.part(part_id).index]
    return data, graded.hidden, label["component_labels"][component]
