"""Practice that learns the student: generated items chosen from each student's mastery and
diagnosed misconceptions, the class's mastery grid and misconceptions, the skill map, and
practice assignments graded by the mastery reached (docs/practice.md)."""

from grader.services.practice.items import (
    get_item,
    next_item,
    preview_answer,
    solutions,
    submit,
)
from grader.services.practice.views import course_mastery, misconceptions, skills_catalogue

__all__ = [
    "course_mastery",
    "get_item",
    "misconceptions",
    "next_item",
    "preview_answer",
    "skills_catalogue",
    "solutions",
    "submit",
]
