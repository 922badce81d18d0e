"""The gradebook and analytics: each student's counted score per assignment, overrides and
extensions, CSV exports, and what a class got wrong (`gradebook.analytics.analytics`)."""

from grader.services.gradebook.scores import (
    gradebook,
    gradebook_csv,
    set_extension,
    set_override,
    submissions_csv,
)

__all__ = [
    "gradebook",
    "gradebook_csv",
    "set_extension",
    "set_override",
    "submissions_csv",
]
