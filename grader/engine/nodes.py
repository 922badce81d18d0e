"""The answer language's syntax tree: immutable nodes and the walks every module shares.

Nodes are named tuples: immutable, hashable (equal answers group together in a batch) and cheap
to build, which matters when a parse must take microseconds. This module is the bottom of the
engine: it imports nothing from it.
"""

from __future__ import annotations

from typing import NamedTuple


class Num(NamedTuple):
    value: float


class Name(NamedTuple):
    name: str


class Neg(NamedTuple):
    arg: Expr


class BinOp(NamedTuple):
    op: str  # one of + - * / ^
    left: Expr
    right: Expr


class Call(NamedTuple):
    fn: str  # canonical function name (ln is stored as log)
    arg: Expr


class Apply(NamedTuple):
    """A tensor function of one or more arguments: ``sum(A, 0)``, ``outer(u, v)``."""

    fn: str
    args: tuple[Expr, ...]


class Transpose(NamedTuple):
    """``W^T`` (and ``transpose(W)``, which parses to the same node)."""

    arg: Expr


class Index(NamedTuple):
    """``W[i, j]``, ``x[i]``: integer indices, counted from 0 as in torch."""

    base: Expr
    indices: tuple[int, ...]


class Literal(NamedTuple):
    """A tensor written out, ``[[1, 2], [3, 4]]``: one item per row."""

    items: tuple[Expr, ...]


Expr = Num | Name | Neg | BinOp | Call | Apply | Transpose | Index | Literal


def children(node: Expr) -> tuple[Expr, ...]:
    """The sub-expressions of ``node`` (left to right)."""
    if isinstance(node, Neg | Call | Transpose):
        return (node.arg,)
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, Apply):
        return node.args
    if isinstance(node, Index):
        return (node.base,)
    if isinstance(node, Literal):
        return node.items
    return ()


def names_in(node: Expr) -> set[str]:
    """Every name the expression mentions (constants included)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            out.add(n.name)
        else:
            stack.extend(children(n))
    return out


def node_count(node: Expr) -> int:
    count, stack = 0, [node]
    while stack:
        n = stack.pop()
        count += 1
        stack.extend(children(n))
    return count


def terms_of(node: Expr) -> list[Expr]:
    """The top-level terms of a sum, each with its sign (a - b is [a, -b])."""
    out: list[Expr] = []
    while isinstance(node, BinOp) and node.op in "+-":
        out.append(node.right if node.op == "+" else Neg(node.right))
        node = node.left
    out.append(node)
    return out[::-1]


def odd_root(node: BinOp) -> tuple[int, int] | None:
    """``(p, q)`` when the exponent is written p/q with q odd (x^(1/3), x^(-2/3))."""
    e = node.right
    sign = 1
    if isinstance(e, Neg):
        e, sign = e.arg, -1
    if not (isinstance(e, BinOp) and e.op == "/"):
        return None
    p, q = e.left, e.right
    if isinstance(p, Neg):
        p, sign = p.arg, -sign
    if not (isinstance(p, Num) and isinstance(q, Num)):
        return None
    if not (float(p.value).is_integer() and float(q.value).is_integer()):
        return None
    if abs(p.value) > 1e6 or abs(q.value) > 1e6 or int(q.value) % 2 == 0:
        return None
    return sign * int(p.value), int(q.value)
