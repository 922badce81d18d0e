"""Settings of the Celery dispatcher, read from the one `Config` (its GRADER_* extras)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from grader.config import Config, ConfigError


@dataclass(frozen=True)
class CeleryOptions:
    """Each field `name` comes from `GRADER_<NAME>`; the defaults suit one exam-week cluster."""

    queue: str = "grader"  # the Celery queue (a Redis list) grading tasks travel on
    redis_prefix: str = "grader:"  # prefix of every Redis key (broker, metrics, heartbeats)
    flush_ms: float = 20.0  # submissions arriving within this window travel as one task
    job_timeout_s: float = 60.0  # hard limit of one task; the visibility timeout derives from it
    sweep_interval_s: float = 15.0  # how often the web process sweeps for stuck rows
    redispatch_after_s: float = 30.0  # a row still `queued` this long is sent again
    broker_timeout_s: float = 2.0  # connect/read timeout towards Redis (the API never hangs)

    @classmethod
    def from_config(cls, config: Config) -> CeleryOptions:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = config.extra.get(f.name)
            if raw is None:
                continue
            kind = type(getattr(cls, f.name))
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise ConfigError(
                    f"GRADER_{f.name.upper()}={raw!r} is not a {kind.__name__}"
                ) from None
        return cls(**values)

    @property
    def visibility_timeout_s(self) -> float:
        """Redis redelivers an unacknowledged task after this: twice the longest job."""
        return 2 * self.job_timeout_s

    @property
    def stuck_after_s(self) -> float:
        """A row in `grading` longer than the visibility timeout was abandoned by its worker."""
        return self.visibility_timeout_s + self.job_timeout_s


def redis_client(config: Config, options: CeleryOptions) -> Any:
    """A Redis client on the broker's server with short timeouts."""
    import redis

    return redis.Redis.from_url(
        config.broker_url,
        socket_timeout=options.broker_timeout_s,
        socket_connect_timeout=options.broker_timeout_s,
    )
