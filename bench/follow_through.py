"""What steps and follow-through (#26) add to grading one submission.

For each case, the same submission is graded by ``check.grade`` (the parts checked, nothing
after: the baseline) and by ``grade`` (the parts checked, then steps, follow-through and
penalties), alternately in the same process, the instance warm, and the thread's CPU time is
reported per submission (mean, median, p99) with the ratio. Cases: right answers (the common
path: nothing to carry), a wrong whole part with a wrong step carried (the tutorial's
dy/dx = 44 into dz/dx = 220), the same on the two-input tutorial (four steps), and a wrong
tensor δ carried into dW.

    python bench/follow_through.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.engine import grade, load_exercise_file  # noqa: E402
from grader.engine.check import grade as check_only  # noqa: E402

y, b = 215.0, 300.0
FOLLOWED_TWO = (2 * y - 1 / (b * y * y)) * 44 + (-1 / (b * b * y)) * 30

CASES = [
    ("tutorial-chain", "right answers", {"dz-at-10": "200", "dz-formula": "20x"}),
    ("tutorial-chain", "wrong step carried", {"dz-at-10": "220", "dz-at-10.1": "44"}),
    (
        "tutorial-two-inputs",
        "wrong step carried (4 steps)",
        {"dz-dx": repr(FOLLOWED_TWO), "dz-dx.1": "44", "dz-dx.2": "30"},
    ),
    (
        "linear-layer-mse",
        "wrong tensor δ carried into dW",
        {"dL-dW": "outer(2(y - t), x)", "dL-dW.1": "2(y - t)"},
    ),
]


def cpu_us(fn, *args) -> float:
    start = time.thread_time()
    fn(*args)
    return (time.thread_time() - start) * 1e6


def summary(xs: list[float]) -> str:
    xs = sorted(xs)
    p99 = xs[min(len(xs) - 1, int(0.99 * len(xs)))]
    return f"mean {statistics.fmean(xs):8.0f}  median {statistics.median(xs):8.0f}  p99 {p99:8.0f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    print("CPU µs per submission, check.grade (baseline) beside grade (with #26's pass)\n")
    for slug, label, answers in CASES:
        ex = load_exercise_file(ROOT / "exercises" / f"{slug}.yaml")
        grade(ex, answers, seed=0)  # warm: instance, steps, step references
        base, full = [], []
        for _ in range(args.repeat):
            base.append(cpu_us(check_only, ex, answers, 0))
            full.append(cpu_us(grade, ex, answers, 0))
        ratio = statistics.median(full) / statistics.median(base)
        print(f"{slug}: {label}")
        print(f"  baseline     {summary(base)}")
        print(f"  with steps   {summary(full)}   median ratio {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
