"""Symbolic derivative of one expression with respect to one name, for worked solutions.

Grading never uses this (answers are checked against autograd's numbers); the worked solution
shows each local derivative as a formula beside autograd's value, as a teacher writes it on the
board: ``∂b/∂x = 6a``. The rules are the textbook ones and the result is tidied by the small
algebra of ``add``/``mul``/... (numbers folded, 0 and 1 dropped, ``u + u`` as ``2u``). Work is
bounded: the input is an instructor's ``define`` (bounded in size by the exercise schema) and a
result over ``MAX_NODES`` nodes is given up (``None``: the page then shows the value alone).
"""

from __future__ import annotations

import math

from .autograd import binary
from .expr import BinOp, Call, Expr, Name, Neg, Num, names_in, node_count

MAX_NODES = 200

ZERO, ONE, TWO = Num(0.0), Num(1.0), Num(2.0)


def derivative(node: Expr, name: str) -> Expr | None:
    """d node / d name as a tidy expression; None where no formula is written (relu, a
    function this module does not know, or a result too large to read)."""
    try:
        out = _d(node, name)
    except _NoFormula:
        return None
    return out if node_count(out) <= MAX_NODES else None


class _NoFormula(Exception):
    pass


def _d(node: Expr, name: str) -> Expr:
    if name not in names_in(node):
        return ZERO
    if isinstance(node, Name):
        return ONE
    if isinstance(node, Neg):
        return neg(_d(node.arg, name))
    if isinstance(node, Call):
        return mul(_outer(node.fn, node.arg), _d(node.arg, name))
    if not isinstance(node, BinOp):
        raise _NoFormula
    u, v = node.left, node.right
    if node.op == "+":
        return add(_d(u, name), _d(v, name))
    if node.op == "-":
        return sub(_d(u, name), _d(v, name))
    if node.op == "*":
        return add(mul(_d(u, name), v), mul(u, _d(v, name)))
    if node.op == "/":
        if name not in names_in(v):
            return div(_d(u, name), v)
        if name not in names_in(u):
            return neg(div(mul(u, _d(v, name)), power(v, TWO)))
        top = sub(mul(_d(u, name), v), mul(u, _d(v, name)))
        return div(top, power(v, TWO))
    return _d_power(u, v, name)


def _d_power(u: Expr, v: Expr, name: str) -> Expr:
    if name not in names_in(v):
        return mul(mul(v, power(u, _minus_one(v))), _d(u, name))
    if name not in names_in(u):
        log_u = ONE if u == Name("e") else Call("log", u)
        return mul(mul(power(u, v), log_u), _d(v, name))
    inner = add(mul(_d(v, name), Call("log", u)), div(mul(v, _d(u, name)), u))
    return mul(power(u, v), inner)


def _minus_one(exponent: Expr) -> Expr:
    """exponent - 1, keeping a written fraction a fraction: x^(1/3) -> x^(-2/3)."""
    if isinstance(exponent, BinOp) and exponent.op == "/":
        p, q = exponent.left, exponent.right
        if isinstance(p, Num) and isinstance(q, Num) and q.value != 0:
            return BinOp("/", _num(p.value - q.value), q)
    return sub(exponent, ONE)


def _outer(fn: str, u: Expr) -> Expr:
    """f'(u) for the answer language's functions."""
    c = Call
    table = {
        "sin": lambda: c("cos", u),
        "cos": lambda: neg(c("sin", u)),
        "tan": lambda: power(c("sec", u), TWO),
        "sec": lambda: mul(c("sec", u), c("tan", u)),
        "csc": lambda: neg(mul(c("csc", u), c("cot", u))),
        "cot": lambda: neg(power(c("csc", u), TWO)),
        "asin": lambda: div(ONE, c("sqrt", sub(ONE, power(u, TWO)))),
        "acos": lambda: neg(div(ONE, c("sqrt", sub(ONE, power(u, TWO))))),
        "atan": lambda: div(ONE, add(ONE, power(u, TWO))),
        "sinh": lambda: c("cosh", u),
        "cosh": lambda: c("sinh", u),
        "tanh": lambda: sub(ONE, power(c("tanh", u), TWO)),
        "asinh": lambda: div(ONE, c("sqrt", add(power(u, TWO), ONE))),
        "acosh": lambda: div(ONE, c("sqrt", sub(power(u, TWO), ONE))),
        "atanh": lambda: div(ONE, sub(ONE, power(u, TWO))),
        "exp": lambda: c("exp", u),
        "log": lambda: div(ONE, u),
        "log10": lambda: div(ONE, mul(u, c("log", _num(10)))),
        "log2": lambda: div(ONE, mul(u, c("log", TWO))),
        "sqrt": lambda: div(ONE, mul(TWO, c("sqrt", u))),
        "cbrt": lambda: div(ONE, mul(_num(3), power(c("cbrt", u), TWO))),
        "abs": lambda: div(u, c("abs", u)),
        "sigmoid": lambda: mul(c("sigmoid", u), sub(ONE, c("sigmoid", u))),
    }
    rule = table.get(fn)
    if rule is None:
        raise _NoFormula
    return rule()


# -- a small algebra that keeps results readable ------------------------------------------


def _num(x: float) -> Num:
    return Num(float(x))


def _is(node: Expr, x: float) -> bool:
    return isinstance(node, Num) and node.value == x


def neg(a: Expr) -> Expr:
    if isinstance(a, Num):
        return _num(-a.value)
    if isinstance(a, Neg):
        return a.arg
    return Neg(a)


def add(a: Expr, b: Expr) -> Expr:
    if _is(a, 0):
        return b
    if _is(b, 0):
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return _num(a.value + b.value)
    if a == b:
        return mul(TWO, a)
    if isinstance(b, Neg):
        return sub(a, b.arg)
    if isinstance(b, Num) and b.value < 0:
        return sub(a, _num(-b.value))
    return BinOp("+", a, b)


def sub(a: Expr, b: Expr) -> Expr:
    if _is(b, 0):
        return a
    if _is(a, 0):
        return neg(b)
    if isinstance(a, Num) and isinstance(b, Num):
        return _num(a.value - b.value)
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
        return _num(a.value * b.value)
    if isinstance(b, Num):  # numbers first: x*6 -> 6*x
        a, b = b, a
    if isinstance(a, Num) and a.value < 0:
        return neg(mul(_num(-a.value), b))
    if isinstance(a, Num) and isinstance(b, BinOp) and b.op == "*" and isinstance(b.left, Num):
        return mul(_num(a.value * b.left.value), b.right)
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
            return _num(q)
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
        return _num(float(binary("^", a.value, b.value)))
    return BinOp("^", a, b)
