"""An exercise's grading cost, measured when it is uploaded: the scheduler's first estimate
(exercise_versions.cost_ms; refined by observed grades, see grader.services.grading.scheduling)."""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)
COST_SEED = 7_654_321  # the estimate's student instance: not a seed the self-tests use


def estimate_cost_ms(exercise: Any) -> float:
    """Milliseconds of CPU to grade one submission to `exercise`, measured now (at upload):
    the slower of a wrong answer everywhere (diagnosis runs) and the self-tests' first
    accepted answers, each for a fresh student instance (built too) after a warm-up grade.
    CPU time of this thread, not wall time, so that a busy machine does not make a cheap
    exercise look heavy (its lane decides how it is scheduled)."""
    from grader.engine import grade

    wrong = {part.id: ["1"] * len(part.components) for part in exercise.parts}
    right = dict(wrong)
    for part in exercise.parts:
        tests = part.spec.tests
        if tests is not None and tests.accept:
            right[part.id] = tests.accept[0]
    worst = 0.0
    for n, answers in enumerate((wrong, right)):
        for seed in (COST_SEED + 10 + n, COST_SEED + n):  # a warm-up, then the measure
            started = time.thread_time()
            try:
                grade(exercise, answers, seed)
            except Exception:  # the self-tests passed; an answer they did not try may fail
                log.debug("estimating the cost of %s", exercise.id, exc_info=True)
        worst = max(worst, (time.thread_time() - started) * 1000)
    return worst
