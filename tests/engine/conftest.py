"""Shared helpers for the engine tests: build small exercises from YAML text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.engine import Exercise, grade, load_exercise

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"
# The shared sample corpus lies beside the repository (../shared), in CI as here.
CORPUS = ROOT.parent / "shared" / "data" / "sample-corpus"


def make_exercise(text: str, source: str = "test.yaml") -> Exercise:
    """Load an exercise from (dedented) YAML text."""
    return load_exercise(textwrap.dedent(text), source=source)


def single(
    define: dict[str, str],
    variables: dict[str, tuple[float, float]] | None = None,
    *,
    wrt: str | list[str] = "x",
    kind: str = "expression",
    of: str | None = None,
    extra: str = "",
) -> Exercise:
    """A one-part exercise (part id ``a``) on the last defined name."""
    variables = variables or {"x": (0.5, 3.0)}
    lines = ["id: t", "title: T", "variables:"]
    lines += [f"  {v}: [{lo}, {hi}]" for v, (lo, hi) in variables.items()]
    lines.append("define:")
    lines += [f"  {k}: {v}" for k, v in define.items()]
    lines += [
        "parts:",
        "  - id: a",
        f"    kind: {kind}",
        f"    of: {of or list(define)[-1]}",
        f"    wrt: {wrt if isinstance(wrt, str) else '[' + ', '.join(wrt) + ']'}",
    ]
    text = "\n".join(lines) + "\n" + extra
    return load_exercise(text, source="test.yaml")


def check(exercise: Exercise, answer, part: str = "a", seed: int = 0):
    """Grade one answer to one part and return that part's result."""
    return grade(exercise, {part: answer}, seed=seed).parts[part]


@pytest.fixture(scope="session")
def tutorial():
    """The three tutorial exercises shipped in exercises/, by short name."""
    from grader.engine import load_exercise_file

    return {
        name: load_exercise_file(EXERCISES / f"tutorial-{name}.yaml")
        for name in ("square", "chain", "two-inputs")
    }
