"""Run student code in a fresh bubblewrap sandbox and read back numbers.

Each run (one submission's checks) gets its own short-lived child: ``bwrap`` with new user,
PID, network, IPC, UTS and cgroup namespaces, a read-only tree of the interpreter and the
allowed packages (``tree.py``), an empty environment, the seccomp filter (``seccomp.py``),
resource limits (AS, CPU, NPROC, NOFILE, FSIZE, CORE) set by the runner and a wall-clock deadline kept here. The child's pieces
come back over pipes: its prints (bounded), and the runner's JSON lines on a pipe of their own
(its number is in the job file), which carry
shapes and float64 bytes, never pickles. On the deadline, or when it prints or returns too
much, the whole sandbox is killed (bwrap dies, and its PID namespace with it).

Student code never runs in the calling process: if bubblewrap cannot start here,
``SandboxUnavailable`` says why and how to fix it, and nothing runs.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import seccomp
from .tree import MODULES, TreeError, bind_args

MAX_OUTPUT_BYTES = 64 * 1024  # what a run may print
MAX_RESULT_BYTES = 16 * 1024 * 1024  # JSON lines from the runner
MAX_ENTRIES = 1_000_000  # numbers in one returned array
KEPT_OUTPUT = 4000  # characters of the prints kept for the student
HOW_TO_ENABLE = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow unprivileged "
    "user namespaces (sysctl kernel.unprivileged_userns_clone=1, and on Ubuntu 24.04+ "
    "kernel.apparmor_restrict_unprivileged_userns=0); in Docker, run the grading container "
    "with --security-opt seccomp=unconfined --security-opt apparmor=unconfined "
    "(see docs/workers.md)"
)


class SandboxUnavailable(RuntimeError):
    """Student code cannot be run confined here; the message says why and how to enable it."""


@dataclass(frozen=True)
class Limits:
    """What one run may use. ``wall_s`` covers start-up and every check."""

    wall_s: float = 10.0
    cpu_s: int = 10
    memory_bytes: int = 1 << 30  # address space (numpy needs about 300 MB of it to start)
    output_bytes: int = MAX_OUTPUT_BYTES


@dataclass(frozen=True)
class Job:
    """One submission's run: the code, the function and its inputs for each check."""

    code: str
    function: str
    args: Sequence[str]
    returns: Sequence[str]
    checks: Sequence[Mapping[str, np.ndarray]]
    modules: frozenset[str] = frozenset({"numpy", "math"})


@dataclass
class CheckRun:
    """One check's outcome: the returned arrays, or an error record from the runner."""

    outputs: list[np.ndarray] | None = None
    error: dict[str, Any] | None = None


@dataclass
class RunResult:
    """What came back. ``problem`` is set when the run as a whole went wrong (the code did not
    load, took too long, printed too much, crashed); checks that finished before are kept."""

    checks: list[CheckRun | None]
    problem: dict[str, Any] | None = None
    output: str = ""
    elapsed_s: float = 0.0
    stderr: str = field(default="", repr=False)


def _bwrap() -> str | None:
    return shutil.which("bwrap")


def command(modules: frozenset[str], workdir: str, seccomp_fd: int | None) -> list[str]:
    """The bwrap command line for one run."""
    bwrap = _bwrap()
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed: {HOW_TO_ENABLE}")
    args = [
        bwrap,
        "--unshare-all",  # user, PID, network, IPC, UTS, cgroup namespaces
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--hostname",
        "sandbox",
        *bind_args(modules),
        "--ro-bind",
        workdir,
        "/check",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--dir",
        "/tmp",
        "--remount-ro",
        "/",
        "--setenv",
        "OMP_NUM_THREADS",
        "1",
        "--setenv",
        "OPENBLAS_NUM_THREADS",
        "1",
        "--setenv",
        "MKL_NUM_THREADS",
        "1",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--chdir",
        "/check",
    ]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    return [*args, "/sandbox/python", "-I", "-S", "-B", "/sandbox/runner.py"]


def _write_job(workdir: Path, job: Job, limits: Limits, results_fd: int) -> None:
    (workdir / "student.py").write_text(job.code, encoding="utf-8")
    for j, values in enumerate(job.checks):
        folder = workdir / "in" / str(j)
        folder.mkdir(parents=True)
        for name in job.args:
            value = np.asarray(values[name])
            dtype = np.int64 if value.dtype.kind in "iu" else np.float64  # labels stay whole
            np.save(folder / f"{name}.npy", value.astype(dtype))
    spec = {
        "function": job.function,
        "args": list(job.args),
        "returns": list(job.returns),
        "modules": sorted(job.modules),
        "checks": len(job.checks),
        "memory_bytes": limits.memory_bytes * (4 if "torch" in job.modules else 1),
        "cpu_s": limits.cpu_s,
        "results_fd": results_fd,
    }
    (workdir / "job.json").write_text(json.dumps(spec), encoding="utf-8")
    for path in [workdir, *workdir.rglob("*")]:  # the sandbox's user is not the owner
        path.chmod(0o755 if path.is_dir() else 0o644)


def _seccomp_fd() -> int | None:
    program = seccomp.program()
    if program is None:
        return None
    fd = os.memfd_create("grader-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _decode(record: Any, returns: Sequence[str]) -> CheckRun:
    """A check's record from the runner, checked field by field (the child is not trusted)."""
    if isinstance(record.get("error"), dict):
        error = record["error"]
        clean = {
            "kind": str(error.get("kind", "exception"))[:40],
            "message": str(error.get("message", ""))[:600],
            "line": error.get("line") if isinstance(error.get("line"), int) else None,
            "text": str(error.get("text") or "")[:300] or None,
        }
        for key in ("reason", "name", "got"):  # a bad return's details, for the messages
            if isinstance(error.get(key), str):
                clean[key] = error[key][:80]
        if isinstance(error.get("count"), int):
            clean["count"] = error["count"]
        return CheckRun(error=clean)
    outputs = record.get("outputs")
    if not isinstance(outputs, list) or len(outputs) != len(returns):
        return CheckRun(error={"kind": "returns", "message": "the result did not come back"})
    arrays = []
    for item in outputs:
        shape = item.get("shape") if isinstance(item, dict) else None
        if not (
            isinstance(shape, list)
            and len(shape) <= 8
            and all(isinstance(d, int) and 0 <= d <= MAX_ENTRIES for d in shape)
        ):
            return CheckRun(error={"kind": "returns", "message": "a result has no valid shape"})
        size = int(np.prod(shape)) if shape else 1
        try:
            raw = base64.b64decode(str(item.get("data", "")), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if size > MAX_ENTRIES or len(raw) != 8 * size:
            return CheckRun(error={"kind": "returns", "message": "a result is too large"})
        arrays.append(np.frombuffer(raw, dtype="<f8").reshape(shape).astype(np.float64))
    return CheckRun(outputs=arrays)


class _Reader:
    """Reads the child's three pipes until they close, the deadline passes or a cap is hit."""

    def __init__(self, proc: subprocess.Popen, results_fd: int, limits: Limits):
        self.proc = proc
        self.limits = limits
        self.selector = selectors.DefaultSelector()
        assert proc.stdout is not None and proc.stderr is not None
        self.buffers: dict[str, bytearray] = {"out": bytearray(), "err": bytearray()}
        self.results = bytearray()
        self.sizes = {"out": 0, "err": 0, "res": 0}
        self.selector.register(proc.stdout.fileno(), selectors.EVENT_READ, "out")
        self.selector.register(proc.stderr.fileno(), selectors.EVENT_READ, "err")
        self.selector.register(results_fd, selectors.EVENT_READ, "res")
        self.open = 3

    def read(self, deadline: float) -> str | None:
        """None when every pipe closed; else "timeout", "output" or "result"."""
        while self.open:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            for key, _ in self.selector.select(min(left, 0.5)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    self.selector.unregister(key.fd)
                    self.open -= 1
                    continue
                self.sizes[key.data] += len(chunk)
                if key.data == "res":
                    self.results += chunk
                    if len(self.results) > MAX_RESULT_BYTES:
                        return "result"
                else:
                    buf = self.buffers[key.data]
                    buf += chunk[: max(0, 16 * 1024 - len(buf))]
                    if self.sizes["out"] + self.sizes["err"] > self.limits.output_bytes:
                        return "output"  # prints to stdout and stderr together
        return None

    def close(self) -> None:
        self.selector.close()


def run(job: Job, limits: Limits | None = None) -> RunResult:
    """Run ``job`` in a fresh sandbox; raises ``SandboxUnavailable`` only when none can start."""
    limits = limits or Limits()
    unknown = set(job.modules) - MODULES
    if unknown:
        raise ValueError(f"modules not available to student code: {sorted(unknown)}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grader-check-") as tmp:
        workdir = Path(tmp)
        read_fd, write_fd = os.pipe()
        _write_job(workdir, job, limits, write_fd)
        filter_fd = _seccomp_fd()
        try:
            try:
                argv = command(job.modules, tmp, filter_fd)
            except TreeError as exc:
                raise SandboxUnavailable(str(exc)) from exc
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=tuple(fd for fd in (write_fd, filter_fd) if fd is not None),
                start_new_session=True,
                env={},
            )
        except OSError as exc:
            os.close(read_fd)
            raise SandboxUnavailable(f"bubblewrap did not start ({exc}): {HOW_TO_ENABLE}") from exc
        finally:
            os.close(write_fd)
            if filter_fd is not None:
                os.close(filter_fd)
        reader = _Reader(proc, read_fd, limits)
        try:
            stop = reader.read(started + limits.wall_s)
        finally:
            _kill(proc)
            reader.close()
            os.close(read_fd)
        return _result(job, reader, stop, proc.returncode, limits, time.monotonic() - started)


def _kill(proc: subprocess.Popen) -> None:
    """End the sandbox: SIGKILL to bwrap's session; --die-with-parent takes the rest down."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def _result(
    job: Job, reader: _Reader, stop: str | None, code: int, limits: Limits, elapsed: float
) -> RunResult:
    checks: list[CheckRun | None] = [None] * len(job.checks)
    problem: dict[str, Any] | None = None
    loaded = False
    for line in bytes(reader.results).decode("utf-8", "replace").splitlines():
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # the child is not trusted: nested on purpose?
            continue
        if not isinstance(record, dict):
            continue
        if "load" in record:
            if record["load"] == "ok":
                loaded = True
            elif problem is None and isinstance(record["load"], dict):
                problem = _decode({"error": record["load"]}, job.returns).error
            continue
        j = record.get("check")
        if isinstance(j, int) and 0 <= j < len(checks) and checks[j] is None:
            checks[j] = _decode(record, job.returns)
    if problem is None and stop == "timeout":
        message = f"took longer than {limits.wall_s:g} s"
        problem = {
            "kind": "timeout",
            "reason": "wall",
            "seconds": limits.wall_s,
            "message": message,
        }
    elif problem is None and stop == "output":
        kilobytes = limits.output_bytes // 1024
        message = f"printed too much (more than {kilobytes} KB)"
        problem = {
            "kind": "output",
            "reason": "printed",
            "kilobytes": kilobytes,
            "message": message,
        }
    elif problem is None and stop == "result":
        problem = {"kind": "output", "reason": "returned", "message": "returned too much data"}
    elif problem is None and None in checks:
        problem = _death(code, loaded, limits)
    output = bytes(reader.buffers["out"]).decode("utf-8", "replace")[:KEPT_OUTPUT]
    stderr = bytes(reader.buffers["err"]).decode("utf-8", "replace")
    return RunResult(checks, problem, output, elapsed, stderr)


def _death(code: int, loaded: bool, limits: Limits) -> dict[str, Any]:
    """Why the child ended before every check came back, in words for a student."""
    if code == -signal.SIGXCPU or code == 128 + signal.SIGXCPU:
        message = f"used more than {limits.cpu_s} s of CPU time"
        return {"kind": "timeout", "reason": "cpu", "seconds": limits.cpu_s, "message": message}
    if code in (-signal.SIGKILL, 128 + signal.SIGKILL):
        return {"kind": "crash", "reason": "killed", "message": "was stopped (out of memory?)"}
    if code in (-signal.SIGSEGV, 128 + signal.SIGSEGV):
        return {"kind": "crash", "reason": "segfault", "message": "crashed (segmentation fault)"}
    where = "while running" if loaded else "before your code was loaded"
    message = f"stopped {where} (exit status {code})"
    return {"kind": "crash", "reason": "status", "status": code, "message": message}


_probe_lock = threading.Lock()
_probe_result: list[str | None] = []


def availability(refresh: bool = False) -> str | None:
    """None when the sandbox works here, else the reason and how to enable it (cached)."""
    with _probe_lock:
        if _probe_result and not refresh:
            return _probe_result[0]
        _probe_result[:] = [_probe()]
        return _probe_result[0]


def _probe() -> str | None:
    code = "import math\ndef f(x):\n    return x * 2\n"
    job = Job(code, "f", ["x"], ["y"], [{"x": np.ones(2)}])
    try:
        result = run(job, Limits(wall_s=60.0, cpu_s=30))
    except SandboxUnavailable as exc:
        return str(exc)
    except OSError as exc:
        return f"the sandbox could not start ({exc}): {HOW_TO_ENABLE}"
    first = result.checks[0]
    if first is not None and first.outputs is not None and float(first.outputs[0][0]) == 2.0:
        return None
    detail = (result.problem or {}).get("message") or result.stderr.strip()[-300:]
    return f"the sandbox did not run a test program ({detail}): {HOW_TO_ENABLE}"
