"""Steps: the smaller derivatives a part breaks into, read off the computation graph.

A step asks for the derivative of a defined name ``of`` with respect to a name ``wrt`` (a
variable or a defined name). When ``wrt`` appears in ``of``'s definition the step is that
edge's local derivative (every other name the definition mentions held fixed, as the
worked-solution graph labels the edge); otherwise ``wrt`` is treated as an input and the
derivative runs over every path from it to ``of`` (the gradient flowing back into an
intermediate tensor, δ = ∂L/∂y). By default a part's steps are generated: over numbers, one
per edge on the paths from its variables to the asked name (the chain rule's factors); over
tensors, one per intermediate name on those paths (the gradients backpropagation passes
down). A step is checked at the part's points (its ``at`` point, or its sample points) and
feeds follow-through into the whole part (``follow.py`` computes its values).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .exercise import Part
from .nodes import names_in
from .prompts import derivative_latex, derivative_text
from .schema import MAX_STEPS, PartSpec, StepSpec

if TYPE_CHECKING:
    from .exercise import Exercise


@dataclass(frozen=True)
class Step:
    """One step of a part: ``∂of/∂wrt``, answered like a part of its own."""

    id: str  # "<part id>.<number>"
    number: int  # from 1
    parent: Part
    of: str
    wrt: str
    local: bool  # ``wrt`` appears in ``of``'s definition: the edge's local derivative
    part: Part  # the step as a part (what reading and evaluating an answer need)
    label: str  # ∂z/∂y
    latex: str

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "number": self.number,
            "of": self.of,
            "wrt": self.wrt,
            "label": self.label,
            "latex": self.latex,
            "numeric": self.parent.numeric,
            "at": dict(self.parent.at) if self.parent.at else None,
        }


def has_steps(part: Part) -> bool:
    """Parts over first derivatives may break into steps (not code, not higher orders)."""
    return part.kind != "code" and all(len(w) == 1 for w in part.components)


def generated_pairs(exercise: Exercise, part: Part) -> list[tuple[str, str]]:
    """The (of, wrt) pairs of a part's generated steps, in define order (at most MAX_STEPS).

    None where no intermediate name lies between the variables and the function: each step
    would be the part (or one of its answer boxes) again."""
    if not has_steps(part):
        return []
    defines = dict(exercise.defines)
    used = exercise.depends_on_names(part.of)
    reach = set(part.wrt)
    for name, node in exercise.defines:
        if name in used and names_in(node) & reach:
            reach.add(name)
    if exercise.shapes:
        names = [n for n, _ in exercise.defines if n in reach and n != part.of]
        return [(part.of, n) for n in names][:MAX_STEPS]
    edges = [
        (name, src)
        for name, _ in exercise.defines
        if name in used and name in reach
        for src in _inputs(defines[name], exercise)
        if src in reach
    ]
    # Edges straight from the variables to the function are the part itself, not steps
    through = any(of != part.of for of, _ in edges)
    return edges[:MAX_STEPS] if through else []


def _inputs(node: object, exercise: Exercise) -> list[str]:
    """The variables and defined names a definition mentions, in a stable order."""
    mentioned = names_in(node)  # type: ignore[arg-type]
    order = [*exercise.spec.variables, *(n for n, _ in exercise.defines)]
    return [n for n in order if n in mentioned]


def build_steps(exercise: Exercise, part: Part) -> tuple[Step, ...]:
    """The steps a student may open in ``part`` (as authored, else generated)."""
    written = part.spec.steps
    if written is False or not has_steps(part):
        return ()
    if isinstance(written, list):
        pairs = [(s.of, s.wrt) for s in written]
    else:
        pairs = generated_pairs(exercise, part)
    partial = len(exercise.spec.variables) > 1 or bool(exercise.shapes)
    defines = dict(exercise.defines)
    out = []
    for k, (of, wrt) in enumerate(pairs, start=1):
        local = of in defines and wrt in names_in(defines[of])
        step_id = f"{part.id}.{k}"
        spec = PartSpec.model_construct(
            id=step_id,
            kind="value" if part.numeric else "expression",
            of=of,
            wrt=wrt,
            at=part.spec.at,
            points=part.points,
            mistakes=[],
        )
        shape = exercise.shapes.get(wrt, ())
        as_part = Part(spec, part.index, part.rtol, part.atol, (), (shape,), part.tensor)
        symbol = derivative_text(of, [wrt], partial)
        out.append(
            Step(
                step_id,
                k,
                part,
                of,
                wrt,
                local,
                as_part,
                symbol,
                derivative_latex(of, [wrt], partial),
            )
        )
    return tuple(out)


def part_steps(exercise: Exercise) -> dict[str, tuple[Step, ...]]:
    """Each part's steps, by part id (built once per exercise)."""
    found = exercise.memo.get("steps")
    if found is None:
        found = exercise.memo["steps"] = {p.id: build_steps(exercise, p) for p in exercise.parts}
    return found


def check_steps(
    exercise: Exercise, part: Part, written: list[StepSpec], report: Callable[[tuple, str], None]
) -> None:
    """Report authored steps that ask for nothing the part is made of."""
    scalar_names = set(exercise.spec.variables) | {n for n, _ in exercise.defines}
    for j, step in enumerate(written):
        path = ("parts", part.index, "steps", j)
        if step.of not in dict(exercise.defines):
            report((*path, "of"), f"'{step.of}' is not a defined name")
        elif step.of in exercise.shapes:
            report((*path, "of"), f"'{step.of}' is not a number: a step differentiates a number")
        elif step.wrt not in scalar_names or step.wrt == step.of:
            report((*path, "wrt"), f"'{step.wrt}' is not a name {step.of} is built from")
        elif step.wrt not in exercise.depends_on_names(step.of) and step.wrt not in (
            exercise.depends_on(step.of)
        ):
            report((*path, "wrt"), f"{step.of} does not depend on '{step.wrt}'")
        elif step.of not in exercise.depends_on_names(part.of):
            report((*path, "of"), f"{part.of} is not built from '{step.of}'")
