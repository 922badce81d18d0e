"""Batched vs unbatched checking cost per device (engine only, warm reference caches).

    python bench/batching.py --devices cpu            # this machine's CPU
    python bench/batching.py --devices cpu,cuda       # GPU against the same machine's CPU

Prints checks/s and microseconds per check for `grade` one at a time and `grade_batch`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from grader.engine import grade, grade_batch, load_exercise_file

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = ROOT / "exercises" / "chain-rule-power.yaml"


def workload(batch: int) -> tuple[object, list[tuple[dict, int]]]:
    """`batch` submissions of one exercise: its test answers, each from a different student."""
    exercise = load_exercise_file(EXERCISE)
    answers = [
        {part.id: a}
        for part in exercise.parts
        for a in [*part.spec.tests.accept, *part.spec.tests.reject]
    ]
    return exercise, [(answers[i % len(answers)], i) for i in range(batch)]


def per_check_us(device: str, batch: int, rounds: int) -> tuple[float, float]:
    """(single, batched) microseconds per check on `device`, caches warm."""
    exercise, items = workload(batch)
    grade_batch(exercise, items, device)  # warm: references per seed are cached
    started = time.perf_counter()
    for _ in range(rounds):
        for answers, seed in items:
            grade(exercise, answers, seed, device)
    single = (time.perf_counter() - started) / (rounds * batch)
    started = time.perf_counter()
    for _ in range(rounds):
        grade_batch(exercise, items, device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    batched = (time.perf_counter() - started) / (rounds * batch)
    return single * 1e6, batched * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", default="cpu")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"batch of {args.batch} submissions of {EXERCISE.name}, {args.rounds} rounds, float64")
    print(f"{'device':<10}{'single us/check':>17}{'batched us/check':>18}{'batched checks/s':>18}")
    for device in args.devices.split(","):
        if device.startswith("cuda") and not torch.cuda.is_available():
            print(f"{device:<10}  skipped: torch sees no GPU on this machine")
            continue
        single, batched = per_check_us(device, args.batch, args.rounds)
        print(f"{device:<10}{single:>17.1f}{batched:>18.1f}{1e6 / batched:>18.0f}")


if __name__ == "__main__":
    main()
