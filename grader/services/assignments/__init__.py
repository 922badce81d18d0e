"""Assignments: questions (exercises and pools) set in a course, with dates, attempts, a late
penalty and scoring; homework or timed exams; what each student gets (pool draws, question
order, parameters and variants)."""

from grader.services.assignments.assignment import (
    create_assignment,
    delete_assignment,
    list_for_course,
    preview_answer,
    question_view,
    settings,
    update_assignment,
    view,
)
from grader.services.assignments.exams import finish, roster, set_course_accommodation, start
from grader.services.assignments.seeds import student_seed

__all__ = [
    "create_assignment",
    "delete_assignment",
    "list_for_course",
    "finish",
    "preview_answer",
    "question_view",
    "roster",
    "set_course_accommodation",
    "start",
    "settings",
    "student_seed",
    "update_assignment",
    "view",
]
