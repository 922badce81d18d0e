"""What every use case needs: settings, the database, caches and the dispatcher."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from grader.config import Config
from grader.db.session import Database
from grader.services.completions import Completions, WaitSlots
from grader.services.dispatch import Dispatcher, NullDispatcher
from grader.services.exercise_cache import ExerciseCache
from grader.services.ratelimit import RateLimiter, SignInThrottle


@dataclass(frozen=True)
class Actor:
    """The authenticated user a request acts for."""

    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Services:
    """Shared state for the use cases; one per process (the app, the pool and the CLI share it)."""

    def __init__(self, config: Config, db: Database | None = None):
        self.config = config
        self.db = db or Database(config.database_url)
        self.exercises = ExerciseCache(self.db)
        self.completions = Completions()
        self.waits = WaitSlots(config.max_waiting, config.max_waiting_per_user)
        self.dispatcher: Dispatcher = NullDispatcher()
        self.rate_limiter = RateLimiter(self.db, config.user_rate)
        self.sign_in_throttle = SignInThrottle(
            self.db, config.web.login_max_failures, config.web.login_window_s
        )
        self.token_cache: dict[str, tuple[float, Actor]] = {}
        self.background: list = []  # threads to stop on close (e.g. the outbox runner)
        self._depth = (0.0, 0)
        self._depth_lock = threading.Lock()

    def queue_depth(self, max_age_s: float = 1.0) -> int:
        """Queued submissions, counted at most once per `max_age_s` (for back-pressure)."""
        from grader.services.grading import count_queued

        with self._depth_lock:
            at, depth = self._depth
            if time.monotonic() - at < max_age_s:
                return depth
            depth = count_queued(self)
            self._depth = (time.monotonic(), depth)
            return depth

    def close(self) -> None:
        for runner in self.background:
            runner.stop()
        self.dispatcher.stop()
        self.db.dispose()
