"""Every diagnosis message's claim holds: doing what it says gives an answer the engine accepts.

For every part of the library and of the sample corpus's exercises (scalar exercises, first derivatives), each classic mistake is
made on paper: the derivative is written out by the textbook rules with one rule broken at one
node of the definitions (an inner derivative left out, the product rule as u'v', the quotient
rule with +), and as the whole derivative negated, scaled or shifted. The wrong answer is
graded; whatever the engine then says, the fix its message names — read from the message's
typed arguments, never from its sentence — is applied to the wrong answer, and the result
must be graded right. (The chain-rule message once named the inside, 3x², where the factor
to multiply by is its derivative, 6x: a student who did what it said was marked wrong.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from grader.engine import grade, load_exercise_file, parse, to_text
from grader.engine.algebra import ONE, ZERO, add, div, mul, neg, power, sub
from grader.engine.diagnose import with_params
from grader.engine.exercise import Exercise, Part
from grader.engine.expr import term_texts, terms_of
from grader.engine.functions import FUNCTIONS
from grader.engine.messages import Formula, Message, Number
from grader.engine.nodes import BinOp, Call, Expr, Name, Neg, Num, names_in
from tests.helpers import CORPUS, EXERCISES

# A hole: the node whose rule is broken, and what stands for its derivative there. It is
# given the node's children and a differentiator, and returns the node's (wrong) derivative.
Hole = tuple[Expr, Callable[..., Expr]]


@dataclass
class Paper:
    """Derivatives written out by hand for one exercise, w.r.t. one variable."""

    exercise: Exercise
    w: str

    @functools.cached_property
    def defines(self) -> dict[str, Expr]:
        return dict(self.exercise.defines)

    def depends(self, node: Expr) -> bool:
        return any(
            n == self.w or (n in self.defines and self.w in self.exercise.depends_on(n))
            for n in names_in(node)
        )

    def d(self, node: Expr, hole: Hole | None = None) -> Expr:
        """d node / d w by the textbook rules; at ``hole``'s node, the broken rule instead."""
        if not self.depends(node):
            return ZERO
        if hole is not None and node is hole[0]:
            return hole[1](node, lambda n: self.d(n, hole))
        if isinstance(node, Name):
            return ONE if node.name == self.w else self.d(self.defines[node.name], hole)
        if isinstance(node, Neg):
            return neg(self.d(node.arg, hole))
        if isinstance(node, Call):
            return mul(FUNCTIONS[node.fn].derivative(node.arg), self.d(node.arg, hole))
        assert isinstance(node, BinOp)
        u, v = node.left, node.right
        du, dv = self.d(u, hole), self.d(v, hole)
        if node.op == "+":
            return add(du, dv)
        if node.op == "-":
            return sub(du, dv)
        if node.op == "*":
            return add(mul(du, v), mul(u, dv))
        if node.op == "/":
            return div(sub(mul(du, v), mul(u, dv)), power(v, Num(2.0)))
        if not self.depends(v):
            return mul(mul(v, power(u, sub(v, ONE))), du)
        log_u = ONE if u == Name("e") else Call("log", u)
        if not self.depends(u):
            return mul(mul(node, log_u), dv)
        return mul(node, add(mul(dv, log_u), div(mul(v, du), u)))


def chain_factor(factor: Expr) -> Callable[..., Expr]:
    """The node's derivative with its inner derivative replaced by ``factor`` (1: left out)."""

    def rule(node: Expr, d: Callable[[Expr], Expr]) -> Expr:
        if isinstance(node, Call):
            return mul(FUNCTIONS[node.fn].derivative(node.arg), factor)
        assert isinstance(node, BinOp) and node.op == "^"
        u, v = node.left, node.right
        if isinstance(v, Num) or not _has_name(v):
            return mul(mul(v, power(u, sub(v, ONE))), factor)
        log_u = ONE if u == Name("e") else Call("log", u)
        return mul(mul(node, log_u), factor)

    return rule


def _has_name(node: Expr) -> bool:
    return bool(names_in(node) - {"pi", "e"})


def product_as(u: Expr | None, v: Expr | None, right: bool) -> Callable[..., Expr]:
    """u'v' (the mistake), or u'v + uv' with the u and v the message names."""

    def rule(node: Expr, d: Callable[[Expr], Expr]) -> Expr:
        a, b = (node.left, node.right) if u is None or v is None else (u, v)
        return add(mul(d(a), b), mul(a, d(b))) if right else mul(d(a), d(b))

    return rule


def quotient_as(u: Expr | None, v: Expr | None, right: bool) -> Callable[..., Expr]:
    def rule(node: Expr, d: Callable[[Expr], Expr]) -> Expr:
        a, b = (node.left, node.right) if u is None or v is None else (u, v)
        top = sub(mul(d(a), b), mul(a, d(b))) if right else add(mul(d(a), b), mul(a, d(b)))
        return div(top, power(b, Num(2.0)))

    return rule


def _walk(node: Expr):
    yield node
    if isinstance(node, Neg | Call):
        yield from _walk(node.arg)
    elif isinstance(node, BinOp):
        yield from _walk(node.left)
        yield from _walk(node.right)


# ------------------------------------------------------------------ the library's mistakes


def _library() -> list[tuple[str, Exercise]]:
    out = []
    for path in [*sorted(EXERCISES.glob("*.yaml")), *sorted(CORPUS.glob("*.yaml"))]:
        ex = load_exercise_file(path)
        if not ex.shapes and not any(p.is_tensor for p in ex.parts):
            out.append((path.stem, ex))
    return out


LIBRARY = _library()
SEED = 3


def _parts() -> list:
    cases = []
    for name, ex in LIBRARY:
        for part in ex.parts:
            # A code part's answer is a program run in the sandbox: its named bugs are tested
            # in tests/engine/test_code_check.py, not by typing a formula.
            if part.kind == "code":
                continue
            if not part.numeric and all(len(w) == 1 for w in part.components):
                cases.append(pytest.param(name, part.id, id=f"{name}:{part.id}"))
    return cases


@functools.cache
def _exercise(name: str) -> Exercise:
    return dict(LIBRARY)[name]


def _mistakes(paper: Paper, of: str) -> list[tuple[str, Expr, Hole]]:
    """(kind, node, hole) for each rule a student can break in the definitions ``of`` uses."""
    ex = paper.exercise
    used = ex.depends_on_names(of)
    out: list[tuple[str, Expr, Hole]] = []
    for name, tree in ex.defines:
        if name not in used:
            continue
        for node in _walk(tree):
            if isinstance(node, Call) and paper.depends(node.arg):
                if not isinstance(node.arg, Name):
                    out.append(("chain", node, (node, chain_factor(ONE))))
            elif isinstance(node, BinOp) and node.op == "^":
                base, exponent = paper.depends(node.left), paper.depends(node.right)
                if base and not exponent and not isinstance(node.left, Name):
                    out.append(("chain", node, (node, chain_factor(ONE))))
                if exponent and not base and not isinstance(node.right, Name):
                    out.append(("chain", node, (node, chain_factor(ONE))))
            elif isinstance(node, BinOp) and node.op in "*/":
                if paper.depends(node.left) and paper.depends(node.right):
                    rule = product_as if node.op == "*" else quotient_as
                    out.append((node.op, node, (node, rule(None, None, right=False))))
    return out


def _answers(ex: Exercise, part: Part, c: int, text: str) -> dict:
    """The part's answer with ``text`` in box ``c`` and the right derivative in the others."""
    if len(part.components) == 1:
        return {part.id: text}
    texts = []
    for k, wrt in enumerate(part.components):
        paper = Paper(ex, wrt[0])
        texts.append(text if k == c else to_text(paper.d(dict(ex.defines)[part.of])))
    return {part.id: texts}


def _message(result, c: int) -> Message:
    (said,) = [m for m in result.messages if m.code != "check.correct"]
    return said


def _read(arg, ex: Exercise) -> Expr:
    assert isinstance(arg, Formula | Number), arg
    return parse(arg.text, ex.scope)


def _fixed(paper: Paper, tree: Expr, wrong: Expr, said: Message, hole_node: Expr) -> Expr | None:
    """The wrong answer with the fix ``said`` names applied (None: a message naming no fix)."""
    ex = paper.exercise
    code = said.code
    if code == "sign.negated":
        return neg(wrong)
    if code == "factor.constant":
        return div(wrong, _read(said.arg("factor"), ex))
    if code == "offset.constant":
        return sub(wrong, _read(said.arg("offset"), ex))
    if code in ("chain.missing_inner", "chain.missing_base", "chain.missing_exponent"):
        arg = "exponent_derivative" if code == "chain.missing_exponent" else "inner_derivative"
        node = _named_node(paper, said, hole_node)
        return paper.d(tree, (node, chain_factor(_read(said.arg(arg), ex))))
    if code in ("product.multiplied", "quotient.added"):
        u, v = _read(said.arg("u"), ex), _read(said.arg("v"), ex)
        rule = product_as if code == "product.multiplied" else quotient_as
        return paper.d(tree, (hole_node, rule(u, v, right=True)))
    if code.startswith("term.") and code != "term.missing":
        return _term_fixed(ex, wrong, said)
    return None  # function, variable, instructor: the message names the right derivative


TERM_FIXES: dict[str, Callable[[Expr, Message, Exercise], Expr]] = {
    "term.constant": lambda t, said, ex: ZERO,  # it should not be there
    "term.extra": lambda t, said, ex: ZERO,
    "term.sign": lambda t, said, ex: neg(t),
    "term.coefficient": lambda t, said, ex: div(t, _read(said.arg("factor"), ex)),
}


def _term_fixed(ex: Exercise, wrong: Expr, said: Message) -> Expr | None:
    """The answer with the term the message names changed as it says."""
    fix = TERM_FIXES.get(said.code)
    if fix is None:
        return None
    text = to_text(wrong)
    terms, typed = terms_of(parse(text, ex.scope)), term_texts(text, ex.scope)
    named = said.arg("term")
    assert isinstance(named, Formula) and named.text in typed, (named, typed)
    i = typed.index(named.text)
    out: Expr = ZERO
    for k, t in enumerate(terms):
        out = add(out, fix(t, said, ex) if k == i else t)
    return out


def _named_node(paper: Paper, said: Message, default: Expr) -> Expr:
    """The node of the definitions the message talks about: its call or power as shown (with
    the student's params), the broken node itself first."""
    shown = said.args.get("call") or said.args.get("power")
    assert isinstance(shown, Formula)
    params = paper.exercise.instance(SEED).param_values
    nodes = [default] + [n for _, tree in paper.exercise.defines for n in _walk(tree)]
    for node in nodes:
        if to_text(with_params(node, params)) == shown.text:
            return node
    raise AssertionError(f"{said.code} names {shown.text}, which no definition holds")


@pytest.mark.parametrize(("name", "part_id"), _parts())
def test_doing_what_a_diagnosis_says_gives_an_accepted_answer(name, part_id):
    ex = _exercise(name)
    part = ex.part(part_id)
    tree = dict(ex.defines)[part.of]
    checked = 0
    for c, wrt in enumerate(part.components):
        paper = Paper(ex, wrt[0])
        right = paper.d(tree)
        cases = [
            (kind, node, paper.d(tree, hole)) for kind, node, hole in _mistakes(paper, part.of)
        ]
        cases += [
            ("sign", tree, neg(right)),
            ("factor", tree, mul(Num(3.0), right)),
            ("offset", tree, add(right, Num(2.0))),
        ]
        for kind, node, wrong in cases:
            result = grade(ex, _answers(ex, part, c, to_text(wrong)), seed=SEED).parts[part.id]
            if result.components[c]:
                continue  # this slip changes nothing here (an inner derivative of 1)
            said = _message(result, c)
            fixed = _fixed(paper, tree, wrong, said, node)
            if fixed is None:
                continue
            again = grade(ex, _answers(ex, part, c, to_text(fixed)), seed=SEED).parts[part.id]
            assert again.components[c], (
                f"{kind} mistake {to_text(wrong)!r}: the engine said {said.code} "
                f"{ {k: v.to_dict() for k, v in said.args.items()} }; doing that gives "
                f"{to_text(fixed)!r}, graded: {again.plain}"
            )
            checked += 1
    assert checked, "no mistake of this part was checked"


def test_the_chain_rule_message_names_the_derivative_of_the_inside():
    """sin(3x²) answered cos(3x²): multiply by 6x, the derivative of the inside (not 3x²)."""
    from tests.helpers import single

    result = grade(single({"f": "sin(3x^2)"}), {"a": "cos(3x^2)"}).parts["a"]
    (said,) = result.messages
    assert said.code == "chain.missing_inner"
    assert said.arg("inner_derivative").text == "6*x"
    assert said.arg("inner").text == "3*x^2"
    assert "6*x" in result.plain
