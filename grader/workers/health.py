"""`python -m grader.workers.health`: exit 0 when a worker on this host beat recently.

The container healthcheck of `worker`: the worker's main process records a heartbeat in
Redis every few seconds (see celery_app.Heartbeat); a hung or disconnected worker stops.
"""

from __future__ import annotations

import socket
import sys
import time

from grader.config import Config
from grader.services.infra.metrics import WORKER_SEEN_S, ClusterMetrics


def beat_on_this_host(config: Config, within_s: float = WORKER_SEEN_S) -> bool:
    metrics = ClusterMetrics(config, config.celery)
    beats = metrics.redis.zrangebyscore(metrics.prefix + "workers", time.time() - within_s, "+inf")
    suffix = "@" + socket.gethostname()
    return any(name.decode().endswith(suffix) for name in beats)


if __name__ == "__main__":
    try:
        healthy = beat_on_this_host(Config.from_env())
    except Exception as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        sys.exit(1)
    sys.exit(0 if healthy else 1)
