"""The shipped exercise library: every file validates and carries tests."""

from __future__ import annotations

import pytest

from grader.engine import load_exercise_file, run_self_tests
from tests.helpers import EXERCISES

FILES = sorted(EXERCISES.glob("*.yaml"))
# Code exercises' self-tests run student snippets in the sandbox.
CHECKED = [
    pytest.param(p, marks=pytest.mark.sandbox) if p.stem.startswith("code-") else p for p in FILES
]


def test_library_has_at_least_25_exercises():
    assert len(FILES) >= 25


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.stem)
def test_library_exercise_validates_and_passes_its_self_tests(path):
    exercise = load_exercise_file(path)
    assert [str(p) for p in run_self_tests(exercise)] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_library_exercise_id_matches_file_name(path):
    assert load_exercise_file(path).id == path.stem


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_library_exercise_carries_tests(path):
    exercise = load_exercise_file(path)
    assert all(
        p.spec.tests is not None or (p.spec.code and p.spec.code.tests) for p in exercise.parts
    )


@pytest.mark.parametrize("stem", ["tutorial-square", "tutorial-chain", "tutorial-two-inputs"])
def test_library_ships_the_tutorial_exercises(stem):
    assert (EXERCISES / f"{stem}.yaml").is_file()


def test_library_has_a_neuron_exercise():
    texts = [p.read_text() for p in FILES]
    assert any(
        "tanh(w*x + b)" in t.replace(" ", "").replace("tanh(w*x+b)", "tanh(w*x + b)") for t in texts
    )


def test_library_covers_gradients_and_higher_derivatives():
    kinds, orders = set(), set()
    for path in FILES:
        for part in load_exercise_file(path).parts:
            kinds.add(part.kind)
            if part.kind != "gradient":
                orders.add(len(part.wrt))
    assert {"value", "expression", "gradient"} <= kinds and max(orders) >= 2
