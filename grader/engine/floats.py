"""Arithmetic on Python floats that never raises and never runs long.

Constant sub-trees (``2^10``, ``sin(pi/6)``) are folded in floats by every evaluator. Here a
domain error is ``nan``, an overflow ``inf`` (with its sign), and a power is always a float
power: Python's exact integer powers are unbounded (``5 ** 5 ** 40`` would run for hours).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import numpy as np


def fdiv(a: float, b: float) -> float:
    """a / b, with ±inf or nan for a division by zero."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


def fpow(a: float, b: float) -> float:
    """a ** b as floats: nan for a negative base and a fractional exponent, ±inf on overflow."""
    a, b = float(a), float(b)
    if a < 0 and not b.is_integer():  # also nan and inf exponents
        return math.nan
    try:
        return float(a**b)
    except OverflowError:
        return math.inf if a > 0 or b % 2 == 0 else -math.inf
    except ZeroDivisionError:
        return math.inf


def fold(op: str, a: float, b: float) -> float:
    """``a op b`` for the answer language's operators (+ - * / ^) on floats: every
    evaluator's one rule for a constant sub-tree."""
    return _FOLD[op](a, b)


_FOLD: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": fdiv,
    "^": fpow,
}


def real_root(base: float, p: int, q: int) -> float:
    """base^(p/q) for odd q, real for negative bases too (the cube root of -8 is -2)."""
    size = fpow(abs(base), p / q)
    return math.copysign(size, base) if p % 2 and base != 0 else size


def total(
    fast: Callable[[float], float], exact: Callable[[np.ndarray], np.ndarray]
) -> Callable[[float], float]:
    """``fast`` (a ``math`` function) where it answers, else numpy's value at that point.

    ``math`` raises at the edges (``log(0)``, ``atanh(1)``, ``sinh(-1000)``) where numpy gives
    the limit (-inf, inf, -inf); falling back to numpy there makes the float form agree with
    the array form at every input, which the registry test checks."""

    def wrapped(v: float) -> float:
        try:
            return float(fast(v))
        except (OverflowError, ValueError, ZeroDivisionError):
            with np.errstate(all="ignore"):
                return float(exact(np.asarray(v, dtype=np.float64)))

    return wrapped
