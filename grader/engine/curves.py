"""Data for plotting an answer against the reference derivative along one variable.

The web app draws these; here we only compute them: the answer and the reference on a grid
over one variable's interval, the other variables held at one of the instance's sample points:
the one (of the first few) where the two curves differ most visibly, so the plot shows the
mistake instead of a slice where both happen to coincide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from .autograd import DTYPE, as_points, evaluate, nth_derivative
from .check import parse_answer
from .compare import matches
from .exercise import Exercise, Part

if TYPE_CHECKING:
    from .instance import Instance

MAX_GRID = 1000
SLICES = 8  # sample points tried as the other variables' values (bounds the work: 8 grids)


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
    if part.numeric or part.is_tensor:
        raise ValueError("a numeric part, or a part over tensors, has no curve to plot")
    inst = exercise.instance(seed)
    wrt = part.components[component]
    var = wrt[-1]
    n = max(2, min(int(n), MAX_GRID))
    lo, hi = exercise.ranges[var]
    grid = torch.linspace(lo, hi, n, dtype=DTYPE)
    node = parse_answer(exercise, part, text)
    others = [v for v in inst.sample_points if v != var]
    count = min(SLICES, len(inst.sample_points[var])) if others else 1
    slices = [{v: float(inst.sample_points[v][k]) for v in others} for k in range(count)]
    found = _slices(inst, part, node, var, grid, wrt, slices)
    return max(found, key=visible_difference)  # the first of the most visible


def _slice(
    inst: Instance,
    part: Part,
    node: Any,
    var: str,
    grid: torch.Tensor,
    wrt: list[str],
    fixed: dict[str, float],
) -> Curves:
    """Answer and reference along `var`, the other variables held at `fixed`."""
    return _slices(inst, part, node, var, grid, wrt, [fixed])[0]


def _slices(
    inst: Instance,
    part: Part,
    node: Any,
    var: str,
    grid: torch.Tensor,
    wrt: list[str],
    slices: list[dict[str, float]],
) -> list[Curves]:
    """Answer and reference along `var` for each way of holding the other variables, all
    slices in one evaluation of the chain and one derivative (the points are independent, so
    stacking them changes no value and divides the number of tensor operations)."""
    n = len(grid)
    values = {
        v: torch.cat([torch.full((n,), fixed[v], dtype=DTYPE) for fixed in slices])
        for v in slices[0]
    }
    values[var] = grid.repeat(len(slices))
    leaves = inst.leaves(values)
    env = inst.chain(leaves)
    refs = as_points(nth_derivative(env[part.of], leaves, wrt), n * len(slices)).detach()
    plain = {k: (v.detach() if isinstance(v, torch.Tensor) else v) for k, v in env.items()}
    answers = as_points(evaluate(node, plain), n * len(slices))
    xs = grid.tolist()
    out = []
    for fixed, ans, ref in zip(slices, answers.split(n), refs.split(n), strict=True):
        ok = matches(ans, ref, part.rtol, part.atol) | ~torch.isfinite(ref)
        out.append(Curves(var, xs, ans.tolist(), ref.tolist(), (~ok).tolist(), fixed))
    return out


def visible_difference(data: Curves) -> float:
    """How visibly the answer departs from the reference on a plot of both: the mean gap at
    the wrong points, as a fraction of the curves' spread (each point's share capped at 1)."""
    ans = torch.tensor(data.answer, dtype=DTYPE)
    ref = torch.tensor(data.reference, dtype=DTYPE)
    both = torch.isfinite(ans) & torch.isfinite(ref)
    if not bool(both.any()):
        return 0.0
    values = torch.cat([ans[both], ref[both]])
    spread = float(torch.quantile(values, 0.98) - torch.quantile(values, 0.02))
    spread = spread or max(1.0, float(values.abs().max()))
    wrong = torch.tensor(data.wrong) & both
    gaps = ((ans - ref).abs() / spread).clamp(max=1.0)
    return float(torch.where(wrong, gaps, torch.zeros_like(gaps)).mean())
