"""Grading in a child process with a deadline, so that no answer can freeze the service.

Python runs one thread at a time per process, and some work (a huge integer power, a regular
expression that backtracks) holds the interpreter until it ends: a thread cannot be stopped,
and while it runs no request thread of the process answers. So each pool thread hands its
batches to a child process of its own and waits on a pipe, which costs the service nothing;
when the deadline passes, the child is killed (SIGKILL: nothing in it needs cleaning up) and
a fresh one is forked for the next batch. `grader.services.grading.runner` then grades the batch's
submissions one at a time, each with its own budget, so that only the one that cannot finish
fails, with a reason, and its neighbours are graded.

The child is forked from the pool's process (cheap: torch is already loaded and shared
copy-on-write) when grading on the CPU, and started fresh (spawn) for CUDA, which a forked
child cannot use. Where no child can be started, grading falls back to the calling process. It holds no database connection: the parent sends the exercise's YAML the
first time the child needs it, and the child keeps parsed exercises by version and content hash.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from grader.services.grading.runner import GraderUnavailable, GradingTimeout, Verdict
from grader.vocabulary import SubmissionStatus

log = logging.getLogger(__name__)
START_TIMEOUT_S = 120.0  # a spawned child imports torch first (seconds on a busy machine)
CACHE_SIZE = 64  # parsed exercises kept by a child


class _Forked:
    """A child made with os.fork(): multiprocessing refuses to start one from a daemonic
    process, and Celery's pool processes are daemonic."""

    def __init__(self, target: Callable[..., None], args: tuple):
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns into the caller's code
            code = 1
            try:
                target(*args)
                code = 0
            finally:
                os._exit(code)

    def is_alive(self) -> bool:
        try:
            return os.waitpid(self.pid, os.WNOHANG)[0] == 0
        except ChildProcessError:
            return False

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def join(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)


class ChildGrader:
    """One child process that grades batches; owned by one thread at a time."""

    def __init__(self, device: str = "cpu", torch_threads: int = 1):
        self.fork = device == "cpu" and hasattr(os, "fork")
        self.torch_threads = torch_threads
        self._process: Any = None
        self._conn: Connection | None = None
        self.restarts = 0

    def _start(self) -> Connection:
        """Fork (CPU) or spawn (CUDA) the child; GraderUnavailable when it cannot start."""
        parent, child = multiprocessing.Pipe()
        try:
            if self.fork:
                process: Any = _Forked(_child_main, (child, self.torch_threads))
            else:
                context = multiprocessing.get_context("spawn")
                process = context.Process(
                    target=_child_main, args=(child, self.torch_threads), daemon=True
                )
                process.start()
        except (OSError, AssertionError) as exc:  # AssertionError: a daemonic process
            parent.close()
            child.close()
            raise GraderUnavailable(f"no grading child process: {exc}") from exc
        child.close()
        if not parent.poll(START_TIMEOUT_S):
            process.kill()
            parent.close()
            raise GraderUnavailable("the grading child process did not start")
        parent.recv()  # "ready"
        self._process, self._conn = process, parent
        return parent

    def evaluate(
        self,
        key: str,
        source: Callable[[], tuple[str, str]],
        pairs: list[tuple[dict[str, Any], int]],
        device: str,
        deadline_s: float,
    ) -> list[Verdict]:
        """Grade `pairs` in the child; GradingTimeout (and a killed child) after `deadline_s`."""
        conn = self._conn or self._start()
        message: tuple[Any, ...] = (key, None, None, pairs, device)
        for _ in range(2):  # the second time with the exercise's source
            try:
                conn.send(message)
                ready = conn.poll(deadline_s)
            except (BrokenPipeError, EOFError, ConnectionResetError, OSError) as exc:
                self.close()
                raise RuntimeError(f"the grading child process died: {exc}") from exc
            if not ready:
                self.close()
                self.restarts += 1
                raise GradingTimeout(f"no result within {deadline_s:g} s")
            try:
                reply = conn.recv()
            except (EOFError, OSError) as exc:  # killed (out of memory?) while grading
                self.close()
                raise RuntimeError("the grading child process died while grading") from exc
            if reply[0] == "ok":
                return reply[1]
            if reply[0] == "missing":
                yaml_text, label = source()
                message = (key, yaml_text, label, pairs, device)
                continue
            return [(SubmissionStatus.FAILED, reply[1])] * len(pairs)  # the exercise did not load
        raise RuntimeError("the grading child process did not take the exercise")

    def close(self) -> None:
        """Kill the child (it may be in the middle of a batch that must not finish)."""
        process, conn, self._process, self._conn = self._process, self._conn, None, None
        if conn is not None:
            conn.close()
        if process is not None and process.is_alive():
            process.kill()
        if process is not None:
            process.join(5)


def _child_main(conn: Connection, torch_threads: int) -> None:
    """The child's loop: (key, yaml or None, label, pairs, device) in, a reply out; parsed
    exercises are kept by key (version id and content hash)."""
    from grader.serving import die_with_parent

    die_with_parent()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
        signal.signal(sig, signal.SIG_DFL)  # the server's handlers are not the child's
    import torch

    from grader.engine import load_exercise
    from grader.services.grading.runner import INTERNAL_ERROR, evaluate

    torch.set_num_threads(torch_threads)
    exercises: OrderedDict[str, Any] = OrderedDict()
    conn.send("ready")
    while True:
        try:
            key, yaml_text, label, pairs, device = conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the parent is gone or closed the pipe
        exercise = exercises.get(key)
        if exercise is None and yaml_text is None:
            conn.send(("missing",))
            continue
        if exercise is None:
            try:
                exercise = load_exercise(yaml_text, source=label)
            except Exception:
                log.exception("the exercise %s did not load for grading", label)
                conn.send(("error", INTERNAL_ERROR))
                continue
            exercises[key] = exercise
            while len(exercises) > CACHE_SIZE:
                exercises.popitem(last=False)
        exercises.move_to_end(key)
        conn.send(("ok", evaluate(exercise, pairs, device)))
