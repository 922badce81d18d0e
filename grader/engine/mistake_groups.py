"""Wrong answers grouped by the mistake they make, across parameter draws.

Students of one assignment draw different params: with f = sin(k x^2), the forgotten inner
derivative is cos(3x^2) for k = 3 and cos(4x^2) for k = 4, two different functions but one
mistake. Each wrong answer is therefore judged at its own student's draw (their params and
sample points): the key of its mistake is, per answer box, the diagnosis candidate it matches
(``diagnose.Candidate.key``, the same for every draw: "rule f 3" is the rule broken at the
3rd node of f's definition), ``sign`` for the negated derivative, or ``right`` for a right
box of a gradient. A constant factor or offset is not a key: the number is a function of the
params (2x for d(a x^2)/dx is 1/a times it), so it would split one mistake and join two. An answer that matches no known mistake has no key (the caller groups it
by its values instead).

A group is shown by one answer as typed and by its *form in the params*: each number of the
typed answer that is a simple function of a param at that draw (3 = k, 6 = 2k, 9 = k^2) is
tried as that function, and the form kept is the one that makes the same mistake at other
draws, checked there against the candidate's values: cos(3x^2) typed for k = 3 becomes
cos(k*x^2). Every cost is bounded: a few draws, at most ``MAX_FORMS`` forms per box.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from .check import PartResult, evaluate_part, parse_answer, read_part, split_answer
from .equivalence import rounded
from .exercise import Exercise, Part
from .expr import BinOp, Call, Expr, Name, Neg, Num, node_count
from .instance import Instance, draw_params
from .npeval import Unsupported, as_points_np, evaluate_np
from .render import to_text

RIGHT = "right"
SIGN = "sign"
FORM_DRAWS = 3  # other draws a form in the params is checked at
SEEDS_TRIED = 24  # seeds looked through to find draws with other param values
MAX_FORMS = 256  # forms tried per answer box
MAX_NUMBERS = 8  # numbers of one box that may become params
# Nodes evaluated (at every sample point) finding forms, for one MistakeGroups (one analytics
# page): a long answer with many numbers costs its share, and the page stays quick whatever
# the class typed; forms not found within it are left out.
MAX_FORM_WORK = 200_000

Key = tuple[str, ...]


def _templates(p: str) -> list[tuple[Callable[[float], float], Expr]]:
    """Simple functions of a param ``p`` a number in an answer may stand for."""
    k = Name(p)
    return [
        (lambda v: v, k),
        (lambda v: 2 * v, BinOp("*", Num(2.0), k)),
        (lambda v: 3 * v, BinOp("*", Num(3.0), k)),
        (lambda v: 4 * v, BinOp("*", Num(4.0), k)),
        (lambda v: v * v, BinOp("^", k, Num(2.0))),
        (lambda v: v**3, BinOp("^", k, Num(3.0))),
        (lambda v: v / 2, BinOp("/", k, Num(2.0))),
        (lambda v: 1 / v if v else math.nan, BinOp("/", Num(1.0), k)),
        (lambda v: v + 1, BinOp("+", k, Num(1.0))),
        (lambda v: v - 1, BinOp("-", k, Num(1.0))),
        (lambda v: 2 * v * v, BinOp("*", Num(2.0), BinOp("^", k, Num(2.0)))),
    ]


class MistakeGroups:
    """Mistake keys and forms in the params for the answers to one exercise (memoised)."""

    def __init__(self, exercise: Exercise):
        self.exercise = exercise
        self._keys: dict[tuple, Key | None] = {}
        self._canon: dict[str, int] = {}
        self.work = MAX_FORM_WORK

    def draw(self, seed: int) -> int:
        """The first seed seen with ``seed``'s params: answers are judged at one draw per
        param set (a class of 300 with k in 2..9 builds 8 instances, not 300)."""
        params = draw_params(self.exercise, seed)
        return self._canon.setdefault(repr(sorted(params.items())), seed)

    # ------------------------------------------------------------------ keys

    def key(self, part_id: str, answer: str | Sequence[str], seed: int) -> Key | None:
        """The mistake of ``answer`` (typed by the student with ``seed``), or None."""
        seed = self.draw(seed)
        memo = (part_id, answer if isinstance(answer, str) else tuple(answer), seed)
        if memo not in self._keys:
            self._keys[memo] = self._key(self.exercise.part(part_id), answer, seed)
        return self._keys[memo]

    def _key(self, part: Part, answer: str | Sequence[str], seed: int) -> Key | None:
        if part.is_tensor:
            return None
        inst = self.exercise.instance(seed)
        got = read_part(inst, part, answer if isinstance(answer, str) else list(answer))
        if isinstance(got, PartResult):
            return None
        try:
            values = evaluate_part(inst, part, got.nodes)
        except (ValueError, ArithmeticError, RuntimeError):
            return None
        keys = []
        for c, s in enumerate(values):
            found = _mistake(inst, part, c, s)
            if found is None:
                return None
            keys.append(found)
        return None if all(k == RIGHT for k in keys) else tuple(keys)

    # ------------------------------------------------------------------ forms

    def form(self, part_id: str, answer: str | Sequence[str], seed: int, key: Key) -> str | None:
        """``answer`` written in the exercise's params, the same mistake ``key`` at other
        draws; None when the exercise has no params or no such form is found."""
        part = self.exercise.part(part_id)
        seed = self.draw(seed)
        params = [p for p, v in draw_params(self.exercise, seed).items() if _number(v)]
        if not params or part.is_tensor:
            return None
        texts = split_answer(answer if isinstance(answer, str) else list(answer), len(key))
        if texts is None or len(texts) != len(key):
            return None
        forms = []
        for c, text in enumerate(texts):
            try:
                node = parse_answer(self.exercise, part, text, c)
            except ValueError:
                return None
            found = self._component_form(part, c, node, seed, key[c], params)
            if found is None:
                return None
            forms.append(to_text(found))
        return ", ".join(forms)

    def _component_form(
        self, part: Part, c: int, node: Expr, seed: int, key: str, params: list[str]
    ) -> Expr | None:
        expected = [(t, self._expected(t, part, c, key)) for t in self.draws(seed)]
        checks = [(t, want) for t, want in expected if want is not None]
        if not checks:
            return None
        for _, candidate in self._readings(node, seed, params, len(checks)):
            if all(
                _fits(self.exercise.instance(t), part, c, candidate, want) for t, want in checks
            ):
                return candidate
        return None

    def _readings(
        self, node: Expr, seed: int, params: list[str], draws: int
    ) -> Iterator[tuple[int, Expr]]:
        """``node`` with some of its numbers read as params (3 as k where k = 3 at ``seed``'s
        draw), fewest replaced first, with how many were; each costs its evaluation at
        ``draws`` draws from the work budget, and they stop when it is spent."""
        values = draw_params(self.exercise, seed)
        numbers = [n.value for n in _numbers(node)]  # each occurrence: x^2 and 2k differ
        if len(numbers) > MAX_NUMBERS:
            return
        choices: list[list[Expr]] = []
        for v in numbers:
            options: list[Expr] = [Num(v)]
            for p in params:
                for fn, expr in _templates(p):
                    if math.isclose(fn(float(values[p])), v, rel_tol=1e-9, abs_tol=1e-12):
                        options.append(expr)
            choices.append(options)
        if math.prod(len(o) for o in choices) > MAX_FORMS:
            return
        combos = sorted(
            itertools.product(*[range(len(o)) for o in choices]), key=lambda ix: sum(map(bool, ix))
        )
        cost = (node_count(node) + 4 * len(numbers)) * draws  # a form is at most this big
        for ix in combos:
            self.work -= cost
            if self.work < 0:
                return
            yield (
                sum(map(bool, ix)),
                _replaced(node, iter([choices[i][j] for i, j in enumerate(ix)])),
            )

    def readings(self, part_id: str, answer: str, seed: int) -> list[tuple[int, tuple, str]]:
        """For an answer that matches no known mistake: each reading of it with numbers as
        params, as (numbers replaced, its values at one reference draw, its text). Answers
        from different draws that share a reading with a param in it are one mistake written
        the same way in the params (kx cos(kx^2): 3x cos(3x^2) for k = 3, 4x cos(4x^2) for
        k = 4). [] for an exercise without params, a part over tensors or with several boxes,
        or an answer that cannot be read."""
        part = self.exercise.part(part_id)
        seed = self.draw(seed)
        params = [p for p, v in draw_params(self.exercise, seed).items() if _number(v)]
        if not params or part.is_tensor or len(part.components) != 1:
            return []
        try:
            node = parse_answer(self.exercise, part, answer)
        except ValueError:
            return []
        # values at three reference draws with different params: forms that agree at one
        # draw (x^2 and x^(k-1) where k = 3) differ at another
        first = self.draw(0)
        envs = [
            self.exercise.instance(t).np_answer_env(part) for t in [first, *self.draws(first)[:2]]
        ]
        out = []
        for replaced, reading in self._readings(node, seed, params, len(envs)):
            try:
                values = [as_points_np(evaluate_np(reading, env), n) for env, n in envs]
            except (Unsupported, KeyError):
                continue
            signature = tuple(rounded(float(v)) for column in values for v in column)
            out.append((replaced, signature, to_text(reading)))
        return out

    def _expected(self, seed: int, part: Part, c: int, key: str) -> np.ndarray | None:
        """What an answer box with mistake ``key`` gives at the draw of ``seed`` (None: that
        mistake is not one there, e.g. it coincides with the right answer)."""
        inst = self.exercise.instance(seed)
        ref = inst.np_reference(part, c)
        if key in (RIGHT, SIGN):
            return ref if key == RIGHT else -ref
        cands = inst.candidates(part, c)
        return next((k.values for k in [*cands.instructor, *cands.generic] if k.key == key), None)

    def draws(self, seed: int) -> list[int]:
        """Up to ``FORM_DRAWS`` seeds whose params differ from ``seed``'s, as many as can be
        found among the first ``SEEDS_TRIED`` (most differing params first)."""
        mine = draw_params(self.exercise, seed)
        scored = []
        for t in range(SEEDS_TRIED):
            if t == seed:
                continue
            theirs = draw_params(self.exercise, t)
            differ = sum(theirs[p] != v for p, v in mine.items())
            if differ:
                scored.append((-differ, t))
        return [t for _, t in sorted(scored)[:FORM_DRAWS]]


def _mistake(inst: Instance, part: Part, c: int, s: np.ndarray) -> str | None:
    ref, tol = inst.np_reference(part, c), inst.np_tolerance(part, c)
    with np.errstate(invalid="ignore", over="ignore"):
        if bool((np.abs(s - ref) <= tol).all()):
            return RIGHT
        cands = inst.candidates(part, c)
        for cand, hit in zip([*cands.instructor, *cands.generic], cands.hits(s), strict=True):
            if hit and cand.key:
                return str(cand.key)
        # A factor or offset is no key: 2x for d(a x^2)/dx is the factor 1/a, 1/3 at a = 3
        # and 1/5 at a = 5, so a number would split one mistake and join two.
        if not cands.reference_is_zero and bool((np.abs(s + ref) <= tol).all()):
            return SIGN
    return None


def _fits(inst: Instance, part: Part, c: int, node: Expr, want: np.ndarray) -> bool:
    env, n = inst.np_answer_env(part)
    try:
        got = as_points_np(evaluate_np(node, env), n)
    except (Unsupported, KeyError):
        return False
    tol = inst.np_tolerance(part, c)
    with np.errstate(invalid="ignore", over="ignore"):
        return bool((np.abs(got - want) <= tol).all())


def _numbers(node: Expr) -> list[Num]:
    """The numbers of ``node`` in the order ``_replaced`` visits them (left to right)."""
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Num):
            out.append(n)
        elif isinstance(n, Neg | Call):
            stack.append(n.arg)
        elif isinstance(n, BinOp):
            stack.extend((n.right, n.left))  # the left one is visited first
    return out


def _replaced(node: Expr, new: Iterator[Expr]) -> Expr:
    """``node`` with its numbers, left to right, replaced by the expressions ``new`` gives."""
    if isinstance(node, Num):
        return next(new)
    if isinstance(node, Neg):
        arg = _replaced(node.arg, new)
        if isinstance(arg, BinOp) and arg.op == "*" and isinstance(arg.left, Num):
            return BinOp("*", Num(-arg.left.value), arg.right)  # -2*k, not -(2*k)
        return Neg(arg)
    if isinstance(node, Call):
        return Call(node.fn, _replaced(node.arg, new))
    if isinstance(node, BinOp):
        left = _replaced(node.left, new)
        return BinOp(node.op, left, _replaced(node.right, new))
    return node


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
