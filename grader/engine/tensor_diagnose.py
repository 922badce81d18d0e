"""Name the classic backpropagation mistakes in a wrong tensor gradient.

As for scalars (``diagnose``), the wrong answers are computed from the reference
computation itself, never from the answer's text: the define chain is rewritten with one
rule broken (an activation's derivative left out, a mean's 1/N dropped or applied twice) and
differentiated by autograd at the same points; a transposed or negated gradient, the
gradient with respect to an intermediate or another variable of the same shape, and a
constant factor are read off the reference. A candidate explains an answer when it matches
every entry, or when it matches exactly the entries that are wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from .autograd import Value, derivative, evaluate_chain
from .compare import tolerance
from .diagnose import CHAIN, FACTOR, INSTRUCTOR, SIGN, VARIABLE
from .expr import Apply, BinOp, Call, Expr, Index, Literal, Name, Neg, Num, Transpose, children
from .messages import Authored, Label, Message, Number, message
from .render import to_text
from .shapes import Shape, entries, infer
from .tensors import flat

if TYPE_CHECKING:
    from .exercise import Part
    from .instance import Instance

# Diagnosis codes of tensor parts (stable, as the scalar ones).
TRANSPOSE, ACTIVATION, MEAN, PREACTIVATION = "transpose", "activation", "mean", "preactivation"

ACTIVATIONS = {  # the derivative left out, with {u} for the activation's argument
    "sigmoid": "\u03c3\u2032({u}) = \u03c3({u})(1 \u2212 \u03c3({u}))",
    "tanh": "tanh\u2032({u}) = 1 \u2212 tanh\u00b2({u})",
    "relu": "the ReLU mask step({u}) (1 where {u} > 0, else 0)",
    "softmax": "the softmax Jacobian (diag(p) \u2212 p p^T for p = softmax({u}))",
}
MAX_REWRITES = 24  # broken-rule candidates per answer box (each re-runs the define chain)
ORDER = (INSTRUCTOR, TRANSPOSE, PREACTIVATION, ACTIVATION, MEAN, CHAIN, SIGN, VARIABLE)


@dataclass(frozen=True)
class Diagnosis:
    code: str
    messages: tuple[Message, ...]  # what to tell the student (messages.py words them)


@dataclass(frozen=True, eq=False)
class Candidate:
    code: str
    message: Message
    values: torch.Tensor  # flattened point-major, like the answer
    tol: torch.Tensor


def diagnose_tensor(
    inst: Instance, part: Part, c: int, s: torch.Tensor, ok: torch.Tensor
) -> Diagnosis | None:
    """The mistake that explains the answer ``s`` (``ok``: its right entries), or None."""
    size = entries(part.shapes[c]) or 1
    cands = inst.candidates(part, c)
    ranked = sorted(cands, key=lambda k: ORDER.index(k.code))
    for cand in ranked:
        hit = ((s - cand.values).abs() <= cand.tol).view(-1, size).all(0)
        if bool(hit.all()):
            return Diagnosis(cand.code, (cand.message,))
    factor = _factor(inst, part, c, s)
    if factor is not None:
        return factor
    if bool(ok.any()):  # a mistake made in some entries only
        for cand in ranked:
            hit = ((s - cand.values).abs() <= cand.tol).view(-1, size).all(0)
            if bool((hit | ok).all()):
                only = message("tensor.only_wrong_entries")
                return Diagnosis(cand.code, (cand.message, only))
    return None


def _factor(inst: Instance, part: Part, c: int, s: torch.Tensor) -> Diagnosis | None:
    ref = inst.reference(part)[c]
    big = ref.abs() > 1e-3 * float(ref.abs().max())
    if not bool(big.any()):
        return None
    k = float((s[big] / ref[big]).median())
    tol = inst.tolerance(part, c)
    scaled = part.atol + abs(k) * (tol - part.atol)
    if abs(k - 1) > 1e-6 and abs(k + 1) > 1e-6 and abs(k) > 1e-12:
        if bool(((s - k * ref).abs() <= scaled).all()):
            said = message("tensor.factor", factor=Number(k, fraction=True))
            return Diagnosis(FACTOR, (said,))
    return None


def build_tensor_candidates(inst: Instance, part: Part, c: int) -> list[Candidate]:
    """Wrong gradients for one answer box of a tensor part, minus any equal to the reference."""
    ex = inst.exercise
    w = part.components[c][-1]
    shape = part.shapes[c]
    size = entries(shape) or 1
    ref = inst.reference(part)[c]
    n = ref.shape[0] // size
    values = inst.at_values(part) if part.numeric else inst.sample_points
    out: list[Candidate] = []

    def add(code: str, said: Message, value: Value) -> None:
        if isinstance(value, torch.Tensor) and value.shape == ref.shape:
            v = value.detach()
        else:
            v = flat(value, n, size, inst.device).detach()
        if v.shape != ref.shape or not bool(torch.isfinite(v).all()):
            return
        tol = tolerance(v, part.rtol, part.atol)
        if bool(((v - ref).abs() <= inst.tolerance(part, c)).all()):
            return
        if any(bool(((v - k.values).abs() <= k.tol).all()) for k in out):
            return
        out.append(Candidate(code, said, v, tol))

    def gradient(
        defines: list[tuple[str, Expr]], wrt: str = w, as_leaf: str | None = None
    ) -> torch.Tensor:
        leaves = inst.leaves(values)
        env = {**inst.param_env, **leaves}
        replace = None
        holder: dict = {}
        if as_leaf is not None:

            def make_leaf(val: Value) -> Value:
                holder["leaf"] = torch.as_tensor(val).detach().clone().requires_grad_(True)
                return holder["leaf"]

            replace = {as_leaf: make_leaf}
        out_env = evaluate_chain(defines, env, replace=replace)
        target = holder["leaf"] if as_leaf is not None else leaves[wrt]
        return derivative(out_env[part.of], target, create_graph=False)

    # Instructor mistakes first: their feedback wins.
    env, npts = inst.answer_env(part)
    from .autograd import evaluate

    for nodes, feedback in part.mistakes:
        node = nodes[0] if len(nodes) == 1 else nodes[c]
        v = flat(evaluate(node, env), npts, size, inst.device)
        authored = message("instructor.feedback", feedback=Authored(feedback))
        out.append(Candidate(INSTRUCTOR, authored, v, tolerance(v, part.rtol, part.atol)))
    if len(shape) == 2 and shape[0] == shape[1]:
        t = ref.view(n, *shape).transpose(-1, -2)
        add(TRANSPOSE, message("tensor.transpose", derivative=Label(f"d{part.of}/d{w}")), t)
    used = ex.depends_on_names(part.of)
    defines = [(d, node) for d, node in ex.defines if d in used]
    budget = MAX_REWRITES
    for _, tree in defines:
        for node in _walk(tree):
            if budget <= 0:
                break
            for code, said, replacement in _broken(node, w, ex.shapes):
                budget -= 1
                add(code, said, gradient(_rewrite(defines, node, replacement)))
    for d, _ in defines:  # an intermediate of the variable's shape, taken as the answer
        if d == part.of or w not in ex.depends_on(d) or ex.shapes.get(d, ()) != shape:
            continue
        said = message(
            "tensor.chain",
            alone=Label(f"d{part.of}/d{d}"),
            name=Label(d),
            variable=Label(w),
            through=Label(f"d{d}/d{w}"),
        )
        add(CHAIN, said, gradient(defines, as_leaf=d))
    add(SIGN, message("tensor.sign"), -ref)
    for other in sorted(ex.depends_on(part.of)):
        if other != w and ex.shapes.get(other, ()) == shape:
            said = message("tensor.variable", other=Label(other), variable=Label(w))
            add(VARIABLE, said, gradient(defines, wrt=other))
    return out


def _broken(node: Expr, w: str, shapes: dict[str, Shape]) -> list[tuple[str, Message, Expr]]:
    """(code, message, replacement node) for each backprop rule ``node`` lets one break."""
    if isinstance(node, Call | Apply) and node.fn in ACTIVATIONS:
        arg = node.arg if isinstance(node, Call) else node.args[0]
        straight = Apply("_straight", (node, arg))
        inner = to_text(arg)
        derivative_text = ACTIVATIONS[node.fn].format(u=inner if len(inner) <= 2 else "u")
        fn, derivative_of = Label(node.fn), Label(derivative_text)
        if isinstance(arg, Name) and arg.name == w:
            said = message(
                "tensor.preactivation",
                activated=Label(f"{node.fn}({w})"),
                variable=Label(w),
                function=fn,
                derivative=derivative_of,
            )
            return [(PREACTIVATION, said, straight)]
        if len(inner) > 2:
            said = message(
                "tensor.activation_inner", function=fn, derivative=derivative_of, inner=Label(inner)
            )
        else:
            said = message("tensor.activation", function=fn, derivative=derivative_of)
        return [(ACTIVATION, said, straight)]
    if isinstance(node, Apply) and node.fn in ("mean", "mse", "cross_entropy"):
        count = _averaged(node, shapes)
        if count > 1:
            return [
                (
                    MEAN,
                    message("tensor.mean_missing", count=Number(float(count))),
                    Apply("_scale", (node, Num(float(count)))),
                ),
                (
                    MEAN,
                    message("tensor.mean_twice", count=Number(float(count))),
                    Apply("_scale", (node, Num(1.0 / count))),
                ),
            ]
    return []


def _averaged(node: Apply, shapes: dict[str, Shape]) -> int:
    """How many entries the mean in ``node`` divides by (1 when there is none)."""
    shape = infer(node.args[0], shapes)
    if node.fn == "cross_entropy":
        return shape[0] if len(shape) == 2 else 1
    if node.fn == "mean" and len(node.args) == 2:
        dim = node.args[1]
        return shape[int(dim.value) % len(shape)] if shape and isinstance(dim, Num) else 1
    return entries(shape) if shape else 1


def _walk(node: Expr) -> Iterator[Expr]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def _rewrite(
    defines: list[tuple[str, Expr]], target: Expr, replacement: Expr
) -> list[tuple[str, Expr]]:
    """The define chain with node ``target`` (by identity) replaced."""

    def sub(n: Expr) -> Expr:
        if n is target:
            return replacement
        kids = children(n)
        if not kids:
            return n
        new = tuple(sub(k) for k in kids)
        if all(a is b for a, b in zip(new, kids, strict=True)):
            return n
        if isinstance(n, BinOp):
            return BinOp(n.op, *new)
        if isinstance(n, Apply):
            return Apply(n.fn, new)
        if isinstance(n, Call):
            return Call(n.fn, new[0])
        if isinstance(n, Literal):
            return Literal(new)
        if isinstance(n, Index):
            return Index(new[0], n.indices)
        if isinstance(n, Neg):
            return Neg(new[0])
        return Transpose(new[0])

    return [(d, sub(tree)) for d, tree in defines]
