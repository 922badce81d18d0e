"""Which earlier quantities a part's reference is a function of (``uses``), from the graph.

A part uses an earlier part when one of the earlier part's answer boxes asks for the same
derivative (a formula, then its value at a point), or for the derivative of an intermediate
name the part's function is built from with respect to the same variable (dy/dx inside
dz/dx); a number at one point is used only by a number at the same point. A part also uses
its own steps. Nothing here evaluates anything: it reads names and the define chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .exercise import Exercise, Part
    from .steps import Step


@dataclass(frozen=True)
class Quantity:
    """A derivative some part or step asks for: d^k of / d wrt..., or a step's ∂of/∂wrt."""

    source: str  # the id of the part or step that asks it
    component: int  # which answer box of the source
    of: str
    wrt: tuple[str, ...]
    at: tuple | None  # the point, when the source asks for a number there
    step: Step | None = None


def _at_key(part: Part) -> tuple | None:
    return None if part.at is None else tuple(sorted((k, repr(v)) for k, v in part.at.items()))


def part_quantities(part: Part) -> list[Quantity]:
    """One quantity per answer box of a part."""
    return [
        Quantity(part.id, c, part.of, tuple(w), _at_key(part))
        for c, w in enumerate(part.components)
    ]


def step_quantity(step: Step) -> Quantity:
    return Quantity(step.id, 0, step.of, (step.wrt,), _at_key(step.parent), step)


def builds_on(exercise: Exercise, q: Quantity, part: Part, component: int) -> bool:
    """Whether the reference of ``part``'s answer box is a function of the quantity ``q``."""
    if q.at is not None and q.at != _at_key(part):
        return False  # a number at one point says nothing about another point or a formula
    wrt = part.components[component]
    if q.step is None and q.of == part.of and q.wrt == tuple(wrt):
        return True  # the same derivative (a formula, then its value at a point)
    if len(wrt) != 1 or len(q.wrt) != 1:
        return False
    x = wrt[0]
    inside = q.of in exercise.depends_on_names(part.of)
    if q.step is not None:
        return inside and x in exercise.depends_on(q.wrt[0])
    return inside and q.wrt[0] == x and x in exercise.depends_on(q.of)


def inferred_uses(exercise: Exercise, part: Part) -> tuple[str, ...]:
    """The earlier parts whose quantities ``part``'s reference is a function of."""
    if part.kind == "code":
        return ()
    out = []
    for earlier in exercise.parts:
        if earlier.index >= part.index:
            break
        if earlier.kind == "code":
            continue
        if any(
            builds_on(exercise, q, part, c)
            for q in part_quantities(earlier)
            for c in range(len(part.components))
        ):
            out.append(earlier.id)
    return tuple(out)


def uses_of(exercise: Exercise, part: Part) -> tuple[str, ...]:
    """The parts ``part`` builds on: as the author listed them, else inferred."""
    if part.spec.uses is not None:
        return tuple(part.spec.uses)
    return inferred_uses(exercise, part)


def check_uses(exercise: Exercise, part: Part) -> str | None:
    """Why the author's ``uses`` of ``part`` cannot hold, or None."""
    ids = [p.id for p in exercise.parts]
    for used in part.spec.uses or []:
        if used not in ids:
            return f"'{used}' is not a part of this exercise"
        earlier = exercise.part(used)
        if earlier.index >= part.index:
            return f"'{used}' does not come before this part: a part uses earlier parts"
        if part.kind == "code" or earlier.kind == "code":
            return "code parts neither give nor get follow-through"
        if not any(
            builds_on(exercise, q, part, c)
            for q in part_quantities(earlier)
            for c in range(len(part.components))
        ):
            return f"this part's answer is not a function of what part '{used}' asks"
    return None


def part_uses(exercise: Exercise) -> dict[str, tuple[str, ...]]:
    """Each part's uses, by part id (found once per exercise)."""
    found = exercise.memo.get("uses")
    if found is None:
        found = exercise.memo["uses"] = {p.id: uses_of(exercise, p) for p in exercise.parts}
    return found
