"""Assignments: an exercise version in a course, with dates, attempts, a late penalty and
per-student parameters."""

from grader.services.assignments.assignment import (
    create_assignment,
    delete_assignment,
    list_for_course,
    preview_answer,
    settings,
    update_assignment,
    view,
)
from grader.services.assignments.seeds import student_seed

__all__ = [
    "create_assignment",
    "delete_assignment",
    "list_for_course",
    "preview_answer",
    "settings",
    "student_seed",
    "update_assignment",
    "view",
]
