"""Prometheus metrics: table counts at scrape time, and cluster-wide figures kept in Redis.

Workers run on many machines, so what they observe (latency, batch sizes, heartbeats) is added
to Redis hashes; the web process reads them when /metrics is scraped. No multiprocess folder.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import func, select

from grader.config import Config
from grader.db.models import Submission

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
WORKER_SEEN_S = 60.0
HISTOGRAMS = {
    "latency": ("grader_submission_latency_seconds", "accepted to graded", LATENCY_BUCKETS),
    "batch": ("grader_batch_size", "submissions graded per task", BATCH_BUCKETS),
}


class ClusterMetrics:
    """Histograms and worker heartbeats shared through Redis (keys under the prefix)."""

    def __init__(self, config: Config, options: Any, client: Any = None):
        from grader.workers.settings import redis_client

        self.prefix = options.redis_prefix + "metrics:"
        self.queue_key = options.redis_prefix + options.queue
        self.redis = client or redis_client(config, options)

    def beat(self, hostname: str) -> None:
        self.redis.zadd(self.prefix + "workers", {hostname: time.time()})

    def record(self, batch_size: int, latencies_s: Iterable[float]) -> None:
        """Add one graded batch: its size and each submission's accepted-to-graded time."""
        pipe = self.redis.pipeline(transaction=False)
        self._observe(pipe, "batch", [batch_size])
        self._observe(pipe, "latency", list(latencies_s))
        pipe.execute()

    def _observe(self, pipe: Any, name: str, values: list[float]) -> None:
        buckets = HISTOGRAMS[name][2]
        key = self.prefix + name
        for value in values:
            index = bisect.bisect_left(buckets, value)
            pipe.hincrby(key, str(buckets[index]) if index < len(buckets) else "+Inf", 1)
        pipe.hincrbyfloat(key, "sum", float(sum(values)))
        pipe.hincrby(key, "count", len(values))

    def histogram(self, name: str) -> HistogramMetricFamily:
        metric, doc, buckets = HISTOGRAMS[name]
        raw = {k.decode(): float(v) for k, v in self.redis.hgetall(self.prefix + name).items()}
        running, cumulative = 0.0, []
        for bound in [*map(str, buckets), "+Inf"]:
            running += raw.get(bound, 0.0)
            cumulative.append((bound, running))
        family = HistogramMetricFamily(metric, doc)
        family.add_metric([], cumulative, sum_value=raw.get("sum", 0.0))
        return family

    def workers_seen(self, within_s: float = WORKER_SEEN_S) -> int:
        key = self.prefix + "workers"
        now = time.time()
        self.redis.zremrangebyscore(key, 0, now - 24 * 3600)
        return int(self.redis.zcount(key, now - within_s, "+inf"))

    def broker_depth(self) -> int:
        return int(self.redis.llen(self.queue_key))


class Collector:
    """Collects at scrape time; a cluster part that fails (Redis down) is left out."""

    def __init__(self, svc: Any, cluster: ClusterMetrics | None):
        self.svc, self.cluster = svc, cluster

    def collect(self) -> Iterator[Any]:
        by_status = GaugeMetricFamily(
            "grader_submissions", "submissions by status", labels=["status"]
        )
        with self.svc.db.sessions() as session:
            counts = dict(
                session.execute(
                    select(Submission.status, func.count()).group_by(Submission.status)
                ).all()
            )
        for status in ("queued", "grading", "graded", "failed"):
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status
        depth = GaugeMetricFamily(
            "grader_queue_depth", "submissions waiting to be graded", labels=["source"]
        )
        depth.add_metric(["database"], counts.get("queued", 0))
        if self.cluster is None:
            yield depth
            return
        try:
            depth.add_metric(["broker"], self.cluster.broker_depth())
            seen = GaugeMetricFamily(
                "grader_workers_seen", f"workers with a heartbeat in the last {WORKER_SEEN_S:g} s"
            )
            seen.add_metric([], self.cluster.workers_seen())
            families = [seen, self.cluster.histogram("latency"), self.cluster.histogram("batch")]
        except Exception:  # Redis unreachable: serve what the database knows
            families = []
        yield depth
        yield from families


def exposition(svc: Any, cluster: ClusterMetrics | None) -> bytes:
    """The Prometheus text format for one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Collector(svc, cluster))
    return generate_latest(registry)
