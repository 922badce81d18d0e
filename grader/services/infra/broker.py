"""The Redis client on the Celery broker's server, shared by the metrics and the dispatcher."""

from __future__ import annotations

from typing import Any

from grader.config import CeleryOptions, Config


def redis_client(config: Config, options: CeleryOptions) -> Any:
    """A Redis client on the broker's server with short timeouts."""
    import redis

    return redis.Redis.from_url(
        config.broker_url,
        socket_timeout=options.broker_timeout_s,
        socket_connect_timeout=options.broker_timeout_s,
    )
