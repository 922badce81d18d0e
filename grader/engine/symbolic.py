"""Symbolic derivative of one expression with respect to one name, for worked solutions.

Grading never uses this (answers are checked against autograd's numbers); the worked solution
shows each local derivative as a formula beside autograd's value, as a teacher writes it on the
board: ``∂b/∂x = 6a``. The rules are the textbook ones and the result is tidied by the small
algebra of ``add``/``mul``/... (numbers folded, 0 and 1 dropped, ``u + u`` as ``2u``). Work is
bounded: the input is an instructor's ``define`` (bounded in size by the exercise schema) and a
result over ``MAX_NODES`` nodes is given up (``None``: the page then shows the value alone).
"""

from __future__ import annotations

from .algebra import ONE, TWO, ZERO, add, div, mul, neg, num, power, sub
from .functions import FUNCTIONS
from .nodes import BinOp, Call, Expr, Name, Neg, Num, names_in, node_count

MAX_NODES = 200


def derivative(node: Expr, name: str) -> Expr | None:
    """d node / d name as a tidy expression; None where no formula is written (a tensor
    operation, or a result too large to read)."""
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
            return BinOp("/", num(p.value - q.value), q)
    return sub(exponent, ONE)


def _outer(fn: str, u: Expr) -> Expr:
    """f'(u), by the registry's rule for ``fn``."""
    return FUNCTIONS[fn].derivative(u)
