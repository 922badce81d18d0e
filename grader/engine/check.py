"""Grade answers: parse, evaluate at the instance's points, compare, diagnose.

A check is a bounded number of tensor operations (the answer's nodes are capped by the
parser, the diagnosis by its work budget); the service's grading deadline (docs/service.md)
guards the whole submission besides. ``grade`` never raises for a bad answer: an answer that does
not parse gets ``error`` set and the other parts are still graded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .autograd import as_points, evaluate
from .budget import MAX_DIAGNOSIS_WORK, diagnosis_budget, submission_budget
from .decimal_comma import hint as decimal_comma_hint
from .diagnose import find_mistake
from .exercise import Exercise, Part
from .expr import Expr, Parsed, ParseError, names_in, parse_with_names
from .labels import label_end, split_answer
from .messages import Label, Message, Number, message
from .npeval import NpValue, Unsupported, as_points_np, compile_np, run_terms, to_array
from .render import format_number, to_latex, to_mathml, to_text
from .results import Grade, PartResult, correct_result
from .shapes import entries
from .tensor_check import check_answer_shape, judge_tensor, reshaped_result
from .tensors import flat
from .values import format_value

if TYPE_CHECKING:
    from .instance import Instance

Answer = str | Sequence[str] | None


@dataclass(frozen=True)
class Preview:
    text: str
    latex: str
    mathml: str

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=8192)
def parse_cached(
    text: str,
    scope: frozenset[str],
    tensors: frozenset[str] = frozenset(),
    shown: frozenset[str] | None = None,
) -> Parsed:
    """``parse_with_names`` with memory: a class types the same answers, and a preview is
    followed by the same text submitted. Errors are not cached (they raise)."""
    return parse_with_names(text, scope, tensors, shown)


def parse_answer(exercise: Exercise, part: Part | None, text: str, component: int = 0) -> Expr:
    """Parse one answer box; a numeric part may not mention variables or defined names, and
    an answer must have as many entries as the box asks for (a number, or a tensor's).

    A derivative's name written before the answer (``dz/dx = 20x``) is read past (one name:
    ``y' = y' = 1`` is refused at the second ``=``)."""
    return read_answer(exercise, part, text, component).tree


def read_answer(exercise: Exercise, part: Part | None, text: str, component: int = 0) -> Parsed:
    """``parse_answer``, with what the parser learnt (the names, the terms as typed)."""
    end = label_end(text)
    if end:
        try:
            return _parse_unlabelled(exercise, part, text[end:], component)
        except ParseError as exc:
            fixes = [text[:end] + fix for fix in exc.suggestions]
            column = exc.column + end
            raise ParseError(exc.template, column, text, fixes, values=exc.values) from None
    return _parse_unlabelled(exercise, part, text, component)


def _parse_unlabelled(exercise: Exercise, part: Part | None, text: str, component: int) -> Parsed:
    parsed = parse_cached(text, exercise.scope, exercise.tensor_names, exercise.told_names(part))
    node, mentioned = parsed.tree, parsed.names
    if part is not None and not part.numeric and part.of in mentioned:
        wrt = " and ".join(dict.fromkeys(part.wrt))
        raise ParseError(
            f"'{part.of}' is what this part differentiates: write the answer without it, "
            f"in terms of {wrt}",
            _column_of(text, part.of),
            text,
        )
    if part is not None and part.numeric:
        bad = sorted(mentioned - set(exercise.spec.params) - {"pi", "e"})
        if bad:
            col = _column_of(text, bad[0])
            where = ", ".join(f"{v} = {format_value(x)}" for v, x in (part.at or {}).items())
            raise ParseError(
                f"this part asks for a number (the derivative at {where}); "
                f"'{bad[0]}' cannot appear in it",
                col,
                text,
            )
    if exercise.shapes or (part is not None and part.is_tensor) or not _scalar(node):
        check_answer_shape(exercise, part, node, text, component)
    return parsed


def _scalar(node: Expr) -> bool:
    """Whether ``node`` is a formula of numbers (no tensor syntax): then, over scalar names,
    its shape is a number's. Decided by compiling it, which the check does next anyway."""
    try:
        compile_np(node)
    except Unsupported:
        return False
    return True


def _column_of(text: str, word: str) -> int:
    i = text.find(word)
    return i + 1 if i >= 0 else 1


def preview(exercise: Exercise, part_id: str | None, text: str, seed: int = 0) -> Preview:
    """How an answer is read ("we read your answer as ..."); raises ``ParseError``."""
    part = exercise.part(part_id) if part_id else None
    node = parse_answer(exercise, part, text)
    return Preview(to_text(node), to_latex(node), to_mathml(node))


def grade(
    exercise: Exercise, answers: Mapping[str, Answer], seed: int = 0, device: str = "cpu"
) -> Grade:
    inst = exercise.instance(seed, device)
    with submission_budget():  # one submission's diagnoses share one bounded amount of work
        results = {
            part.id: check_code_part(exercise, part, answers.get(part.id), seed)
            if part.kind == "code"
            else check_part(inst, part, answers.get(part.id))
            for part in exercise.parts
        }
    return _total(exercise, results)


def check_code_part(exercise: Exercise, part: Part, answer: Answer, seed: int) -> PartResult:
    """A code part: the student's function run in the sandbox against autograd."""
    from .code_check import grade_code

    if not isinstance(answer, str) or not answer.strip():
        return PartResult.said(
            messages=[message("check.no_answer")], correct=False, score=0.0, max_score=part.points
        )
    got = grade_code(exercise, part, answer, seed)
    share = sum(got.outputs_correct) / len(got.outputs_correct)
    return PartResult.said(
        messages=got.messages,
        correct=all(got.outputs_correct),
        score=part.points * share,
        max_score=part.points,
        diagnosis=got.diagnosis,
        error=got.error,
        components=list(got.outputs_correct),
        checks=got.checks,
    )


def _total(exercise: Exercise, results: dict[str, PartResult]) -> Grade:
    return Grade(
        score=sum(r.score for r in results.values()),
        max_score=exercise.max_score,
        parts=results,
    )


def grade_batch(
    exercise: Exercise,
    items: Sequence[tuple[Mapping[str, Answer], int]],
    device: str = "cpu",
) -> list[Grade]:
    """Grade many (answers, seed) submissions of one exercise together.

    Verdicts are those of ``grade``; the work is shared: each distinct formula is evaluated
    once, in one vectorised pass over the sample points of every seed that submitted it.
    """
    insts = [exercise.instance(seed, device) for _, seed in items]
    results: list[dict[str, PartResult]] = [{} for _ in items]
    budgets = [[MAX_DIAGNOSIS_WORK] for _ in items]  # each submission's diagnosis work
    for part in exercise.parts:
        if part.kind == "code":  # one sandbox per submission: nothing to share
            for i, (answers, seed) in enumerate(items):
                results[i][part.id] = check_code_part(exercise, part, answers.get(part.id), seed)
            continue
        groups: dict[tuple, list[int]] = {}
        read: dict[int, Read] = {}
        for i, (answers, _) in enumerate(items):
            got = read_part(insts[i], part, answers.get(part.id))
            if isinstance(got, PartResult):
                results[i][part.id] = got
            else:
                read[i] = got
                groups.setdefault(tuple(got.nodes), []).append(i)
        for nodes, members in groups.items():
            group = [insts[i] for i in members]
            columns = _group_values(group, part, list(nodes))
            right = _all_right(group, part, columns)
            per_member = _split(columns, len(columns[0]) // len(group))
            for i, values, ok in zip(members, per_member, right, strict=True):
                if ok:
                    results[i][part.id] = correct_result(part)
                    continue
                arrays = [to_array(v) for v in values]
                with diagnosis_budget(budgets[i][0]) as left:
                    results[i][part.id] = judge(insts[i], part, arrays, read[i])
                budgets[i][0] = left[0]
    return [_total(exercise, r) for r in results]


def _group_values(group: list, part: Part, nodes: list[Expr]) -> list[torch.Tensor]:
    """Each component's values for every member, concatenated along the points.

    A formula is evaluated once over all members' points; a number (a numeric part, whose
    answer may use the member's own params) is evaluated per member."""
    if part.numeric:
        params = set(group[0].param_values)
        if not any(names_in(node) & params for node in nodes):
            values = _evaluate_torch(group[0], part, nodes)
            return [v.repeat(len(group)) for v in values]
        per = [_evaluate_torch(inst, part, nodes) for inst in group]
        return [torch.cat([values[c] for values in per]) for c in range(len(nodes))]
    n = len(next(iter(group[0].sample_points.values())))
    env = _stacked_env(group)
    if part.is_tensor:
        sizes = [entries(s) for s in part.shapes]
        return [
            flat(evaluate(nd, env), n * len(group), k) for nd, k in zip(nodes, sizes, strict=True)
        ]
    return [as_points(evaluate(node, env), n * len(group)) for node in nodes]


def _all_right(group: list, part: Part, columns: list[torch.Tensor]) -> list[bool]:
    """Per member, whether every component matches: one comparison for the whole group."""
    ok = torch.ones(len(group), dtype=torch.bool, device=columns[0].device)
    for c, column in enumerate(columns):
        refs = torch.stack([inst.reference(part)[c] for inst in group])
        tols = torch.stack([inst.tolerance(part, c) for inst in group])
        ok &= ((column.view(len(group), -1) - refs).abs() <= tols).all(dim=1)
    return ok.tolist()


def _stacked_env(insts: list) -> dict:
    """The answer environments of several instances, concatenated along the points."""
    first = insts[0]
    n = len(next(iter(first.sample_points.values())))
    env = {}
    for name in first.env:
        env[name] = torch.cat([_per_point(inst.env[name], n, inst.device) for inst in insts])
    return env


def _per_point(value: Any, n: int, device: torch.device) -> torch.Tensor:
    """A value with its point dimension at full size ``n`` (a tensor param has 1)."""
    if isinstance(value, torch.Tensor) and value.dim() > 1:
        return value.expand(n, *value.shape[1:])
    return as_points(value, n, device)


def _split(columns: list[torch.Tensor], n: int) -> list[list[torch.Tensor]]:
    """Per member, the values of each component (columns are concatenated over members)."""
    chunks = [col.split(n) for col in columns]
    return [list(parts) for parts in zip(*chunks, strict=True)]


@dataclass(frozen=True)
class Read:
    """One part's answer, read: a tree per component and the text it came from."""

    nodes: list[Expr]
    texts: list[str]
    # Per component, the top-level terms as typed (what a term-level diagnosis quotes).
    terms: list[tuple[str, ...]] = field(default_factory=list, compare=False)
    # Per component, the values of the answer's top-level terms at the points, kept by the
    # evaluation for the term-level diagnosis (which then evaluates nothing again).
    term_values: dict[int, list[NpValue]] = field(default_factory=dict, compare=False)


def check_part(inst: Instance, part: Part, answer: Answer) -> PartResult:
    got = read_part(inst, part, answer)
    if isinstance(got, PartResult):
        return got
    with np.errstate(all="ignore"):  # once per check: domain errors are nan, compared as wrong
        return _judge(inst, part, _evaluate(inst, part, got.nodes, got), got)


def read_part(inst: Instance, part: Part, answer: Answer) -> Read | PartResult:
    """Parse one part's answer into one tree per component, or a result saying why not."""
    ncomp = len(part.components)
    labels = inst.prompts[part.index]["component_labels"]
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return PartResult.said(
            messages=[message("check.no_answer")], correct=False, score=0.0, max_score=part.points
        )
    if not isinstance(answer, str) and not (
        isinstance(answer, Sequence) and all(isinstance(a, str) for a in answer)
    ):
        return _error(part, "the answer must be text (or a list of texts for a gradient)")
    texts = split_answer(answer if isinstance(answer, str) else list(answer), ncomp)
    if texts is None:
        commas = decimal_comma_hint(answer) if isinstance(answer, str) else ""
        return _error(part, f"give {ncomp} answers, one for each of {', '.join(labels)}{commas}")
    nodes, terms = [], []
    for c, text in enumerate(texts):
        try:
            parsed = read_answer(inst.exercise, part, text, c)
        except ParseError as exc:
            prefix = f"{labels[c]}: " if ncomp > 1 else ""
            return _error(part, f"{prefix}{exc}\n{exc.caret}")
        nodes.append(parsed.tree)
        terms.append(parsed.terms)
    if part.is_tensor:
        return reshaped_result(inst, part, nodes) or Read(nodes, texts, terms)
    return Read(nodes, texts, terms)


def evaluate_part(inst: Instance, part: Part, nodes: list[Expr]) -> list[np.ndarray]:
    """Each component's values at the points, with numpy (torch for trees numpy cannot do,
    and for every part of an exercise over tensors)."""
    with np.errstate(all="ignore"):
        return _evaluate(inst, part, nodes)


def _evaluate(
    inst: Instance, part: Part, nodes: list[Expr], read: Read | None = None
) -> list[np.ndarray]:
    """``evaluate_part`` (under the caller's ``np.errstate``); a sum's terms are evaluated
    one by one and kept in ``read`` for the diagnosis."""
    if part.is_tensor:
        return [to_array(v) for v in _evaluate_torch(inst, part, nodes)]
    env, n = inst.np_answer_env(part)
    out = []
    for c, node in enumerate(nodes):
        try:
            if read is not None and not part.numeric:
                total, terms = run_terms(node, env)
                read.term_values[c] = terms
            else:
                total = compile_np(node)(env)
            out.append(as_points_np(total, n))
        except Unsupported:
            out.append(to_array(_evaluate_torch(inst, part, [node])[0]))
    return out


def _evaluate_torch(inst: Instance, part: Part, nodes: list[Expr]) -> list[torch.Tensor]:
    env, n = inst.answer_env(part)
    if part.is_tensor:
        sizes = [entries(s) for s in part.shapes]
        return [
            flat(evaluate(nd, env), n, k, inst.device) for nd, k in zip(nodes, sizes, strict=True)
        ]
    return [as_points(evaluate(node, env), n, inst.device) for node in nodes]


def judge(
    inst: Instance, part: Part, values: list[np.ndarray], read: Read | None = None
) -> PartResult:
    """Compare an answer's values with the reference; diagnose and say what is wrong."""
    with np.errstate(all="ignore"):
        return _judge(inst, part, values, read)


def _judge(inst: Instance, part: Part, values: list[np.ndarray], read: Read | None) -> PartResult:
    if part.is_tensor:
        return judge_tensor(inst, part, [torch.as_tensor(v) for v in values])
    ncomp = len(part.components)
    labels = inst.prompts[part.index]["component_labels"]
    verdicts: list[bool] = []
    said: list[Message] = []
    codes: list[str] = []
    expected: list[Message] = []
    for c, s in enumerate(values):
        ref, tol = inst.np_reference(part, c), inst.np_tolerance(part, c)
        ok = np.abs(s - ref) <= tol  # nan compares false: an undefined value never matches
        right = bool(ok.all())
        verdicts.append(right)
        subject = labels[c] if ncomp > 1 else None
        if right:
            said.append(message("check.correct").about(subject))
            continue
        node = read.nodes[c] if read else None
        terms = read.term_values.get(c) if read else None
        typed = read.terms[c] if read and read.terms else None
        found = find_mistake(inst, part, c, s, node, read.texts[c] if read else None, terms, typed)
        if found is not None:
            codes.append(found.code)
            said.append(found.message.about(subject))
        else:
            bad = int(np.argmin(ok))
            wrong, shown = _mismatch_message(inst, part, c, s, bad, node)
            said.append(wrong.about(subject))
            expected.append(shown.about(subject))
    n_right = sum(verdicts)
    return PartResult.said(
        messages=said,
        expected=expected,
        correct=n_right == ncomp,
        score=part.points * n_right / ncomp,
        max_score=part.points,
        diagnosis=codes[0] if codes else None,
        components=verdicts,
    )


def _error(part: Part, error: str) -> PartResult:
    return PartResult.said(
        messages=[message("check.unreadable")],
        correct=False,
        score=0.0,
        max_score=part.points,
        error=error,
    )


def _mismatch_message(
    inst: Instance, part: Part, c: int, s: np.ndarray, i: int, node: Expr | None
) -> tuple[Message, Message]:
    """What to say when no mistake is recognised, and the derivative's value there.

    A formula is compared at a readable point (x = 1, x = 1/2) where the answer is wrong,
    when there is one; else at the first sample point where it is."""
    if part.numeric:
        value = float(s[i])
        where = ", ".join(f"{v} = {format_number(x)}" for v, x in (part.at or {}).items())
        ref = float(inst.np_reference(part, c)[0])
        wrong = message("check.wrong_value", value=Number(value), point=Label(where))
        return wrong, message("check.expected_there", value=Number(ref))
    point = _readable_mismatch(inst, part, c, node) if node is not None else None
    if point is None:
        where, value, ref = inst.point_label(i), float(s[i]), float(inst.np_reference(part, c)[i])
    else:
        where, value, ref = point
    shown = message("check.expected_there", value=Number(ref))
    if not math.isfinite(value):
        return message("check.undefined_at", point=Label(where)), shown
    return message("check.wrong_at", point=Label(where), value=Number(value)), shown


def _readable_mismatch(
    inst: Instance, part: Part, c: int, node: Expr
) -> tuple[str, float, float] | None:
    """(label, answer's value, derivative) at the first readable point where they differ."""
    readable = inst.readable(part, c)
    if readable is None:
        return None
    try:
        s = as_points_np(compile_np(node)(readable.env), len(readable.labels))
    except (Unsupported, KeyError):
        return None
    ref, tol = readable.reference, readable.tolerance  # the grader's one rule
    wrong = np.isfinite(ref) & ~(np.abs(s - ref) <= tol)  # (under the check's errstate)
    finite = np.flatnonzero(wrong & np.isfinite(s))  # a number to compare beats "undefined"
    hits = finite if len(finite) else np.flatnonzero(wrong)
    if not len(hits):
        return None
    k = int(hits[0])
    return readable.labels[k], float(s[k]), float(ref[k])
