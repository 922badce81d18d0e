"""The Celery application on Redis: delivery settings, the worker's runtime and heartbeat.

`configure()` builds a Celery app for one configuration (the web process before it sends, the
worker before it forks); prefork children inherit it and build their own database engine lazily.
Each call makes a new app, so no connection pool outlives a change of broker.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from celery import Celery, bootsteps

from grader.config import Config
from grader.services.grading import scheduling
from grader.workers.runtime import SWEEP, TASK, Runtime, install, runtime

HEARTBEAT_S = 10.0


def configure(
    config: Config, device: str = "cpu", lanes: tuple[str, ...] = scheduling.LANES
) -> Celery:
    """A Celery app on `config.broker_url` with at-least-once delivery settings; a worker
    consumes the queues of `lanes`."""
    options = config.celery
    install(Runtime(config, options, device, lanes=lanes))
    visibility = options.visibility_timeout_s
    app = Celery("grader", set_as_current=False)
    app.conf.update(
        broker_url=config.broker_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "global_keyprefix": options.redis_prefix,
            "visibility_timeout": visibility,
            # look for abandoned messages often enough to honour the visibility timeout
            "unacked_restore_interval": max(1.0, min(10.0, visibility / 4)),
            "unacked_restore_throttle": 1,
            "socket_timeout": options.broker_timeout_s,
            "socket_connect_timeout": options.broker_timeout_s,
        },
        task_default_queue=options.queue,
        task_acks_late=True,  # acknowledge after the results are written
        task_reject_on_worker_lost=True,  # a killed child's task goes back on the queue
        task_time_limit=options.job_timeout_s,
        task_ignore_result=True,  # the database is the record, not a result backend
        worker_prefetch_multiplier=1,  # a batch is one message; don't hoard them
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
        task_serializer="json",
        accept_content=["json"],
    )
    from grader.workers.tasks import grade

    app.task(bind=True, name=TASK)(grade)
    app.steps["worker"].add(Heartbeat)
    return app


def sweep_every_s(config: Config) -> float:
    """How often each worker asks for a sweep: often enough to notice an expired lease soon."""
    return min(HEARTBEAT_S, config.lease_s, config.celery.sweep_interval_s)


def heartbeat(hostname: str) -> None:
    """Record that `hostname` is alive (read by /metrics as `workers seen`)."""
    from grader.services.infra.metrics import ClusterMetrics

    rt = runtime()
    ClusterMetrics(rt.config, rt.options).beat(hostname)


class Heartbeat(bootsteps.StartStopStep):
    """Beats every HEARTBEAT_S seconds from the worker's main process, and asks for a sweep
    (a message that one worker process takes; the sweep itself runs under a Redis lock) so
    that a dead worker's claims are requeued even when no web process runs."""

    requires = {"celery.worker.components:Timer"}

    def start(self, worker: Any) -> None:
        self.tref = worker.timer.call_repeatedly(HEARTBEAT_S, self.beat, (worker.hostname,))
        self.beat(worker.hostname)
        every = sweep_every_s(runtime().config)
        self.sweep_ref = worker.timer.call_repeatedly(every, self.ask_sweep, (worker.app,))

    def stop(self, worker: Any) -> None:
        for ref in (getattr(self, "tref", None), getattr(self, "sweep_ref", None)):
            if ref is not None:
                ref.cancel()

    @staticmethod
    def ask_sweep(app: Any) -> None:
        queue = scheduling.queue_name(runtime().options.queue, runtime().lanes[0])
        try:
            app.send_task(TASK, args=[SWEEP], queue=queue)
        except Exception:  # Redis hiccup: the next round will do
            pass

    @staticmethod
    def beat(hostname: str) -> None:
        try:
            heartbeat(hostname)
        except Exception:  # Redis hiccup: the next beat will do
            pass


def default_hostname(device: str) -> str:
    """A node name unique per process, so two workers on one machine are told apart."""
    return f"grader-{device.replace(':', '')}-{os.getpid()}@{socket.gethostname()}"
