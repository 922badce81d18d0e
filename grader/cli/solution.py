"""``python -m grader solution``: the worked solution of one part, drawn from its graph."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from grader.cli import EXIT_OK, UsageError


def register(sub: Any) -> None:
    """Add `solution` to the `python -m grader` parser."""
    p = sub.add_parser(
        "solution",
        help="print a part's worked solution: the computation graph and the chain rule",
    )
    p.add_argument("file", metavar="FILE.yaml")
    p.add_argument("--part", required=True, metavar="P", help="the part's id")
    p.add_argument("--seed", type=int, default=0, help="the student's seed (params, points)")
    p.add_argument(
        "--level",
        choices=("names", "ops"),
        default="names",
        help="names: the define chain; ops: torch's grad_fn operations",
    )
    p.add_argument("--wrt", metavar="VAR", help="one component of a gradient part")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the graph as JSON")
    out.add_argument("--svg", metavar="OUT.svg", help="write the graph as an SVG picture")
    p.set_defaults(func=cmd_solution)


def cmd_solution(args: argparse.Namespace) -> int:
    from grader.engine import ExerciseInvalid, load_exercise_file
    from grader.engine.graph_svg import render_svg
    from grader.engine.solution import format_text, part_solutions

    try:
        exercise = load_exercise_file(args.file)
    except ExerciseInvalid as exc:
        raise UsageError("the exercise is not valid:\n" + str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{args.file}: {exc.strerror}") from None
    try:
        part = exercise.part(args.part)
    except KeyError:
        known = ", ".join(p.id for p in exercise.parts)
        raise UsageError(f"unknown part {args.part!r} (parts: {known})") from None
    sols = part_solutions(exercise.instance(args.seed), part, args.level)
    if not sols:
        raise UsageError(f"part {part.id} is over tensors: worked solutions are for numbers only")
    if args.wrt is not None:
        sols = [s for s in sols if s.wrt == args.wrt]
        if not sols:
            raise UsageError(f"--wrt {args.wrt}: part {part.id} has no such component")
    if args.svg:
        if len(sols) > 1:
            raise UsageError("a gradient part has one graph per component: choose one with --wrt")
        Path(args.svg).write_text(render_svg(sols[0]), encoding="utf-8")
        print(f"wrote {args.svg}")
    elif args.json:
        dicts = [s.to_dict() for s in sols]
        print(json.dumps(dicts[0] if len(dicts) == 1 else dicts, indent=2))
    else:
        print("\n\n".join(format_text(s) for s in sols))
    return EXIT_OK
