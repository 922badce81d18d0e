"""The engine commands written in the README and docs/ run as written, and the pictures the
docs show are what the commands draw today (so the docs cannot drift)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# commands that need neither a server nor a database
ENGINE = re.compile(r"^\.venv/bin/python -m grader (validate|check|demo|solution|generate) ")


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        in_block = False
        for line in doc.read_text(encoding="utf-8").splitlines():
            if line.startswith("```"):
                in_block = not in_block
                continue
            if in_block and ENGINE.match(line):
                found.append((doc.name, line))
    return found


COMMANDS = documented_commands()
CODE_PART = re.compile(r"^\s*-?\s*kind:\s*code\b", re.M)


def needs_sandbox(command: str) -> bool:
    """A command that runs student code: it names an exercise with a code part (validate
    runs its self-tests in the sandbox) or passes a Python file as an answer (@FILE.py)."""
    if re.search(r"=@\S+\.py\b", command):
        return True
    for name in re.findall(r"\S+\.ya?ml\b", command):
        path = ROOT / name
        if path.is_file() and CODE_PART.search(path.read_text(encoding="utf-8")):
            return True
    return False


def command_params() -> list:
    """The commands as test cases; those that run student code carry the sandbox marker (they
    skip where bubblewrap cannot run, and fail there under CI=true)."""
    return [
        pytest.param(doc, command, id=command[:70], marks=[pytest.mark.sandbox])
        if needs_sandbox(command)
        else pytest.param(doc, command, id=command[:70])
        for doc, command in COMMANDS
    ]


def test_the_docs_show_engine_commands():
    assert any("solution" in c for _, c in COMMANDS) and any("check" in c for _, c in COMMANDS)


def test_commands_that_run_student_code_are_marked_for_the_sandbox():
    marked = {p.values[1] for p in command_params() if p.marks}
    assert ".venv/bin/python -m grader validate exercises/code-relu-backward.yaml" in marked
    assert not any("tutorial" in c for c in marked)
    assert needs_sandbox(".venv/bin/python -m grader check x.yaml backward=@answer.py")


@pytest.mark.parametrize(("doc", "command"), command_params())
def test_documented_engine_command_runs_as_written(doc, command):
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv here (make test creates it)")
    done = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{doc}: {command}\n{done.stdout}\n{done.stderr}"


def test_the_solution_output_shown_in_docs_engine_md_is_what_the_command_prints():
    from grader.engine import load_exercise_file
    from grader.engine.solution import format_text, solution

    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    shown = text.split("Local derivatives (one per edge):", 1)[1].split("```", 1)[0]
    ex = load_exercise_file(ROOT / "exercises" / "tutorial-two-inputs.yaml")
    printed = format_text(solution(ex.instance(0), ex.part("dz-dx")))
    for line in shown.strip().splitlines():
        assert line in printed


def test_the_tutorial_graph_picture_is_what_the_command_draws():
    from grader.engine import load_exercise_file
    from grader.engine.graph_svg import render_svg
    from grader.engine.solution import solution

    ex = load_exercise_file(ROOT / "exercises" / "tutorial-two-inputs.yaml")
    drawn = render_svg(solution(ex.instance(0), ex.part("dz-dx")))
    assert (ROOT / "docs" / "img" / "tutorial-two-inputs-dz-dx.svg").read_text() == drawn
