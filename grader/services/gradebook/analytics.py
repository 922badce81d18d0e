"""What a class got wrong, per assignment part: attempts, first-try success, and the most
common wrong answers grouped by mathematical equivalence (values at the sample points), each
with its diagnosis; and the distribution of the students' scores.

Preview submissions (instructors trying the assignment) never count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from grader.db.models import Submission
from grader.engine.equivalence import Signatures
from grader.services.context import Actor, Services
from grader.services.gradebook.scores import Cell, counted_scores, staff_assignment
from grader.vocabulary import SubmissionStatus

TOP_WRONG = 10
BINS = 10


@dataclass
class Group:
    """Wrong answers that are one function: how they were typed, by whom, diagnosed as what."""

    texts: Counter = field(default_factory=Counter)
    students: set = field(default_factory=set)
    diagnoses: Counter = field(default_factory=Counter)
    feedback: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        diagnosis = self.diagnoses.most_common(1)[0][0] if self.diagnoses else None
        return {
            "answer": self.texts.most_common(1)[0][0],
            "count": len(self.students),
            "submissions": sum(self.texts.values()),
            "diagnosis": diagnosis,
            "feedback": self.feedback.most_common(1)[0][0] if self.feedback else None,
            "variants": [text for text, _ in self.texts.most_common(5)],
        }


@dataclass
class PartStats:
    attempts: int = 0
    tries: dict[int, int] = field(default_factory=dict)  # student -> attempts at this part
    solved_at: dict[int, int] = field(default_factory=dict)  # student -> attempts to correct
    first: dict[int, bool] = field(default_factory=dict)  # student -> right at the first try
    groups: dict[Any, Group] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        students = len(self.tries)
        solved = list(self.solved_at.values())
        ranked = sorted(
            self.groups.values(), key=lambda g: (-len(g.students), -sum(g.texts.values()))
        )
        return {
            "attempts": self.attempts,
            "students": students,
            "first_try_correct": round(sum(self.first.values()) / students, 4)
            if students
            else None,
            "students_correct": len(solved),
            "mean_attempts_to_correct": round(sum(solved) / len(solved), 3) if solved else None,
            "wrong_answers": [g.to_dict() for g in ranked[:TOP_WRONG]],
        }


def _text(answer: Any) -> str:
    return ", ".join(answer) if isinstance(answer, list) else str(answer)


def _blank(answer: Any) -> bool:
    texts = answer if isinstance(answer, list) else [answer]
    return all(not str(t or "").strip() for t in texts)


def analytics(svc: Services, actor: Actor, assignment_id: int) -> dict[str, Any]:
    """{"parts": {part id: {attempts, students, first_try_correct, students_correct,
    mean_attempts_to_correct, wrong_answers: [{answer, count, submissions, diagnosis, feedback,
    variants}]}}, "score_distribution": {...}, "students": n}"""
    with svc.db.read() as session:
        row = staff_assignment(session, actor, assignment_id)
        version = row.exercise_version
        subs = session.execute(
            select(Submission.student_id, Submission.answers, Submission.results)
            .where(
                Submission.assignment_id == assignment_id,
                Submission.preview.is_(False),
                Submission.status == SubmissionStatus.GRADED,
            )
            .order_by(Submission.student_id, Submission.attempt)
        ).all()
        cells = counted_scores(session, {row.id: row.score_policy})
        max_score = version.max_score
    exercise = svc.exercises.get(version.id, version.sha256)
    signatures = Signatures(exercise)
    parts = {p.id: PartStats() for p in exercise.parts}
    for sub in subs:
        results = (sub.results or {}).get("parts", {})
        for part_id, answer in (sub.answers or {}).items():
            stats = parts.get(part_id)
            result = results.get(part_id)
            if stats is None or result is None or _blank(answer):
                continue
            _count(stats, signatures, part_id, sub.student_id, answer, result)
    return {
        "assignment_id": assignment_id,
        "title": version.title,
        "parts": {part_id: stats.to_dict() for part_id, stats in parts.items()},
        "score_distribution": distribution(cells, max_score),
    }


def _count(
    stats: PartStats,
    signatures: Signatures,
    part_id: str,
    student: int,
    answer: Any,
    result: dict[str, Any],
) -> None:
    stats.attempts += 1
    tries = stats.tries.get(student, 0) + 1
    stats.tries[student] = tries
    correct = bool(result.get("correct"))
    if tries == 1:
        stats.first[student] = correct
    if correct:
        stats.solved_at.setdefault(student, tries)
        return
    text = _text(answer)
    key = signatures.of(part_id, answer)
    group = stats.groups.setdefault(("text", text) if key is None else key, Group())
    group.texts[text] += 1
    group.students.add(student)
    if result.get("diagnosis"):
        group.diagnoses[result["diagnosis"]] += 1
    if result.get("feedback"):
        group.feedback[result["feedback"]] += 1


def distribution(cells: dict[tuple[int, int], Cell], max_score: float) -> dict[str, Any]:
    """Students' counted scores in BINS equal bins of the maximum (the last holds full marks)."""
    counts = [0] * BINS
    scored = [c.score for c in cells.values() if c.score is not None]
    for score in scored:
        share = score / max_score if max_score else 0.0
        counts[min(max(int(share * BINS), 0), BINS - 1)] += 1
    edges = [round(max_score * i / BINS, 6) for i in range(BINS + 1)]
    mean = sum(scored) / len(scored) if scored else None
    return {
        "max_score": max_score,
        "edges": edges,
        "counts": counts,
        "students": len(scored),
        "mean": mean,
    }
