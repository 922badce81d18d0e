"""Name the mistake in a wrong derivative, from the reference computation itself.

For each part we compute what a student who made a classic mistake would have written, by
running the same torch computation with one rule broken: a node's inner derivative left out
(chain rule), a product differentiated as u'v' or with one of its two terms, a quotient with
+ for - or over v instead of v^2, an intermediate
treated as the variable, the function itself, the derivative with respect to another
variable. Sign errors, constant factors and constant offsets are recognised by comparing the
answer with the reference directly. These candidates are computed once per (exercise, seed)
and kept as numpy arrays, so checking an answer against all of them is one comparison.

When none of those fits and the answer is a sum of terms, each term is tried as the one
mistake (``term_diagnosis``): its sign flipped, a term that should not be there, its
coefficient off, its power of the variable off by one (the power rule slipped), or a term in
x^k missing altogether. This too is decided from values only: the difference between the
answer and the derivative is compared with -2·term, term, (1 - m)·term, term - m·term·x^j
at the sample points; the term's text is used only to name it in the message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from .autograd import (
    Patch,
    Value,
    as_points,
    binary,
    derivative,
    evaluate,
    local_derivative,
    nth_derivative,
)
from .budget import afford, diagnosis_budget, open_budget
from .compare import all_match, tolerance
from .expr import (
    BinOp,
    Call,
    Expr,
    Name,
    Neg,
    Num,
    ParseError,
    names_in,
    node_count,
    term_texts,
    terms_of,
)
from .labels import label_end
from .messages import Authored, Formula, Label, Message, Number, formula, message
from .npeval import Unsupported, as_points_np, compile_np, to_array
from .symbolic import derivative as formula_derivative

if TYPE_CHECKING:
    from .exercise import Part
    from .instance import Instance

# Diagnosis codes (stable: the API and the web app show them).
SIGN, FACTOR, OFFSET, FUNCTION, VARIABLE = "sign", "factor", "offset", "function", "variable"
CHAIN, PRODUCT, QUOTIENT, INSTRUCTOR = "chain", "product", "quotient", "instructor"
TERM_SIGN, TERM_EXTRA, TERM_COEFFICIENT = "term_sign", "term_extra", "term_coefficient"
TERM_POWER, TERM_MISSING = "term_power", "term_missing"
CODES = (
    CHAIN, PRODUCT, QUOTIENT, SIGN, FUNCTION, VARIABLE, FACTOR, OFFSET,
    TERM_SIGN, TERM_EXTRA, TERM_COEFFICIENT, TERM_POWER, TERM_MISSING, INSTRUCTOR,
)  # fmt: skip


# Each broken-rule candidate re-runs the define chain once; cap them per answer box.
MAX_STRUCTURAL = 48
# Term diagnosis: at most this many terms are tried (a longer sum is named as a whole).
MAX_TERMS = 24
# Powers of the variable a term may be off by (x^j) and missing terms tried (x^k).
POWER_SHIFTS = (-1, 1, 2, -2)
MISSING_POWERS = (1, 2, 3, 4, 5, -1, -2)


# The work one submission may spend building candidates: see budget.py.
@dataclass(frozen=True, eq=False)
class Candidate:
    code: str
    message: Message
    values: np.ndarray
    # Which mistake this is, the same for every param draw (``rule f 3``: the rule broken at
    # the 3rd node of f's definition): analytics groups answers across draws by it.
    key: str = ""


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """An answer box's instructor mistakes and generic candidates, stacked for one compare."""

    instructor: list[Candidate]
    generic: list[Candidate]
    stacked: np.ndarray | None  # rows: instructor then generic
    tol: np.ndarray | None
    reference_is_zero: bool
    ratio_points: np.ndarray | None = None  # where |ref| is large enough to divide by
    ratio_ref: np.ndarray | None = None  # ref at those points
    complete: bool = True  # False when the work budget ran out before every candidate was built
    retry: bool = False  # True when it ran out before any rule was tried: not worth keeping

    def hits(self, s: np.ndarray) -> list[bool]:
        if self.stacked is None or self.tol is None:
            return []
        return (np.abs(s - self.stacked) <= self.tol).all(axis=1).tolist()  # (under errstate)


@dataclass(frozen=True)
class Diagnosis:
    code: str  # the mistake's kind (chain, sign, term_power, ...): stable, the API shows it
    message: Message  # what to tell the student (its own code: chain.missing_inner, ...)


def with_params(node: Expr, params: dict) -> Expr:
    """An instructor expression with this student's params filled in as numbers."""
    if isinstance(node, Name) and node.name in params:
        return Num(float(params[node.name]))
    if isinstance(node, Neg):
        return Neg(with_params(node.arg, params))
    if isinstance(node, Call):
        return Call(node.fn, with_params(node.arg, params))
    if isinstance(node, BinOp):
        return BinOp(node.op, with_params(node.left, params), with_params(node.right, params))
    return node


def show(node: Expr, params: dict) -> Formula:
    """An instructor expression with this student's params filled in (LaTeX and text)."""
    return formula(with_params(node, params))


MAX_INLINED = 400  # nodes of a sub-expression with its definitions written in (see inlined)


def inlined(node: Expr, defines: dict[str, Expr]) -> Expr | None:
    """``node`` with each defined name replaced by its definition (recursively), so that it is
    a formula in the variables; None when that would pass ``MAX_INLINED`` nodes."""
    memo: dict[str, Expr | None] = {}
    budget = [MAX_INLINED]

    def sub(n: Expr) -> Expr | None:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        if isinstance(n, Name):
            if n.name not in defines:
                return n
            if n.name not in memo:
                memo[n.name] = sub(defines[n.name])
            found = memo[n.name]
            if found is not None:
                budget[0] -= node_count(found)
            return found if budget[0] >= 0 else None
        if isinstance(n, Neg | Call):
            arg = sub(n.arg)
            if arg is None:
                return None
            return Neg(arg) if isinstance(n, Neg) else Call(n.fn, arg)
        if isinstance(n, BinOp):
            left, right = sub(n.left), sub(n.right)
            if left is None or right is None:
                return None
            return BinOp(n.op, left, right)
        return n

    return sub(node)


def derivative_shown(node: Expr, w: str, params: dict, defines: dict[str, Expr]) -> Formula | None:
    """d node / d w as a tidy formula in the variables, with the student's params (the
    factor a chain-rule message tells the student to multiply by); None when it is too big."""
    whole = inlined(with_params(node, params), defines)
    if whole is None:
        return None
    found = formula_derivative(whole, w)
    return None if found is None else formula(found)


def _walk(node: Expr) -> Iterator[Expr]:
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
    if open_budget() is None:
        with diagnosis_budget():
            return build_candidates(inst, part, component)
    ref = inst.reference(part)[component]
    n = ref.shape[0]
    out: list[Candidate] = []

    kept: list[torch.Tensor] = []

    def add(code: str, said: Message, value: Value, key: str) -> None:
        v = as_points(value, n, inst.device).detach()
        if not bool(torch.isfinite(v).all()) or all_match(v, ref, part.rtol, part.atol):
            return
        if any(all_match(v, k, part.rtol, part.atol) for k in kept):
            return
        kept.append(v)
        out.append(Candidate(code, said, to_array(v), key))

    instructor, complete = _instructor_candidates(inst, part, component)
    chain = inst.exercise.chain_work
    retry = not afford(2 * chain)  # nothing but the instructor's: build again next time
    if not retry:
        complete = _rule_candidates(inst, part, component, chain, add) and complete
    rows = instructor + out
    stacked = np.stack([c.values for c in rows]) if rows else None
    tol = (
        np.stack(
            [to_array(tolerance(torch.from_numpy(c.values), part.rtol, part.atol)) for c in rows]
        )
        if rows
        else None
    )
    is_zero = all_match(ref, torch.zeros_like(ref), part.rtol, part.atol)
    ref_np = to_array(ref)
    size = np.abs(ref_np)
    big = size > 1e-3 * float(size.max())
    if is_zero or not bool(big.any()):
        return CandidateSet(instructor, out, stacked, tol, is_zero, complete=complete, retry=retry)
    return CandidateSet(instructor, out, stacked, tol, is_zero, big, ref_np[big], complete, retry)


def _rule_candidates(
    inst: Instance, part: Part, component: int, chain: int, add: Callable[..., None]
) -> bool:
    """Add the broken-rule candidates the budget affords; False when it cut them short."""
    ex = inst.exercise
    wrt = part.components[component]
    values = inst.at_values(part) if part.numeric else inst.sample_points
    leaves = inst.leaves(values)
    env = inst.chain(leaves)
    order = len(wrt)
    w = wrt[-1]
    complete = True
    # The common mistakes are afforded first (the function itself, the wrong variable) but
    # added after the structural ones, which win a tie.
    late = []
    if afford(chain * 3 ** (order - 1)):
        lower = nth_derivative(env[part.of], leaves, wrt[:-1])
        if order == 1:
            said = message("function.itself", function=Label(part.of))
        else:
            said = message("function.lower_order")
        late.append((FUNCTION, said, lower, "function"))
    else:
        complete = False
    for v in sorted(ex.depends_on(part.of)):
        if v == w:
            continue
        if not afford(chain * 3**order):
            complete = False
            break
        said = message("variable.other", other=Label(v), variable=Label(w))
        other = nth_derivative(env[part.of], leaves, [*wrt[:-1], v])
        late.append((VARIABLE, said, other, f"variable {v}"))
    if order == 1:
        structural = _Structural(inst, part, w, leaves, env, 3 * chain)
        for code, said, value, key in structural:
            add(code, said, value, key)
        complete = complete and structural.complete
    for code, said, value, key in late:
        add(code, said, value, key)
    return complete


def _instructor_candidates(
    inst: Instance, part: Part, component: int
) -> tuple[list[Candidate], bool]:
    """The part's ``mistakes`` evaluated for this instance (a single answer fits any box),
    first in the budget: the instructor's feedback wins. False when some were unaffordable."""
    env, n = inst.answer_env(part)
    out: list[Candidate] = []
    for i, (nodes, feedback) in enumerate(part.mistakes):
        node = nodes[0] if len(nodes) == 1 else nodes[component]
        if not afford(node_count(node)):
            return out, False
        values = as_points(evaluate(node, env), n, inst.device)
        said = message("instructor.feedback", feedback=Authored(feedback))
        out.append(Candidate(INSTRUCTOR, said, to_array(values), f"mistake {i}"))
    return out, True


class _Structural:
    """Chain, product and quotient mistakes, one broken rule at a time (first order).

    Iterating yields (code, message, values, key); each costs ``cost`` from the budget, and
    ``complete`` is False afterwards when the budget stopped it."""

    def __init__(
        self,
        inst: Instance,
        part: Part,
        w: str,
        leaves: dict[str, torch.Tensor],
        env: dict[str, Value],
        cost: int,
    ):
        self.inst, self.part, self.w, self.leaves, self.env = inst, part, w, leaves, env
        self.cost = cost
        self.complete = True

    def __iter__(self) -> Iterator[tuple[str, Message, Value, str]]:
        inst, part, w, leaves, env = self.inst, self.part, self.w, self.leaves, self.env
        ex = inst.exercise
        leaf = leaves[w]
        depends = {name for name, _ in ex.defines if w in ex.depends_on(name)} | {w}
        used = ex.depends_on_names(part.of)
        # Intermediates: treat y as if it were the variable (forgot dy/dx), or dy/dx alone.
        for name, _ in ex.defines:
            if name == part.of or name not in used or name not in depends:
                continue
            if not self.afford():
                return
            patched = inst.chain(leaves, replace={name: lambda val: _as_leaf(val, leaf)})
            names = {
                "outer": Label(f"d{part.of}/d{name}"),
                "inner_derivative": Label(f"d{name}/d{w}"),
                "inner": Label(name),
                "variable": Label(w),
            }
            yield (
                CHAIN,
                Message("chain.outer_alone", names),
                derivative(patched[part.of], leaf, create_graph=False),
                f"outer {name}",
            )
            yield (
                CHAIN,
                Message("chain.inner_alone", {**names, "function": Label(part.of)}),
                derivative(env[name], leaf, create_graph=False),
                f"inner {name}",
            )
        params = inst.param_values
        defines = dict(ex.defines)
        budget = MAX_STRUCTURAL
        for name, tree in ex.defines:
            if name not in used and name != part.of:
                continue
            on_w = _mentions(tree, depends)
            for at, node in enumerate(_walk(tree)):
                first = _broken_rule(node, on_w, leaf, w, params, defines)
                rules = [] if first is None else [first, *_variants(first[0], node, leaf, params)]
                for k, rule in enumerate(rules):
                    budget -= 1
                    if budget < 0 or not self.afford():
                        return
                    code, said, wrong = rule
                    patched = inst.chain(leaves, patch=Patch(node, leaf, wrong))
                    value = derivative(patched[part.of], leaf, create_graph=False)
                    yield code, said, value, f"rule {name} {at}" + (f" {k}" if k else "")

    def afford(self) -> bool:
        if afford(self.cost):
            return True
        self.complete = False
        return False


def _mentions(tree: Expr, names: set[str]) -> Callable[[Expr], bool]:
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


def _as_leaf(value: Value, leaf: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(value).detach() + (leaf - leaf.detach())


Rule = tuple[str, Message, Callable[..., torch.Tensor]]


def _variants(code: str, node: Expr, leaf: torch.Tensor, params: dict) -> list[Rule]:
    """The other ways to break the rule that ``code`` (the classic way) breaks at ``node``:
    a product rule with one of its two terms left out, a quotient rule over v, not v^2."""
    if code not in (PRODUCT, QUOTIENT):
        return []
    assert isinstance(node, BinOp)

    def d(t: Value) -> torch.Tensor:
        return derivative(t, leaf, create_graph=False)

    u, v = show(node.left, params), show(node.right, params)
    if code == PRODUCT:
        rule = Label("(uv)' = u'v + uv'")
        return [
            (PRODUCT, message("product.one_term", rule=rule, u=u, v=v, kept=Label("u'v"),
                              missing=Label("uv'")), lambda a, b: d(a) * b),
            (PRODUCT, message("product.one_term", rule=rule, u=u, v=v, kept=Label("uv'"),
                              missing=Label("u'v")), lambda a, b: a * d(b)),
        ]  # fmt: skip
    said = message("quotient.not_squared", rule=Label("(u/v)' = (u'v - uv')/v^2"), u=u, v=v)
    return [(QUOTIENT, said, lambda a, b: (d(a) * b - a * d(b)) / b)]


def _broken_rule(
    node: Expr,
    on_w: Callable[[Expr], bool],
    leaf: torch.Tensor,
    w: str,
    params: dict,
    defines: dict[str, Expr],
) -> Rule | None:
    """(code, message, wrong-derivative function) of the classic way to break a rule at
    ``node`` (a chain factor left out, derivatives multiplied, a quotient's terms added)."""

    def d(t: Value) -> torch.Tensor:
        return derivative(t, leaf, create_graph=False)

    if isinstance(node, Call) and on_w(node.arg) and not isinstance(node.arg, Name):
        inner = derivative_shown(node.arg, w, params, defines)
        return (
            CHAIN,
            _chain("missing_inner", inner, call=show(node, params), inner=show(node.arg, params)),
            lambda u, fn=node.fn: local_derivative(lambda t: _call(fn, t), u),
        )
    if not isinstance(node, BinOp):
        return None
    left_w, right_w = on_w(node.left), on_w(node.right)
    if not (left_w or right_w) or node.op not in "^*/":
        return None
    u, v = show(node.left, params), show(node.right, params)
    if node.op == "^" and left_w and not right_w and not isinstance(node.left, Name):
        inner = derivative_shown(node.left, w, params, defines)
        return (
            CHAIN,
            _chain("missing_base", inner, power=show(node, params), inner=u),
            lambda a, b: local_derivative(lambda t: binary("^", t, b), a),
        )
    if node.op == "^" and right_w and not left_w and not isinstance(node.right, Name):
        inner = derivative_shown(node.right, w, params, defines)
        return (
            CHAIN,
            _chain("missing_exponent", inner, power=show(node, params), exponent=v),
            lambda a, b: local_derivative(lambda t: binary("^", a, t), b),
        )
    if node.op == "*" and left_w and right_w:
        said = message(
            "product.multiplied",
            product=Label("(uv)'"),
            wrong=Label("u'v'"),
            rule=Label("(uv)' = u'v + uv'"),
            u=u,
            v=v,
        )
        return PRODUCT, said, lambda a, b: d(a) * d(b)
    if node.op == "/" and left_w and right_w:
        said = message("quotient.added", rule=Label("(u/v)' = (u'v - uv')/v^2"), u=u, v=v)
        return QUOTIENT, said, lambda a, b: (d(a) * b + a * d(b)) / b**2
    return None


def _chain(kind: str, derivative_of_inside: Formula | None, **args: Formula) -> Message:
    """A forgotten chain factor, naming the derivative the student should multiply by (the
    inside itself where that derivative is too large to write)."""
    if derivative_of_inside is None:
        return message(f"chain.{kind}_unnamed", **args)
    name = "exponent_derivative" if kind == "missing_exponent" else "inner_derivative"
    return message(f"chain.{kind}", **args, **{name: derivative_of_inside})


def _call(fn: str, t: Value) -> Value:
    return evaluate(Call(fn, Name("_t")), {"_t": t})


def diagnose(
    inst: Instance,
    part: Part,
    component: int,
    s: np.ndarray,
    node: Expr | None = None,
    typed: str | None = None,
) -> Diagnosis | None:
    """The first recognised mistake that ``s`` (the answer's values) matches.

    The instructor's ``mistakes`` come first (their feedback wins); the diagnosis code is still
    the generic one when a generic mistake matches too. ``node`` and ``typed`` (the answer's
    tree and text) allow the term-level diagnosis when nothing else fits.
    """
    with np.errstate(all="ignore"):
        return find_mistake(inst, part, component, s, node, typed)


def find_mistake(
    inst: Instance,
    part: Part,
    component: int,
    s: np.ndarray,
    node: Expr | None = None,
    typed: str | None = None,
    term_values: list | None = None,
    typed_terms: Sequence[str] | None = None,
) -> Diagnosis | None:
    """``diagnose`` under the caller's ``np.errstate(all="ignore")``; ``term_values`` and
    ``typed_terms``: the values of the answer's top-level terms and their text as typed,
    when the check has them already (else they are worked out from ``node`` and ``typed``)."""
    cands = inst.candidates(part, component)
    hits = cands.hits(s)
    k = len(cands.instructor)
    terms = (
        (node, typed, term_values, typed_terms) if node is not None and not part.numeric else None
    )
    for cand, hit in zip(cands.instructor, hits[:k], strict=True):
        if hit:  # no term-level work when the instructor's feedback is what we say
            found = _generic(inst, part, component, s, cands, hits[k:], None)
            return Diagnosis(found.code if found else INSTRUCTOR, cand.message)
    return _generic(inst, part, component, s, cands, hits[k:], terms)


def _generic(
    inst: Instance,
    part: Part,
    component: int,
    s: np.ndarray,
    cands: CandidateSet,
    hits: list[bool],
    terms: tuple[Expr, str | None, list | None, Sequence[str] | None] | None,
) -> Diagnosis | None:
    """Classic mistakes in order: a broken rule, the sign, the function or another variable,
    then (with ``terms``, the answer's tree and text) one wrong term, then a constant factor
    or offset of the whole answer."""
    ref = inst.np_reference(part, component)
    tol = inst.np_tolerance(part, component)
    for c, hit in zip(cands.generic, hits, strict=True):
        if hit and c.code in (CHAIN, PRODUCT, QUOTIENT):
            return Diagnosis(c.code, c.message)
    nonzero = not cands.reference_is_zero
    if nonzero and bool((np.abs(s + ref) <= tol).all()):
        return Diagnosis(SIGN, message("sign.negated"))
    for c, hit in zip(cands.generic, hits, strict=True):
        if hit and c.code in (FUNCTION, VARIABLE):
            return Diagnosis(c.code, c.message)
    if part.numeric or not nonzero:
        return None
    if terms is not None:
        found = _term_level(inst, part, component, s, *terms)
        if found is not None:
            return found
    if cands.ratio_points is not None and cands.ratio_ref is not None:
        ratio = _at_largest(s[cands.ratio_points], cands.ratio_ref)
        # the tolerance of c * ref is that of ref scaled by |c| (see compare.tolerance)
        scaled = part.atol + abs(ratio) * (tol - part.atol)
        near = bool((np.abs(s - ratio * ref) <= scaled).all())
        if abs(ratio - 1) > 1e-6 and abs(ratio) > 1e-12 and near:
            return Diagnosis(FACTOR, message("factor.constant", factor=Number(ratio, True)))
    diff = s - ref
    finite = np.flatnonzero(np.isfinite(diff))
    shift = float(diff[finite[0]]) if len(finite) else math.nan  # checked at every point
    if math.isfinite(shift) and bool((np.abs(diff - shift) <= tol).all()):
        return Diagnosis(OFFSET, message("offset.constant", offset=Number(shift, True)))
    if terms is not None and _has_monomial(inst, part, component, terms[0]):
        return _missing(inst, part, component, s)
    return None


# ---------------------------------------------------------------- one term is the mistake


def term_diagnosis(
    inst: Instance, part: Part, component: int, s: np.ndarray, node: Expr, typed: str | None
) -> Diagnosis | None:
    """Which single term of the answer, changed one way, makes it right (or which is missing).

    Everything is decided from values at the sample points: for each term t (with its sign)
    and each way it can be wrong, the corrected answer s - t + m·t·w^j is compared with the
    reference, m fitted from the values (one vectorised pass over all terms and shifts).
    """
    with np.errstate(all="ignore"):
        return _term_level(inst, part, component, s, node, typed, None, None)


def _term_level(
    inst: Instance,
    part: Part,
    component: int,
    s: np.ndarray,
    node: Expr,
    typed: str | None,
    known: list | None,
    typed_terms: Sequence[str] | None,
) -> Diagnosis | None:
    """``term_diagnosis`` under the caller's errstate; ``known`` and ``typed_terms``: the terms'
    values and their text as typed, where the check has them."""
    w = part.components[component][-1]
    env, n = inst.np_answer_env(part)
    if w not in env:
        return None
    ref = inst.np_reference(part, component)
    tol = inst.np_tolerance(part, component)
    wv = env[w]
    terms = terms_of(node)
    constants = set(inst.param_values) | {"pi", "e"}
    if len(terms) == 1 and not _monomial(terms[0], w, constants):
        return None  # a lone term that is no monomial: its power of w is no student's slip
    if len(terms) > MAX_TERMS:
        return None
    diff = s - ref
    try:
        if known is None or len(known) != len(terms):
            known = [compile_np(t)(env) for t in terms]
        values = np.stack([as_points_np(v, n) for v in known])
    except (Unsupported, KeyError):
        return None
    if not isinstance(wv, np.ndarray):
        return None
    found = _term_fix(values, diff, wv, tol, single=len(terms) == 1)
    shown_variable = w
    if found is None:
        others = [v for v in inst.exercise.spec.variables if v != w and _alike(env.get(v), wv)]
        dropped = _other_variable_factor(values, diff, env, others, tol) if others else None
        if dropped is None:
            return None
        found = (dropped[0], 1, dropped[2])
        shown_variable = dropped[1]
    i, j, m = found
    constant = j == 0 and names_in(terms[i]) <= constants
    if constant and abs(m) >= 1e-12 and abs(m + 1) >= 1e-9:
        return None  # a constant's coefficient off is the whole answer off by a constant
    if typed_terms is not None and len(typed_terms) == len(terms):
        texts: list[str] | None = list(typed_terms)
    else:
        texts = _typed_terms(typed, inst.exercise.scope, len(terms))
    said = _term_message(terms[i], texts[i] if texts else None, j, m, shown_variable, constants)
    if constant:
        # a constant term wrong is the whole answer off by a constant: the code stays
        # "offset" (as the labelled corpus has it), the message names the term when its
        # sign is wrong or it should not be there
        return Diagnosis(OFFSET, said.message)
    return said


def _has_monomial(inst: Instance, part: Part, component: int, node: Expr) -> bool:
    """A missing c·w^k is looked for in answers with a term of that kind (polynomials)."""
    w = part.components[component][-1]
    constants = set(inst.param_values) | {"pi", "e"}
    terms = terms_of(node)
    return len(terms) <= MAX_TERMS and any(_monomial(t, w, constants) for t in terms)


def missing_term(inst: Instance, part: Part, component: int, s: np.ndarray) -> Diagnosis | None:
    """The answer lacks one term c·w^k: (s - ref)/w^k is the same constant at every point."""
    with np.errstate(all="ignore"):
        return _missing(inst, part, component, s)


def _missing(inst: Instance, part: Part, component: int, s: np.ndarray) -> Diagnosis | None:
    w = part.components[component][-1]
    env, _ = inst.np_answer_env(part)
    wv = env.get(w)
    if not isinstance(wv, np.ndarray):
        return None
    diff = s - inst.np_reference(part, component)
    return _missing_term(diff, wv, inst.np_tolerance(part, component), w)


def _term_fix(
    values: np.ndarray, diff: np.ndarray, wv: np.ndarray, tol: np.ndarray, single: bool
) -> tuple[int, int, float] | None:
    """(term index, power shift j, factor m) of the first single-term fix, or None.

    Tried in order: j = 0 (m = -1 sign, m = 0 extra, other m a coefficient), then the power
    shifts. For each (term, j): D = t·w^j, m = median of (t - diff)/D where |D| is not tiny;
    it fits when |s - t + m·D - ref| = |diff - t + m·D| <= tol at every point."""
    shifts = POWER_SHIFTS if single else (0, *POWER_SHIFTS)
    # a lone term's sign and factor are the whole answer's (SIGN, FACTOR say so)
    t, n = values.shape
    keys = [(i, j) for j in shifts for i in range(t)]
    powers = _powers(wv)["single" if single else "shifts"]  # (shifts, points)
    D = (powers[:, None, :] * values[None, :, :]).reshape(-1, n)  # (shifts * terms, points)
    T = np.broadcast_to(values, (len(shifts), t, n)).reshape(-1, n)
    m, fits = _fit_rows(T, D, diff, tol)
    best = None
    for r in np.flatnonzero(fits):
        i, j = keys[r]
        mr = float(m[r])
        if (j == 0 and abs(mr - 1) < 1e-9) or not _simple_fraction(mr):
            continue  # the term unchanged is no fix; a factor like e is no slip of a student
        rank = _rank(j, mr)
        if best is None or rank < best[0]:
            best = (rank, i, j, mr)
    return None if best is None else best[1:]


def _fit_rows(
    T: np.ndarray, D: np.ndarray, diff: np.ndarray, tol: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the factor m that makes ``T - m·D`` the fix of ``diff`` (term T replaced by
    m·D), and whether it fits at every point."""
    m = _fitted(T - diff, D)
    m = np.where(np.abs(m) < 1e-9, 0.0, m)
    residual = np.abs(diff - T + m[:, None] * D)
    # the corrected term's own size widens the tolerance as compare.tolerance would
    fits = (residual <= tol + 1e-9 * np.abs(T)).all(axis=1)
    fits &= np.isfinite(D).all(axis=1)
    return m, fits


def _alike(value: object, wv: np.ndarray) -> bool:
    """Whether ``value`` is another variable's values at the same points as ``wv``."""
    return isinstance(value, np.ndarray) and value.shape == wv.shape


def _other_variable_factor(
    values: np.ndarray, diff: np.ndarray, env: dict, others: list[str], tol: np.ndarray
) -> tuple[int, str, float] | None:
    """(term index, variable v, factor m) where the term times m·v fixes the answer: a factor
    of another variable dropped (2x for the x-derivative of x^2 y), or None."""
    for v in others:
        m, fits = _fit_rows(values, values * env[v], diff, tol)
        for r in np.flatnonzero(fits):
            mr = float(m[r])
            if abs(mr) > 1e-12 and _simple_fraction(mr):
                return int(r), v, mr
    return None


def _simple_fraction(x: float) -> bool:
    """Whether x is p/q with q <= 12 (to 1e-9): a slip's factor, not e or pi."""
    if not abs(x) < 1e9:
        return False
    near = 1e-9 * max(1.0, abs(x))
    return any(abs(round(x * q) / q - x) <= near for q in range(1, 13))


_POWERS: dict[int, tuple[np.ndarray, dict]] = {}


def _powers(wv: np.ndarray) -> dict:
    """w^j for the power shifts and the missing-term basis, kept per points array (an
    instance's points live as long as the instance, so a few are kept, keyed by identity)."""
    found = _POWERS.get(id(wv))
    if found is not None and found[0] is wv:
        return found[1]
    with np.errstate(all="ignore"):
        table: dict = {j: wv**j for j in POWER_SHIFTS}
        table["single"] = np.stack([table[j] for j in POWER_SHIFTS])
        table["shifts"] = np.stack([np.ones_like(wv), *(table[j] for j in POWER_SHIFTS)])
        powers = np.array(MISSING_POWERS, dtype=float)
        table["missing"] = wv[None, :] ** powers[:, None]
    if len(_POWERS) > 256:
        _POWERS.clear()
    _POWERS[id(wv)] = (wv, table)
    return table


def _at_largest(num: np.ndarray, den: np.ndarray) -> float:
    """num/den where |den| is largest (a fit the caller checks at every point)."""
    k = int(np.argmax(np.abs(den)))
    return float(num[k] / den[k]) if den[k] != 0 else math.nan


def _fitted(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Per row, num/den at the point where |den| is largest (the best-conditioned point; the
    caller then checks the fit at every point). 0 where no point has a finite den. ``num``
    may be one row for all."""
    size = np.abs(den)
    size[~np.isfinite(size)] = -1.0
    rows = np.arange(len(den))
    at = size.argmax(axis=1)
    top = den[rows, at]
    fit = (num[at] if num.ndim == 1 else num[rows, at]) / np.where(top != 0, top, np.inf)
    return np.where(np.isfinite(fit), fit, 0.0)


def _monomial(term: Expr, w: str, constants: set[str]) -> bool:
    """Whether ``term`` is c·w^k written with numbers, constants, * / ^ and w alone (20,
    10x^2, 20/x): the kind of term whose power of w a student can get wrong."""
    for n in _walk(term):
        if isinstance(n, Call) or (isinstance(n, BinOp) and n.op in "+-"):
            return False
        if isinstance(n, Name) and n.name != w and n.name not in constants:
            return False
    return True


def _rank(j: int, m: float) -> tuple:
    """Prefer the simplest explanation: sign, extra, exponent, coefficient, other powers."""
    if j == 0 and abs(m + 1) < 1e-9:
        return (0,)
    if abs(m) < 1e-12:
        return (1,)
    if j == -1:
        return (2,)
    if j == 0:
        return (3,)
    return (4, abs(j))


def _typed_terms(typed: str | None, scope: frozenset[str], count: int) -> list[str] | None:
    if typed is None:
        return None
    try:
        texts = term_texts(typed[label_end(typed) :], scope)
    except ParseError:
        return None
    return texts if len(texts) == count else None


def _term_message(
    term: Expr, text: str | None, j: int, factor: float, w: str, constants: set[str]
) -> Diagnosis:
    shown = formula(term.arg if isinstance(term, Neg) else term, text)
    x = Label(w)
    if abs(factor) < 1e-12:
        constant = names_in(term) <= constants
        return Diagnosis(
            TERM_EXTRA, message("term.constant" if constant else "term.extra", term=shown)
        )
    if j == 0 and abs(factor + 1) < 1e-9:
        return Diagnosis(TERM_SIGN, message("term.sign", term=shown))
    exponent = _power_of(term, w)
    if j == 0:
        if exponent is not None and exponent != 0 and abs(factor - exponent - 1) < 1e-9:
            rule = Formula("(x^n)' = n x^{n-1}", "(x^n)' = n x^(n-1)")
            return Diagnosis(TERM_POWER, message("term.bring_down", term=shown, rule=rule))
        off = Number(1 / factor, True)
        return Diagnosis(TERM_COEFFICIENT, message("term.coefficient", term=shown, factor=off))
    same = abs(factor - 1) < 1e-9
    if j == -1:
        code = "term.power_lower" if same else "term.power_lower_bring_down"
    else:
        code = {1: "term.missing_factor", 2: "term.power_two_higher", -2: "term.power_two_lower"}[j]
        code += "" if same else ("_coefficient")
    return Diagnosis(TERM_POWER, message(code, term=shown, variable=x))


def _power_of(term: Expr, w: str) -> float | None:
    """The exponent of ``w`` in a monomial term (c·w^p, w^p, w), else None."""
    node = term.arg if isinstance(term, Neg) else term
    while isinstance(node, BinOp) and node.op == "*" and isinstance(node.left, Num | Neg):
        node = node.right
    if isinstance(node, Name) and node.name == w:
        return 1.0
    if isinstance(node, BinOp) and node.op == "^" and node.left == Name(w):
        if isinstance(node.right, Num):
            return node.right.value
    return None


def _missing_term(diff: np.ndarray, wv: np.ndarray, tol: np.ndarray, w: str) -> Diagnosis | None:
    powers = np.array(MISSING_POWERS, dtype=float)
    basis = _powers(wv)["missing"]  # (k, points)
    c = _fitted(diff, basis)
    fits = np.abs(c) > 1e-12
    fits &= (np.abs(diff - c[:, None] * basis) <= tol).all(axis=1)
    hits = np.flatnonzero(fits)
    if not len(hits):
        return None
    k = int(powers[hits[0]])
    term = formula(Name(w) if k == 1 else BinOp("^", Name(w), Num(float(k))))
    return Diagnosis(TERM_MISSING, message("term.missing", term=term))
