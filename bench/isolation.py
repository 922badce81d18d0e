"""What grading in a child process costs: batches of 64 submissions graded in this process
(the baseline) and through the pool's ChildGrader (a pipe to a forked child), interleaved in
one run so that both see the same machine. Wall time includes waiting for the CPU (on a busy
machine each hand-over between the processes may wait for a time slice); CPU time is what the
work costs: this process's, plus the child's from /proc for the isolated path.

    .venv/bin/python bench/isolation.py [--batches 60] [--size 64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import ANSWERS, pct  # noqa: E402

from grader.engine import load_exercise  # noqa: E402
from grader.services.grading.runner import evaluate  # noqa: E402
from grader.workers.isolation import ChildGrader  # noqa: E402


def cpu_s(pid: int | None = None) -> float:
    """User+system CPU seconds of this process, or of process `pid` (Linux /proc)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def line(name: str, times: list[float], size: int) -> str:
    per = [t / size * 1e6 for t in times]
    return (
        f"{name:<26} {size / statistics.median(times):8.0f} submissions/s  "
        f"per submission: mean {statistics.fmean(per):6.1f} µs  p50 {statistics.median(per):6.1f} µs  "
        f"p99 {pct([p / 1000 for p in per], 99):6.1f} µs"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)  # as the pool does (GRADER_TORCH_THREADS=1), and the child
    source = (ROOT / "exercises" / "tutorial-chain.yaml").read_text()
    exercise = load_exercise(source, source="tutorial-chain")
    pairs = [(ANSWERS[i % len(ANSWERS)], 1000 + i) for i in range(args.size)]
    child = ChildGrader()
    inline: list[float] = []
    isolated: list[float] = []
    cpu = {"inline": 0.0, "isolated": 0.0}
    try:
        child.evaluate("1:t", lambda: (source, "tutorial-chain"), pairs, "cpu", 120)  # warm
        evaluate(exercise, pairs)
        pid = child._process.pid
        for _ in range(args.batches):
            started, used = time.perf_counter(), cpu_s()
            evaluate(exercise, pairs)
            inline.append(time.perf_counter() - started)
            cpu["inline"] += cpu_s() - used
            started, used, used_child = time.perf_counter(), cpu_s(), cpu_s(pid)
            child.evaluate("1:t", lambda: (source, "tutorial-chain"), pairs, "cpu", 120)
            isolated.append(time.perf_counter() - started)
            cpu["isolated"] += cpu_s() - used + cpu_s(pid) - used_child
    finally:
        child.close()
    print(f"# batches of {args.size}, {args.batches} each, interleaved")
    print(line("in this process (baseline)", inline, args.size))
    print(line("in the child process", isolated, args.size))
    ratio = statistics.median(isolated) / statistics.median(inline)
    n = args.batches * args.size
    print(
        f"CPU per submission: in this process {cpu['inline'] / n * 1e6:.0f} µs, "
        f"isolated (both processes) {cpu['isolated'] / n * 1e6:.0f} µs "
        f"({cpu['isolated'] / cpu['inline']:.2f}x); median batch wall time {ratio:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
