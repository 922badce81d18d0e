"""Grading a code part: generated inputs, the student's function run in the sandbox, each
output compared with torch autograd over the define chain, and the bug named.

The truth is the exercise's ``define`` chain: for each check the chain is evaluated in float64
on the generated inputs, and ``d of / d wrt`` comes from autograd (with the upstream gradient
``dout`` as the vector of a vector-Jacobian product when ``of`` is not a number). The bugs are
named the same way: autograd's gradients of the known wrong computations (an activation
whose derivative is left out or taken at its output, the upstream gradient ignored), and
simple transforms of the truth (transposed, per example instead of summed over the batch,
summed over the wrong axis, N times too large or too small, the sign flipped).

No instructor or student Python runs here: student code goes to ``grader.sandbox``; the
instructor's forward computation is the define chain.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch

from . import code_spec
from .autograd import apply_function, evaluate, local_derivative
from .exercise import Exercise, Part
from .expr import Call
from .instance import draw_params, stable_seed
from .messages import Label, Message, Number, Words, message, render
from .render import to_text
from .schema import CodeSpec

DTYPE = torch.float64
UPSTREAM_RANGE = (-1.0, 1.0)
DERIVATIVE_HINTS = {  # f'(u) in code, for the advice
    "relu": "({u} > 0)",
    "sigmoid": "sigmoid({u}) * (1 - sigmoid({u}))",
    "tanh": "1 - tanh({u})**2",
    "exp": "exp({u})",
    "sin": "cos({u})",
    "cos": "-sin({u})",
    "log": "1 / {u}",
}


def _num(value: float) -> Words:
    """A count, a size, a line or a limit: words (not math), as the code would print it."""
    return Words(f"{value:g}")


class CodeUnavailable(RuntimeError):
    """Code answers cannot be checked on this machine (the sandbox cannot start)."""


@dataclass(frozen=True)
class Case:
    """One check's inputs: every argument of the function, and every param (the student's
    drawn value, passed to the function where ``args`` names it), by name."""

    batch: int | None
    values: dict[str, np.ndarray]

    def shapes(self, args: Sequence[str]) -> dict[str, list[int]]:
        return {a: list(self.values[a].shape) for a in args}


@dataclass
class Verdict:
    """The outcome of one output on one check."""

    correct: bool
    max_error: float | None
    shape: list[int] | None


@dataclass
class CodeResult:
    """Everything a code part's grading found (rendered by ``check.py`` as a PartResult):
    the feedback as structured messages (codes and arguments, worded in any language)."""

    outputs_correct: list[bool]
    messages: list[Message]
    diagnosis: str | None = None
    error: str | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""

    @property
    def feedback(self) -> str:
        """The feedback in English Markdown."""
        return render(self.messages, "markdown")


# ---------------------------------------------------------------------------- inputs


def code_of(part: Part) -> CodeSpec:
    assert part.spec.code is not None
    return part.spec.code


def variant(exercise: Exercise, size: int | None) -> Exercise:
    """The exercise with its batch dimension at ``size`` (see ``Exercise.variant``)."""
    return exercise.variant(size)


def cases(exercise: Exercise, part: Part, seed: int) -> list[Case]:
    """The K checks' inputs for this student: batch sizes in turn (1 included where the
    exercise lists it), values drawn in each variable's range, the last check at the edges
    (``edges:`` values, else the range's ends and 0: ReLU at 0, saturated sigmoids)."""
    code = code_of(part)
    batch = code_spec.batch_of(exercise.generic_spec)
    sizes: list[int | None] = list(batch[1]) if batch else [None]
    rng = np.random.default_rng(stable_seed("code", exercise.id, part.id, seed))
    params = {k: np.asarray(v, dtype=np.float64) for k, v in draw_params(exercise, seed).items()}
    out = []
    for j in range(code.checks):
        size = sizes[j % len(sizes)]
        ex = variant(exercise, size)
        edge = code.checks > 1 and j == code.checks - 1
        values: dict[str, np.ndarray] = dict(params)
        for name in code.args:
            if name in params:
                continue
            if name == code.upstream:
                shape = ex.shapes.get(part.of, ())
                values[name] = rng.uniform(*UPSTREAM_RANGE, size=shape)
                continue
            lo, hi = ex.ranges[name]
            shape = ex.shapes.get(name, ())
            if name in code.integers:  # class labels: whole numbers in the range
                values[name] = rng.integers(math.ceil(lo), math.floor(hi) + 1, size=shape)
            elif edge:
                pool = np.array(code.edges.get(name) or [lo, 0.0, hi], dtype=np.float64)
                values[name] = rng.choice(pool, size=shape)
            else:
                values[name] = rng.uniform(lo, hi, size=shape)
        out.append(Case(size, values))
    return out


# ---------------------------------------------------------------------------- the truth


Mode = tuple[str, str] | None  # (define name, "missing" | "at_output"), or the true chain


def _chain(ex: Exercise, leaves: Mapping[str, torch.Tensor], mode: Mode) -> dict[str, Any]:
    """The define chain, with one activation's derivative changed when ``mode`` says so."""
    out: dict[str, Any] = dict(leaves)
    for name, node in ex.defines:
        if mode is not None and name == mode[0] and isinstance(node, Call):
            arg = torch.as_tensor(evaluate(node.arg, out), dtype=DTYPE)
            value = torch.as_tensor(apply_function(node.fn, arg), dtype=DTYPE)
            if mode[1] == "missing":
                out[name] = value.detach() + (arg - arg.detach())
            else:  # the derivative taken at the output: f'(f(u)) instead of f'(u)
                slope = local_derivative(partial(apply_function, node.fn), value)
                out[name] = value.detach() + slope * (arg - arg.detach())
            continue
        out[name] = evaluate(node, out)
    return out


def _leaves(ex: Exercise, case: Case) -> dict[str, torch.Tensor]:
    """Each variable as a one-point tensor (the engine's leading point dimension)."""
    out = {}
    for name in ex.spec.variables:
        value = case.values.get(name)
        if value is None:  # a variable the function does not receive: mid-range
            lo, hi = ex.ranges[name]
            value = np.full(ex.shapes.get(name, ()), (lo + hi) / 2)
        t = torch.tensor(np.asarray(value, dtype=np.float64), dtype=DTYPE).reshape(
            1, *np.shape(value)
        )
        out[name] = t.requires_grad_(True)
    for name in ex.spec.params:  # constants of this student's draw, the same at every point
        value = np.asarray(case.values[name], dtype=np.float64)
        out[name] = torch.tensor(value, dtype=DTYPE).reshape(1, *value.shape)
    return out


def gradients(
    ex: Exercise, part: Part, case: Case, mode: Mode = None, upstream_ones: bool = False
) -> list[np.ndarray]:
    """d of / d wrt for each wrt, by autograd (a vector-Jacobian product with the upstream
    gradient when ``of`` is a tensor)."""
    code = code_of(part)
    leaves = _leaves(ex, case)
    value = _chain(ex, leaves, mode)[part.of]
    loss = _weighted(value, case, code, upstream_ones)
    return _grad(loss, [leaves[w] for w in part.wrt])


def _weighted(value: Any, case: Case, code: CodeSpec, ones: bool) -> torch.Tensor:
    value = torch.as_tensor(value, dtype=DTYPE)
    if code.upstream is None:
        return value.sum()
    up = torch.tensor(case.values[code.upstream], dtype=DTYPE)
    if ones:
        up = torch.ones_like(up)
    return (value.reshape(up.shape) * up).sum()


def _grad(loss: torch.Tensor, leaves: list[torch.Tensor]) -> list[np.ndarray]:
    if not loss.requires_grad:
        return [np.zeros(tuple(leaf.shape[1:])) for leaf in leaves]
    grads = torch.autograd.grad(loss, leaves, allow_unused=True, retain_graph=True)
    return [
        np.zeros(tuple(leaf.shape[1:])) if g is None else g[0].detach().numpy().copy()
        for g, leaf in zip(grads, leaves, strict=True)
    ]


def per_example(
    exercise: Exercise, part: Part, case: Case, truth: list[np.ndarray], batched: set[str]
) -> list[np.ndarray | None]:
    """For each wrt shared by the batch: its gradient from each example alone, stacked (what
    a student who forgot to sum over the batch returns); None elsewhere.

    Each example is run as a batch of one. Their gradients add up to the truth when ``of``
    sums over the batch, or to N times it when ``of`` averages (then each is divided by N);
    when neither holds, ``of`` does not split by example and nothing is returned."""
    code = code_of(part)
    shared = [k for k, w in enumerate(part.wrt) if w not in batched]
    n = case.batch
    if n is None or not shared:
        return [None] * len(part.wrt)
    one = variant(exercise, 1)
    split = set(batched)
    if code.upstream is not None and case.values[code.upstream].shape[:1] == (n,):
        split.add(code.upstream)
    rows = []
    for i in range(n):
        values = {a: (v[i : i + 1] if a in split else v) for a, v in case.values.items()}
        rows.append(gradients(one, part, Case(1, values)))
    out: list[np.ndarray | None] = [None] * len(part.wrt)
    for scale in (1.0, 1.0 / n):
        stacked = {k: np.stack([r[k] for r in rows]) * scale for k in shared}
        if all(matches(stacked[k].sum(axis=0), truth[k], part) for k in shared):
            for k in shared:
                out[k] = stacked[k]
            return out
    return out


# ---------------------------------------------------------------------------- comparing


def close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Entrywise agreement (NaN never agrees)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(got - want) <= atol + rtol * np.abs(want)


def matches(got: np.ndarray, want: np.ndarray | None, part: Part) -> bool:
    return (
        want is not None
        and got.shape == want.shape
        and bool(close(got, want, part.rtol, part.atol).all())
    )


def max_error(got: np.ndarray, want: np.ndarray) -> float | None:
    if got.shape != want.shape:
        return None
    if got.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        err = float(np.max(np.abs(got - want)))
    return err if np.isfinite(err) else None


@dataclass(frozen=True)
class Named:
    """A bug that explains one output, with what to change (``code.bug.<bug>``)."""

    bug: str
    advice: Message


def shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def name_bugs(
    ex: Exercise,
    part: Part,
    case: Case,
    k: int,
    got: np.ndarray,
    truth: list[np.ndarray],
    extra: Callable[[Any], Any],
) -> Iterator[Named]:
    """The known mistakes that turn the right gradients into what the student returned, most
    telling first (a batch of 1 cannot tell some apart: the caller keeps the ones that
    explain every failing check)."""
    code = code_of(part)
    out, wrt, want = code.returns[k], part.wrt[k], truth[k]
    names = {"output": Words(out), "wrt": Words(wrt)}
    shapes = {
        **names,
        "got_shape": Words(shape_text(got.shape)),
        "want_shape": Words(shape_text(want.shape)),
    }
    n = case.batch or 1

    def bug(name: str, **args: Any) -> Named:
        return Named(name, message(f"code.bug.{name}", **args))

    if got.shape != want.shape and got.squeeze().shape == want.squeeze().shape:
        if matches(got.reshape(want.shape), want, part):
            yield bug("extra_dimension", **shapes)
    if want.ndim == 2 and matches(got, want.T, part) and not matches(want.T, want, part):
        if got.shape != want.shape:
            yield Named("transposed", message("code.bug.transposed_shape", **shapes))
        else:
            yield bug("transposed", **names)
    samples = extra("per_example")[k]
    if samples is not None:
        if matches(got, samples, part):
            yield bug("missing_batch_sum", **shapes)
        for axis in range(1, samples.ndim):
            summed = samples.sum(axis=axis)
            if matches(got, summed, part) or matches(got.squeeze(), summed.squeeze(), part):
                yield bug("wrong_axis", **shapes, axis=_num(axis))
    if got.shape != want.shape:
        yield bug("shape", **shapes)
    of = Label(part.of)
    if n > 1:
        if matches(got, want * n, part) and not matches(want * n, want, part):
            yield bug("missing_mean", output=names["output"], n=_num(n), of=of)
        if matches(got, want / n, part) and not matches(want / n, want, part):
            yield bug("extra_mean", output=names["output"], n=_num(n), of=of)
    for define, node in ex.defines:
        if not isinstance(node, Call):
            continue
        arg = to_text(node.arg)
        hint = DERIVATIVE_HINTS.get(node.fn, f"{node.fn}'({{u}})").format(u=arg)
        words = {
            "output": names["output"],
            "fn": Words(node.fn),
            "define": Words(define),
            "call": Words(to_text(node)),
            "arg": Words(arg),
            "hint": Words(hint),
        }
        for mode in ("missing", "at_output"):
            c = extra(("mode", define, mode))[k]
            if matches(got, c, part) and not matches(c, want, part):
                yield bug(f"activation_derivative_{mode}", **words)
    if code.upstream is not None:
        c = extra("upstream_ones")[k]
        if matches(got, c, part) and not matches(c, want, part):
            yield bug(
                "upstream_ignored", output=names["output"], upstream=Words(code.upstream), of=of
            )
    if matches(got, -want, part) and not matches(-want, want, part):
        yield bug("sign", output=names["output"])


def truth_of(
    exercise: Exercise, part: Part, case: Case, batched: set[str]
) -> tuple[list[np.ndarray], Callable[[Any], Any]]:
    """The right gradients, and a cache of the wrong computations' gradients on demand."""
    ex = variant(exercise, case.batch)
    truth = gradients(ex, part, case)
    cache: dict[Any, list] = {}

    def extra(key: Any) -> Any:
        if key not in cache:
            if key == "per_example":
                cache[key] = per_example(exercise, part, case, truth, batched)
            elif key == "upstream_ones":
                cache[key] = gradients(ex, part, case, upstream_ones=True)
            else:
                _, define, mode = key
                cache[key] = gradients(ex, part, case, mode=(define, mode))
        return cache[key]

    return truth, extra


# ---------------------------------------------------------------------------- grading


def describe_case(j: int, total: int, case: Case, args: Sequence[str]) -> Message:
    """ "Check 2 of 5 (batch of 3; inputs dout (3, 2), x (3, 4)):"; numbers by their value."""
    shown = []
    for a in args:
        v = case.values[a]
        shown.append(f"{a} = {float(v):.6g}" if v.ndim == 0 else f"{a} {shape_text(v.shape)}")
    where: dict[str, Any] = {
        "number": _num(j + 1),
        "total": _num(total),
        "inputs": Words(", ".join(shown)),
    }
    if case.batch is None:
        return message("code.check", **where)
    return message("code.check_batch", **where, batch=_num(case.batch))


def one_wrong_entry(name: str, got: np.ndarray, want: np.ndarray, part: Part) -> Message:
    """The worst wrong entry: its index as the code writes it (from 0) and, for people, the
    entry counted from one as the answer grid and matrix feedback count."""
    ok = close(got, want, part.rtol, part.atol)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(ok, -1.0, np.nan_to_num(np.abs(got - want), nan=np.inf))
    index = (
        tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), want.shape))
        if want.ndim
        else ()
    )
    values: dict[str, Words | Number] = {
        "output": Words(name),
        "index": Words("[" + ", ".join(str(i) for i in index) + "]" if index else ""),
        "expected": Number(float(want[index])),
        "got": Number(float(got[index])),
    }
    if len(index) != 2:
        return message("code.wrong_entry", **values)
    return message(
        "code.wrong_entry_at", **values, row=_num(index[0] + 1), column=_num(index[1] + 1)
    )


def startup_s(code: CodeSpec) -> float:
    """What starting a sandbox takes: the interpreter, numpy, and torch when allowed."""
    return 8.0 if "torch" in code.modules else 1.5


def code_time_s(exercise: Exercise) -> float:
    """The most one submission's code parts may take, start-up included."""
    return sum(
        code_of(p).time_limit_s + startup_s(code_of(p)) + 1.0
        for p in exercise.parts
        if p.kind == "code"
    )


def run_cases(exercise: Exercise, part: Part, source: str, seed: int) -> tuple[list[Case], Any]:
    """The part's checks and what the student's code returned on them, from the sandbox."""
    from grader import sandbox

    code = code_of(part)
    all_cases = cases(exercise, part, seed)
    job = sandbox.Job(
        source,
        code.function,
        code.args,
        code.returns,
        [c.values for c in all_cases],
        frozenset(code.modules),
    )
    wall = code.time_limit_s + startup_s(code)
    try:
        ran = sandbox.run(job, sandbox.Limits(wall_s=wall, cpu_s=int(wall) + 1))
    except sandbox.SandboxUnavailable as exc:
        raise CodeUnavailable(f"code answers cannot be checked on this server: {exc}") from exc
    return all_cases, ran


def grade_code(exercise: Exercise, part: Part, source: str, seed: int) -> CodeResult:
    """Run ``source`` on the part's checks in the sandbox and judge every output."""
    all_cases, ran = run_cases(exercise, part, source, seed)
    return judge_run(exercise, part, all_cases, ran)


def _problem_said(problem: dict[str, Any], code: CodeSpec) -> Message:
    """A run's problem as a student reads it: their line and the message, never our frames."""
    kind, reason = problem.get("kind"), problem.get("reason")
    error = Words(str(problem.get("message", "")))
    line, text = problem.get("line"), problem.get("text")
    at = {"line": _num(line), "text": Words(text or "")} if isinstance(line, int) else None
    if kind == "timeout":
        seconds = _num(float(problem.get("seconds") or code.time_limit_s))
        return message(
            "code.cpu_time" if reason == "cpu" else "code.took_too_long", seconds=seconds
        )
    if kind == "output" and reason == "returned":
        return message("code.returned_too_much")
    if kind == "output":
        return message("code.printed_too_much", kilobytes=_num(problem.get("kilobytes") or 64))
    if kind == "crash" and reason == "killed":
        return message("code.out_of_memory")
    if kind == "crash" and reason == "segfault":
        return message("code.crashed")
    if kind == "crash":
        return message("code.stopped", status=_num(problem.get("status") or 0))
    if kind == "missing":
        return message("code.missing_function", function=Words(code.function))
    if kind == "returns" and reason == "count":
        names = Words(", ".join(code.returns))
        got = Words(str(problem.get("got", "")))
        return message("code.returns_count", count=_num(len(code.returns)), names=names, got=got)
    if kind == "returns" and reason == "numbers":
        output = Words(str(problem.get("name", "")))
        return message(
            "code.returns_numbers", output=output, error=Words(str(problem.get("got", "")))
        )
    if kind == "returns":
        return message("code.returns_lost")
    if kind == "syntax":
        return (
            message("code.syntax", error=error, **at)
            if at
            else message("code.syntax_nowhere", error=error)
        )
    return (
        message("code.raised_at", error=error, **at) if at else message("code.raised", error=error)
    )


def _record(case: Case, args: Sequence[str]) -> dict[str, Any]:
    """One check's entry in ``checks``: its batch, its inputs' shapes, what each output did."""
    return {"batch": case.batch, "inputs_shapes": case.shapes(args), "outputs": {}, "error": None}


def judge_run(exercise: Exercise, part: Part, all_cases: list[Case], ran: Any) -> CodeResult:
    """Compare what came back with autograd, check by check and output by output."""
    code = code_of(part)
    batched = code_spec.batched_names(exercise.generic_spec)
    right = [True] * len(code.returns)
    checks: list[dict[str, Any]] = []
    story: list[Message] = []  # the first failing check's story
    first_wrong: list[tuple[int, Message | None]] = []  # (output, its wrong entry) on that check
    named: dict[int, list[Named]] = {}  # per output: bugs that explain every failing check
    diagnosis: str | None = None
    error: str | None = None
    total = len(all_cases)
    for j, case in enumerate(all_cases):
        where = describe_case(j, total, case, code.args)
        record = _record(case, code.args)
        checks.append(record)
        run = ran.checks[j]
        if run is None or run.error is not None:
            problem = _problem_of(run, ran)
            said = [where, _problem_said(problem, code)]
            record["error"] = render(said[1], "plain")  # the check is the record
            right = [False] * len(right)
            for name in code.returns:
                record["outputs"][name] = {"correct": False, "max_error": None, "shape": None}
            if not story:
                story = said
                kind = problem.get("kind")
                diagnosis = "code_error" if kind in ("exception", "returns") else kind
                if kind in ("syntax", "missing"):
                    error = record["error"]
            continue
        ex = variant(exercise, case.batch)
        truth, extra = truth_of(exercise, part, case, batched)
        for k, name in enumerate(code.returns):
            got, want = run.outputs[k], truth[k]
            ok = matches(got, want, part)
            record["outputs"][name] = {
                "correct": ok,
                "max_error": max_error(got, want),
                "shape": list(got.shape),
            }
            if ok:
                continue
            right[k] = False
            found = list(name_bugs(ex, part, case, k, got, truth, extra))
            if k in named:
                codes = {f.bug for f in found}
                named[k] = [f for f in named[k] if f.bug in codes]
            else:
                named[k] = found
            if not story:
                entry = one_wrong_entry(name, got, want, part) if got.shape == want.shape else None
                first_wrong.append((k, entry))
        if first_wrong and not story:
            story = [where]
    for k, entry in first_wrong:
        if entry is not None:
            story.append(entry)
        bugs = named.get(k) or []
        if bugs:
            story.append(bugs[0].advice)
            diagnosis = diagnosis or bugs[0].bug
        else:
            of, wrt = Label(part.of), Words(part.wrt[k])
            story.append(
                message("code.no_bug_found", output=Words(code.returns[k]), of=of, wrt=wrt)
            )
    if all(right):
        said = [message("code.correct", total=_num(total))]
    else:
        said = [
            message("code.output_right", output=Words(name), total=_num(total))
            if ok
            else message("code.output_wrong", output=Words(name))
            for name, ok in zip(code.returns, right, strict=True)
        ] + story
    return CodeResult(right, said, None if all(right) else diagnosis, error, checks, ran.output)


def _problem_of(run: Any, ran: Any) -> dict[str, Any]:
    if run is not None and run.error is not None:
        return run.error
    return ran.problem or {"kind": "crash", "message": "stopped without a result"}


def try_code(exercise: Exercise, part: Part, source: str, seed: int) -> dict[str, Any]:
    """ "Run the checks": the student's code on the checks' inputs, reporting only whether it
    ran and returned the right shapes (never whether the values are right). ``messages`` is
    what ``message`` says, as structured messages."""
    code = code_of(part)
    all_cases, ran = run_cases(exercise, part, source, seed)
    records, problems = [], []
    for j, case in enumerate(all_cases):
        ex = variant(exercise, case.batch)
        where = describe_case(j, len(all_cases), case, code.args)
        record = _record(case, code.args)
        records.append(record)
        run = ran.checks[j]
        if run is None or run.error is not None:
            said = [where, _problem_said(_problem_of(run, ran), code)]
            record["error"] = render(said[1], "plain")  # the check is the record
            problems.append(said)
            continue
        for k, name in enumerate(code.returns):
            want = tuple(ex.shapes.get(part.wrt[k], ()))
            got = tuple(run.outputs[k].shape)
            record["outputs"][name] = {"shape": list(got), "shape_ok": got == want}
            if got != want:
                shapes = {
                    "output": Words(name),
                    "wrt": Words(part.wrt[k]),
                    "got_shape": Words(shape_text(got)),
                    "want_shape": Words(shape_text(want)),
                }
                problems.append([where, message("code.wrong_shape", **shapes)])
    said = problems[0] if problems else [message("code.ran", total=_num(len(all_cases)))]
    return {
        "ok": not problems,
        "message": render(said, "plain"),
        "messages": [m.to_dict() for m in said],
        "checks": records,
        "output": ran.output,
    }


def code_self_tests(exercise: Exercise, part: Part, line_of: Callable[..., Any]) -> list:
    """A code part's ``code.tests``: each accept snippet graded right, each reject snippet
    wrong and, where a bug is given, named as that bug. Seed 0, in the sandbox."""
    from .loading import Problem

    tests = code_of(part).tests
    if tests is None:
        return []
    problems = []
    cases_: list[tuple[tuple[str, int], str, bool, str | None]] = [
        (("accept", j), text, True, None) for j, text in enumerate(tests.accept)
    ]
    cases_ += [(("reject", j), t.code, False, t.bug) for j, t in enumerate(tests.reject)]
    for (key, j), text, expected, bug in cases_:
        where = f"parts[{part.index}].code.tests.{key}[{j}]"
        try:
            got = grade_code(exercise, part, text, 0)
        except CodeUnavailable as exc:
            return [Problem(f"parts[{part.index}]", str(exc), None, exercise.source)]
        correct = all(got.outputs_correct)
        if correct != expected:
            verdict = "accepted" if correct else "rejected"
            problems.append(
                Problem(
                    where,
                    f"was {verdict}: {got.feedback}",
                    line_of(part.index, key, j, "code"),
                    exercise.source,
                )
            )
        elif bug is not None and got.diagnosis != bug:
            problems.append(
                Problem(
                    where,
                    f"was named {got.diagnosis or 'no bug'}, not {bug}: {got.feedback}",
                    line_of(part.index, key, j, "code"),
                    exercise.source,
                )
            )
    return problems
