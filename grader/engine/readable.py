"""Readable points: where to tell a student their answer is wrong, in numbers they can check.

The sample points are random (x = -2.838); a student checks by hand at x = 1 or x = 1/2. For
each (instance, part, component) we pick up to ``MAX_POINTS`` small integers and simple
fractions inside the variables' intervals, with the reference derivative there (computed once,
by the same torch autograd as the reference), and the answer environment there as numpy, so a
wrong answer is evaluated at them in one numpy pass.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
import torch

from .autograd import DTYPE, as_points, nth_derivative
from .budget import afford, diagnosis_budget, open_budget
from .compare import tolerance_elsewhere
from .npeval import NpValue, to_array, to_numpy

if TYPE_CHECKING:
    from .exercise import Part
    from .instance import Instance

MAX_POINTS = 16
PER_VARIABLE = 8


@dataclass(frozen=True)
class Readable:
    env: dict[str, NpValue]  # the answer environment at the readable points
    labels: list[str]  # "x = 1/2, y = 2" per point
    reference: np.ndarray  # the derivative there (nan where it is not defined)
    tolerance: np.ndarray  # the grader's one rule there (compare.tolerance_elsewhere)


def readable_values(lo: float, hi: float, count: int = PER_VARIABLE) -> list[Fraction]:
    """Simple numbers strictly inside (lo, hi): small integers first, then halves, thirds..."""
    out: list[Fraction] = []
    for den in (1, 2, 3, 4, 5, 10, 100):
        start, stop = math.floor(lo * den) + 1, math.ceil(hi * den) - 1
        if stop - start > 400:  # a wide interval: the integers nearest 0 are enough
            start, stop = max(start, -200), min(stop, 200)
        found = [Fraction(k, den) for k in range(start, stop + 1)]
        found = [f for f in found if f.denominator == den]
        found.sort(key=lambda f: (abs(f) if f else Fraction(3, 2), f < 0))  # 0 is often special
        for f in found:
            if f not in out and lo < f < hi:
                out.append(f)
        if len(out) >= count:
            break
    return out[:count]


def _label(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)


@dataclass
class _Points:
    """An instance's readable points: the define chain evaluated there once, with its graph
    kept, so each part and component's reference there is one more backward pass."""

    labels: list[str]
    leaves: dict[str, torch.Tensor]
    chain: dict
    env: dict[str, NpValue]


def _points(inst: Instance) -> _Points | None:
    if inst.cache.readable_points:  # a one-slot memo: [points] (or [None] where there are none)
        found: _Points | None = inst.cache.readable_points[0]
        return found
    per_var = {v: readable_values(lo, hi) for v, (lo, hi) in inst.exercise.ranges.items()}
    found = None
    if all(per_var.values()):
        names = list(per_var)
        combos = list(itertools.islice(itertools.product(*per_var.values()), MAX_POINTS))
        values = {
            v: torch.tensor([float(c[k]) for c in combos], dtype=DTYPE, device=inst.device)
            for k, v in enumerate(names)
        }
        labels = [", ".join(f"{v} = {_label(c[k])}" for k, v in enumerate(names)) for c in combos]
        leaves = inst.leaves(values)
        chain = inst.chain(leaves)
        env = {k: to_numpy(v) for k, v in chain.items()}
        found = _Points(labels, leaves, chain, env)
    inst.cache.readable_points.append(found)
    return found


def build_readable(inst: Instance, part: Part, component: int) -> Readable | None:
    """The readable points of a formula part, with the reference there (None when no
    variable has any, or the diagnosis budget cannot afford the derivative)."""
    if open_budget() is None:
        with diagnosis_budget():
            return build_readable(inst, part, component)
    wrt = part.components[component]
    cost = inst.exercise.chain_work * 3 ** len(wrt)
    if not afford(cost):
        return None
    points = _points(inst)
    if points is None:
        return None
    n = len(points.labels)
    ref = as_points(nth_derivative(points.chain[part.of], points.leaves, wrt), n, inst.device)
    ref_np = to_array(ref)
    typical = inst.np_reference(part, component)
    tol = tolerance_elsewhere(ref_np, typical, part.rtol, part.atol)
    return Readable(points.env, points.labels, ref_np, tol)
