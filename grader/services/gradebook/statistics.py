"""Item statistics of an assignment: per question and per pool alternative, how many students
tried it, their mean score, mean attempts, share right at the first try, difficulty and
discrimination.

- difficulty: the classical difficulty index p, the mean score as a share of the question's
  points (0: nobody scored, 1: everybody had full marks; higher is easier).
- discrimination: the corrected item-total correlation, i.e. Pearson's r between the
  question's score and the student's score on the rest of the assignment (the other
  questions' sum); for a question scored right/wrong this is the point-biserial correlation.
  None with fewer than two students or when either score does not vary.

Only students who attempted the question (an attempt that did not fail to grade) count for
it; previews never count; scores are the counted ones (best or last, after late penalty), before
any override of the whole assignment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from grader.db.models import Submission
from grader.services.assignments import questions
from grader.services.assignments.scoring import Tally
from grader.services.context import Actor, Services
from grader.services.gradebook.scores import columns, staff_assignment
from grader.vocabulary import SubmissionStatus


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation of two equally long lists (None when undefined)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


@dataclass
class _Item:
    """One (question, alternative): each student's tally and whether their first graded
    attempt had full marks."""

    tallies: dict[int, Tally] = field(default_factory=dict)
    first: dict[int, bool] = field(default_factory=dict)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def statistics(svc: Services, actor: Actor, assignment_id: int) -> dict[str, Any]:
    """{"assignment_id", "students", "questions": [{"id", "number", "points", "alternatives":
    [{"exercise_id", "title", "students", "mean_score", "first_try_correct", "mean_attempts",
    "difficulty", "discrimination"}]}]} (the course's instructors)."""
    with svc.db.read() as session:
        row = staff_assignment(session, actor, assignment_id)
        col = columns(session, [row])[0]
        items = list(row.questions)
        versions = questions.alternatives(session, questions.version_ids(items))
        subs = (
            session.connection()
            .execute(  # Core rows: no ORM work per row
                select(
                    Submission.question_id,
                    Submission.student_id,
                    Submission.attempt,
                    Submission.status,
                    Submission.score,
                    Submission.max_score,
                    Submission.late,
                )
                .where(Submission.assignment_id == assignment_id, Submission.preview.is_(False))
                .order_by(Submission.attempt, Submission.id)
            )
            .all()
        )
    known = {q.id: q for q in items}
    stats: dict[tuple[int, int], _Item] = {}
    per_student: dict[int, dict[int, Tally]] = {}
    drawn: dict[tuple[int, int], int] = {}
    for sub in subs:
        q = known.get(sub.question_id)
        if q is None or sub.status == SubmissionStatus.FAILED:
            continue
        key = (q.id, sub.student_id)
        if key not in drawn:
            drawn[key] = questions.drawn_version(q, sub.student_id)
        version = drawn[key]
        item = stats.setdefault((q.id, version), _Item())
        tally = item.tallies.setdefault(sub.student_id, Tally())
        per_student.setdefault(sub.student_id, {})[q.id] = tally
        graded_before = tally.graded
        tally.add(sub, row.score_policy, row.late_penalty)
        if graded_before == 0 and tally.graded == 1:
            item.first[sub.student_id] = tally.wrong == 0
    totals = {
        student: sum((t.points(col.points[qid]) or 0.0) for qid, t in tallies.items())
        for student, tallies in per_student.items()
    }
    out = []
    for number, q in enumerate(items, start=1):
        points = col.points[q.id]
        alternatives = []
        for version_id in questions.alternative_ids(q):
            alt = versions.get(version_id)
            item = stats.get((q.id, version_id), _Item())
            alternatives.append(_alternative(alt, item, points, totals))
        out.append({"id": q.id, "number": number, "points": points, "alternatives": alternatives})
    return {"assignment_id": assignment_id, "students": len(per_student), "questions": out}


def _alternative(
    alt: questions.Alternative | None, item: _Item, points: float, totals: dict[int, float]
) -> dict[str, Any]:
    students = list(item.tallies)
    scores = [item.tallies[s].points(points) or 0.0 for s in students]
    n = len(students)
    mean = sum(scores) / n if n else None
    rest = [totals[s] - score for s, score in zip(students, scores, strict=True)]
    graded = [s for s in students if s in item.first]
    return {
        "exercise_id": alt.slug if alt else None,
        "title": alt.title if alt else None,
        "students": n,
        "mean_score": _round(mean),
        "first_try_correct": _round(sum(item.first[s] for s in graded) / len(graded))
        if graded
        else None,
        "mean_attempts": _round(sum(item.tallies[s].attempts for s in students) / n) if n else None,
        "difficulty": _round(mean / points) if mean is not None and points else None,
        "discrimination": _round(pearson(scores, rest)),
    }
