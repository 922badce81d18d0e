"""Storage: typed models, engines and sessions, and Alembic migrations."""

from grader.db import (
    integrations,  # noqa: E402,F401  (registers the LTI and webhook tables)
    practice,  # noqa: E402,F401  (registers the practice tables)
)
from grader.db.models import (
    ApiToken,
    Assignment,
    Base,
    Course,
    Exercise,
    ExerciseVersion,
    Membership,
    Submission,
    User,
)
from grader.db.session import Database, make_engine

__all__ = [
    "ApiToken",
    "Assignment",
    "Base",
    "Course",
    "Database",
    "Exercise",
    "ExerciseVersion",
    "Membership",
    "Submission",
    "User",
    "make_engine",
]
