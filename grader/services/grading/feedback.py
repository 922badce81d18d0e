"""Feedback on a graded submission: each part's verdict, prompt and answers, and plot data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from grader.db.models import Assignment, ExerciseVersion, Submission
from grader.engine import Curves, curves
from grader.engine.prompts import part_prompt
from grader.services.accounts.access import course_role
from grader.services.assignments.assignment import (
    answers_visible,
    course_zone,
    question_student_terms,
    reveal_wording,
)
from grader.services.assignments.exams import feedback_level
from grader.services.assignments.questions import alternatives, version_ids
from grader.services.context import Actor, Services
from grader.services.errors import NotFound
from grader.services.exercises.markup import latex_to_mathml
from grader.services.grading.submissions import get_submission

PLOT_POINTS = 400  # grid of a feedback plot
# Curves one feedback page computes at most (about 0.04 s each): an all-wrong submission to an
# exercise of 50 gradient parts over 20 variables would otherwise draw 1,000 plots per view.
MAX_PAGE_CURVES = 12


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
    past_due: bool = False  # past the student's own due date, and no late work is taken


def load_graded(svc: Services, actor: Actor, submission_id: int) -> Graded:
    """A submission the actor may read (404 otherwise), with its assignment's context."""
    sub = get_submission(svc, actor, submission_id)
    with svc.db.read() as session:
        row = session.execute(
            select(
                Submission.seed,
                Submission.student_id,
                Submission.question_id,
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
        mine = question_student_terms(session, assignment, row.question_id, row.student_id)
        level = feedback_level(assignment, role)
        zone = course_zone(session, assignment.course_id)
    return Graded(
        sub,
        row.title,
        assignment.course_id,
        row.seed,
        row.exercise_version_id,
        level != "full" or not answers_visible(assignment, role, mine),
        mine.max_attempts,
        mine.attempts_used,
        row.sha256,
        reveal_wording(
            assignment.show_answers,
            mine.due_at,
            mine.max_attempts,
            assignment.late_penalty,
            zone,
        ),
        mine.closed(assignment),
    )


def _texts(answer: Any) -> list[str]:
    return [str(a) for a in answer] if isinstance(answer, list) else [str(answer or "")]


def feedback_parts(svc: Services, graded: Graded) -> list[dict[str, Any]]:
    """Each part: its prompt (MathML), the answers given, the verdict, and what to plot."""
    exercise = svc.exercises.get(graded.version_id, graded.version_sha256)
    prompts = exercise.instance(graded.seed).prompts
    results = graded.submission["parts"]
    answers = graded.submission["answers"]
    out = []
    budget = [MAX_PAGE_CURVES]
    for prompt in prompts:
        part_id = prompt["id"]
        result = results.get(part_id, {})
        given = answers.get(part_id)
        texts = _texts(given) if given is not None else []
        plots: list[dict[str, Any]] = []
        code = prompt["kind"] == "code"  # nothing to plot: the checks say what went wrong
        if texts and result and not result.get("correct") and not prompt["numeric"] and not code:
            labels = prompt["component_labels"]
            plots = _plots(exercise, graded.seed, part_id, texts, labels, budget)
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


def _plots(
    exercise: Any, seed: int, part_id: str, texts: list[str], labels: list[str], budget: list[int]
) -> list:
    """Components whose curve differs from the reference (all of them if none visibly does),
    computing at most ``budget[0]`` curves (the page's budget, shared by its parts)."""
    found = []
    for c, text in enumerate(texts):
        if budget[0] <= 0:
            break
        budget[0] -= 1
        try:
            data = curves(exercise, seed, part_id, text, c, n=PLOT_POINTS)
        except Exception:  # an unreadable answer has no curve; its feedback says why
            continue
        found.append(
            {"component": c, "label": labels[c], "differs": any(data.wrong), "curves": data}
        )
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
    label = exercise.instance(graded.seed).prompts[exercise.part(part_id).index]
    return data, graded.hidden, label["component_labels"][component]


def part_labels(svc: Services, actor: Actor, assignment_id: int) -> dict[str, dict[str, Any]]:
    """Each part of the assignment's exercise, by id: its number and prompt (MathML), as the
    exercise page shows them; history pages name parts by these, never by internal ids."""
    with svc.db.read() as session:
        row = session.get(Assignment, assignment_id)
        if row is None:
            raise NotFound(f"no assignment {assignment_id}")
        course_role(session, actor, row.course_id)
        versions = alternatives(session, version_ids(row.questions))
    labels: dict[str, dict[str, Any]] = {}
    for version in versions.values():
        exercise = svc.exercises.get(version.version_id, version.sha256)
        for n, part in enumerate(exercise.parts, start=1):
            if part.id in labels:
                continue
            prompt = part_prompt(exercise, part, {})
            labels[part.id] = {
                "number": n,
                "prompt_mathml": latex_to_mathml(prompt["prompt_latex"]),
                "component_labels": prompt["component_labels"],
            }
    return labels
