"""Checking answers that are vectors or matrices: shapes, per-entry verdicts and credit.

An answer's shape is known when it is read (``shapes.infer``): one with a different number
of entries than the box asks for cannot be compared and is refused as unreadable, naming the
expected shape; one with the right number of entries in another shape (3×2 for 2×3) is
graded wrong, and named ``transpose`` when transposing it gives the right numbers. Values
are compared entry by entry, flattened point-major (see ``tensors.flat``), and the score is
the part's points times the share of right entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .autograd import evaluate
from .decimal_comma import decimal_commas, entry_index, with_points
from .expr import Expr, ParseError, parse
from .messages import Message, Words, message
from .results import PartResult, correct_result, entries_out
from .shapes import Shape, ShapeError, describe, entries, entry_name, infer
from .tensor_diagnose import TRANSPOSE, diagnose_tensor
from .tensors import flat

if TYPE_CHECKING:
    from .exercise import Exercise, Part
    from .instance import Instance

MAX_LISTED = 6  # wrong entries named in feedback


def check_answer_shape(
    exercise: Exercise, part: Part | None, node: Expr, text: str, component: int = 0
) -> None:
    """Raise ``ParseError`` when the answer's shapes do not fit, or its entry count differs
    from the box's (a number box included: ``[1, 2]`` is not a number)."""
    try:
        got = infer(node, exercise.shapes)
    except ShapeError as exc:
        want = part.shapes[component] if part is not None and part.shapes else None
        if want is not None:
            refuse_decimal_commas(exercise, want, text)
        suffix = f" (this answer should be {describe(want)})" if want is not None else ""
        raise ParseError(f"{exc}{suffix}", 1, text) from None
    if part is None:
        return
    want = part.shapes[component] if part.shapes else ()
    if entries(got) != entries(want):
        refuse_decimal_commas(exercise, want, text)
        written = "rows of " if got and not want else ""
        raise ParseError(
            f"expected {describe(want)} ({entries(want)} "
            f"entr{'y' if entries(want) == 1 else 'ies'}), but this answer is "
            f"{written}{describe(got)} ({entries(got)})",
            1,
            text,
        )


def refuse_decimal_commas(exercise: Exercise, want: Shape, text: str) -> None:
    """Raise ``ParseError`` naming the entry when the answer has the shape asked for once its
    decimal commas are points (``[4, 8, 12,5]``: row 2, column 3); see decimal_comma.py."""
    found = decimal_commas(text)
    if not found:
        return
    fixed = with_points(text)
    try:
        if infer(parse(fixed, exercise.scope, exercise.tensor_names), exercise.shapes) != want:
            return
    except (ParseError, ShapeError):
        return
    first = found[0]
    where = entry_index(fixed, first.start())
    place = entry_name(where) + ": " if where and len(where) == len(want) else ""
    typed, (whole, part) = first.group(0), first.groups()
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    fix = f"{whole}.{part}" + (f" (or {whole}{part})" if len(part) == 3 else "")
    message = (
        f"{place}'{typed}' has a decimal comma{more} — write {fix}: "
        "decimals take a point, and a comma separates the entries"
    )
    raise ParseError(message[:1].upper() + message[1:], first.start() + 1, text, (fixed,))


def shape_text(shape: Shape) -> str:
    """``3×2`` for a matrix, else as ``describe``: how a student's shape is quoted."""
    return "\u00d7".join(map(str, shape)) if len(shape) >= 2 else describe(shape)


def reshaped_result(inst: Instance, part: Part, nodes: list[Expr]) -> PartResult | None:
    """A wrong result for an answer of the right entry count in the wrong shape, or None."""
    got = [infer(node, inst.exercise.shapes) for node in nodes]
    if all(g == w for g, w in zip(got, part.shapes, strict=True)):
        return None
    env, n = inst.answer_env(part)
    messages, diagnosis, verdicts, nested = [], None, [], []
    right = 0
    for c, (node, g, want) in enumerate(zip(nodes, got, part.shapes, strict=True)):
        if g == want:
            s = flat(evaluate(node, env), n, entries(want), inst.device)
            ok = entry_verdicts(inst, part, c, s)
            right += int(ok.sum())
            verdicts.append(bool(ok.all()))
            nested.append(ok.view(want).tolist() if want else bool(ok))
            continue
        verdicts.append(False)
        nested.append(torch.zeros(want, dtype=torch.bool).tolist() if want else False)
        message = f"expected {describe(want)}, got {shape_text(g)}"
        if len(g) == 2 and g == tuple(reversed(want)):
            message += " \u2014 did you transpose?"
            value = evaluate(node, env)
            assert isinstance(value, torch.Tensor)  # a matrix per point
            s = flat(value.transpose(-1, -2), n, entries(want), inst.device)
            if bool(entry_verdicts(inst, part, c, s).all()):
                diagnosis = diagnosis or TRANSPOSE
                message += " Your numbers are those of the transpose of the right answer."
        messages.append(_prefixed(inst, part, c, message[:1].upper() + message[1:]))
    score = part.points * right / sum(entries(w) or 1 for w in part.shapes)
    feedback = " ".join(messages)
    return PartResult(
        correct=False,
        score=score,
        max_score=part.points,
        feedback=feedback,
        diagnosis=diagnosis,
        components=verdicts,
        entries=entries_out(nested),
    )


def entry_verdicts(inst: Instance, part: Part, c: int, s: torch.Tensor) -> torch.Tensor:
    """Per entry (flattened), whether the answer matches the reference at every point."""
    ref = inst.reference(part)[c]
    size = entries(part.shapes[c]) or 1
    return ((s - ref).abs() <= inst.tolerance(part, c)).view(-1, size).all(0)


def judge_tensor(inst: Instance, part: Part, values: list[torch.Tensor]) -> PartResult:
    """Per-entry verdicts, partial credit, the named mistake and per-entry feedback."""
    verdicts, nested, codes = [], [], []
    messages: list[Message] = []
    right = total = 0
    for c, s in enumerate(values):
        shape = part.shapes[c]
        ok = entry_verdicts(inst, part, c, s)
        right += int(ok.sum())
        total += ok.numel()
        verdicts.append(bool(ok.all()))
        nested.append(ok.view(shape).tolist() if shape else bool(ok))
        if bool(ok.all()):
            messages += _about(inst, part, c, [message("check.correct")])
            continue
        found = diagnose_tensor(inst, part, c, s, ok)
        said = list(found.messages) if found is not None else [_not_right(part, shape)]
        if found is not None:
            codes.append(found.code)
        wrong = [i for i, good in enumerate(ok.tolist()) if not good]
        if shape and len(wrong) < ok.numel():
            said.append(wrong_entries_said(shape, wrong, ok.numel()))
        messages += _about(inst, part, c, said)
    correct = all(verdicts)
    if correct and len(values) == 1:
        return correct_result(part)
    return PartResult.said(
        messages=messages,
        correct=correct,
        score=part.points * right / total,
        max_score=part.points,
        diagnosis=codes[0] if codes else None,
        components=verdicts,
        entries=entries_out(nested),
    )


def _not_right(part: Part, shape: Shape) -> Message:
    if not shape:
        return message("tensor.not_right_value" if part.numeric else "tensor.not_right_derivative")
    return message("tensor.numbers_not_gradient" if part.numeric else "tensor.formula_not_gradient")


def wrong_entries_said(shape: Shape, wrong: list[int], count: int) -> Message:
    """``wrong_entries_text`` as a message: the listing (as people count) and how many are
    right, in a sentence of the reader's language."""
    listed = wrong_entries_text(shape, wrong, count).split(" is wrong")[0].split(" are wrong")[0]
    rest = count - len(wrong)
    code = {
        (True, True): "tensor.one_wrong_one_right",
        (True, False): "tensor.one_wrong_others_right",
        (False, True): "tensor.some_wrong_one_right",
        (False, False): "tensor.some_wrong_others_right",
    }[(len(wrong) == 1, rest == 1)]
    return message(code, listed=Words(listed), rest=Words(str(rest)))


def wrong_entries_text(shape: Shape, wrong: list[int], count: int) -> str:
    """Which entries are wrong, counted from one as the grid and people count:
    ``Row 2, column 3 is wrong; the other 5 are right.``, ``Entries 1 and 3 are wrong; ...``"""
    vector = len(shape) == 1
    names = [str(i + 1) if vector else entry_name(_unravel(i, shape)) for i in wrong[:MAX_LISTED]]
    if len(wrong) > MAX_LISTED:
        names.append(f"{len(wrong) - MAX_LISTED} more")
    glue = ", " if vector else "; "  # "row 1, column 2; row 2, column 1"
    listed = names[0] if len(names) == 1 else glue.join(names[:-1]) + " and " + names[-1]
    if vector:
        listed = ("entry " if len(wrong) == 1 else "entries ") + listed
    verb = "is" if len(wrong) == 1 else "are"
    rest = count - len(wrong)
    lead = listed[:1].upper() + listed[1:]
    return f"{lead} {verb} wrong; the other {rest} {'is' if rest == 1 else 'are'} right."


def _unravel(i: int, shape: Shape) -> tuple[int, ...]:
    out = []
    for size in reversed(shape):
        out.append(i % size)
        i //= size
    return tuple(reversed(out))


def _prefixed(inst: Instance, part: Part, c: int, text: str) -> str:
    if len(part.components) == 1:
        return text
    return f"{inst.prompts[part.index]['component_labels'][c]}: {text}"


def _about(inst: Instance, part: Part, c: int, said: list[Message]) -> list[Message]:
    """Messages about answer box ``c`` (named before the first, in a part with several)."""
    if len(part.components) == 1 or not said:
        return said
    label = inst.prompts[part.index]["component_labels"][c]
    return [said[0].about(label), *said[1:]]
