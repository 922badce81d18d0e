"""Evaluate an answer with numpy: the fast path of a check, where no gradient is needed.

A student's answer is only evaluated at the instance's points and compared; numpy does one
128-point operation in about a microsecond, torch in several. The meaning is that of
``autograd.evaluate`` (the reference stays torch autograd): constant sub-trees fold in Python
floats through the same functions, ``p/q`` exponents with odd ``q`` are real roots, and
domain errors give ``nan``/``inf`` instead of raising. A tree this evaluator does not know
(node types added for tensors) raises ``Unsupported``, and the caller uses torch instead.
"""

from __future__ import annotations

import math
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping

import numpy as np
import torch

from .floats import fold, real_root
from .functions import FUNCTIONS
from .nodes import BinOp, Call, Expr, Name, Neg, Num, odd_root, terms_of

NpValue = np.ndarray | float


class Unsupported(Exception):
    """A node or value the numpy path does not handle."""


Program = Callable[[Mapping[str, NpValue]], NpValue]

# Compiled expressions by tree (trees are hashable values, so equal answers share one): a
# class types the same few answers, and the diagnosis evaluates the same terms again.
MAX_PROGRAMS = 8192
_programs: OrderedDict[Expr, Program] = OrderedDict()
_lock = threading.Lock()


def compile_np(node: Expr) -> Program:
    """``node`` compiled once into nested numpy closures (constant sub-trees folded to one
    float); raises ``Unsupported`` for a tree numpy does not evaluate. Cached by the tree."""
    program = _programs.get(node)
    if program is None:
        with np.errstate(all="ignore"):
            program = _compile(node)
        with _lock:
            _programs[node] = program
            if len(_programs) > MAX_PROGRAMS:
                _programs.popitem(last=False)
    return program


def evaluate_np(node: Expr, env: Mapping[str, NpValue]) -> NpValue:
    """``node``'s value: a float when it is constant, else an array over the points."""
    program = compile_np(node)
    with np.errstate(all="ignore"):
        return program(env)


def evaluate_terms_np(node: Expr, env: Mapping[str, NpValue]) -> tuple[NpValue, list[NpValue]]:
    """The value of ``node`` and of each of its top-level terms (``terms_of``), in one pass:
    the value is the terms' sum, in the tree's order (exactly ``node``'s value: a - b is
    a + (-b) in floating point too)."""
    with np.errstate(all="ignore"):
        return run_terms(node, env)


def run_terms(node: Expr, env: Mapping[str, NpValue]) -> tuple[NpValue, list[NpValue]]:
    """``evaluate_terms_np`` under the caller's ``np.errstate``."""
    values = [compile_np(t)(env) for t in terms_of(node)]
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total, values


class _Const:
    """A folded constant: callable like any program, its value known when compiling."""

    __slots__ = ("value",)

    def __init__(self, value: float):
        self.value = value

    def __call__(self, env: Mapping[str, NpValue]) -> float:
        return self.value


def _compile(node: Expr) -> Program:
    match node:  # class patterns: one dispatch per node, no chain of isinstance calls
        case Num(value):
            return _Const(float(value))
        case Name("pi"):
            return _Const(math.pi)
        case Name("e"):
            return _Const(math.e)
        case Name(name):
            return operator.itemgetter(name)
        case Neg(inner):
            arg = _compile(inner)
            if arg.__class__ is _Const:
                return _Const(-arg(_NO_ENV))
            return lambda env: -arg(env)
        case Call(fn, inner):
            return _call(fn, _compile(inner))
        case BinOp(op, a, b) if op in _OPS:
            left, right = _compile(a), _compile(b)
            root = odd_root(node) if op == "^" else None
            if left.__class__ is _Const and right.__class__ is _Const:
                return _Const(_fold(op, left(_NO_ENV), right(_NO_ENV), root))
            return _binary(op, left, right, root)
    raise Unsupported(type(node).__name__)


_NO_ENV: dict[str, NpValue] = {}


def _call(fn: str, arg: Program) -> Program:
    f = FUNCTIONS[fn]
    scalar, array = f.scalar, f.array
    if arg.__class__ is _Const:
        return _Const(scalar(float(arg(_NO_ENV))))

    def run(env: Mapping[str, NpValue]) -> NpValue:
        a = arg(env)
        return scalar(a) if isinstance(a, float) else array(a)

    return run


_OPS = ("+", "-", "*", "/", "^")


def _fold(op: str, a: float, b: float, root: tuple[int, int] | None) -> float:
    return fold(op, a, b) if root is None else real_root(a, *root)


def _binary(op: str, left: Program, right: Program, root: tuple[int, int] | None) -> Program:
    """One operator over two programs; floats (params) fold as ``_fold`` does."""
    if op == "+":
        return lambda env: left(env) + right(env)
    if op == "-":
        return lambda env: left(env) - right(env)
    if op == "*":
        return lambda env: left(env) * right(env)

    def run(env: Mapping[str, NpValue]) -> NpValue:
        a, b = left(env), right(env)
        if isinstance(a, float) and isinstance(b, float):
            return _fold(op, a, b, root)
        if op == "/":
            return np.true_divide(a, b)
        if root is not None:
            p, q = root
            magnitude = np.abs(a) ** (p / q)
            return magnitude * np.sign(a) if p % 2 else magnitude
        if isinstance(a, float) and a == math.e:
            return np.exp(b)
        return np.power(a, b)

    return run


def as_points_np(value: NpValue, n: int) -> np.ndarray:
    """One value per point (a constant answer is a float)."""
    if isinstance(value, np.ndarray):
        if value.shape == (n,):
            return value
        if value.ndim == 0:
            return np.full(n, float(value))
        raise Unsupported(f"shape {value.shape}")
    return np.full(n, float(value))


def to_numpy(value: torch.Tensor | float) -> NpValue:
    """A torch tensor (or a number) as numpy float64 / a Python float."""
    if isinstance(value, int | float):
        return float(value)
    return to_array(value)


def to_array(value: torch.Tensor) -> np.ndarray:
    """A torch tensor as a numpy float64 array (on the CPU)."""
    return value.detach().cpu().double().numpy()
