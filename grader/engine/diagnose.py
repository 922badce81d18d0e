"""Name the mistake in a wrong derivative, from the reference computation itself.

For each part we compute what a student who made a classic mistake would have written, by
running the same torch computation with one rule broken: a node's inner derivative left out
(chain rule), a product differentiated as u'v', a quotient with + for -, an intermediate
treated as the variable, the function itself, the derivative with respect to another
variable. Sign errors, constant factors and constant offsets are recognised by comparing the
answer with the reference directly. Nothing here looks at the text of the answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from .autograd import (
    Patch,
    as_points,
    binary,
    derivative,
    evaluate,
    local_derivative,
    nth_derivative,
)
from .compare import all_match, tolerance
from .expr import BinOp, Call, Expr, Name, Neg, Num, node_count
from .render import format_number, to_text

if TYPE_CHECKING:
    from .exercise import Part
    from .instance import Instance

# Diagnosis codes (stable: the API and the web app show them).
SIGN, FACTOR, OFFSET, FUNCTION, VARIABLE = "sign", "factor", "offset", "function", "variable"
CHAIN, PRODUCT, QUOTIENT, INSTRUCTOR = "chain", "product", "quotient", "instructor"


# Each broken-rule candidate re-runs the define chain once; cap them per answer box.
MAX_STRUCTURAL = 48
# Work one submission may spend building candidates, in nodes evaluated or differentiated
# (a candidate that re-runs a chain of D definition nodes and differentiates it k times counts
# D * 3^k, the measured growth of autograd graphs per order). About 1 s of one core here; boxes
# past it get the cheap diagnoses only (sign, factor, offset) and are completed by the next
# submission. See docs/engine.md, "Bounds".
MAX_DIAGNOSIS_WORK = 250_000

_budget: ContextVar[list[int] | None] = ContextVar("diagnosis_budget", default=None)


@contextmanager
def diagnosis_budget(work: int = MAX_DIAGNOSIS_WORK) -> Iterator[list[int]]:
    """Share one budget of candidate-building work among the diagnoses made inside."""
    remaining = [work]
    token = _budget.set(remaining)
    try:
        yield remaining
    finally:
        _budget.reset(token)


@contextmanager
def submission_budget() -> Iterator[list[int]]:
    """A fresh budget for one submission, or the caller's when one is open (shared then)."""
    remaining = _budget.get()
    if remaining is not None:
        yield remaining
        return
    with diagnosis_budget() as remaining:
        yield remaining


def _afford(cost: int) -> bool:
    """Spend ``cost`` from the current budget if it allows; False (and spend nothing) if not."""
    remaining = _budget.get()
    if remaining is None or remaining[0] < cost:
        return False
    remaining[0] -= cost
    return True


@dataclass(frozen=True, eq=False)
class Candidate:
    code: str
    message: str
    values: torch.Tensor


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """An answer box's instructor mistakes and generic candidates, stacked for one compare."""

    instructor: list[Candidate]
    generic: list[Candidate]
    stacked: torch.Tensor | None  # rows: instructor then generic
    tol: torch.Tensor | None
    reference_is_zero: bool
    ratio_points: torch.Tensor | None = None  # where |ref| is large enough to divide by
    ratio_ref: torch.Tensor | None = None  # ref at those points
    complete: bool = True  # False when the work budget ran out before every candidate was built
    retry: bool = False  # True when it ran out before any rule was tried: not worth keeping

    def hits(self, s: torch.Tensor) -> list[bool]:
        if self.stacked is None or self.tol is None:
            return []
        return ((s - self.stacked).abs() <= self.tol).all(dim=1).tolist()


@dataclass(frozen=True)
class Diagnosis:
    code: str
    message: str


def show(node: Expr, params: dict) -> str:
    """Plain text of an instructor expression with this student's params filled in."""

    def sub(n: Expr) -> Expr:
        if isinstance(n, Name) and n.name in params:
            return Num(float(params[n.name]))
        if isinstance(n, Neg):
            return Neg(sub(n.arg))
        if isinstance(n, Call):
            return Call(n.fn, sub(n.arg))
        if isinstance(n, BinOp):
            return BinOp(n.op, sub(n.left), sub(n.right))
        return n

    return to_text(sub(node))


def _walk(node: Expr):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Neg | Call):
            stack.append(n.arg)
        elif isinstance(n, BinOp):
            stack.extend((n.right, n.left))


def build_candidates(inst: Instance, part: Part, component: int) -> CandidateSet:
    """Wrong derivatives for one answer box, minus any that equal the reference.

    Spends the current ``diagnosis_budget`` (a fresh one when none is open); candidates it
    cannot afford are left out and the set is marked incomplete."""
    if _budget.get() is None:
        with diagnosis_budget():
            return build_candidates(inst, part, component)
    ref = inst.reference(part)[component]
    n = ref.shape[0]
    out: list[Candidate] = []

    def add(code: str, message: str, value) -> None:
        v = as_points(value, n, inst.device)
        if not bool(torch.isfinite(v).all()) or all_match(v, ref, part.rtol, part.atol):
            return
        if any(all_match(v, c.values, part.rtol, part.atol) for c in out):
            return
        out.append(Candidate(code, message, v.detach()))

    instructor, complete = _instructor_candidates(inst, part, component)
    chain = chain_work(inst.exercise)
    retry = not _afford(2 * chain)  # nothing but the instructor's: build again next time
    if not retry:
        complete = _rule_candidates(inst, part, component, chain, add) and complete
    rows = instructor + out
    stacked = torch.stack([c.values for c in rows]) if rows else None
    tol = torch.stack([tolerance(c.values, part.rtol, part.atol) for c in rows]) if rows else None
    is_zero = all_match(ref, torch.zeros_like(ref), part.rtol, part.atol)
    size = ref.abs()
    big = size > 1e-3 * float(size.max())
    if is_zero or not bool(big.any()):
        return CandidateSet(instructor, out, stacked, tol, is_zero, complete=complete, retry=retry)
    return CandidateSet(instructor, out, stacked, tol, is_zero, big, ref[big], complete, retry)


def _rule_candidates(inst: Instance, part: Part, component: int, chain: int, add) -> bool:
    """Add the broken-rule candidates the budget affords; False when it cut them short."""
    ex = inst.exercise
    wrt = part.components[component]
    values = inst.at_values(part) if part.numeric else inst.points
    leaves = inst.leaves(values)
    env = inst.chain(leaves)
    order = len(wrt)
    w = wrt[-1]
    complete = True
    # The common mistakes are afforded first (the function itself, the wrong variable) but
    # added after the structural ones, which win a tie.
    late = []
    if _afford(chain * 3 ** (order - 1)):
        lower = nth_derivative(env[part.of], leaves, wrt[:-1])
        if order == 1:
            message = f"You gave the function {part.of} itself, not its derivative."
        else:
            message = "That is a derivative of one order lower: differentiate once more."
        late.append((FUNCTION, message, lower))
    else:
        complete = False
    for v in sorted(ex.depends_on(part.of)):
        if v == w:
            continue
        if not _afford(chain * 3**order):
            complete = False
            break
        late.append(
            (
                VARIABLE,
                f"That is the derivative with respect to {v}; this asks for the derivative "
                f"with respect to {w}.",
                nth_derivative(env[part.of], leaves, [*wrt[:-1], v]),
            )
        )
    if order == 1:
        structural = _Structural(inst, part, w, leaves, env, 3 * chain)
        for code, message, value in structural:
            add(code, message, value)
        complete = complete and structural.complete
    for code, message, value in late:
        add(code, message, value)
    return complete


def chain_work(exercise) -> int:
    """Nodes one evaluation of the define chain costs (cached on the exercise)."""
    work = getattr(exercise, "_chain_work", None)
    if work is None:
        work = exercise._chain_work = sum(node_count(tree) for _, tree in exercise.defines)
    return work


def _instructor_candidates(
    inst: Instance, part: Part, component: int
) -> tuple[list[Candidate], bool]:
    """The part's ``mistakes`` evaluated for this instance (a single answer fits any box),
    first in the budget: the instructor's feedback wins. False when some were unaffordable."""
    env, n = inst.answer_env(part)
    out: list[Candidate] = []
    for nodes, feedback in part.mistakes:
        node = nodes[0] if len(nodes) == 1 else nodes[component]
        if not _afford(node_count(node)):
            return out, False
        values = as_points(evaluate(node, env), n, inst.device)
        out.append(Candidate(INSTRUCTOR, feedback, values.detach()))
    return out, True


class _Structural:
    """Chain, product and quotient mistakes, one broken rule at a time (first order).

    Iterating yields (code, message, values); each costs ``cost`` from the budget, and
    ``complete`` is False afterwards when the budget stopped it."""

    def __init__(self, inst: Instance, part: Part, w: str, leaves, env, cost: int):
        self.inst, self.part, self.w, self.leaves, self.env = inst, part, w, leaves, env
        self.cost = cost
        self.complete = True

    def __iter__(self):
        inst, part, w, leaves, env = self.inst, self.part, self.w, self.leaves, self.env
        ex = inst.exercise
        leaf = leaves[w]
        depends = {name for name, _ in ex.defines if w in ex.depends_on(name)} | {w}
        used = ex.depends_on_names(part.of)
        # Intermediates: treat y as if it were the variable (forgot dy/dx), or dy/dx alone.
        for name, _ in ex.defines:
            if name == part.of or name not in used or name not in depends:
                continue
            if not self._afford():
                return
            patched = inst.chain(leaves, replace={name: lambda val: _as_leaf(val, leaf)})
            yield (
                CHAIN,
                f"That is d{part.of}/d{name} alone, but {name} depends on {w}: multiply by "
                f"d{name}/d{w} (chain rule).",
                derivative(patched[part.of], leaf, create_graph=False),
            )
            yield (
                CHAIN,
                f"That is d{name}/d{w} alone; {part.of} depends on {w} through {name}, so "
                f"multiply by d{part.of}/d{name} (chain rule).",
                derivative(env[name], leaf, create_graph=False),
            )
        params = inst.params
        budget = MAX_STRUCTURAL
        for name, tree in ex.defines:
            if name not in used and name != part.of:
                continue
            on_w = _mentions(tree, depends)
            for node in _walk(tree):
                rule = _broken_rule(node, on_w, leaf, params)
                if rule is None:
                    continue
                budget -= 1
                if budget < 0 or not self._afford():
                    return
                code, message, wrong = rule
                patched = inst.chain(leaves, patch=Patch(node, leaf, wrong))
                yield code, message, derivative(patched[part.of], leaf, create_graph=False)

    def _afford(self) -> bool:
        if _afford(self.cost):
            return True
        self.complete = False
        return False


def _mentions(tree: Expr, names: set[str]):
    """A test of whether a node of ``tree`` mentions one of ``names``: one pass over the
    tree, instead of a walk of each node's subtree (quadratic in the tree's size)."""
    hit: set[int] = set()
    for n in reversed(list(_walk(tree))):  # children before their parents
        if isinstance(n, Name):
            found = n.name in names
        elif isinstance(n, Neg | Call):
            found = id(n.arg) in hit
        elif isinstance(n, BinOp):
            found = id(n.left) in hit or id(n.right) in hit
        else:
            found = False
        if found:
            hit.add(id(n))
    return lambda node: id(node) in hit


def _as_leaf(value, leaf: torch.Tensor):
    return torch.as_tensor(value).detach() + (leaf - leaf.detach())


def _broken_rule(node: Expr, on_w, leaf, params):
    """(code, message, wrong-derivative function) for a node where a rule can be broken."""

    def d(t):
        return derivative(t, leaf, create_graph=False)

    if isinstance(node, Call) and on_w(node.arg) and not isinstance(node.arg, Name):
        inner = show(node.arg, params)
        return (
            CHAIN,
            f"You differentiated {node.fn}(...) but forgot to multiply by the derivative of "
            f"its inside, {inner} (chain rule).",
            lambda u, fn=node.fn: local_derivative(lambda t: _call(fn, t), u),
        )
    if not isinstance(node, BinOp):
        return None
    left_w, right_w = on_w(node.left), on_w(node.right)
    if not (left_w or right_w) or node.op not in "^*/":
        return None
    u, v = show(node.left, params), show(node.right, params)
    if node.op == "^" and left_w and not right_w and not isinstance(node.left, Name):
        return (
            CHAIN,
            f"You differentiated the power ({u})^{v} but forgot to multiply by the derivative "
            f"of the inside, {u} (chain rule).",
            lambda a, b: local_derivative(lambda t: binary("^", t, b), a),
        )
    if node.op == "^" and right_w and not left_w and not isinstance(node.right, Name):
        return (
            CHAIN,
            f"You differentiated {u}^(...) but forgot to multiply by the derivative of the "
            f"exponent, {v} (chain rule).",
            lambda a, b: local_derivative(lambda t: binary("^", a, t), b),
        )
    if node.op == "*" and left_w and right_w:
        return (
            PRODUCT,
            "You multiplied the derivatives, but (uv)' is not u'v': use the product rule "
            f"(uv)' = u'v + uv' with u = {u} and v = {v}.",
            lambda a, b: d(a) * d(b),
        )
    if node.op == "/" and left_w and right_w:
        return (
            QUOTIENT,
            "The quotient rule has a minus sign: (u/v)' = (u'v - uv')/v^2, with "
            f"u = {u} and v = {v}; you added the two terms.",
            lambda a, b: (d(a) * b + a * d(b)) / b**2,
        )
    return None


def _call(fn: str, t):
    return evaluate(Call(fn, Name("_t")), {"_t": t})


def diagnose(inst: Instance, part: Part, component: int, s: torch.Tensor) -> Diagnosis | None:
    """The first recognised mistake that ``s`` (the answer's values) matches.

    The instructor's ``mistakes`` come first (their feedback wins); the diagnosis code is still
    the generic one when a generic mistake matches too.
    """
    cands = inst.candidates(part, component)
    hits = cands.hits(s)
    k = len(cands.instructor)
    found = _generic(inst, part, component, s, cands, hits[k:])
    for cand, hit in zip(cands.instructor, hits[:k], strict=True):
        if hit:
            return Diagnosis(found.code if found else INSTRUCTOR, cand.message)
    return found


def _generic(
    inst: Instance, part: Part, component, s, cands: CandidateSet, hits
) -> Diagnosis | None:
    ref = inst.reference(part)[component]
    tol = inst.tolerance(part, component)
    for c, hit in zip(cands.generic, hits, strict=True):
        if hit and c.code in (CHAIN, PRODUCT, QUOTIENT):
            return Diagnosis(c.code, c.message)
    nonzero = not cands.reference_is_zero
    if nonzero and bool(((s + ref).abs() <= tol).all()):
        return Diagnosis(SIGN, "The sign is wrong: your answer is the negative of the derivative.")
    for c, hit in zip(cands.generic, hits, strict=True):
        if hit and c.code in (FUNCTION, VARIABLE):
            return Diagnosis(c.code, c.message)
    if part.numeric or not nonzero:
        return None
    if cands.ratio_points is not None:
        k = float((s[cands.ratio_points] / cands.ratio_ref).median())
        # the tolerance of k * ref is that of ref scaled by |k| (see compare.tolerance)
        scaled = part.atol + abs(k) * (tol - part.atol)
        if abs(k - 1) > 1e-6 and abs(k) > 1e-12 and bool(((s - k * ref).abs() <= scaled).all()):
            return Diagnosis(
                FACTOR,
                f"Your answer is {_nice(k)} times the derivative: a constant factor is off "
                "(an exponent not brought down, or a coefficient dropped?).",
            )
    diff = s - ref
    shift = float(diff.median())
    if math.isfinite(shift) and bool(((diff - shift).abs() <= tol).all()):
        return Diagnosis(
            OFFSET,
            f"Your answer is off by a constant ({_nice(shift)}): check the constant terms; "
            "the derivative of a constant is 0.",
        )
    return None


def _nice(x: float) -> str:
    if not abs(x) < 1e15:  # huge (or not finite): no fraction to find
        return f"{x:.4g}"
    for den in (2, 3, 4, 5, 6, 8, 10):
        num = round(x * den)
        if abs(num / den - x) < 1e-9 * max(1.0, abs(x)):
            return format_number(num / den) if den == 1 or num % den == 0 else f"{num}/{den}"
    return f"{x:.4g}"
