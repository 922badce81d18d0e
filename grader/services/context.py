"""What every use case needs: settings, the database, caches and the dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from grader.config import Config
from grader.db.session import Database
from grader.services.infra.backpressure import QueueDepth
from grader.services.infra.completions import Completions, WaitSlots
from grader.services.infra.dispatch import Dispatcher, NullDispatcher
from grader.services.infra.exercise_cache import ExerciseCache
from grader.services.infra.ratelimit import RateLimiter, SharedWindowLimit, SignInThrottle


@dataclass(frozen=True)
class Actor:
    """The authenticated user a request acts for."""

    id: int
    username: str
    role: str
    locale: str | None = field(default=None, compare=False)  # the language the user chose

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _rate_limiter(config: Config, db: Database) -> RateLimiter:
    """Per-user throttle: its counters in Redis when a broker is configured, else in the
    database with batched writes (see RateLimiter)."""
    if not config.broker_url:
        return RateLimiter(db, config.user_rate)
    from grader.services.infra.broker import redis_client

    redis = redis_client(config, config.celery)
    return RateLimiter(db, config.user_rate, redis=redis, redis_prefix=config.celery.redis_prefix)


class Runner(Protocol):
    """A background thread the process runs beside requests (e.g. the outbox runner)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Services:
    """Shared state for the use cases; one per process (the app, the pool and the CLI share it).

    Built complete: the dispatcher and the background runners are made here from the factories
    given (each receives this object), never attached afterwards. Building starts nothing;
    `start()` does, and only the serve command calls it (grader.serving.serving_app).
    """

    def __init__(
        self,
        config: Config,
        db: Database | None = None,
        *,
        dispatcher: Callable[[Services], Dispatcher] | None = None,
        runners: Sequence[Callable[[Services], Runner]] = (),
    ):
        self.config = config
        self.db = db or Database(config.database_url)
        self.exercises = ExerciseCache(self.db)
        self.completions = Completions()
        self.waits = WaitSlots(config.max_waiting, config.max_waiting_per_user)
        self.rate_limiter = _rate_limiter(config, self.db)
        # LTI login initiations per address, counted by every process together
        self.lti_logins = SharedWindowLimit(self.db, "lti-login:", 60.0)
        self.plot_renders = SharedWindowLimit(self.db, "plots:", 60.0)  # drawn per user
        # passwords given in rosters, hashed slowly, per instructor and hour
        self.roster_hashes = SharedWindowLimit(self.db, "roster-hashes:", 3600.0)
        self.sign_in_throttle = SignInThrottle(
            self.db, config.web.login_max_failures, config.web.login_window_s
        )
        self.token_cache: dict[str, tuple[float, Actor]] = {}
        self.queue_depth = QueueDepth(self.db)  # svc.queue_depth(): for back-pressure
        self.dispatcher: Dispatcher = dispatcher(self) if dispatcher else NullDispatcher()
        self.background: tuple[Runner, ...] = tuple(make(self) for make in runners)

    def start(self) -> None:
        """Start grading and the background runners (the serve command, once per process)."""
        self.dispatcher.start()
        for runner in self.background:
            runner.start()

    def close(self) -> None:
        for runner in self.background:
            runner.stop()
        self.dispatcher.stop()
        self.db.dispose()
