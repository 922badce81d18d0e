"""Which answers are the same mathematics: `2*x`, `x*2` and `2x` take the same values at an
exercise's sample points, so they share one signature; `2x+1` does not.

Used to group a class's wrong answers by what they mean rather than how they were typed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .check import PartResult, evaluate_part, read_part
from .exercise import Exercise

SIGNIFICANT_DIGITS = 8  # values agreeing to 8 digits are one answer (float noise is ~1e-16)
Signature = tuple


def rounded(value: float) -> float | str:
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    r = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return 0.0 if r == 0 else r  # -0.0 and 0.0 are one value


class Signatures:
    """Signatures of answers to one exercise, all at the sample points of one seed (so every
    student's answer is compared at the same points), each distinct text evaluated once."""

    def __init__(self, exercise: Exercise, seed: int = 0):
        self.exercise = exercise
        self.instance = exercise.instance(seed)
        self._memo: dict[tuple[str, str | tuple[str, ...]], Signature | None] = {}

    def of(self, part_id: str, answer: str | Sequence[str]) -> Signature | None:
        """The answer's values at the points (rounded), or None when it cannot be read."""
        key = (part_id, answer if isinstance(answer, str) else tuple(answer))
        if key not in self._memo:
            self._memo[key] = self._compute(part_id, answer)
        return self._memo[key]

    def _compute(self, part_id: str, answer: str | Sequence[str]) -> Signature | None:
        part = self.exercise.part(part_id)
        got = read_part(self.instance, part, answer)
        if isinstance(got, PartResult):
            return None
        try:
            values = evaluate_part(self.instance, part, got.nodes)
        except (ValueError, ArithmeticError, RuntimeError):
            return None
        return tuple(tuple(rounded(v) for v in column.tolist()) for column in values)
