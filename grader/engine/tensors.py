"""Tensor operations of the exercise language, on values batched over sample points.

A value is a Python float (a constant), or a tensor whose first dimension runs over the
sample points (size ``n``, or 1 for a value the same at every point, such as a param or a
tensor written out) followed by its own shape: ``(n,)`` for a number per point, ``(n, 2, 3)``
for a 2×3 matrix per point. Shapes were checked when the expression was read
(``shapes.infer``), so nothing here validates them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import torch

from .nodes import Expr, Literal, Neg, Num

Value = torch.Tensor | float
DTYPE = torch.float64


def rank(v: Value) -> int:
    """Dimensions per point (-1 for a float or a 0-d tensor, which broadcast anywhere)."""
    return v.dim() - 1 if isinstance(v, torch.Tensor) and v.dim() else -1


def align(a: Value, b: Value) -> tuple[Value, Value]:
    """Give two batched values the same number of dimensions, as torch broadcasting would
    per point: the lower-rank one gains size-1 dimensions after the point dimension."""
    ra, rb = rank(a), rank(b)
    if ra < 0 or rb < 0 or ra == rb:
        return a, b
    assert isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)  # both have a rank
    if ra < rb:
        return _lift(a, rb), b
    return a, _lift(b, ra)


def _lift(v: torch.Tensor, r: int) -> torch.Tensor:
    return v.reshape(v.shape[0], *([1] * (r - rank(v))), *v.shape[1:])


def batched(v: Value) -> torch.Tensor:
    """A float as a one-point tensor (so that tensor operations apply)."""
    if isinstance(v, torch.Tensor):
        return v if v.dim() else v.reshape(1)
    return torch.tensor([v], dtype=DTYPE)


def matmul(a: Value, b: Value) -> torch.Tensor:
    a, b = batched(a), batched(b)
    if rank(a) == 1 and rank(b) == 1:
        return (a * b).sum(-1)
    if rank(b) == 1:
        return torch.matmul(a, b.unsqueeze(-1)).squeeze(-1)
    if rank(a) == 1:
        return torch.matmul(a.unsqueeze(-2), b).squeeze(-2)
    return torch.matmul(a, b)


def straight(value: Value, arg: Value) -> Value:
    """``value`` with the derivative of ``arg``: an activation whose derivative is left out."""
    if not isinstance(value, torch.Tensor):
        return value
    return value.detach() + (arg - arg.detach() if isinstance(arg, torch.Tensor) else 0.0)


def transpose(v: Value) -> Value:
    if not isinstance(v, torch.Tensor) or rank(v) < 2:
        return v  # a vector is its own transpose, as torch's .T
    return v.transpose(-1, -2)


def index(v: Value, indices: Sequence[int]) -> torch.Tensor:
    """``v[i, j]`` per point (shapes checked: ``v`` is a tensor with that many dimensions)."""
    assert isinstance(v, torch.Tensor)
    return v[(slice(None), *indices)]  # type: ignore[index]


def literal(items: Sequence[Value]) -> torch.Tensor:
    """Stack the rows of a tensor written out (each row may vary over points)."""
    rows = [batched(x) for x in items]
    n = max(r.shape[0] for r in rows)
    device = next((r.device for r in rows if isinstance(r, torch.Tensor)), None)
    rows = [r.to(device).expand(n, *r.shape[1:]) for r in rows]
    return torch.stack(rows, dim=1)


@lru_cache(maxsize=4096)
def constant_literal(node: Literal) -> torch.Tensor | None:
    """A tensor written out in numbers only, as one tensor (built once: never modified)."""
    values = _numbers(node)
    return None if values is None else torch.tensor([values], dtype=DTYPE)


def _numbers(node: Expr) -> Any:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg) and isinstance(node.arg, Num):
        return -node.arg.value
    if not isinstance(node, Literal):
        return None
    out = [_numbers(item) for item in node.items]
    return None if any(v is None for v in out) else out


def _reduce(fn: str, v: Value, dim: Value | None) -> Value:
    if not isinstance(v, torch.Tensor) or rank(v) <= 0:
        return v
    if dim is None:
        flat = v.flatten(1)
        return flat.sum(1) if fn == "sum" else flat.mean(1)
    d = int(dim) % rank(v) + 1
    return v.sum(d) if fn == "sum" else v.mean(d)


def _softmax(fn: str, v: Value, dim: Value | None) -> torch.Tensor:
    v = batched(v)
    d = -1 if dim is None else int(dim) % rank(v) + 1
    return torch.softmax(v, d) if fn == "softmax" else torch.log_softmax(v, d)


def cross_entropy(logits: Value, k: Value) -> torch.Tensor:
    """-log softmax(logits)[k], averaged over a batch (as torch's cross_entropy)."""
    logits = batched(logits)
    logp = torch.log_softmax(logits, -1)
    classes = logits.shape[-1]
    k = torch.as_tensor(k, dtype=DTYPE)
    bad = (k != k.round()) | (k < 0) | (k >= classes)
    ids = k.clamp(0, classes - 1).round().long()
    if rank(logits) == 1:  # one example: k is a number (the same at every point)
        loss = -logp[:, int(ids.reshape(-1)[0])]
    else:
        ids = ids.reshape(-1, logits.shape[1]).expand(logp.shape[0], -1)
        loss = -logp.gather(-1, ids.unsqueeze(-1)).squeeze(-1).mean(-1)
    if bool(bad.any()):
        return loss * torch.nan  # a class index that is not one makes the loss undefined
    return loss


def mse(y: Value, t: Value) -> Value:
    y, t = align(y, t)
    diff = y - t
    return _reduce("mean", diff * diff, None)


def outer(u: Value, v: Value) -> torch.Tensor:
    u, v = batched(u), batched(v)
    return u.unsqueeze(-1) * v.unsqueeze(-2)


def apply(fn: str, args: list[Value]) -> Value:
    """Evaluate a tensor operation of the registry (functions.TENSOR_OPERATIONS) by name; transpose
    has its own node, and ``_straight`` and ``_scale`` are built by the diagnosis only."""
    if fn in ("sum", "mean"):
        return _reduce(fn, args[0], args[1] if len(args) > 1 else None)
    if fn in ("softmax", "log_softmax"):
        return _softmax(fn, args[0], args[1] if len(args) > 1 else None)
    if fn == "cross_entropy":
        return cross_entropy(args[0], args[1])
    if fn == "mse":
        return mse(args[0], args[1])
    if fn == "_straight":  # only built by the diagnosis, never parsed
        return straight(args[0], args[1])
    if fn == "_scale":  # likewise: args[0] times the constant args[1]
        return args[0] * args[1]
    return outer(args[0], args[1])


def flat(value: Value, n: int, size: int = 1, device: torch.device | str = "cpu") -> torch.Tensor:
    """A value of ``size`` entries per point as one row of ``n * size`` (point-major)."""
    if not isinstance(value, torch.Tensor):
        return torch.full((n * size,), float(value), dtype=DTYPE, device=device)
    t = value.detach().to(DTYPE)
    if t.dim() == 0:
        return t.expand(n * size)
    t = t.reshape(t.shape[0], -1)
    return t.expand(n, size).reshape(-1)


def finite_per_point(value: Value, n: int) -> torch.Tensor:
    """Per point, whether every entry of ``value`` is finite."""
    if not isinstance(value, torch.Tensor):
        return torch.full((n,), bool(torch.isfinite(torch.tensor(value))))
    ok = torch.isfinite(value.detach())
    if ok.dim() == 0:
        return ok.expand(n)
    return ok.reshape(ok.shape[0], -1).all(1).expand(n)
