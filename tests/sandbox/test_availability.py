"""Where bubblewrap cannot run, nothing runs: the reason and how to enable it, never a
fallback to running student code unconfined."""

from __future__ import annotations

import numpy as np
import pytest

from grader.sandbox import Job, SandboxUnavailable, availability, child, run


@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setattr(child, "_bwrap", lambda: None)
    yield
    monkeypatch.undo()
    availability(refresh=True)


def test_without_bwrap_a_run_is_refused_with_how_to_enable(no_bwrap, tmp_path):
    marker = tmp_path / "ran"
    code = f"def f(x):\n    open('{marker}', 'w')\n    return x\n"
    with pytest.raises(SandboxUnavailable) as err:
        run(Job(code, "f", ["x"], ["y"], [{"x": np.ones(1)}]))
    assert "apt-get install bubblewrap" in str(err.value)
    assert not marker.exists()


def test_availability_reports_the_reason(no_bwrap):
    reason = availability(refresh=True)
    assert reason is not None
    assert "bubblewrap (bwrap) is not installed" in reason
    assert "docs/workers.md" in reason


def test_a_sandbox_that_fails_its_test_program_is_reported(monkeypatch):
    real = child.command

    def broken(modules, workdir, seccomp_fd):
        argv = real(modules, workdir, seccomp_fd)
        return [argv[0], "--unshare-user", "--uid", "0", "--bogus-option", *argv[1:]]

    monkeypatch.setattr(child, "command", broken)
    try:
        reason = availability(refresh=True)
    finally:
        monkeypatch.undo()
        availability(refresh=True)
    assert reason is not None and reason.startswith("the sandbox did not run a test program")
