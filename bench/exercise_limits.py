"""What the largest exercises the validation admits cost to serve: upload, first view, grading.

Builds exercises at the documented limits (docs/engine.md, "Bounds") and times, on one core
(CPU time of this process, which other processes on a busy machine do not inflate), what the
service does with them:

- upload: ``load_exercise`` (validation: sampling for every seed it tries, refused past the
  reference-work budget);
- first view: a process that has not seen the exercise loads the stored version
  (``validated=True``) and draws one student's instance (points and every reference);
- wrong: one wrong answer to every part, graded and diagnosed (candidates built within the
  submission's diagnosis budget), then "wrong again", the same submission a second time.

The library's largest shipped exercise is timed the same way in the same run, as the baseline
(the ratio column). Exercises past the budget are timed until they are refused.

    python bench/exercise_limits.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.engine import grade, load_exercise  # noqa: E402
from grader.engine.loading import ExerciseInvalid  # noqa: E402
from tests.engine.worst_exercises import chain_exercise, gradient_exercise  # noqa: E402


def library_exercise() -> str:
    paths = sorted((ROOT / "exercises").glob("*.yaml"), key=lambda p: p.stat().st_size)
    return paths[-1].read_text()


def wrong_answers(ex) -> dict:
    out = {}
    for part in ex.parts:
        n = len(part.components)
        out[part.id] = (
            [f"{c + 2}*{list(ex.spec.variables)[0]}" for c in range(n)]
            if n > 1
            else ("2" if part.numeric else f"3*{list(ex.spec.variables)[0]}")
        )
    return out


def measure(text: str, repeat: int) -> dict[str, list[float]] | float:
    """Seconds per path; or, for an exercise the validation refuses, the seconds to refuse."""
    clock = time.process_time
    times: dict[str, list[float]] = {"upload": [], "first view": [], "wrong": [], "wrong again": []}
    for r in range(repeat):
        t = clock()
        try:
            load_exercise(text)
        except ExerciseInvalid:
            return clock() - t
        times["upload"].append(clock() - t)
        t = clock()
        ex = load_exercise(text, validated=True)  # a process that has not seen it...
        ex.instance(100 + r).prompts  # noqa: B018 -- ...draws the student's instance
        times["first view"].append(clock() - t)
        answers = wrong_answers(ex)
        for path in ("wrong", "wrong again"):
            t = clock()
            grade(ex, answers, seed=100 + r)
            times[path].append(clock() - t)
    return times


CASES = {
    "library (largest shipped)": None,
    "100 defs, 5 parts d2/dx2": (chain_exercise, (100, 5, 2)),
    "20 defs, 50 parts d/dx": (chain_exercise, (20, 50, 1)),
    "20 vars x 50 gradients": (gradient_exercise, ()),
    "100 defs, 50 parts d4/dx4": (chain_exercise, (100, 50, 4)),
    "100 defs, 1 part d4/dx4": (chain_exercise, (100, 1, 4)),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    results = {}
    for name, case in CASES.items():
        text = library_exercise() if case is None else case[0](*case[1])
        results[name] = measure(text, args.repeat)
    base = results["library (largest shipped)"]
    assert isinstance(base, dict)
    print(f"{'exercise':28} {'path':12} {'median s':>9} {'mean s':>7} {'max s':>7} {'x lib':>7}")
    for name, times in results.items():
        if not isinstance(times, dict):
            print(f"{name:28} {'refused in':12} {times:9.3f}")
            continue
        for path, values in times.items():
            med = statistics.median(values)
            ratio = med / max(statistics.median(base[path]), 1e-9)
            print(
                f"{name:28} {path:12} {med:9.3f} {statistics.mean(values):7.3f} "
                f"{max(values):7.3f} {ratio:7.1f}"
            )


if __name__ == "__main__":
    main()
