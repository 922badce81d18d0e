"""`make`'s first set-up is not silent: it says what it installs and how long it takes, and
lets pip show its progress (a newcomer's first `make run` spends minutes there)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.helpers import ROOT


def test_first_install_says_what_it_does_and_shows_pips_progress(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("no make here")
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho "python $*"\n')  # records how pip is called
    fake.chmod(0o755)
    done = subprocess.run(
        ["make", ".venv/.installed"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "the first time takes about 6 minutes" in out and "torch" in out
    pip = next(line for line in out.splitlines() if line.startswith("python -m pip install"))
    assert " -q" not in pip and "--progress-bar on" in pip
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "The first `make run` (or `make test`) takes about 6 minutes" in readme
