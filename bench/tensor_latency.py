"""Per-check cost of tensor exercises beside scalar ones, in one run, on one core.

Tensor cases: the three-layer network (exercises/three-layer-network.yaml): its value part
(a 2×3 matrix of numbers) and its formula part (dL/dW1 checked at 128 random tensor samples),
each with a right answer and a wrong one (a wrong one is diagnosed). Scalar baseline, same
run: the tutorial's two-input chain and the sigmoid neuron, value and formula parts. Every
check is timed whole (parse cache cleared: parse, shape check, evaluation, comparison,
diagnosis) with the per-seed caches warm, as a worker runs; wall time and the thread's CPU
time. Then batches of 64 submissions of one exercise are graded in one ``grade_batch`` call
beside 64 ``grade`` calls, for the tensor exercise and a scalar one.

    python bench/tensor_latency.py [--checks 400] [--batches 10]
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

from grader.engine import grade, grade_batch, load_exercise_file  # noqa: E402
from grader.engine.check import check_part, parse_cached  # noqa: E402


def exercise(stem: str):
    return load_exercise_file(ROOT / "exercises" / f"{stem}.yaml")


NET = exercise("three-layer-network")
TWO = exercise("tutorial-two-inputs")
NEURON = exercise("sigmoid-neuron")
DW1 = "outer((W2^T @ ((y - t) w3 step(a2))) (1 - h1^2), x)"
S = "sigmoid(w x + b)"
CASES = {
    "tensor value, right": (NET, "dL-dW1-at", "[[0, 0, 2], [0, 0, 2]]"),
    "tensor value, wrong": (NET, "dL-dW1-at", "[[0, 0, 2], [0, 0, 3]]"),
    "tensor formula, right": (NET, "dL-dW1", DW1),
    "tensor formula, wrong": (NET, "dL-dW1", "outer(W2^T @ ((y - t) w3 step(a2)), x)"),
    "scalar value, right": (TWO, "dz-dx", "17200"),
    "scalar value, wrong": (TWO, "dz-dx", "17000"),
    "scalar formula, right": (
        NEURON,
        "grad",
        [f"{S}(1 - {S}) x", f"{S}(1 - {S})", f"{S}(1 - {S}) w"],
    ),
    "scalar formula, wrong": (NEURON, "grad", [f"{S} x", f"{S}", f"{S} w"]),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_checks(ex, part_id: str, text: str, n: int) -> tuple[list[float], list[float]]:
    inst = ex.instance(0)
    part = ex.part(part_id)
    answer = text
    check_part(inst, part, answer)  # warm: references and diagnosis candidates
    wall, cpu = [], []
    for _ in range(n):
        parse_cached.cache_clear()
        c0, t0 = time.thread_time(), time.perf_counter()
        check_part(inst, part, answer)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    return wall, cpu


def time_batches(ex, answers: dict, rounds: int) -> tuple[float, float]:
    """(median ms of one grade_batch of 64 seeds, median ms of 64 grade calls)."""
    items = [(answers, seed) for seed in range(64)]
    grade_batch(ex, items)  # warm: 64 instances
    batch, single = [], []
    for _ in range(rounds):
        parse_cached.cache_clear()
        t0 = time.perf_counter()
        grade_batch(ex, items)
        batch.append(time.perf_counter() - t0)
        parse_cached.cache_clear()
        t0 = time.perf_counter()
        for answers_, seed in items:
            grade(ex, answers_, seed=seed)
        single.append(time.perf_counter() - t0)
    return statistics.median(batch) * 1e3, statistics.median(single) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--checks", type=int, default=400)
    ap.add_argument("--batches", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(1)
    us = 1e6
    medians = {}
    print(f"per check, {args.checks} checks each (wall time; CPU time of the thread)")
    for name, (ex, part_id, text) in CASES.items():
        wall, cpu = time_checks(ex, part_id, text, args.checks)
        medians[name] = statistics.median(cpu)
        print(
            f"  {name:24} median {statistics.median(wall) * us:6.0f} us  "
            f"mean {statistics.mean(wall) * us:6.0f} us  p99 {percentile(wall, 0.99) * us:6.0f} us"
            f"  | CPU median {statistics.median(cpu) * us:6.0f} us  "
            f"p99 {percentile(cpu, 0.99) * us:6.0f} us"
        )
    for kind in ("value", "formula"):
        for verdict in ("right", "wrong"):
            t, s = medians[f"tensor {kind}, {verdict}"], medians[f"scalar {kind}, {verdict}"]
            print(f"ratio tensor/scalar {kind} {verdict} (CPU medians): {t / s:.1f}x")
    print(f"batches of 64 submissions, median of {args.batches}")
    for label, ex, answers in (
        (
            "tensor (three-layer, value+formula)",
            NET,
            {"dL-dW1-at": CASES["tensor value, wrong"][2], "dL-dW1": DW1},
        ),
        (
            "scalar (sigmoid neuron, value+formula)",
            NEURON,
            {"grad-at-point": ["-0.25", "0.25", "0.4"], "grad": CASES["scalar formula, right"][2]},
        ),
    ):
        batch, single = time_batches(ex, answers, args.batches)
        print(
            f"  {label:36} grade_batch {batch:7.1f} ms  64 x grade {single:7.1f} ms  "
            f"({single / batch:.1f}x; {batch / 64 * 1000:.0f} us per submission)"
        )


if __name__ == "__main__":
    main()
