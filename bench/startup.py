"""Start-up time of the commands people type most, beside baselines measured in the same run.

Each command runs as a fresh process, `--runs` times, interleaved round by round so that a
burst of load on a shared machine touches every row alike. Rows:

  bare interpreter        python -c pass
  database library        python -c "import sqlalchemy.orm" (what any command that opens
                          the database pays before doing anything)
  torch import            python -c "import torch" (what every command paid when importing
                          the package loaded the engine)
  --help                  python -m grader --help
  users create            python -m grader users create ... (a migrated SQLite database)

Goals (issue 9): `--help` within 0.5 s of the bare interpreter, `users create` within 0.5 s
of the bare interpreter plus the database library.

    python bench/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run of `argv`; a failing command stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
        env["GRADER_INSTANCE_PATH"] = folder
        subprocess.run([py, "-m", "grader", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
        counter = iter(range(10**6))
        rows = {
            "bare interpreter": lambda: [py, "-c", "pass"],
            "database library": lambda: [py, "-c", "import sqlalchemy.orm"],
            "torch import": lambda: [py, "-c", "import torch"],
            "--help": lambda: [py, "-m", "grader", "--help"],
            "users create": lambda: [
                *(py, "-m", "grader", "users", "create", "--role", "student"),
                *("--name", f"user{next(counter)}"),
            ],
        }
        timings: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(args.runs):
            for name, argv in rows.items():
                timings[name].append(timed(argv(), env))
    med = {name: statistics.median(values) for name, values in timings.items()}
    print(f"# {os.cpu_count()} CPUs, {args.runs} runs each, wall time of a fresh process")
    print(f"{'':<20}{'median s':>10}{'mean s':>10}{'p99 s':>10}{'× bare':>9}")
    for name, values in timings.items():
        ratio = med[name] / med["bare interpreter"]
        print(
            f"{name:<20}{med[name]:>10.3f}{statistics.fmean(values):>10.3f}"
            f"{p99(values):>10.3f}{ratio:>9.1f}"
        )
    help_over = med["--help"] - med["bare interpreter"]
    create_over = med["users create"] - med["database library"]  # both start an interpreter
    print(f"--help over the bare interpreter: {help_over:.3f} s (goal: under 0.5 s)")
    print(
        f"users create over bare interpreter + database library: {create_over:.3f} s "
        "(goal: under 0.5 s)"
    )


if __name__ == "__main__":
    main()
