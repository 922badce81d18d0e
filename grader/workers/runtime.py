"""What a process using the Celery app knows: its settings, device and (lazily) its Services.

`celery_app.configure()` installs it; the task reads it. A module of its own so that the
Celery app and its task do not import each other.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from grader.config import CeleryOptions, Config

TASK = "grader.grade"
SWEEP = "sweep"  # the lane argument that asks for a sweep instead of grading


@dataclass
class Runtime:
    """What a process using the Celery app knows: settings and, lazily, its Services."""

    config: Config
    options: CeleryOptions
    device: str = "cpu"
    lanes: tuple[str, ...] = ("cheap", "heavy")  # the lanes this worker's queues carry
    _svc: Any = None
    _pid: int = 0
    _evaluator: Any = None
    _evaluator_pid: int = 0
    _leases: Any = None
    _leases_pid: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def svc(self) -> Any:
        """This process's Services (a new engine after a fork; torch set up on first use)."""
        with self._lock:
            if self._svc is None or self._pid != os.getpid():
                from grader.services.context import Services
                from grader.workers.device import init_process

                init_process(self.device, self.config.torch_threads)
                self._svc, self._pid = Services(self.config), os.getpid()
            return self._svc

    @property
    def evaluator(self) -> Any:
        """This process's ChildGrader (grading with a deadline in a child process, as the
        embedded pool does), or None when GRADER_ISOLATE_GRADING is off."""
        if not self.config.isolate_grading:
            return None
        with self._lock:
            if self._evaluator is None or self._evaluator_pid != os.getpid():
                from grader.workers.isolation import ChildGrader

                self._evaluator = ChildGrader(self.device, self.config.torch_threads)
                self._evaluator_pid = os.getpid()
            return self._evaluator

    @property
    def leases(self) -> Any:
        """This process's lease keeper (renews the claims it grades)."""
        svc = self.svc  # (takes the lock itself)
        with self._lock:
            if self._leases is None or self._leases_pid != os.getpid():
                from grader.services.grading.scheduling import Leases

                self._leases = Leases(svc.db, self.config.lease_s)
                self._leases_pid = os.getpid()
            return self._leases


_runtime: Runtime | None = None


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("grader.workers.celery_app.configure() was not called")
    return _runtime


def install(rt: Runtime) -> None:
    global _runtime
    _runtime = rt
