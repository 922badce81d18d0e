"""Hostile student code: each attack fails inside the sandbox, nothing reaches the host, and
the next student's code is still run and graded.

The attacks get past the import guard with ``__import__(name, {})`` (the guard is a lesson
rule, not a wall), so what is tested is the sandbox itself.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import Job, Limits, RunResult, run

pytestmark = pytest.mark.sandbox
ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-" + "x" * 12


def _run(body: str, limits: Limits | None = None, modules=("numpy", "math")) -> RunResult:
    code = "def attack(x):\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())
    job = Job(code, "attack", ["x"], ["y"], [{"x": np.ones(3)}], frozenset(modules))
    return run(job, limits or Limits(wall_s=10))


def _error(result: RunResult) -> str:
    first = result.checks[0]
    if first is not None and first.error is not None:
        return first.error["message"]
    return (result.problem or {}).get("message", "")


@pytest.fixture(autouse=True)
def still_serving():
    """After every attack, an honest submission runs and comes back right."""
    yield
    job = Job("def f(x):\n    return 2 * x\n", "f", ["x"], ["y"], [{"x": np.arange(3.0)}])
    result = run(job)
    assert result.problem is None
    assert result.checks[0] is not None and result.checks[0].outputs is not None
    assert result.checks[0].outputs[0].tolist() == [0.0, 2.0, 4.0]


def test_etc_passwd_is_not_there():
    result = _run('return open("/etc/passwd").read()')
    assert "FileNotFoundError" in _error(result)


def test_project_files_and_home_are_not_there():
    target = ROOT / "grader" / "app.py"
    assert target.exists()
    result = _run(f'return open("{target}").read()')
    assert "FileNotFoundError" in _error(result)
    listing = _run('os = __import__("os", {})\nprint(sorted(os.listdir("/")))\nreturn x')
    assert (
        listing.output.strip()
        == "['check', 'dev', 'lib', 'lib64', 'proc', 'sandbox', 'tmp', 'usr']"
    )


def test_sqlite_database_file_is_not_there(tmp_path):
    db = tmp_path / "grader.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("create table secrets (v text)")
        conn.execute("insert into secrets values (?)", (SECRET,))
    result = _run(f'return open("{db}", "rb").read()')
    assert "FileNotFoundError" in _error(result)


def test_environment_and_proc_1_environ_hold_no_secret(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_KEY", SECRET)
    result = _run(
        'os = __import__("os", {})\n'
        'print(open("/proc/1/environ", "rb").read())\n'
        'print(open("/proc/self/environ", "rb").read())\n'
        "print(dict(os.environ))\n"
        "return x"
    )
    assert result.problem is None, result.problem
    assert SECRET not in result.output
    assert "GRADER" not in result.output
    assert "OMP_NUM_THREADS" in result.output  # it did read the environment


@pytest.fixture
def listener():
    """A TCP server on this machine that counts the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                accepted.append(server.accept())
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


def test_no_network_to_this_machine(listener):
    port, accepted = listener
    for target in (port, 5432, 6379):
        result = _run(
            f'socket = __import__("socket", {{}})\n'
            f'socket.create_connection(("127.0.0.1", {target}), timeout=2)\n'
            "return x"
        )
        message = _error(result)
        assert "PermissionError" in message or "ConnectionRefusedError" in message, message
    time.sleep(0.3)
    assert accepted == []


def test_fork_bomb_is_refused():
    started = time.monotonic()
    result = _run('os = __import__("os", {})\nwhile True:\n    os.fork()')
    assert "PermissionError" in _error(result)
    assert time.monotonic() - started < 10


def test_ten_gigabytes_cannot_be_allocated():
    result = _run("return bytearray(10 * 2**30)")
    assert "MemoryError" in _error(result)
    result = _run('np = __import__("numpy", {})\nreturn np.ones(10 * 2**30 // 8)')
    assert "MemoryError" in _error(result) or "Unable to allocate" in _error(result)


def test_infinite_loop_ends_at_the_deadline():
    started = time.monotonic()
    result = _run("while True:\n    pass", Limits(wall_s=2))
    assert result.problem == {
        "kind": "timeout",
        "reason": "wall",
        "seconds": 2,
        "message": "took longer than 2 s",
    }
    assert time.monotonic() - started < 6


def test_a_gigabyte_to_stdout_is_cut_off():
    result = _run('chunk = "x" * 2**20\nfor _ in range(1024):\n    print(chunk)')
    assert result.problem is not None and result.problem["kind"] == "output"
    assert "printed too much" in result.problem["message"]


def test_a_gigabyte_to_a_file_goes_nowhere(tmp_path):
    for path in ("/tmp/big", "/check/big", str(tmp_path / "big")):
        result = _run(f'f = open("{path}", "wb")\nfor _ in range(1024):\n    f.write(b"x" * 2**20)')
        message = _error(result)
        assert "Read-only file system" in message or "FileNotFoundError" in message, message
    assert list(tmp_path.iterdir()) == []


def test_killing_the_parent_is_impossible():
    me = os.getpid()
    result = _run(f'os = __import__("os", {{}})\nos.kill({me}, 9)\nreturn x')
    assert "ProcessLookupError" in _error(result)
    result = _run('os = __import__("os", {})\nos.kill(-1, 9)\nreturn x')
    assert result.checks[0] is None or result.checks[0].error is not None  # it killed itself
    assert os.getpid() == me  # still here


def test_ctypes_segfault_is_a_crash_not_an_outage():
    result = _run('ctypes = __import__("ctypes", {})\nreturn ctypes.string_at(0)')
    assert result.problem is not None and "crashed" in result.problem["message"]


def test_ctypes_system_has_no_shell(tmp_path):
    marker = tmp_path / "pwned"
    result = _run(
        'ctypes = __import__("ctypes", {})\n'
        'libc = ctypes.CDLL("libc.so.6")\n'
        f'return libc.system(b"echo pwned > {marker}")'
    )
    assert not marker.exists()
    first = result.checks[0]
    assert first is not None and first.outputs is not None
    assert float(first.outputs[0]) != 0.0  # system() failed


def test_subprocess_socket_and_shell_are_refused(tmp_path):
    for module in ("subprocess", "socket"):
        result = _run(f"import {module}\nreturn x")
        assert f"import of '{module}' is not allowed" in _error(result)
    marker = tmp_path / "pwned"
    result = _run(
        'subprocess = __import__("subprocess", {})\n'
        f'subprocess.run(["/bin/sh", "-c", "echo pwned > {marker}"])\n'
        "return x"
    )
    assert "PermissionError" in _error(result) or "FileNotFoundError" in _error(result)
    assert not marker.exists()


def test_result_objects_run_no_code_in_the_parent(tmp_path):
    marker = tmp_path / "pwned"
    code = (
        "class Evil:\n"
        "    def __array__(self, dtype=None, copy=None):\n"
        f'        open("{marker}", "w").write("array")\n'
        "        return [1.0, 2.0]\n"
        "    def __del__(self):\n"
        f'        open("{marker}", "w").write("del")\n'
        "    def __reduce__(self):\n"
        f'        return (open, ("{marker}", "w"))\n'
        "def f(x):\n"
        "    return Evil()\n"
    )
    result = run(Job(code, "f", ["x"], ["y"], [{"x": np.ones(1)}]))
    assert not marker.exists()
    first = result.checks[0]
    assert first is not None
    if first.outputs is not None:  # __array__ ran in the sandbox, where the write failed
        assert all(type(a) is np.ndarray and a.dtype == np.float64 for a in first.outputs)
    else:
        assert first.error is not None


def test_a_gigabyte_to_stderr_is_cut_off_too():
    result = _run('sys = __import__("sys", {})\nwhile True:\n    sys.stderr.write("x" * 2**20)')
    assert result.problem is not None and result.problem["kind"] == "output"


def test_forged_result_lines_are_data_only():
    """The results pipe is reachable from student code: whatever it writes there is parsed
    as plain data, deep nesting included, and nothing it claims goes unchecked."""
    result = _run(
        'os = __import__("os", {})\n'
        "for fd in range(3, 4096):\n"  # the results pipe keeps the parent's fd number
        "    try:\n"
        '        os.write(fd, b"[" * 100000 + b"\\n")\n'
        '        os.write(fd, b\'{"check": 0, "outputs": [{"shape": [99999999], "data": ""}]}\\n\')\n'
        "    except OSError:\n"
        "        pass\n"
        "return x"
    )
    first = result.checks[0]
    assert first is not None
    assert first.outputs is None and first.error is not None  # the forged record was refused
