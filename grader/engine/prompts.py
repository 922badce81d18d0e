"""What each part asks, as LaTeX and plain text (d z/d x, second and mixed partials)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .render import format_number, latex_name
from .values import param_latex

if TYPE_CHECKING:
    from .exercise import Exercise, Part


def derivative_latex(of: str, wrt: list[str], partial: bool) -> str:
    d = r"\partial " if partial else "d"
    order = len(wrt)
    top = f"{d}^{{{order}}} {latex_name(of)}" if order > 1 else f"{d} {latex_name(of)}"
    if len(set(wrt)) == 1:
        v = latex_name(wrt[0])
        bottom = f"{d} {v}^{{{order}}}" if order > 1 else f"{d} {v}"
    else:
        bottom = " ".join(f"{d} {latex_name(v)}" for v in reversed(wrt))
    return rf"\frac{{{top}}}{{{bottom}}}"


def derivative_text(of: str, wrt: list[str], partial: bool) -> str:
    d = "\u2202" if partial else "d"
    order = len(wrt)
    top = f"{d}{'^' + str(order) if order > 1 else ''}{of}"
    if len(set(wrt)) == 1:
        bottom = f"{d}{wrt[0]}{'^' + str(order) if order > 1 else ''}"
    else:
        bottom = "".join(f"{d}{v}" for v in reversed(wrt))
    return f"{top}/{bottom}"


def part_prompt(exercise: Exercise, part: Part, params: dict) -> dict:
    """A student-facing description of one part (never its answer)."""
    partial = len(exercise.depends_on(part.of)) > 1 or len(exercise.spec.variables) > 1
    labels = [derivative_latex(part.of, w, partial) for w in part.components]
    texts = [derivative_text(part.of, w, partial) for w in part.components]
    at = ""
    if part.at is not None:
        at = ", ".join(f"{latex_name(v)} = {_value_latex(x)}" for v, x in part.at.items())
    if part.kind == "gradient":
        body = r"\nabla " + latex_name(part.of)
        if len(part.wrt) != len(exercise.spec.variables):
            body += r"\ \text{w.r.t. } (" + ", ".join(latex_name(w) for w in part.wrt) + ")"
    else:
        body = labels[0]
    prompt = rf"\left.{body}\right|_{{{at}}}" if at else body
    out = {
        "id": part.id,
        "kind": part.kind,
        "points": part.points,
        "numeric": part.numeric,
        "prompt_latex": prompt,
        "components": labels,
        "component_labels": texts,
        "at": dict(part.at) if part.at else None,
        # each answer box's shape: [] for a number, [2, 3] for a 2x3 matrix (a grid of boxes)
        "shapes": [list(s) for s in part.shapes] if part.is_tensor else None,
    }
    if part.spec.code is not None:
        out["code"] = code_prompt(exercise, part)
    return out


def code_prompt(exercise: Exercise, part: Part) -> dict:
    """What a code part asks: the function to write, its inputs' shapes and the starter."""
    from .code_spec import batch_of

    code = part.spec.code
    assert code is not None
    spec = exercise.generic_spec
    shapes = {}
    for a in code.args:
        if a == code.upstream:  # shaped like the output: find its batch dimension
            dims: list = list(exercise.shapes.get(part.of, ()))
            batch = batch_of(spec)
            if batch:
                other = exercise.variant(batch[1][0] % 16 + 1).shapes.get(part.of, ())
                dims = [batch[0] if d != o else d for d, o in zip(dims, other, strict=False)]
            shapes[a] = dims
        else:
            v = spec.variables.get(a)
            shapes[a] = list(getattr(v, "shape", []))
    return {
        "function": code.function,
        "signature": f"def {code.function}({', '.join(code.args)}):",
        "args": list(code.args),
        "returns": list(code.returns),
        "wrt": list(part.wrt),
        "shapes": shapes,
        "batch": {"name": batch[0], "sizes": batch[1]} if (batch := batch_of(spec)) else None,
        "starter": code.starter,
        "modules": list(code.modules),
    }


def _value_latex(x: Any) -> str:
    return param_latex(x) if isinstance(x, list) else format_number(x)
