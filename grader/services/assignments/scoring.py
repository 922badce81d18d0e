"""How a student's attempts at a question become its score, and questions an assignment's.

A question counts the best (or last) graded attempt, after that attempt's late penalty, in the
question's points; an assignment is the sum of its questions, or an instructor's override.
Scores are always computed from the stored submissions, so no setting change loses one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.vocabulary import SubmissionStatus

EPS = 1e-9


def raw_score(score: float, late: bool, late_penalty: float | None) -> float | None:
    """The score before the late penalty (None where a penalty of 1 took everything)."""
    penalty = float(late_penalty or 0.0) if late else 0.0
    if penalty >= 1.0:
        return None
    return score / (1.0 - penalty) if penalty else score


@dataclass
class Tally:
    """One student's work on one question: attempts used, the counted score (in the
    exercise's units, after the late penalty), whether it is right, and what is pending."""

    attempts: int = 0  # failed gradings use no attempt
    score: float | None = None
    max_score: float | None = None
    late: bool = False
    counted_attempt: int | None = None
    correct: bool = False  # the counted attempt had full marks (before any late penalty)
    pending: int = 0  # queued or being graded
    wrong: int = 0  # graded attempts without full marks (each draws a new variant)
    graded: int = 0
    override: float | None = None  # an instructor's score for this question, in its points

    def add(self, sub: Any, policy: str, late_penalty: float | None) -> None:
        """Count one submission (`status`, `score`, `max_score`, `late`, `attempt`), in order
        of attempts."""
        if sub.status == SubmissionStatus.FAILED:
            return
        self.attempts += 1
        if sub.status != SubmissionStatus.GRADED or sub.score is None:
            self.pending += 1
            return
        self.graded += 1
        raw = raw_score(sub.score, sub.late, late_penalty)
        full = raw is not None and raw >= sub.max_score - EPS
        if not full:
            self.wrong += 1
        if self.score is None or policy != "best" or sub.score > self.score:
            self.score, self.max_score, self.late = sub.score, sub.max_score, sub.late
            self.counted_attempt, self.correct = sub.attempt, full

    def points(self, points: float) -> float | None:
        """The counted score in the question's points (the instructor's override if any)."""
        if self.override is not None:
            return self.override
        if self.score is None:
            return None
        if not self.max_score:
            return 0.0
        if abs(points - self.max_score) <= EPS:
            return self.score
        return self.score * points / self.max_score

    @property
    def status(self) -> str:
        """not_started, pending (only ungraded attempts), attempted or correct."""
        if self.correct:
            return "correct"
        if self.graded:
            return "attempted"
        return "pending" if self.pending else "not_started"


def total(scores: list[float | None]) -> float | None:
    """An assignment's score from its questions' (None while no question has one)."""
    known = [s for s in scores if s is not None]
    return round(sum(known), 9) if known else None
