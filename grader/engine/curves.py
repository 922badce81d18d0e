"""Data for plotting an answer against the reference derivative along one variable.

The web app draws these; here we only compute them: the answer and the reference on a grid
over one variable's interval, the other variables held at the instance's first sample point.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .autograd import DTYPE, as_points, evaluate, nth_derivative
from .check import parse_answer
from .compare import matches
from .exercise import Exercise

MAX_GRID = 1000


@dataclass(frozen=True)
class Curves:
    variable: str
    xs: list[float]
    answer: list[float]  # nan where the answer is undefined
    reference: list[float]
    wrong: list[bool]  # where the answer differs from the reference
    fixed: dict[str, float]  # the other variables' values


def curves(
    exercise: Exercise, seed: int, part_id: str, text: str, component: int = 0, n: int = 200
) -> Curves:
    """Answer and reference over the interval of the component's last ``wrt`` variable."""
    part = exercise.part(part_id)
    if part.numeric:
        raise ValueError("a numeric part has no curve to plot")
    inst = exercise.instance(seed)
    wrt = part.components[component]
    var = wrt[-1]
    n = max(2, min(int(n), MAX_GRID))
    lo, hi = exercise.spec.variables[var]
    grid = torch.linspace(lo, hi, n, dtype=DTYPE)
    fixed = {v: float(t[0]) for v, t in inst.points.items() if v != var}
    values = {v: torch.full((n,), x, dtype=DTYPE) for v, x in fixed.items()}
    values[var] = grid
    leaves = inst._leaves(values)
    env = inst._chain(leaves)
    ref = as_points(nth_derivative(env[part.of], leaves, wrt), n).detach()
    plain = {k: (v.detach() if isinstance(v, torch.Tensor) else v) for k, v in env.items()}
    node = parse_answer(exercise, part, text)
    ans = as_points(evaluate(node, plain), n)
    ok = matches(ans, ref, part.rtol, part.atol) | ~torch.isfinite(ref)
    return Curves(var, grid.tolist(), ans.tolist(), ref.tolist(), (~ok).tolist(), fixed)
