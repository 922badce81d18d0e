"""Readings of a word that is functions and names typed without parentheses or spaces.

Students type trig products and powers as they write them by hand: ``2sinxcosx``,
``sin2xcos2x``, ``xsinx``, ``cos3x^2``. The tokenizer sees one unknown word; this module says
what it most likely stands for, as fixes the parser offers (never reads silently): each
function takes the shortest argument after it, an optional whole-number coefficient and one
name (``sin2x`` is sin(2x)), and a power right after the word is offered both ways
(``cos3x^2``: cos(3x^2) or cos(3x)^2). A word offers a reading only when it splits into such
pieces in exactly one way (``sinhx`` with a name ``h`` in scope splits two ways: none).

The split is dynamic programming over the word's suffixes, counting ways up to two: at most
``len(word) * (functions + longest name)`` look-ups, and words are at most ``MAX_WORD`` long.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from . import functions as registry

MAX_WORD = 40
_SCALAR_WORDS = sorted({*registry.FUNCTIONS, *registry.ALIASES}, key=len, reverse=True)


class Piece(NamedTuple):
    fn: str  # the function as typed ("" for a name alone)
    arg: str  # its argument (coefficient and name), or the name alone; "" for a bare function


def split_calls(word: str, names: Iterable[str], bare_last: bool) -> list[Piece] | None:
    """The one split of ``word`` into calls without parentheses and names, or None.

    At least one piece is a call. ``bare_last``: the word is followed by ``(`` or ``^``, so it
    may end with a function name alone (``sinxcos(x)``)."""
    n = len(word)
    if n > MAX_WORD:
        return None
    vocab = frozenset(names) | {"pi"}
    longest = max(map(len, vocab), default=1)
    lower = word.lower()

    def options(i: int) -> Iterable[tuple[int, Piece]]:
        for j in range(i + 1, min(n, i + longest) + 1):
            if word[i:j] in vocab:
                yield j, Piece("", word[i:j])
        for fn in _SCALAR_WORDS:
            if not lower.startswith(fn, i):
                continue
            k = i + len(fn)
            if k == n and bare_last:
                yield k, Piece(word[i:k], "")
            d = k
            while d < n and word[d].isdigit():
                d += 1
            for j in range(d + 1, min(n, d + longest) + 1):
                if word[d:j] in vocab:
                    yield j, Piece(word[i:k], word[k:j])

    # ways[i]: the number of splits of word[i:] (up to 2); how[i]: the first step of one
    ways = [0] * (n + 1)
    how: list[tuple[int, Piece] | None] = [None] * (n + 1)
    ways[n] = 1
    for i in range(n - 1, -1, -1):
        for j, piece in options(i):
            if ways[j]:
                ways[i] = min(2, ways[i] + ways[j])
                how[i] = how[i] or (j, piece)
    if ways[0] != 1:
        return None
    pieces, i = [], 0
    while i < n:
        step = how[i]
        assert step is not None
        i, piece = step
        pieces.append(piece)
    return pieces if any(p.fn for p in pieces) else None


def written(pieces: list[Piece], power: str | None = None) -> list[str]:
    """The pieces written out (``sin(x)cos(x)``); with ``power`` (the exponent typed right
    after the word) both readings when the last piece is a call: f(a^p) and f(a)^p."""
    head = [_piece_text(p) for p in pieces[:-1]]
    last = pieces[-1]
    if power is None:
        tails = [_piece_text(last)]
    elif last.fn and last.arg:
        tails = [f"{last.fn}({last.arg}^{power})", f"{last.fn}({last.arg})^{power}"]
    else:  # x^2, or a function's own power (cos^2(x)): one reading
        tails = [_piece_text(last) + "^" + power]
    return [_joined([*head, tail]) for tail in tails]


def _joined(texts: list[str]) -> str:
    out = ""
    for text in texts:  # a name before the next piece needs a space: x sin(x)
        out += text if not out or out.endswith(")") else " " + text
    return out


def _piece_text(piece: Piece) -> str:
    if not piece.fn:
        return piece.arg
    return f"{piece.fn}({piece.arg})" if piece.arg else piece.fn
