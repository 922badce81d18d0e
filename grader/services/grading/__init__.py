"""Submissions and grading: accepting answers, grading them from the table (claim, grade, store
once), the sweep that re-sends stuck rows, feedback and worked solutions."""

from grader.services.grading.feedback import feedback_parts, load_graded, part_labels, plot_data
from grader.services.grading.runner import (
    Claimed,
    Evaluator,
    GraderUnavailable,
    GradingTimeout,
    Verdict,
    claim,
    evaluate,
    grade_claimed,
    grade_one,
    process_batch,
    requeue_stuck,
    store,
)
from grader.services.grading.solutions import for_exercise, for_submission, page_solutions
from grader.services.grading.submissions import get_submission, list_submissions, submit, wait_for
from grader.services.grading.sweep import sweep

__all__ = [
    "Claimed",
    "Evaluator",
    "GraderUnavailable",
    "GradingTimeout",
    "Verdict",
    "claim",
    "evaluate",
    "feedback_parts",
    "for_exercise",
    "for_submission",
    "get_submission",
    "grade_claimed",
    "grade_one",
    "list_submissions",
    "load_graded",
    "page_solutions",
    "part_labels",
    "plot_data",
    "process_batch",
    "requeue_stuck",
    "store",
    "submit",
    "sweep",
    "wait_for",
]
