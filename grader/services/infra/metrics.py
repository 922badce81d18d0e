"""Prometheus metrics: table counts at scrape time, and histograms shared between processes.

Celery workers run on many machines, so what they observe (latency, batch sizes, heartbeats)
is added to Redis hashes. The embedded pool runs in every service process, so it adds its
observations to the `metric_counts` table in the transaction that stores the results. Either
way the web process reads them when /metrics is scraped: no multiprocess folder.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from grader.config import Config
from grader.db.models import MetricCount, Submission
from grader.vocabulary import SubmissionStatus

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
WORKER_SEEN_S = 60.0
HISTOGRAMS = {
    "latency": ("grader_submission_latency_seconds", "accepted to graded", LATENCY_BUCKETS),
    "batch": ("grader_batch_size", "submissions graded per task", BATCH_BUCKETS),
}


def bucket_counts(name: str, values: list[float]) -> dict[str, float]:
    """What ``values`` add to histogram ``name``: per bucket (not cumulative), sum, count."""
    buckets = HISTOGRAMS[name][2]
    out: dict[str, float] = {}
    for value in values:
        index = bisect.bisect_left(buckets, value)
        bound = str(buckets[index]) if index < len(buckets) else "+Inf"
        out[bound] = out.get(bound, 0) + 1
    out["sum"] = float(sum(values))
    out["count"] = len(values)
    return out


def histogram_family(name: str, raw: dict[str, float]) -> HistogramMetricFamily:
    """A Prometheus histogram from stored per-bucket counts and the sum."""
    metric, doc, buckets = HISTOGRAMS[name]
    running, cumulative = 0.0, []
    for bound in [*map(str, buckets), "+Inf"]:
        running += raw.get(bound, 0.0)
        cumulative.append((bound, running))
    family = HistogramMetricFamily(metric, doc)
    family.add_metric([], cumulative, sum_value=raw.get("sum", 0.0))
    return family


class PendingCounts:
    """Observations of one process's pool, added to the shared table every few seconds.

    Writing them with every batch lengthened each result transaction enough to cost a third
    of the throughput on SQLite; a process that dies loses at most its last few seconds of
    figures, never a result.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], float] = {}

    def add(self, batch_size: int, latencies_s: list[float]) -> None:
        with self._lock:
            observed: tuple[tuple[str, list[float]], ...] = (
                ("batch", [float(batch_size)]),
                ("latency", latencies_s),
            )
            for name, values in observed:
                for bucket, value in bucket_counts(name, values).items():
                    key = (name, bucket)
                    self._counts[key] = self._counts.get(key, 0.0) + value

    def flush(self, svc: Any) -> None:
        with self._lock:
            counts, self._counts = self._counts, {}
        if not counts:
            return
        rows = [{"name": n, "bucket": b, "value": v} for (n, b), v in counts.items()]
        try:
            with svc.db.write() as session:
                insert = {"sqlite": sqlite_insert, "postgresql": pg_insert}[
                    session.get_bind().dialect.name
                ]
                stmt: Any = insert(MetricCount)  # the dialect's INSERT, with ON CONFLICT
                stmt = stmt.on_conflict_do_update(
                    index_elements=["name", "bucket"],
                    set_={"value": MetricCount.value + stmt.excluded.value},
                )
                session.execute(stmt, rows)
        except Exception:  # keep them for the next flush
            with self._lock:
                for key, value in counts.items():
                    self._counts[key] = self._counts.get(key, 0.0) + value
            raise


def table_histogram(session: Any, name: str) -> HistogramMetricFamily:
    rows = session.execute(
        select(MetricCount.bucket, MetricCount.value).where(MetricCount.name == name)
    ).all()
    return histogram_family(name, {bucket: value for bucket, value in rows})


class ClusterMetrics:
    """Histograms and worker heartbeats shared through Redis (keys under the prefix)."""

    def __init__(self, config: Config, options: Any, client: Any = None):
        from grader.services.infra.broker import redis_client

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
        key = self.prefix + name
        for bucket, count in bucket_counts(name, values).items():
            if bucket == "sum":
                pipe.hincrbyfloat(key, bucket, count)
            else:
                pipe.hincrby(key, bucket, int(count))

    def histogram(self, name: str) -> HistogramMetricFamily:
        raw = {k.decode(): float(v) for k, v in self.redis.hgetall(self.prefix + name).items()}
        return histogram_family(name, raw)

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
        with self.svc.db.read() as session:
            counts = dict(
                session.execute(
                    select(Submission.status, func.count()).group_by(Submission.status)
                ).all()
            )
            local = (
                [table_histogram(session, "latency"), table_histogram(session, "batch")]
                if self.cluster is None
                else []
            )
        for status in SubmissionStatus:
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status
        depth = GaugeMetricFamily(
            "grader_queue_depth", "submissions waiting to be graded", labels=["source"]
        )
        depth.add_metric(["database"], counts.get(SubmissionStatus.QUEUED, 0))
        if self.cluster is None:
            yield depth
            yield from local
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
