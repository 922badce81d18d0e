"""Engine commands of ``python -m grader``: validate, check and demo (no service needed).

The engine (and with it torch) is imported when one of these commands runs, not before.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.cli import EXIT_FAIL, EXIT_OK, UsageError

if TYPE_CHECKING:
    from grader.engine import Grade, Problem


def register(sub: Any) -> None:
    """Add validate, check and demo to the `python -m grader` parser."""
    p = sub.add_parser("validate", help="validate exercise files or folders and run their tests")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("check", help="grade answers to one exercise")
    p.add_argument("file", metavar="FILE.yaml")
    p.add_argument("--seed", type=int, default=0, help="the student's seed (params, points)")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--answer",
        action="append",
        metavar="PART=TEXT",
        help="an answer (repeatable); a gradient is comma-separated or a JSON list; "
        "a code part's file as PART=@FILE.py",
    )
    group.add_argument("--answers", metavar="FILE.jsonl", help='one {"answers": {...}} per line')
    p.add_argument("--json", action="store_true", help="print JSON results")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "generate", help="draw an exercise from a template and print it as exercise YAML"
    )
    p.add_argument(
        "template", nargs="?", metavar="TEMPLATE", help="a built-in template's id or a file"
    )
    p.add_argument("--seed", type=int, default=0, help="the draw (the same seed, the same item)")
    p.add_argument("--list", action="store_true", help="list the built-in templates instead")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("demo", help="validate exercises/ and grade a few sample answers")
    p.add_argument("folder", nargs="?", default="exercises")
    p.set_defaults(func=cmd_demo)


def exercise_files(paths: list[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.exists():
            yield path
        else:
            raise UsageError(f"{raw}: no such file or folder")


def validate_file(path: Path) -> list[Problem]:
    from grader.engine import ExerciseInvalid, Problem, load_exercise_file, run_self_tests

    try:
        exercise = load_exercise_file(path)
    except ExerciseInvalid as exc:
        return exc.problems
    problems = run_self_tests(exercise)
    if exercise.id != path.stem:
        problems.append(
            Problem("id", f"the id '{exercise.id}' differs from the file name", None, str(path))
        )
    return problems


def cmd_generate(args: argparse.Namespace) -> int:
    """Print the template's exercise for the seed (YAML an instructor can keep)."""
    from grader.engine.generate import (
        MAX_SEED,
        GenerationFailed,
        TemplateInvalid,
        builtin_templates,
        find_template,
        generate,
    )

    if args.list:
        for t in builtin_templates().values():
            print(f"{t.id:24} {', '.join(t.skills):28} {t.title}")
        return EXIT_OK
    if args.template is None:
        raise UsageError("name a template (python -m grader generate --list shows them)")
    if not 0 <= args.seed <= MAX_SEED:
        raise UsageError(f"--seed must be between 0 and {MAX_SEED}")
    try:
        template = find_template(args.template)
    except TemplateInvalid as exc:
        raise UsageError("\n".join(str(p) for p in exc.problems)) from None
    try:
        item = generate(template, args.seed)
    except GenerationFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    sys.stdout.write(item.text)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    files = list(exercise_files(args.paths))
    if not files:
        raise UsageError("no .yaml files found")
    failed = 0
    for path in files:
        problems = validate_file(path)
        for problem in problems:
            print(problem)
        failed += bool(problems)
    print(f"{len(files) - failed} of {len(files)} exercises valid", file=sys.stderr)
    return EXIT_OK if not failed else EXIT_FAIL


def parse_answer_arg(
    text: str, single: frozenset[str] = frozenset()
) -> tuple[str, str | list[str]]:
    """``PART=TEXT``; a JSON list is one text per box of a gradient, but the nested list of a
    part with one box (``single``: a vector or matrix answer) is that box's text."""
    part, sep, value = text.partition("=")
    if not sep or not part:
        raise UsageError(f"--answer {text!r}: write PART=TEXT")
    value = value.strip()
    if value.startswith("[") and part.strip() not in single:
        try:
            loaded = json.loads(value)
        except json.JSONDecodeError:
            loaded = None
        if isinstance(loaded, list) and all(isinstance(a, str | int | float) for a in loaded):
            return part.strip(), [str(a) for a in loaded]
    return part.strip(), value


def answer_sets(args: argparse.Namespace, exercise=None) -> Iterator[dict | str]:
    """Each answer set to grade; a string is an input line that is not a valid set."""
    if args.answer:
        parts = exercise.parts if exercise is not None else []
        code = frozenset(p.id for p in parts if p.kind == "code")
        single = code | frozenset(p.id for p in parts if len(p.components) == 1 and p.is_tensor)
        given = dict(parse_answer_arg(a, single) for a in args.answer)
        for part_id in code & set(given):  # PART=@file.py: the code from a file
            text = given[part_id]
            if isinstance(text, str) and text.startswith("@"):
                try:
                    given[part_id] = Path(text[1:]).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise UsageError(f"{text[1:]}: cannot read the code ({exc})") from None
        yield given
        return
    try:
        handle = sys.stdin if args.answers == "-" else open(args.answers, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{args.answers}: {exc.strerror}") from None
    with handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"line {n}: not JSON ({exc.msg})"
                continue
            answers = data.get("answers") if isinstance(data, dict) else None
            if not isinstance(answers, dict):
                yield f'line {n}: expected {{"answers": {{...}}}}'
                continue
            yield answers


def cmd_check(args: argparse.Namespace) -> int:
    from grader.engine import ExerciseInvalid, grade, load_exercise_file
    from grader.engine.code_check import CodeUnavailable
    from grader.engine.steps import part_steps

    try:
        exercise = load_exercise_file(args.file)
    except ExerciseInvalid as exc:
        raise UsageError("the exercise is not valid:\n" + str(exc)) from None
    # a step's answer is given as PART.N=TEXT (the steps of docs/engine.md, "Steps")
    steps = {s.id for found in part_steps(exercise).values() for s in found}
    known = {p.id for p in exercise.parts} | steps
    progress = (not args.json) and args.answers and sys.stderr.isatty()
    for n, answers in enumerate(answer_sets(args, exercise), 1):
        if isinstance(answers, str):
            print(json.dumps({"error": answers}) if args.json else answers)
            continue
        unknown = sorted(set(answers) - known)
        if unknown and args.answer:
            parts = ", ".join(p.id for p in exercise.parts)
            raise UsageError(f"unknown part {unknown[0]!r} (parts: {parts}; steps: PART.N)")
        try:
            result = grade(exercise, answers, seed=args.seed)
        except CodeUnavailable as exc:
            raise UsageError(str(exc)) from None
        if args.json:
            print(json.dumps(result.to_dict(plain=True)))
        else:
            print(format_table(result))
        if progress and n % 50 == 0:
            print(f"\r{n} graded", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return EXIT_OK


def format_table(result: Grade) -> str:
    from grader.engine.messages import render

    rows = [("part", "verdict", "score", "feedback")]
    for pid, r in result.parts.items():
        verdict = "error" if r.error else ("correct" if r.correct else "wrong")
        if r.follow_through:  # right given an earlier wrong answer (#26)
            verdict = "followed"
        text = r.error or r.plain  # plain text: no $...$ on a terminal
        if r.expected_text and not r.error:
            text = f"{text} {r.expected_text}"
        if r.diagnosis:
            text = f"[{r.diagnosis}] {text}"
        if r.penalty:
            text = f"{text} (help taken: -{r.penalty:.0%})"
        rows.append((pid, verdict, f"{r.score:g}/{r.max_score:g}", text))
        for sid, s in (r.steps or {}).items():
            mark = "correct" if s.correct else ("error" if s.error else "wrong")
            rows.append((f"  {sid}", mark, "", s.error or s.plain))
        for note in r.steps_note:
            rows.append(("", "", "", render(note, "plain")))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for row in rows:
        head = "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True))
        pad = "\n" + " " * (sum(widths) + 6)
        lines.append(f"{head}  {row[3].replace(chr(10), pad)}")
    lines.append(f"total: {result.score:g} / {result.max_score:g}")
    return "\n".join(lines)


def cmd_demo(args: argparse.Namespace) -> int:
    from grader.engine import ExerciseInvalid, grade, load_exercise_file

    status = cmd_validate(argparse.Namespace(paths=[args.folder]))
    print()
    for path in exercise_files([args.folder]):
        if not path.stem.startswith("tutorial-"):
            continue
        try:
            exercise = load_exercise_file(path)
        except ExerciseInvalid:
            continue
        # The first answer each part's own tests accept, as a student would type it.
        answers = {
            p.id: p.spec.tests.accept[0]
            for p in exercise.parts
            if p.spec.tests and p.spec.tests.accept
        }
        print(f"== {exercise.title} ({path})")
        print("answers: " + ", ".join(f"{k} = {v}" for k, v in answers.items()))
        print(format_table(grade(exercise, answers, seed=0)))
        print()
    return status
