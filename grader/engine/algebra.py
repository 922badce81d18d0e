"""A small algebra on syntax trees that keeps results readable: numbers folded, 0 and 1
dropped, ``u + u`` as ``2u``, numbers first in a product. Symbolic derivatives (the function
registry's rules, the worked solutions, the feedback that names an inner derivative) build
their results with it."""

from __future__ import annotations

import math

from .floats import fpow
from .nodes import BinOp, Expr, Neg, Num

ZERO, ONE, TWO = Num(0.0), Num(1.0), Num(2.0)


def num(x: float) -> Num:
    return Num(float(x))


def _is(node: Expr, x: float) -> bool:
    return isinstance(node, Num) and node.value == x


def neg(a: Expr) -> Expr:
    if isinstance(a, Num):
        return num(-a.value)
    if isinstance(a, Neg):
        return a.arg
    return Neg(a)


def add(a: Expr, b: Expr) -> Expr:
    if _is(a, 0):
        return b
    if _is(b, 0):
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return num(a.value + b.value)
    if a == b:
        return mul(TWO, a)
    if isinstance(b, Neg):
        return sub(a, b.arg)
    if isinstance(b, Num) and b.value < 0:
        return sub(a, num(-b.value))
    return BinOp("+", a, b)


def sub(a: Expr, b: Expr) -> Expr:
    if _is(b, 0):
        return a
    if _is(a, 0):
        return neg(b)
    if isinstance(a, Num) and isinstance(b, Num):
        return num(a.value - b.value)
    if a == b:
        return ZERO
    if isinstance(b, Neg):
        return add(a, b.arg)
    return BinOp("-", a, b)


def mul(a: Expr, b: Expr) -> Expr:
    if _is(a, 0) or _is(b, 0):
        return ZERO
    if _is(a, 1):
        return b
    if _is(b, 1):
        return a
    if isinstance(a, Neg):
        return neg(mul(a.arg, b))
    if isinstance(b, Neg):
        return neg(mul(a, b.arg))
    if isinstance(a, Num) and isinstance(b, Num):
        return num(a.value * b.value)
    if isinstance(b, Num):  # numbers first: x*6 -> 6*x
        a, b = b, a
    if isinstance(a, Num) and a.value < 0:
        return neg(mul(num(-a.value), b))
    if isinstance(a, Num) and isinstance(b, BinOp) and b.op == "*" and isinstance(b.left, Num):
        return mul(num(a.value * b.left.value), b.right)
    if a == b:
        return power(a, TWO)
    return BinOp("*", a, b)


def div(a: Expr, b: Expr) -> Expr:
    if _is(a, 0):
        return ZERO
    if _is(b, 1):
        return a
    if isinstance(a, Num) and isinstance(b, Num) and b.value != 0:
        q = a.value / b.value
        if math.isfinite(q) and float(q).is_integer():
            return num(q)
    if isinstance(a, Neg):
        return neg(div(a.arg, b))
    if a == b:
        return ONE
    return BinOp("/", a, b)


def power(a: Expr, b: Expr) -> Expr:
    if _is(b, 0):
        return ONE
    if _is(b, 1):
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return num(fpow(a.value, b.value))
    return BinOp("^", a, b)
