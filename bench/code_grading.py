"""What a code submission costs with the sandbox, beside a formula submission in the same run.

Per-submission cost, one at a time: a correct and a buggy (named) ``linear_backward``
(exercises/code-linear-backward.yaml: 5 checks, batches of 1, 3 and 4) graded whole — a fresh
bubblewrap sandbox, the runner and numpy starting in it, the student's function on every
check, autograd's truth and, for the buggy one, the bug named — beside the floor (a sandbox
that runs a one-line function once) and the baseline: the formula part of the linear-layer
exercise (exercises/linear-layer-mse.yaml) graded in process, and the alternative design of a
sandbox per check (the same five checks, each in a bubblewrap child of its own, results only:
no grading) that the one-sandbox-per-submission design is weighed against (docs/workers.md).
Then throughput: submissions
per second with ``--workers`` threads grading code submissions at once (each sandbox is a
process of its own, so the threads overlap) for ``--seconds``.

    python bench/code_grading.py [--submissions 40] [--workers 2] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import sandbox  # noqa: E402
from grader.engine import grade, load_exercise_file  # noqa: E402
from grader.engine.code_check import cases  # noqa: E402

CODE = load_exercise_file(ROOT / "exercises" / "code-linear-backward.yaml")
FORMULA = load_exercise_file(ROOT / "exercises" / "linear-layer-mse.yaml")
GOOD = """import numpy as np
def linear_backward(dout, x, W, b):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
"""
BUGGY = GOOD.replace("x.T @ dout", "dout.T @ x")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, times: list[float], base: float) -> str:
    ms = [t * 1000 for t in times]
    median = statistics.median(ms)
    return (
        f"{name:<34}{median:>9.1f}{statistics.fmean(ms):>9.1f}{percentile(ms, 0.99):>9.1f}"
        f"{median / base:>12.0f}x"
    )


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def floor_run() -> None:
    job = sandbox.Job("def f(x):\n    return x\n", "f", ["x"], ["y"], [{"x": np.ones(2)}])
    result = sandbox.run(job)
    assert result.problem is None


def per_check_runs() -> None:
    """The five checks of a submission, each in a sandbox of its own."""
    part = CODE.parts[0]
    code = part.spec.code
    assert code is not None
    for case in cases(CODE, part, 1):
        job = sandbox.Job(GOOD, code.function, code.args, code.returns, [case.values])
        assert sandbox.run(job).problem is None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--submissions", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    reason = sandbox.availability()
    if reason is not None:
        raise SystemExit(f"the sandbox cannot run here: {reason}")
    n = args.submissions
    assert grade(CODE, {"backward": GOOD}, seed=1).parts["backward"].correct
    assert grade(CODE, {"backward": BUGGY}, seed=1).parts["backward"].diagnosis == "transposed"
    formula = timed(lambda: grade(FORMULA, {"dL-dW": "outer(y - t, x)"}, seed=1), n * 5)
    base = statistics.median(formula) * 1000
    rows = [
        ("formula part, in process (baseline)", formula),
        ("sandbox floor (start, one call)", timed(floor_run, n)),
        ("code part, correct (5 checks)", timed(lambda: grade(CODE, {"backward": GOOD}, 1), n)),
        ("code part, buggy, bug named", timed(lambda: grade(CODE, {"backward": BUGGY}, 1), n)),
        ("a sandbox per check (5, run only)", timed(per_check_runs, max(2, n // 4))),
    ]
    print(f"cores: {os.cpu_count()}  submissions per row: {n} (baseline {n * 5})")
    print(f"{'per submission':<34}{'median':>9}{'mean':>9}{'p99':>9}{'× baseline':>13}  (ms)")
    for name, times in rows:
        print(line(name, times, base))

    done = [0] * args.workers
    stop = time.monotonic() + args.seconds

    def work(i: int) -> None:
        while time.monotonic() < stop:
            grade(CODE, {"backward": GOOD if done[i] % 2 else BUGGY}, seed=done[i])
            done[i] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    total = sum(done)
    one = 1000 / statistics.median(rows[2][1]) / 1000
    print(
        f"throughput: {total} code submissions in {elapsed:.1f} s with {args.workers} threads = "
        f"{total / elapsed:.2f} submissions/s (one at a time: {one:.2f}/s)"
    )


if __name__ == "__main__":
    main()
