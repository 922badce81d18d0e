"""Infrastructure the domains share: the broker's Redis client, metrics, rate limits,
back-pressure, readiness, completion announcements, the dispatcher interface and the
parsed-exercise cache."""

from grader.services.infra.backpressure import QueueDepth, count_queued
from grader.services.infra.broker import redis_client
from grader.services.infra.completions import Completions, WaitSlots
from grader.services.infra.dispatch import Dispatcher, NullDispatcher
from grader.services.infra.exercise_cache import ExerciseCache
from grader.services.infra.metrics import ClusterMetrics, exposition
from grader.services.infra.ratelimit import RateLimiter, SignInThrottle

__all__ = [
    "ClusterMetrics",
    "Completions",
    "Dispatcher",
    "ExerciseCache",
    "NullDispatcher",
    "QueueDepth",
    "RateLimiter",
    "SignInThrottle",
    "WaitSlots",
    "count_queued",
    "exposition",
    "redis_client",
]
