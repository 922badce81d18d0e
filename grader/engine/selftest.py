"""Run the ``tests`` an instructor wrote into each part (``validate`` does this)."""

from __future__ import annotations

from collections.abc import Iterable

from .budget import diagnosis_budget
from .check import grade
from .exercise import Exercise
from .loading import Problem

SEEDS_WITH_PARAMS = (0, 1, 2, 3, 4)


def run_self_tests(exercise: Exercise) -> list[Problem]:
    """Every accept answer must be graded correct and every reject answer wrong, for each
    of several seeds when the exercise has params (the answers may use param names)."""
    seeds = SEEDS_WITH_PARAMS if exercise.spec.params else (0,)
    with diagnosis_budget():  # verdicts need no diagnosis: all the tests share one budget
        return _run(exercise, seeds)


def _run(exercise: Exercise, seeds: Iterable[int]) -> list[Problem]:
    problems: list[Problem] = []
    for part in exercise.parts:
        if part.kind == "code":
            from .code_check import code_self_tests

            problems += code_self_tests(exercise, part, lambda *key: _line(exercise, *key))
            continue
        tests = part.spec.tests
        if tests is None:
            continue
        for key, expected in (("accept", True), ("reject", False)):
            for j, answer in enumerate(getattr(tests, key)):
                for seed in seeds:
                    result = grade(exercise, {part.id: answer}, seed=seed).parts[part.id]
                    if result.error is None and result.correct == expected:
                        continue
                    verdict = "accepted" if result.correct else "rejected"
                    why = result.error or result.feedback
                    problems.append(
                        Problem(
                            f"parts[{part.index}].tests.{key}[{j}]",
                            f"{answer!r} was {verdict} (seed {seed}): {why}",
                            _line(exercise, part.index, key, j),
                            exercise.source,
                        )
                    )
                    break
    return problems


def _line(exercise: Exercise, index: int, key: str, j: int, *more: str | int) -> int | None:
    from . import yamlsafe

    try:
        return yamlsafe.load(exercise.text).line_of(("parts", index, *more, "tests", key, j))
    except yamlsafe.YamlError:
        return None
