"""Evaluate expressions with torch and take reference derivatives with autograd.

Values are float64 tensors whose first dimension runs over sample points, so one call
evaluates every point (and, later, vector-valued variables broadcast the same way). Sub-trees
without tensors are folded to Python floats with overflow and domain errors turned into
``inf``/``nan``: ``9^9^9^9`` costs one float operation, never a hang.

``Patch`` replaces one node's derivative with a wrong rule (a forgotten chain factor, the
product rule as u'v', ...) while keeping its value; the diagnosis uses it to compute what a
student who made that mistake would have written, from the same torch computation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch

from . import tensors
from .floats import fold, real_root
from .functions import FUNCTIONS, TENSOR_OPERATIONS
from .nodes import (
    Apply,
    BinOp,
    Call,
    Expr,
    Index,
    Literal,
    Name,
    Neg,
    Num,
    Transpose,
    odd_root,  # noqa: F401 (re-exported)
)

Value = torch.Tensor | float
DTYPE = torch.float64


def apply_function(fn: str, v: Value) -> Value:
    """A function of the registry on a tensor (torch form) or a float (float form)."""
    f = FUNCTIONS[fn]
    if isinstance(v, torch.Tensor):
        return f.torch(v)
    return f.scalar(v)


def binary(op: str, a: Value, b: Value) -> Value:
    if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
        return fold(op, a, b)
    if op == "@":
        return tensors.matmul(a, b)
    a, b = tensors.align(a, b)  # a number per point against a tensor per point
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if not isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor)  # a float ** a float was computed above
        if a == math.e:
            return torch.exp(b)
        return torch.pow(torch.tensor(a, dtype=DTYPE, device=b.device), b)
    return torch.pow(a, b)


Env = Mapping[str, Value]


@dataclass(frozen=True)
class Patch:
    """Give node ``node`` (by identity) the derivative ``wrong(children) `` w.r.t. ``leaf``.

    ``wrong`` receives the node's evaluated children and returns the (wrong) derivative of
    the node with respect to ``leaf``; the node keeps its true value.
    """

    node: Expr
    leaf: torch.Tensor
    wrong: Callable[..., torch.Tensor]


def evaluate(node: Expr, env: Env, patch: Patch | None = None) -> Value:
    """Evaluate ``node``; names come from ``env`` (``pi`` and ``e`` are built in)."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        if node.name in env:
            value = env[node.name]
            # an int param becomes a float before any arithmetic (see _fpow)
            return float(value) if isinstance(value, int) else value
        if node.name == "pi":
            return math.pi
        if node.name == "e":
            return math.e
        raise KeyError(node.name)
    if isinstance(node, Neg):
        return -evaluate(node.arg, env, patch)
    if isinstance(node, Call):
        arg = evaluate(node.arg, env, patch)
        value = apply_function(node.fn, arg)
        if patch is not None and node is patch.node:
            return _patched(value, patch, arg)
        return value
    if not isinstance(node, BinOp):
        return _evaluate_tensor(node, env, patch)
    left = evaluate(node.left, env, patch)
    right = evaluate(node.right, env, patch)
    root = odd_root(node) if node.op == "^" else None
    value = binary(node.op, left, right) if root is None else real_root_power(left, *root)
    if patch is not None and node is patch.node:
        return _patched(value, patch, left, right)
    return value


def _evaluate_tensor(node: Expr, env: Env, patch: Patch | None) -> Value:
    if isinstance(node, Transpose):
        return tensors.transpose(evaluate(node.arg, env, patch))
    if isinstance(node, Index):
        return tensors.index(evaluate(node.base, env, patch), node.indices)
    if isinstance(node, Literal):
        constant = tensors.constant_literal(node)
        if constant is not None:
            return constant
        return tensors.literal([evaluate(item, env, patch) for item in node.items])
    assert isinstance(node, Apply)
    args = [evaluate(arg, env, patch) for arg in node.args]
    op = TENSOR_OPERATIONS.get(node.fn)
    return tensors.apply(node.fn, args) if op is None else op.torch(args)


def real_root_power(base: Value, p: int, q: int) -> Value:
    """base^(p/q) for odd q, real for negative bases too (the real cube root of -8 is -2)."""
    if isinstance(base, torch.Tensor):
        magnitude = torch.pow(torch.abs(base), p / q)
        return magnitude * torch.sign(base) if p % 2 else magnitude
    return real_root(base, p, q)


def _patched(value: Value, patch: Patch, *children: Value) -> torch.Tensor:
    wrong = patch.wrong(*children).detach()
    leaf = patch.leaf
    return torch.as_tensor(value).detach() + wrong * (leaf - leaf.detach())


def derivative(output: Value, leaf: torch.Tensor, create_graph: bool = True) -> torch.Tensor:
    """Per-point d output / d leaf (points are independent, so the gradient of the sum)."""
    if not isinstance(output, torch.Tensor) or not output.requires_grad:
        return torch.zeros_like(leaf)
    (grad,) = torch.autograd.grad(
        output.sum(), leaf, create_graph=create_graph, retain_graph=True, allow_unused=True
    )
    return torch.zeros_like(leaf) if grad is None else grad


def local_derivative(fn: Callable[[torch.Tensor], Value], at: Value) -> torch.Tensor:
    """d fn(u) / du at ``u = at``, by autograd on a fresh leaf."""
    u = torch.as_tensor(at, dtype=DTYPE).detach().clone().requires_grad_(True)
    return derivative(fn(u), u, create_graph=False).detach()


def evaluate_chain(
    defines: Sequence[tuple[str, Expr]],
    env: dict[str, Value],
    patch: Patch | None = None,
    replace: Mapping[str, Callable[[Value], Value]] | None = None,
) -> dict[str, Value]:
    """Evaluate the ``define`` chain in order into ``env`` (one torch computation).

    ``replace`` maps a defined name to a function of its value that stands in for it in the
    names below it (how the diagnosis treats an intermediate as a leaf).
    """
    out = dict(env)
    for name, node in defines:
        value = evaluate(node, out, patch)
        if replace and name in replace:
            value = replace[name](value)
        out[name] = value
    return out


def nth_derivative(output: Value, leaves: Mapping[str, torch.Tensor], wrt: Sequence[str]) -> Value:
    """Successive derivatives of ``output`` w.r.t. the names in ``wrt`` (d/d wrt[0] first)."""
    current = output
    for name in wrt:
        current = derivative(current, leaves[name], create_graph=True)
    return current


class WorkExceeded(Exception):
    """A computation would traverse more autograd nodes than its budget allows."""

    def __init__(self, work: int, budget: int):
        super().__init__(f"{work} autograd nodes (at most {budget})")
        self.work = work
        self.budget = budget


def graph_size(value: Value) -> int:
    """The autograd nodes a backward pass from ``value`` traverses."""
    fn = value.grad_fn if isinstance(value, torch.Tensor) else None
    if fn is None:
        return 0
    seen = {fn}
    stack = [fn]
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return len(seen)


class Derivatives:
    """Successive derivatives of one evaluated chain, each computed once.

    ``wanted`` lists the ``(name, wrt)`` derivatives that will be asked for. A derivative that
    is a step towards another (d/dx on the way to d^4/dx^4) keeps its graph; the others are
    taken without one, which spares building the largest graph, the last order's. Parts that
    ask for the same derivative, or for its lower orders, share the work.

    With a ``budget`` (validation), the nodes each backward pass will traverse are counted
    before it runs (``work``), and ``WorkExceeded`` is raised instead of passing the budget.
    """

    def __init__(
        self,
        env: Mapping[str, Value],
        leaves: Mapping[str, torch.Tensor],
        wanted: Sequence[tuple[str, Sequence[str]]],
        budget: int | None = None,
        work: int = 0,
    ):
        self.env = env
        self.leaves = leaves
        self.steps = {(name, tuple(wrt[:i])) for name, wrt in wanted for i in range(1, len(wrt))}
        self.budget = budget
        self.work = work
        self._memo: dict[tuple[str, tuple[str, ...]], Value] = {}

    def __call__(self, name: str, wrt: Sequence[str]) -> Value:
        key = (name, tuple(wrt))
        if not key[1]:
            return self.env[name]
        if key not in self._memo:
            lower = self(name, key[1][:-1])
            if self.budget is not None:
                self.work += graph_size(lower)
                if self.work > self.budget:
                    raise WorkExceeded(self.work, self.budget)
            leaf = self.leaves[key[1][-1]]
            self._memo[key] = derivative(lower, leaf, create_graph=key in self.steps)
        return self._memo[key]


def as_points(value: Value, n: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Broadcast a value (a constant answer is a float) to one entry per sample point."""
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if t.dim() == 0:
            return t.expand(n).to(DTYPE)
        return t.to(DTYPE)
    return torch.full((n,), float(value), dtype=DTYPE, device=device)
