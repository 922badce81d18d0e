"""Grade answers: parse, evaluate at the instance's points, compare, diagnose.

A check is a bounded number of tensor operations (the answer's nodes are capped by the
parser), so no timeout is needed. ``grade`` never raises for a bad answer: an answer that does
not parse gets ``error`` set and the other parts are still graded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import torch

from .autograd import as_points, evaluate
from .compare import first_mismatch
from .diagnose import diagnose
from .exercise import Exercise, Part, split_answer
from .expr import Expr, ParseError, names_in, parse
from .render import to_latex, to_mathml, to_text

Answer = str | Sequence[str] | None


@dataclass
class PartResult:
    correct: bool
    score: float
    max_score: float
    feedback: str
    diagnosis: str | None = None
    error: str | None = None
    components: list[bool] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "correct": self.correct,
            "score": self.score,
            "feedback": self.feedback,
            "diagnosis": self.diagnosis,
            "error": self.error,
        }


@dataclass
class Grade:
    score: float
    max_score: float
    parts: dict[str, PartResult]

    @property
    def parse_errors(self) -> bool:
        return any(p.error is not None for p in self.parts.values())

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "parts": {k: v.to_dict() for k, v in self.parts.items()},
        }


@dataclass(frozen=True)
class Preview:
    text: str
    latex: str
    mathml: str

    def to_dict(self) -> dict:
        return asdict(self)


def parse_answer(exercise: Exercise, part: Part | None, text: str) -> Expr:
    """Parse one answer box; a numeric part may not mention variables or defined names."""
    node = parse(text, exercise.scope)
    if part is not None and part.numeric:
        bad = sorted(names_in(node) - set(exercise.spec.params) - {"pi", "e"})
        if bad:
            col = _column_of(text, bad[0])
            where = ", ".join(f"{v} = {x:g}" for v, x in (part.at or {}).items())
            raise ParseError(
                f"this part asks for a number (the derivative at {where}); "
                f"'{bad[0]}' cannot appear in it",
                col,
                text,
            )
    return node


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
    results = {part.id: check_part(inst, part, answers.get(part.id)) for part in exercise.parts}
    return Grade(
        score=sum(r.score for r in results.values()),
        max_score=exercise.max_score,
        parts=results,
    )


def check_part(inst, part: Part, answer: Answer) -> PartResult:
    ex = inst.exercise
    ncomp = len(part.components)
    labels = inst.parts[part.index]["component_labels"]
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return PartResult(False, 0.0, part.points, "No answer given.")
    if not isinstance(answer, str) and not (
        isinstance(answer, Sequence) and all(isinstance(a, str) for a in answer)
    ):
        return _error(part, "the answer must be text (or a list of texts for a gradient)")
    texts = split_answer(answer if isinstance(answer, str) else list(answer), ncomp)
    if texts is None:
        return _error(part, f"give {ncomp} answers, one for each of {', '.join(labels)}")
    nodes = []
    for c, text in enumerate(texts):
        try:
            nodes.append(parse_answer(ex, part, text))
        except ParseError as exc:
            prefix = f"{labels[c]}: " if ncomp > 1 else ""
            return _error(part, f"{prefix}{exc}\n{exc.caret}")
    env, n = inst.answer_env(part)
    refs = inst.reference(part)
    verdicts: list[bool] = []
    messages: list[str] = []
    codes: list[str] = []
    for c, node in enumerate(nodes):
        s = as_points(evaluate(node, env), n, inst.device)
        bad = first_mismatch(s, refs[c], part.rtol, part.atol)
        verdicts.append(bad is None)
        prefix = f"{labels[c]}: " if ncomp > 1 else ""
        if bad is None:
            messages.append(prefix + "correct.")
            continue
        found = diagnose(inst, part, c, s)
        if found is not None:
            codes.append(found.code)
            messages.append(prefix + found.message)
        else:
            messages.append(prefix + _mismatch_message(inst, part, s, bad))
    right = sum(verdicts)
    score = part.points * right / ncomp
    correct = right == ncomp
    if ncomp == 1:
        feedback = "Correct." if correct else messages[0]
    else:
        feedback = " ".join(m[:1].upper() + m[1:] if i == 0 else m for i, m in enumerate(messages))
    return PartResult(
        correct, score, part.points, feedback, codes[0] if codes else None, None, verdicts
    )


def _error(part: Part, message: str) -> PartResult:
    return PartResult(False, 0.0, part.points, "Your answer could not be read.", None, message)


def _mismatch_message(inst, part: Part, s: torch.Tensor, i: int) -> str:
    value = float(s[i])
    if part.numeric:
        return "Not the right value."
    where = inst.point_label(i)
    if not torch.isfinite(s[i]):
        return (
            f"Your answer is undefined at {where} (a log or square root of a negative "
            "number, or a division by zero?), where the derivative is defined."
        )
    return f"Not the derivative: at {where} your answer gives {value:.6g}, which does not match."
