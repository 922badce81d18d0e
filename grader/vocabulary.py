"""The fixed vocabularies every layer shares: account and course roles, and the statuses of
submissions, assignments and outbox rows.

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


class AssignmentState(StrEnum):
    """Where an assignment is in its dates (for one student: their extension and attempts too)."""

    UPCOMING = "upcoming"  # before opens_at
    OPEN = "open"
    LATE = "late"  # past due, late work taken with a penalty
    CLOSED = "closed"  # past due, no late work
    DONE = "done"  # for one student: no attempt left while it is open


class OutboxStatus(StrEnum):
    """Where an outbox row (a grade passback or a webhook event) stands."""

    PENDING = "pending"  # waits for its next try (next_attempt_at)
    SENDING = "sending"  # claimed by a process that is sending it
    SENT = "sent"  # passback: the LMS took the score
    DELIVERED = "delivered"  # webhook: the receiver answered 2xx
    FAILED = "failed"  # given up for good; the reason is in last_error
    SUPERSEDED = "superseded"  # passback: a newer grade of the same student replaced it


class DeliveryOutcome(StrEnum):
    """What one try of an outbox row came to; a delivery round counts them by these names."""

    SENT = "sent"
    DELIVERED = "delivered"
    RETRY = "retry"  # pending again, with backoff
    FAILED = "failed"
    SUPERSEDED = "superseded"
