"""The `lti` commands written in README.md and docs/lms.md run as written, in order, on a
fresh instance (so the LMS administrator's instructions cannot drift)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "lms.md"]
PREFIX = ".venv/bin/python -m grader lti "


def documented() -> list[str]:
    found = []
    for doc in DOCS:
        in_block = False
        for line in doc.read_text(encoding="utf-8").splitlines():
            if line.startswith("```"):
                in_block = not in_block
            elif in_block and line.startswith(PREFIX):
                found.append(line)
    return found


def test_the_docs_show_registration_keys_and_delivery():
    text = " ".join(documented())
    assert "lti register" in text and "keys rotate" in text and "lti deliver" in text


def test_each_documented_lti_command_runs_as_written(tmp_path):
    env = {**os.environ, "GRADER_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("GRADER_DATABASE_URL", None)
    for command in documented():
        argv = [sys.executable, *command.removeprefix(".venv/bin/python ").split()]
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    listed = subprocess.run(
        [sys.executable, "-m", "grader", "lti", "platforms"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "canvas.instructure.com" in listed.stdout and "moodle" in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--auth-url", "http://lms.example/auth"], "https"),
        (["--deployment-id", ""], "deployment"),
    ],
)
def test_a_bad_registration_says_what_is_wrong(tmp_path, args, message):
    base = {
        "--issuer": "https://lms.example",
        "--client-id": "c",
        "--deployment-id": "d",
        "--auth-url": "https://lms.example/auth",
        "--token-url": "https://lms.example/token",
        "--jwks-url": "https://lms.example/jwks",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = [sys.executable, "-m", "grader", "lti", "register"]
    for flag, value in base.items():
        argv += [flag, value]
    env = {**os.environ, "GRADER_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("GRADER_DATABASE_URL", None)
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
