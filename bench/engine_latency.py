"""Per-check latency of the warm engine beside a sympy ``simplify(a - b) == 0`` checker.

Cases: every labelled answer of the shared sample corpus plus every self-test answer of the
exercise library, cycled to at least ``--checks`` checks. The engine is timed per part-check
(parse + evaluate at the sample points + compare, diagnosis when wrong) with the per-seed
caches warm but the parse cache cleared before every check, on one
core (wall time, and the thread's CPU time, which other processes on a busy machine do not
inflate); the sympy checker is timed on the corpus cases in the same run (each with a time limit,
as deployed systems have), so the ratio compares like with like.

Then the command line, as a teacher or a batch job uses it: ``python -m grader check FILE.yaml
--answers FILE.jsonl`` on the corpus answers (right and wrong mixed, so most wrong ones run the
diagnosis), each copy of an answer made distinct by trailing spaces so that no parse comes from
the cache; the run with one line is subtracted (interpreter start, imports, loading and
sampling the exercise; the least of three runs), and the rest (the least of two runs) divided by
the number of part-checks. CPU time is reported beside wall time: on a shared machine the wall
time mostly measures the other processes.

    python bench/engine_latency.py [--checks 2000] [--sympy-cases 178] [--sympy-timeout 5]
                                   [--cli-copies 12] [--baseline DIR [--rounds 3]]

With ``--baseline DIR`` (a checkout of the previous main, e.g. ``git worktree add /tmp/old
main``) the engine's CPU per check in process and through the command line is measured for
that tree and this one alternately, ``--rounds`` times each in fresh processes, and printed
side by side (mean, median, p99, each side's least-loaded round) with the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml

# The tree whose engine is measured: this checkout, or (ENGINE_BENCH_ROOT) another one, such
# as a worktree of the previous main, measured by the same code (see --baseline).
ROOT = Path(os.environ.get("ENGINE_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

from grader.engine import load_exercise, load_exercise_file  # noqa: E402
from grader.engine.check import (  # noqa: E402
    check_part,
    parse_cached,
    split_answer,  # noqa: E402
)
from grader.engine.expr import parse  # noqa: E402
from tests.engine.sympy_oracle import sympy_chain, sympy_derivative, to_sympy  # noqa: E402

# The cases come from this checkout whichever engine is measured, so both sides of a
# comparison check the same answers (exercises with code parts are left out: an older
# engine cannot read them, and their checks run student code, not the engine; the others
# are given to both in the form an older engine reads, see _readable_by_any_engine).
CASES = Path(__file__).resolve().parent.parent
CORPUS = CASES / "tests" / "data" / "sample-corpus"


def corpus_cases():
    for yaml_path in sorted(CORPUS.glob("*.yaml")):
        ex = load_exercise_file(yaml_path)
        jsonl = yaml_path.with_name(yaml_path.stem + ".answers.jsonl")
        for line in jsonl.read_text().splitlines():
            data = json.loads(line)
            for pid, text in data["answers"].items():
                yield ex, ex.part(pid), text, data["expect"][pid]


def _readable_by_any_engine(data):
    """An exercise's YAML as an engine before #27 and #29 reads it too: no ``skills``, and
    the English of each per-language text ({en: ..., zh-CN: ...}). Nothing a check uses."""
    if isinstance(data, dict):
        if "en" in data and all(
            isinstance(k, str) and k[:2].isalpha() and len(k) <= 5 for k in data
        ):
            return data["en"]
        return {k: _readable_by_any_engine(v) for k, v in data.items() if k != "skills"}
    if isinstance(data, list):
        return [_readable_by_any_engine(v) for v in data]
    return data


def library_cases():
    for path in sorted((CASES / "exercises").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "kind: code" in text:
            continue
        data = _readable_by_any_engine(yaml.safe_load(text))
        ex = load_exercise(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        for part in ex.parts:
            if part.spec.tests is None:
                continue
            for key, expected in (("accept", True), ("reject", False)):
                for answer in getattr(part.spec.tests, key):
                    yield ex, part, answer, expected


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---------------------------------------------------------------- sympy baseline (bench only)


class _Timeout(Exception):
    pass


def sympy_check(ex, part, text, timeout: float):
    import sympy

    ref, _ = sympy_derivative(ex, {}, part.of, part.components[0])
    _, env = sympy_chain(ex, {})
    answer = to_sympy(parse(split_answer(text, 1)[0], ex.scope), env)

    def alarm(signum, frame):
        raise _Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return sympy.simplify(answer - ref) == 0
    except _Timeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _run_cli(yaml_path: Path, lines: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``python -m grader check`` over ``lines``."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    cmd = [sys.executable, "-m", "grader", "check", str(yaml_path), "--answers", f.name, "--json"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(f.name)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def cli_per_check(copies: int) -> tuple[float, float, int]:
    """Mean (wall, CPU) seconds per part-check through the command line, startup subtracted."""
    total_wall = total_cpu = 0.0
    checks = 0
    for yaml_path in sorted(CORPUS.glob("*.yaml")):
        jsonl = yaml_path.with_name(yaml_path.stem + ".answers.jsonl")
        records = [json.loads(line) for line in jsonl.read_text().splitlines() if line.strip()]
        lines = []
        for k in range(copies):
            for rec in records:
                answers = {pid: text + " " * k for pid, text in rec["answers"].items()}
                lines.append(json.dumps({"answers": answers}))
        n_checks = sum(len(json.loads(line)["answers"]) for line in lines)
        one_checks = len(json.loads(lines[0])["answers"])
        # the least of a few runs each: a busy machine only ever adds time
        one = [_run_cli(yaml_path, lines[:1]) for _ in range(3)]
        full = [_run_cli(yaml_path, lines) for _ in range(2)]
        wall1, cpu1 = min(w for w, _ in one), min(c for _, c in one)
        wall, cpu = min(w for w, _ in full), min(c for _, c in full)
        total_wall += wall - wall1
        total_cpu += cpu - cpu1
        checks += n_checks - one_checks
    return total_wall / checks, total_cpu / checks, checks


def measure_engine(checks: int) -> dict:
    """CPU seconds per part-check in process (caches warm, parse cache cleared), and the
    number of wrong verdicts."""
    cases = list(corpus_cases()) + list(library_cases())
    for ex, part, text, _ in cases:
        check_part(ex.instance(0), part, text)
    cpu, wrong = [], 0
    for i in range(checks):
        ex, part, text, expected = cases[i % len(cases)]
        inst = ex.instance(0)
        parse_cached.cache_clear()
        c0 = time.thread_time()
        result = check_part(inst, part, text)
        cpu.append(time.thread_time() - c0)
        wrong += result.correct != expected
    return {
        "mean": statistics.mean(cpu),
        "median": statistics.median(cpu),
        "p99": percentile(cpu, 0.99),
        "wrong": wrong,
    }


def side_by_side(baseline: Path, rounds: int, checks: int, copies: int) -> None:
    """This tree beside ``baseline``, measured alternately in fresh processes."""
    here = Path(__file__).resolve()
    trees = {"baseline": baseline.resolve(), "this": here.parent.parent}
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(rounds):
        for name, tree in trees.items():
            env = {**os.environ, "ENGINE_BENCH_ROOT": str(tree), "OMP_NUM_THREADS": "1"}
            cmd = [sys.executable, str(here), "--measure", str(checks), "--cli-copies", str(copies)]
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = {name: min(r, key=lambda m: m["mean"]) for name, r in runs.items()}
    cli = {name: min(m["cli_cpu"] for m in r) for name, r in runs.items()}
    us = 1e6
    print(f"engine CPU per check, least-loaded of {rounds} rounds each ({checks} checks):")
    for name in trees:
        b = best[name]
        print(
            f"  {name:8s} mean={b['mean'] * us:.0f} us  median={b['median'] * us:.0f} us  "
            f"p99={b['p99'] * us:.0f} us  wrong verdicts={b['wrong']}  "
            f"cli check --answers: {cli[name] * us:.0f} us CPU per check"
        )
    old, new = best["baseline"], best["this"]
    print(
        f"  ratio this/baseline: mean {new['mean'] / old['mean']:.2f}  median "
        f"{new['median'] / old['median']:.2f}  p99 {new['p99'] / old['p99']:.2f}  "
        f"cli {cli['this'] / cli['baseline']:.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--checks", type=int, default=2000)
    ap.add_argument("--sympy-cases", type=int, default=178)
    ap.add_argument("--sympy-timeout", type=float, default=5.0)
    ap.add_argument("--cli-copies", type=int, default=12, help="copies of the corpus (0: skip)")
    ap.add_argument("--baseline", type=Path, help="a checkout to measure beside this one")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # one side's figures, JSON
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.measure:
        figures = measure_engine(args.measure)
        figures["cli_cpu"] = cli_per_check(args.cli_copies)[1] if args.cli_copies else 0.0
        print(json.dumps(figures))
        return
    if args.baseline:
        side_by_side(args.baseline, args.rounds, args.checks, args.cli_copies)
        return

    corpus = list(corpus_cases())
    cases = corpus + list(library_cases())
    # warm: instances, references and diagnosis candidates are cached per (exercise, seed)
    for ex, part, text, _ in cases:
        check_part(ex.instance(0), part, text)

    times, cpu_times, wrong, right_times = [], [], 0, []
    i = 0
    while len(times) < args.checks:
        ex, part, text, expected = cases[i % len(cases)]
        inst = ex.instance(0)
        parse_cached.cache_clear()  # time the whole check: no answer is parsed in advance
        c0 = time.thread_time()
        t0 = time.perf_counter()
        result = check_part(inst, part, text)
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.thread_time() - c0)
        if expected:
            right_times.append(times[-1])
        wrong += result.correct != expected
        i += 1

    sym_times, sym_wrong, sym_timeouts = [], 0, 0
    for ex, part, text, expected in corpus[: args.sympy_cases]:
        t0 = time.perf_counter()
        verdict = sympy_check(ex, part, text, args.sympy_timeout)
        sym_times.append(time.perf_counter() - t0)
        if verdict is None:
            sym_timeouts += 1
        sym_wrong += verdict is not expected

    us = 1e6
    eng_median = statistics.median(times)
    sym_median = statistics.median(sym_times)
    eng_mean, sym_mean = statistics.mean(times), statistics.mean(sym_times)
    print(
        f"cases: {len(cases)} distinct ({len(corpus)} corpus, {len(cases) - len(corpus)} library)"
    )
    print(
        f"engine  checks={len(times)}  mean={eng_mean * us:.0f} us  median={eng_median * us:.0f} us"
        f"  p99={percentile(times, 0.99) * us:.0f} us  max={max(times) * 1e3:.2f} ms  "
        f"wrong verdicts={wrong}  (correct answers only: median "
        f"{statistics.median(right_times) * us:.0f} us)"
    )
    print(
        f"engine  CPU time per check (not inflated by other processes): "
        f"mean={statistics.mean(cpu_times) * us:.0f} us  median="
        f"{statistics.median(cpu_times) * us:.0f} us  p99={percentile(cpu_times, 0.99) * us:.0f} us"
        f"  max={max(cpu_times) * 1e3:.2f} ms"
    )
    print(
        f"sympy   checks={len(sym_times)}  mean={sym_mean * 1e3:.2f} ms  "
        f"median={sym_median * 1e3:.2f} ms  p99={percentile(sym_times, 0.99) * 1e3:.1f} ms  "
        f"max={max(sym_times) * 1e3:.0f} ms  wrong verdicts={sym_wrong} "
        f"(timeouts {sym_timeouts} at {args.sympy_timeout:g} s)"
    )
    print(
        f"ratio   sympy / engine: median {sym_median / eng_median:.0f}x, "
        f"mean {sym_mean / eng_mean:.0f}x"
    )
    if args.cli_copies:
        wall, cpu, n = cli_per_check(args.cli_copies)
        shown = f"{wall * us:.0f} us" if wall > 0 else "n/a (the machine is too busy)"
        print(
            f"cli     python -m grader check --answers: {n} part-checks, startup subtracted: "
            f"mean {shown} wall, {cpu * us:.0f} us CPU per check "
            f"(sympy mean / cli CPU mean = {sym_mean / cpu:.0f}x)"
        )


if __name__ == "__main__":
    main()
