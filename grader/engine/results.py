"""What grading returns: a verdict per part (``PartResult``) and per submission (``Grade``).

A result's feedback is rendered from its messages (``messages.py``); the texts are kept beside
them because the service stores and shows them, and the messages for whoever words them anew.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .messages import Message, message, render

if TYPE_CHECKING:
    from .exercise import Part


@dataclass(kw_only=True)
class PartResult:
    """The verdict on one part's answer (built with keywords: the fields are easy to swap)."""

    correct: bool
    score: float
    max_score: float
    feedback: str  # Markdown with $...$ math
    diagnosis: str | None = None
    error: str | None = None
    components: list[bool] = field(default_factory=list)
    feedback_text: str | None = None  # the same in plain text (no $); None when it has no math
    # What the derivative is where the feedback points (Markdown, and plain): shown only where
    # the assignment lets students see the correct answer (the service decides).
    expected: str | None = None
    expected_text: str | None = None
    # tensor parts: per entry, right or not (nested like the answer; a bool for a number box)
    entries: list | bool | None = None
    # The feedback and ``expected`` as structured messages (codes and typed arguments), from
    # which the texts above are rendered; empty where a text has no message form yet (tensor
    # parts, parse errors).
    messages: list[Message] = field(default_factory=list)
    expected_messages: list[Message] = field(default_factory=list)
    # code parts: per generated input, its shapes and each output's verdict
    checks: list[dict] | None = None
    # Follow-through: {"from": [ids], "given": {id: answer}, "share": s} when this answer was
    # credited as right given wrong earlier answers (assistance.py)
    follow_through: dict | None = None
    # The part's steps' results (when any step was answered), and how they combine
    steps: dict[str, PartResult] | None = None  # by step id ("<part>.<n>")
    steps_note: list[Message] = field(default_factory=list)
    # The share of the points the help taken cost, and that help ({"hints": n, "steps": b})
    penalty: float = 0.0
    taken: dict | None = None

    @classmethod
    def said(
        cls,
        *,
        messages: list[Message],
        expected: list[Message] | None = None,
        **fields: Any,
    ) -> PartResult:
        """A result whose feedback (and ``expected``) are rendered from messages."""
        feedback, plain = render(messages, "markdown"), render(messages, "plain")
        shown = expected or []
        return cls(
            feedback=feedback,
            feedback_text=None if plain == feedback else plain,
            expected=render(shown, "markdown") if shown else None,
            expected_text=render(shown, "plain") if shown else None,
            messages=list(messages),
            expected_messages=list(shown),
            **fields,
        )

    @property
    def plain(self) -> str:
        """The feedback as plain text, for terminals and logs."""
        return self.feedback if self.feedback_text is None else self.feedback_text

    def to_dict(self, plain: bool = False) -> dict:
        out = {
            "correct": self.correct,
            "score": self.score,
            "feedback": self.plain if plain else self.feedback,
            "diagnosis": self.diagnosis,
            "error": self.error,
            "expected": (self.expected_text if plain else self.expected),
        }
        if self.entries is not None:
            out["entries"] = self.entries
        if self.messages:
            out["messages"] = [m.to_dict() for m in self.messages]
        if self.expected_messages:
            out["expected_messages"] = [m.to_dict() for m in self.expected_messages]
        if self.checks is not None:
            out["checks"] = self.checks
        if self.follow_through is not None:
            out["follow_through"] = self.follow_through
        if self.steps is not None:
            out["steps"] = {k: s.to_dict(plain) for k, s in self.steps.items()}
        if self.steps_note:
            out["steps_note"] = render(self.steps_note, "plain" if plain else "markdown")
            out["steps_note_messages"] = [m.to_dict() for m in self.steps_note]
        if self.taken is not None:
            out["penalty"] = self.penalty
            out["taken"] = self.taken
        return out


@dataclass
class Grade:
    score: float
    max_score: float
    parts: dict[str, PartResult]

    def to_dict(self, plain: bool = False) -> dict:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "parts": {k: v.to_dict(plain) for k, v in self.parts.items()},
        }


def correct_result(part: Part) -> PartResult:
    """The result of a right answer (every component, every entry)."""
    n = len(part.components)
    return PartResult.said(
        messages=[message("check.correct")],
        correct=True,
        score=part.points,
        max_score=part.points,
        components=[True] * n,
        entries=all_entries_right(part) if part.is_tensor else None,
    )


def all_entries_right(part: Part) -> list | bool:
    """The ``entries`` of a fully right answer."""
    return entries_out([_all_true(s) if s else True for s in part.shapes])


def _all_true(shape: tuple[int, ...]) -> list:
    if len(shape) == 1:
        return [True] * shape[0]
    return [_all_true(shape[1:]) for _ in range(shape[0])]


def entries_out(nested: list) -> list | bool:
    """Per-entry verdicts of a part: one box's as they are, several boxes' as a list."""
    return nested[0] if len(nested) == 1 else nested
