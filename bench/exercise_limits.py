"""What the largest exercises the validation admits cost to serve: upload, first view, grading.

Builds the worst exercises within the documented limits (docs/engine.md, "Bounds") and times,
on one core, what the service does with them:

- upload: ``load_exercise`` (validation, sampling for every seed tried);
- first view: a process that has not seen the exercise loads it from its YAML and draws one
  student's instance (sample points and every reference derivative);
- submission: one wrong answer to every part, graded and diagnosed (the diagnosis builds its
  candidate derivatives for each answer box), then the same submission again (warm);
- a correct submission, for the baseline (no diagnosis).

Beside each exercise the library's largest shipped exercise is timed the same way, in the same
run, as the baseline (ratio in the last column).

    python bench/exercise_limits.py [--repeat 3] [--only chain|gradient|library]
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
from grader.engine.exercise import (  # noqa: E402
    MAX_DEFINE_NODES,
    MAX_DEFINES,
    MAX_PARTS,
    MAX_VARIABLES,
)


def chain_exercise(defines: int = MAX_DEFINES, parts: int = MAX_PARTS, order: int = 4) -> str:
    """``defines`` chained definitions (the node budget shared out), ``parts`` parts asking
    for the ``order``-th derivative of a late definition."""
    per = MAX_DEFINE_NODES // defines
    lines = ["id: worst-chain", "title: Worst chain", "variables: {x: [0.5, 1.5]}"]
    lines += ["params: {k: {int: [2, 5]}}", "define:"]
    prev = "x"
    for i in range(defines):
        # sin(prev)*x + cos(x*prev)/k ... repeated to about `per` nodes; bounded values
        term = f"sin({prev})*x/k + cos(x*{prev})/(k+1)"
        body = " + ".join([term] * max(1, per // 16))
        lines.append(f"  y{i}: {body}")
        prev = f"y{i}"
    lines.append("parts:")
    for j in range(parts):
        target = f"y{defines - 1 - (j % 5)}"
        wrt = "[" + ", ".join(["x"] * order) + "]"
        lines.append(f"  - {{id: p{j}, kind: expression, of: {target}, wrt: {wrt}}}")
    return "\n".join(lines) + "\n"


def gradient_exercise(variables: int = MAX_VARIABLES, parts: int = MAX_PARTS) -> str:
    """``variables`` variables and ``parts`` gradient parts, each over every variable, of
    chained definitions that use every variable."""
    names = [f"v{i}" for i in range(variables)]
    lines = ["id: worst-gradient", "title: Worst gradient", "variables:"]
    lines += [f"  {v}: [0.5, 1.5]" for v in names]
    lines.append("define:")
    prev = " + ".join(f"{v}^2" for v in names)
    for i in range(MAX_DEFINES // 4):
        inner = " + ".join(f"sin({v}*h{i - 1})" if i else f"sin({v})" for v in names[:8])
        lines.append(f"  h{i}: tanh({prev}) * ({inner})")
        prev = f"h{i}"
    lines.append("parts:")
    grad = "[" + ", ".join(names) + "]"
    for j in range(parts):
        of = f"h{MAX_DEFINES // 4 - 1 - (j % 3)}"
        lines.append(f"  - {{id: g{j}, kind: gradient, of: {of}, wrt: {grad}}}")
    return "\n".join(lines) + "\n"


def library_exercise() -> str:
    paths = sorted((ROOT / "exercises").glob("*.yaml"), key=lambda p: p.stat().st_size)
    return paths[-1].read_text()


def wrong_answers(ex) -> dict:
    out = {}
    for part in ex.parts:
        n = len(part.components)
        out[part.id] = [f"{c + 2}*{list(ex.spec.variables)[0]}" for c in range(n)] if n > 1 else (
            "2" if part.numeric else f"3*{list(ex.spec.variables)[0]}"
        )
    return out


def measure(text: str, repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"upload": [], "first view": [], "wrong": [], "wrong warm": []}
    for r in range(repeat):
        t = time.perf_counter()
        load_exercise(text)
        times["upload"].append(time.perf_counter() - t)
        t = time.perf_counter()
        ex = load_exercise(text)  # a process that has not seen it loads it...
        ex.instance(100 + r).parts  # noqa: B018 -- ...and draws the student's instance
        times["first view"].append(time.perf_counter() - t)
        answers = wrong_answers(ex)
        t = time.perf_counter()
        grade(ex, answers, seed=100 + r)
        times["wrong"].append(time.perf_counter() - t)
        t = time.perf_counter()
        grade(ex, answers, seed=100 + r)
        times["wrong warm"].append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["chain", "gradient", "library"])
    args = ap.parse_args()
    torch.set_num_threads(1)
    cases = {
        "library": library_exercise(),
        "chain": chain_exercise(),
        "gradient": gradient_exercise(),
    }
    if args.only:
        cases = {"library": cases["library"], args.only: cases[args.only]}
    results = {name: measure(text, args.repeat) for name, text in cases.items()}
    base = results["library"]
    print(f"{'exercise':10} {'path':11} {'median s':>9} {'mean s':>8} {'max s':>7} {'x library':>10}")
    for name, times in results.items():
        for path, values in times.items():
            med = statistics.median(values)
            ratio = med / max(statistics.median(base[path]), 1e-9)
            print(
                f"{name:10} {path:11} {med:9.3f} {statistics.mean(values):8.3f} "
                f"{max(values):7.3f} {ratio:10.1f}"
            )


if __name__ == "__main__":
    main()
