"""The fixed vocabularies every layer shares: account and course roles, submission statuses.

A module of its own, free of SQLAlchemy and Flask, so that the command line can offer the roles
and the pages and the API can name statuses without importing the database layer.
"""

from enum import StrEnum

ROLES = ("admin", "instructor", "student")
COURSE_ROLES = ("instructor", "student")


class SubmissionStatus(StrEnum):
    """Where a submission is: waiting, being graded, graded, or given up on (no attempt used).

    A str, so the values are stored, compared and sent as the plain words.
    """

    QUEUED = "queued"
    GRADING = "grading"
    GRADED = "graded"
    FAILED = "failed"


DONE = (SubmissionStatus.GRADED, SubmissionStatus.FAILED)  # statuses that do not change again
