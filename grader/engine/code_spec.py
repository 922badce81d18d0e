"""Code parts in the exercise file: the batch dimension and the checks a code part's YAML
must pass. Grading lives in ``code_check.py``; this module only reads the spec.

A batch dimension is a name in variables' shapes (``x: {shape: [N, 3]}``) with its sizes in
``batch: {N: [1, 3, 5]}``. The exercise is built with the first size; a code part's checks
rebuild it for each size (``concrete``), so the define chain, autograd and every shape rule
work on plain numbers.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from .schema import IDENT, ExerciseSpec, PartSpec, TensorVariable
from .shapes import Shape, describe

BUGS = (
    "shape",
    "transposed",
    "extra_dimension",
    "missing_batch_sum",
    "wrong_axis",
    "missing_mean",
    "extra_mean",
    "activation_derivative_missing",
    "activation_derivative_at_output",
    "upstream_ignored",
    "sign",
)


def batch_of(spec: ExerciseSpec) -> tuple[str, list[int]] | None:
    if not spec.batch:
        return None
    name, sizes = next(iter(spec.batch.items()))
    return name, list(sizes)


def concrete(spec: ExerciseSpec, size: int) -> ExerciseSpec:
    """``spec`` with the batch dimension's name replaced by ``size`` in every shape."""
    batch = batch_of(spec)
    if batch is None:
        return spec
    name = batch[0]
    variables: dict[str, Any] = {}
    for v, vs in spec.variables.items():
        if isinstance(vs, TensorVariable):
            shape = [size if d == name else d for d in vs.shape]
            vs = vs.model_copy(update={"shape": shape})
        variables[v] = vs
    return spec.model_copy(update={"variables": variables})


def batched_names(spec: ExerciseSpec) -> set[str]:
    """The variables whose first dimension is the batch."""
    batch = batch_of(spec)
    if batch is None:
        return set()
    return {
        v
        for v, vs in spec.variables.items()
        if isinstance(vs, TensorVariable) and vs.shape and vs.shape[0] == batch[0]
    }


def check_batch(spec: ExerciseSpec, add: Callable[[tuple, str], None]) -> None:
    batch = batch_of(spec)
    if batch is None:
        return
    name, sizes = batch
    if not IDENT.match(name):
        add(("batch",), f"'{name}' is not a name for the batch dimension")
    if not sizes:
        add(("batch", name), "give the batch sizes the checks use, such as [1, 3, 5]")
    for v, vs in spec.variables.items():
        if isinstance(vs, TensorVariable) and name in vs.shape[1:]:
            add(("variables", v, "shape"), f"the batch dimension {name} comes first")


def check_code_part(
    spec: ExerciseSpec,
    ps: PartSpec,
    path: tuple,
    shapes: dict[str, Shape],
    add: Callable[[tuple, str], None],
) -> bool:
    """Report what is wrong with a code part (``add(path, message)``); True when valid."""
    code = ps.code
    if code is None:
        add(path, "a code part needs 'code:' (function, args, returns)")
        return False
    ok = True
    cpath = (*path, "code")
    for key in ("tests", "mistakes", "at"):
        if getattr(ps, key):
            add((*path, key), f"a code part takes no '{key}' (its self-tests go in code.tests)")
            ok = False
    allowed = set(spec.variables) | set(spec.params) | ({code.upstream} if code.upstream else set())
    for j, a in enumerate(code.args):
        if a not in allowed:
            add((*cpath, "args", j), f"'{a}' is not a variable, a param or the upstream gradient")
            ok = False
    if len(set(code.args)) != len(code.args):
        add((*cpath, "args"), "each argument is named once")
        ok = False
    if code.upstream is not None:
        if code.upstream in spec.variables or code.upstream in spec.define:
            add((*cpath, "upstream"), f"'{code.upstream}' is already a name of the exercise")
            ok = False
        if code.upstream not in code.args:
            add((*cpath, "upstream"), f"add '{code.upstream}' to args")
            ok = False
    elif ps.of in shapes:
        add(
            (*cpath, "upstream"),
            f"'{ps.of}' is {describe(shapes[ps.of])}: name the upstream gradient "
            "(upstream: dout) that the function receives",
        )
        ok = False
    if len(code.returns) != len(ps.wrt_list):
        add((*cpath, "returns"), f"name one output per variable in wrt ({len(ps.wrt_list)})")
        ok = False
    for j, r in enumerate(code.returns):
        if not IDENT.match(r):
            add((*cpath, "returns", j), f"'{r}' is not a name")
            ok = False
    for v, values in code.edges.items():
        if v not in spec.variables:
            add((*cpath, "edges", v), f"'{v}' is not a variable")
            ok = False
        elif not values or len(values) > 20:
            add((*cpath, "edges", v), "give 1 to 20 values")
            ok = False
    for j, v in enumerate(code.integers):
        if v not in code.args:
            add((*cpath, "integers", j), f"'{v}' is not an argument")
            ok = False
    texts: list[tuple[tuple, str]] = [(("starter",), code.starter)] if code.starter.strip() else []
    if code.tests is not None:
        texts += [(("tests", "accept", j), t) for j, t in enumerate(code.tests.accept)]
        texts += [(("tests", "reject", j, "code"), t.code) for j, t in enumerate(code.tests.reject)]
        for j, t in enumerate(code.tests.reject):
            if t.bug is not None and t.bug not in BUGS:
                add((*cpath, "tests", "reject", j, "bug"), f"unknown bug; one of {', '.join(BUGS)}")
                ok = False
    for where, text in texts:
        problem = syntax_problem(text)
        if problem:
            add((*cpath, *where), problem)
            ok = False
    return ok


def syntax_problem(text: str) -> str | None:
    """Why instructor Python does not parse (it is parsed, never run, on the server)."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError):
        return "the code cannot be read"
    return None
