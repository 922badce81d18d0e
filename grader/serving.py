"""Production HTTP serving: gunicorn processes (one per core by default), or waitress.

Python runs one thread at a time per process, so on a machine with several cores the service
runs several processes, each with its own request threads and its own embedded grading pool;
they share the work through the submissions table (claims are atomic, results idempotent).
Workers are tied to the master: if the master dies (even by SIGKILL), they die too, so a
restarted service never finds orphans still holding the port.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import re
import signal
import sys
from collections.abc import Callable
from typing import Any

PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


# Request threads share each process with its grading pool. Python hands the interpreter
# between threads every 5 ms by default, so a request that arrives while a batch is being
# graded waits for several such slices; 1 ms keeps request latency low at a small cost.
SWITCH_INTERVAL_S = 0.001


def tune_process() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def settle_heap() -> None:
    """Exempt everything alive after start-up from garbage collection.

    torch, SQLAlchemy and Flask leave some 300,000 objects behind; a full collection walked
    them all and paused every thread of the process for ~160 ms, often enough to show in the
    99th percentile. Frozen, they are never walked again (they live as long as the process).
    """
    gc.collect()
    gc.freeze()


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent exits (a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _after_fork(server: Any, worker: Any) -> None:
    """Each gunicorn worker: killed with its parent, and its allocator tuned."""
    die_with_parent()
    tune_process()


def json_error(status: int, reason: str, message: str) -> bytes:
    """A whole HTTP response in the API's error shape, for errors the HTTP server answers
    itself, before any application code sees the request (a request line over 8 KiB: 414;
    malformed request lines, headers or chunks: 400)."""
    code = re.sub(r"\W+", "_", reason.strip().lower()).strip("_") or "error"
    body = json.dumps({"error": {"code": code, "message": message or reason, "details": None}})
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return (head + body).encode("latin-1", "replace")


def _gunicorn_json_errors() -> None:
    """gunicorn writes its own errors as HTML through `util.write_error`: make them JSON."""
    from gunicorn import util

    def write_error(sock: Any, status: int, reason: str, message: str) -> None:
        util.write_nonblock(sock, json_error(status, reason, message))

    util.write_error = write_error


def run_gunicorn(
    factory: Callable[[], Any], host: str, port: int, workers: int, threads: int
) -> None:
    """Serve ``factory()`` (built in each worker, after the fork) with gunicorn gthread."""
    from gunicorn.app.base import BaseApplication

    _gunicorn_json_errors()

    class Application(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": 60,
                "graceful_timeout": 10,
                "keepalive": 30,
                "backlog": 2048,
                # one shared control socket per user would clash between two services
                "control_socket_disable": True,
                "post_fork": _after_fork,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            app = factory()
            settle_heap()
            return app

    Application().run()


def run_waitress(app: Any, host: str, port: int, threads: int) -> None:
    """One process (also where gunicorn does not run, e.g. Windows)."""
    from waitress import serve

    tune_process()
    settle_heap()
    serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="grader",
        channel_timeout=30,
        connection_limit=1000,
        backlog=2048,
    )


def serving_app(config: Any) -> Any:
    """The application as the serve command runs it in each process: services with the
    dispatcher the configuration asks for and the outbox runner (grade passbacks and webhooks,
    whichever dispatcher grades), built complete and then started."""
    from grader.app import create_app
    from grader.services.context import Services
    from grader.services.grading.code_runs import check_at_startup
    from grader.workers import make_dispatcher
    from grader.workers.outbox import OutboxRunner

    check_at_startup()  # code parts are refused, with the reason, where the sandbox fails
    services = Services(config, dispatcher=make_dispatcher, runners=(OutboxRunner,))
    app = create_app(services=services)
    services.start()
    return app
