"""Engine fixtures: the tutorial exercises shipped in exercises/."""

from __future__ import annotations

import pytest

# Re-exported for tests that still import them from here; new tests import tests.helpers.
from tests.helpers import CORPUS, EXERCISES, ROOT, check, make_exercise, single  # noqa: F401


@pytest.fixture(scope="session")
def tutorial():
    """The three tutorial exercises shipped in exercises/, by short name."""
    from grader.engine import load_exercise_file

    return {
        name: load_exercise_file(EXERCISES / f"tutorial-{name}.yaml")
        for name in ("square", "chain", "two-inputs")
    }
