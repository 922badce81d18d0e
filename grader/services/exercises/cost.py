"""An exercise's grading cost, measured when it is uploaded: the scheduler's first estimate
(exercise_versions.cost_ms; refined by observed grades, see grader.services.grading.scheduling)."""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)
COST_SEED = 7_654_321  # the estimate's student instance: not a seed the self-tests use


def estimate_cost_ms(exercise: Any) -> float:
    """Milliseconds of grading one submission to `exercise`, measured now (at upload): the
    slower of a wrong answer everywhere (diagnosis runs) and the self-tests' first accepted
    answers, for a seed no self-test used (the student's instance is built too)."""
    from grader.engine import grade

    wrong = {part.id: ["1"] * len(part.components) for part in exercise.parts}
    right = dict(wrong)
    for part in exercise.parts:
        tests = part.spec.tests
        if tests is not None and tests.accept:
            right[part.id] = tests.accept[0]
    worst = 0.0
    for seed, answers in ((COST_SEED, wrong), (COST_SEED + 1, right)):
        started = time.perf_counter()
        try:
            grade(exercise, answers, seed)
        except Exception:  # the self-tests passed; an answer they did not try may still fail
            log.debug("estimating the cost of %s", exercise.id, exc_info=True)
        worst = max(worst, (time.perf_counter() - started) * 1000)
    return worst
