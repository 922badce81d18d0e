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
from collections.abc import Mapping

import numpy as np
import torch

from .autograd import odd_root
from .floats import fdiv, fpow, real_root
from .functions import FUNCTIONS
from .nodes import BinOp, Call, Expr, Name, Neg, Num

NpValue = np.ndarray | float


class Unsupported(Exception):
    """A node or value the numpy path does not handle."""


def evaluate_np(node: Expr, env: Mapping[str, NpValue]) -> NpValue:
    """``node``'s value: a float when it is constant, else an array over the points."""
    with np.errstate(all="ignore"):
        return _eval(node, env)


def _eval(node: Expr, env: Mapping[str, NpValue]) -> NpValue:
    if isinstance(node, BinOp):
        left = _eval(node.left, env)
        right = _eval(node.right, env)
        op = node.op
        if isinstance(left, float) and isinstance(right, float):
            if op == "+":
                return left + right
            if op == "-":
                return left - right
            if op == "*":
                return left * right
            if op == "/":
                return fdiv(left, right)
            root = odd_root(node)
            return fpow(left, right) if root is None else real_root(left, *root)
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return np.true_divide(left, right)
        root = odd_root(node)
        if root is not None:
            p, q = root
            magnitude = np.abs(left) ** (p / q)
            return magnitude * np.sign(left) if p % 2 else magnitude
        if isinstance(left, float) and left == math.e:
            return np.exp(right)
        return np.power(left, right)
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        value = env.get(node.name)
        if value is None:
            if node.name == "pi":
                return math.pi
            if node.name == "e":
                return math.e
            raise KeyError(node.name)
        return value
    if isinstance(node, Call):
        arg = _eval(node.arg, env)
        f = FUNCTIONS[node.fn]
        return f.scalar(arg) if isinstance(arg, float) else f.array(arg)
    if isinstance(node, Neg):
        return -_eval(node.arg, env)
    raise Unsupported(type(node).__name__)


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
