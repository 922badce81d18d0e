"""An answer's text before it is parsed: the derivative's name written before it (``dz/dx =``)
and one text per answer box (a gradient typed ``(2x, 3y)``).

Both are hand scanners over bounded text: no regular expression, no backtracking.
"""

from __future__ import annotations

from collections.abc import Callable

# A derivative's name before the answer is at most this long (``d^4 z(x) / dx^2 dy dz`` and
# the like); longer text is not a label. Bounds the label scan by construction.
MAX_LABEL = 64
_D = ("d", "\u2202")  # d, ∂


def label_end(text: str) -> int:
    """Where the answer starts after a derivative's name and ``=``, or 0 when there is none.

    Recognises ``y' =``, ``f'(x) =``, ``dz/dx =``, ``d^2y/dx^2 =``, ``∂z/∂x ∂y =``, ``z_x =`` and
    ``z_{x} =``. A hand scanner rather than a regular expression: each character of the first
    ``MAX_LABEL`` is looked at a bounded number of times, so no input can make it backtrack.
    """
    if "=" not in text[: MAX_LABEL + 1]:
        return 0  # no label can end: the common case, decided at once
    s = _Scan(text[: MAX_LABEL + 1])
    s.spaces()
    start = s.i
    if s.word():
        if s.take("'"):  # y' = , f''(x) =
            while s.take("'"):
                pass
            s.argument()
            return s.equals()
        word = s.text[start : s.i]
        head, _, sub = word.rpartition("_")  # z_x = (letters after the last _)
        if head and sub.isascii() and sub.isalpha() and (end := s.equals()):
            return end
        if word.endswith("_") and len(word) > 1 and s.take("{"):  # z_{x} =
            if s.letters() and s.take("}") and (end := s.equals()):
                return end
        s.i = start
    if s.take(*_D):  # dz/dx = , d^2 z(x) / dx^2 =
        s.take("^")
        s.digits()
        s.spaces()
        if not s.word():
            return 0
        s.argument()
        s.spaces()
        if not s.take("/"):
            return 0
        s.spaces()
        if not s.differential():
            return 0
        while s.differential():
            pass
        return s.equals()
    return 0


class _Scan:
    """A cursor over the (bounded) start of an answer; every step moves forward."""

    def __init__(self, text: str):
        self.text = text
        self.i = 0

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def take(self, *chars: str) -> bool:
        if self.peek() and self.peek() in chars:
            self.i += 1
            return True
        return False

    def run(self, ok: Callable[[str], bool]) -> int:
        start = self.i
        while self.i < len(self.text) and ok(self.text[self.i]):
            self.i += 1
        return self.i - start

    def spaces(self) -> None:
        self.run(str.isspace)

    def digits(self) -> int:
        return self.run(str.isdigit)

    def letters(self) -> int:
        return self.run(lambda c: c.isascii() and c.isalpha())

    def word(self) -> bool:
        """An ASCII letter, then letters, digits and underscores."""
        c = self.peek()
        if not (c.isascii() and c.isalpha()):
            return False
        self.i += 1
        self.run(lambda ch: ch.isalnum() or ch == "_")
        return True

    def argument(self) -> None:
        """An optional ``(x)`` after a function's name."""
        start = self.i
        self.spaces()
        if self.take("("):
            self.spaces()
            if self.run(lambda ch: ch.isalnum() or ch == "_"):
                self.spaces()
                if self.take(")"):
                    return
        self.i = start

    def differential(self) -> bool:
        """One ``dx``, ``dx^2`` or ``∂x`` of a denominator, with the spaces after it."""
        start = self.i
        if not self.take(*_D):
            return False
        self.spaces()
        if not self.word():
            self.i = start
            return False
        if self.take("^") and not self.digits():
            self.i = start
            return False
        self.spaces()
        return True

    def equals(self) -> int:
        """The end of ``=`` (not ``==``) after optional spaces, or 0."""
        self.spaces()
        if self.take("=") and self.peek() != "=" and self.i <= MAX_LABEL:
            return self.i
        return 0


def split_answer(answer: str | list[str], ncomp: int) -> list[str] | None:
    """One text per component: a list as given, or a string (comma-separated if several)."""
    if isinstance(answer, list):
        texts = [str(a) for a in answer]
    elif ncomp == 1:
        texts = [answer]
    else:
        texts = _split_commas(answer)
        unwrapped = _unwrap(answer.strip())
        if unwrapped is not None and len(_split_commas(unwrapped)) == ncomp:
            texts = _split_commas(unwrapped)  # a vector written (a, b), [a, b] or <a, b>
    return texts if len(texts) == ncomp else None


_BRACKETS = {"(": ")", "[": "]", "<": ">", "\u27e8": "\u27e9", "{": "}"}


def _unwrap(text: str) -> str | None:
    if len(text) >= 2 and _BRACKETS.get(text[0]) == text[-1]:
        return text[1:-1]
    return None


def _split_commas(text: str) -> list[str]:
    """Split at top-level commas (a comma inside parentheses is not a separator)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [t.strip() for t in out]
