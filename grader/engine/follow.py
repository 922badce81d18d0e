"""Follow-through credit ("error carried forward"), computed from the define chain.

A part *uses* an earlier quantity when its reference is a function of it: the same derivative
(a formula part, then its value at a point), or the derivative of an intermediate name that
the part's function is built from (dy/dx inside dz/dx), or one of its own steps (an edge's
local derivative, the gradient flowing into an intermediate). When such a quantity was
answered wrong, the part's reference is recomputed with the student's answer in its place:
the chain is evaluated again with a term of value zero added at the quantity's name, whose
derivative carries the difference between the student's value and the true one,

    N  <-  N + Σ (s - ∂N/∂M) ⊙ (M - stop_gradient(M)),

so that every derivative through that edge (or name) sees the student's value and every other
path is unchanged: the path sum with one local derivative replaced, for numbers and tensors
alike. A later answer that matches the recomputed reference is right *given* the earlier one.
The cost is one evaluation of the chain and one backward pass per try, at most
``MAX_TRIES`` per submission, fewer for a large chain (``tries_allowed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from .autograd import Derivatives, Value, derivative, evaluate
from .compare import tolerance
from .nodes import Expr
from .shapes import entries
from .steps import Step
from .tensors import flat
from .uses import Quantity

if TYPE_CHECKING:
    from .exercise import Exercise, Part
    from .instance import Instance

MAX_TRIES = 48  # recomputed references per submission (each one chain and one backward pass)
# ... and at most this many define-chain nodes evaluated for them in all: a large chain gets
# fewer tries (never fewer than MIN_TRIES), so a submission's follow-through costs at most
# about what a few reference instances do.
MAX_FOLLOW_WORK = 20_000
MIN_TRIES = 4


def tries_allowed(exercise: Exercise) -> int:
    """How many recomputed references one submission may try (see MAX_FOLLOW_WORK)."""
    return max(MIN_TRIES, min(MAX_TRIES, MAX_FOLLOW_WORK // max(1, exercise.chain_work)))


@dataclass(frozen=True)
class Given:
    """A wrong earlier answer to carry forward: its quantity and how to get its values."""

    quantity: Quantity
    text: str  # as the student typed it
    node: Expr  # the answer, evaluated at the later part's points
    label: str  # dy/dx
    where: tuple[str, int]  # ("part", 1), ("step", 2): where the student gave it


def quantity_values(inst: Instance, q: Quantity, points: dict[str, torch.Tensor]) -> torch.Tensor:
    """The true value of ``q`` at ``points``, flattened point-major."""
    if q.step is not None:
        return step_values(inst, q.step, points)
    n = next(iter(points.values())).shape[0]
    leaves = inst.leaves(points)
    derivs = Derivatives(inst.chain(leaves), leaves, [(q.of, list(q.wrt))])
    size = entries(inst.exercise.shapes.get(q.wrt[-1], ()))
    return flat(derivs(q.of, list(q.wrt)), n, size, inst.device)


def given_values(inst: Instance, given: Given, points: dict[str, torch.Tensor]) -> torch.Tensor:
    """The student's answer at ``points`` (a number is the same everywhere)."""
    n = next(iter(points.values())).shape[0]
    env = inst.chain({k: v.detach() for k, v in points.items()})
    q = given.quantity
    name = q.wrt[-1]
    size = entries(inst.exercise.shapes.get(name, ()))
    return flat(evaluate(given.node, env), n, size, inst.device)


def followed_reference(
    inst: Instance, part: Part, component: int, givens: list[Given]
) -> torch.Tensor:
    """``part``'s reference for one answer box with each given answer in place of its true
    quantity (flattened point-major, like the answer's values)."""
    points = inst.at_values(part) if part.numeric else dict(inst.sample_points)
    n = next(iter(points.values())).shape[0]
    wrt = part.components[component]
    size = entries(part.shapes[component]) if part.shapes else 1
    for g in givens:
        q = g.quantity
        if q.step is None and q.of == part.of and q.wrt == tuple(wrt):
            return given_values(inst, g, points)  # the same derivative: the answer itself
    deltas = [
        (g.quantity, given_values(inst, g, points) - quantity_values(inst, g.quantity, points))
        for g in givens
    ]
    leaves = inst.leaves(points)
    env: dict[str, Value] = {**inst.param_env, **leaves}
    for name, node in inst.exercise.defines:
        value = evaluate(node, env)
        for q, delta in deltas:
            if q.of != name:
                continue
            m = env[q.wrt[0]]
            if not isinstance(m, torch.Tensor) or not m.requires_grad:
                continue
            moved = m - m.detach()
            term = (delta.reshape(moved.shape) * moved).reshape(moved.shape[0], -1).sum(1)
            value = torch.as_tensor(value, dtype=term.dtype) + term
        env[name] = value
    grad = derivative(env[part.of], leaves[wrt[0]], create_graph=False)
    return flat(grad, n, size, inst.device)


def matches_followed(
    inst: Instance, part: Part, component: int, values: torch.Tensor, givens: list[Given]
) -> bool:
    """Whether an answer box's values equal its reference given the earlier answers."""
    ref = followed_reference(inst, part, component, givens)
    if ref.shape != values.shape or not bool(torch.isfinite(ref).all()):
        return False
    tol = tolerance(ref, part.rtol, part.atol)
    return bool(((values - ref).abs() <= tol).all())


def trials(givens: list[Given]) -> list[list[Given]]:
    """The sets of wrong answers to carry: all of them together, then each alone."""
    out = [givens] if givens else []
    if len(givens) > 1:
        out += [[g] for g in givens]
    return out


def step_values(inst: Instance, step: Step, points: dict[str, torch.Tensor]) -> torch.Tensor:
    """The step's derivative at ``points`` (one row per point, flattened point-major)."""
    ex = inst.exercise
    n = next(iter(points.values())).shape[0]
    env = inst.chain({k: v.detach() for k, v in points.items()})
    start = env[step.wrt]
    leaf = torch.as_tensor(start, dtype=torch.float64).detach().clone().requires_grad_(True)
    if step.local:
        node = dict(ex.defines)[step.of]
        local_env: dict[str, Value] = {**env, step.wrt: leaf}
        out = evaluate(node, local_env)
    else:
        leaves = {k: v.detach() for k, v in points.items()}
        if step.wrt in leaves:
            leaves[step.wrt] = leaf
            out = inst.chain(leaves)[step.of]
        else:
            out = inst.chain(leaves, replace={step.wrt: lambda _value: leaf})[step.of]
    grad = derivative(out, leaf, create_graph=False)
    size = entries(ex.shapes.get(step.wrt, ()))
    return flat(grad, n, size, inst.device)


def step_points(inst: Instance, step: Step) -> dict[str, torch.Tensor]:
    """Where a step is checked: its part's ``at`` point, or the sample points."""
    return inst.at_values(step.parent) if step.parent.numeric else dict(inst.sample_points)
