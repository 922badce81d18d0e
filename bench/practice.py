"""Practice: the cost of choosing a student's next item and generating it (scheduler +
template draw + the item's checks), beside a baseline measured in the same run.

The baseline is what serving a hand-written library exercise to a new student costs: loading
its YAML (parsing, validation without the multi-seed sampling) and building the student's
instance (sampling the points), for the exercises of the same skills. A generated item does
that too and more: it draws the function, builds the exercise, grades the right answer and
the classic mistake (with the diagnosis) before it is served.

    python bench/practice.py [--items 300] [--seed 1]

Prints per path: mean, median and p99 in milliseconds (wall time, one core), the ratio to the
baseline, then the median per template.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.engine import load_exercise  # noqa: E402
from grader.engine.generate import builtin_templates, generate  # noqa: E402
from grader.engine.mastery import Observation, SkillState  # noqa: E402
from grader.engine.scheduler import Event, Progress, choose_next  # noqa: E402
from grader.engine.skills import skill_map  # noqa: E402

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def figures(ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.fmean(ms), statistics.median(ms), p99


def a_student(rng: random.Random) -> tuple[dict[str, Progress], list[Event]]:
    """A student part-way through: some evidence in most skills, recent mixed observations
    with a misconception or two."""
    progress, recent = {}, []
    skills = skill_map().ids()
    for s in skills:
        if rng.random() < 0.8:
            progress[s] = Progress(
                SkillState(rng.random(), rng.randint(1, 12)),
                NOW - timedelta(days=rng.randint(0, 9)),
            )
    for _ in range(20):
        obs = rng.choice([Observation.CORRECT] * 3 + [Observation.WRONG, Observation.MISCONCEPTION])
        recent.append(
            Event(
                rng.choice(skills), obs, NOW, "chain" if obs is Observation.MISCONCEPTION else None
            )
        )
    return progress, recent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(1)  # one core, as a grading worker runs
    rng = random.Random(args.seed)
    templates = builtin_templates()
    by_skill: dict[str, list[str]] = {}
    for t in templates.values():
        for s in t.skills:
            by_skill.setdefault(s, []).append(t.id)
    scope = [s for s in skill_map().ids() if s in by_skill]
    library = {
        p.stem: p.read_text()
        for p in sorted((ROOT / "exercises").glob("*.yaml"))
        if "kind: code" not in p.read_text()
    }
    generate(templates["chain-rule"], 0)  # warm: imports, torch's first operations
    load_exercise(next(iter(library.values())), validated=True).instance(0)

    choose_ms, item_ms, base_ms = [], [], []
    per_template: dict[str, list[float]] = {}
    texts = list(library.values())
    last = None
    for i in range(args.items):
        progress, recent = a_student(rng)
        t0 = time.perf_counter()
        choice = choose_next(scope, progress, recent, by_skill, NOW, random.Random(i), last=last)
        t1 = time.perf_counter()
        generate(templates[choice.template], choice.seed)
        t2 = time.perf_counter()
        last = (choice.template, choice.seed)
        choose_ms.append((t1 - t0) * 1000)
        item_ms.append((t2 - t0) * 1000)
        per_template.setdefault(choice.template, []).append((t2 - t1) * 1000)
        text = texts[i % len(texts)]
        t3 = time.perf_counter()
        load_exercise(text, validated=True).instance(rng.randrange(2**31))
        base_ms.append((time.perf_counter() - t3) * 1000)
    # every template at least a few times, whatever the scheduler chose
    for tid, template in templates.items():
        for k in range(5):
            t0 = time.perf_counter()
            generate(template, 10_000 + k)
            per_template.setdefault(tid, []).append((time.perf_counter() - t0) * 1000)

    base = figures(base_ms)
    print(f"practice: {args.items} next items (scheduler + generation + checks), one core")
    print(f"{'path':52} {'mean':>8} {'median':>8} {'p99':>8} {'median ratio':>13}")
    rows = [
        ("baseline: a library exercise served (load + instance)", base),
        ("scheduler: choose the next skill and template", figures(choose_ms)),
        ("next item: choose + generate + check", figures(item_ms)),
    ]
    for name, (mean, median, p99) in rows:
        ratio = median / base[1] if base[1] else float("nan")
        print(f"{name:52} {mean:8.2f} {median:8.2f} {p99:8.2f} {ratio:12.2f}x")
    print("\nmedian ms per template (generation + checks):")
    for tid in sorted(per_template, key=lambda t: statistics.median(per_template[t])):
        print(
            f"  {tid:24} {statistics.median(per_template[tid]):7.2f}  ({len(per_template[tid])} draws)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
