"""The gradebook and analytics: each student's counted score per assignment, overrides and
extensions, CSV exports, and what a class got wrong (`gradebook.analytics.analytics`)."""

from grader.services.gradebook.scores import (
    extend_class,
    gradebook,
    gradebook_csv,
    set_extension,
    set_override,
    student_detail,
    submissions_csv,
)
from grader.services.gradebook.statistics import statistics

__all__ = [
    "extend_class",
    "gradebook",
    "gradebook_csv",
    "set_extension",
    "set_override",
    "statistics",
    "student_detail",
    "submissions_csv",
]
