"""The worker's batched path (one vectorised pass per exercise version) gives the verdicts of
the single-check path, on every example exercise, several seeds, right and wrong answers."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.engine import load_exercise_file
from grader.services.grading.runner import Claimed, grade_claimed, grade_one
from grader.workers.device import resolve

EXERCISES = sorted((Path(__file__).resolve().parents[2] / "exercises").glob("*.yaml"))


def claimed_items(exercises: dict[int, object]) -> list[Claimed]:
    """Each part's accept and reject answers, for three seeds, as claimed submissions."""
    items: list[Claimed] = []
    for version_id, exercise in exercises.items():
        for part in exercise.parts:
            tests = part.spec.tests
            answers = [*tests.accept, *tests.reject] if tests else []
            for answer in answers:
                for seed in (0, 1, 2):
                    n = len(items)
                    items.append(Claimed(n, "t", version_id, {part.id: answer}, seed, False, None))
    return items


@pytest.mark.parametrize("device", [resolve("auto")])
def test_batched_verdicts_equal_single_verdicts(device):
    exercises = {i: load_exercise_file(path) for i, path in enumerate(EXERCISES)}
    cache = SimpleNamespace(get=lambda version_id, _sha256=None: exercises[version_id])
    svc = SimpleNamespace(exercises=cache)
    items = claimed_items(exercises)
    assert len(items) > 300
    batched = grade_claimed(svc, items, device)
    single = [grade_one(svc, item, device) for item in items]
    for b, s in zip(batched, single, strict=True):
        assert (b.id, b.status, b.score) == (s.id, s.status, s.score)
        verdicts = {k: (p["correct"], p["score"]) for k, p in b.results["parts"].items()}
        assert verdicts == {k: (p["correct"], p["score"]) for k, p in s.results["parts"].items()}
