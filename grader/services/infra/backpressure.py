"""Back-pressure: how many submissions wait to be graded, counted at most once per interval."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from grader.db.models import Submission
from grader.db.session import Database
from grader.vocabulary import SubmissionStatus


def count_queued(db: Database) -> int:
    """Submissions waiting to be graded, counted now."""
    with db.read() as session:
        query = select(func.count()).where(Submission.status == SubmissionStatus.QUEUED)
        return int(session.scalar(query) or 0)


class QueueDepth:
    """`depth()`: queued submissions, counted at most once per `max_age_s` (a COUNT per
    submission would cost more than the submission)."""

    def __init__(self, db: Database, max_age_s: float = 1.0):
        self.db = db
        self.max_age_s = max_age_s
        self._at, self._depth = float("-inf"), 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            if time.monotonic() - self._at < self.max_age_s:
                return self._depth
            self._depth = count_queued(self.db)
            self._at = time.monotonic()
            return self._depth
