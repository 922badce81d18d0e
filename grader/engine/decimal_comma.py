"""Decimal commas (``12,5``) in answers whose commas separate entries or components.

The answer language writes decimals with a point; a comma separates the entries of a vector
or matrix (``[[1, 2], [3, 4]]``) and the components of a gradient (``20x, 4y``). A student
used to a decimal comma types ``[4, 8, 12,5]`` (or ``12,5`` in one box of the grid, which
writes the same list) and would be told only that the rows differ in length. So when such an
answer does not have the shape asked for, we look for numbers written ``digits,digits``
without a space (a comma between entries is nearly always followed by one, and always is in
what the grid writes); if writing them with a point gives the shape asked for, the answer is
refused with the entry named (row 2, column 3, counted from one) and the fix offered.

Decimal commas are refused rather than read: ``12,500`` is 12.5 to some and 12500 to others.
"""

from __future__ import annotations

import re

# digits,digits not inside a longer run (1,2,3 is a list written without spaces, not a
# number); a linear scan: the look-behinds stop a match from starting inside a number.
_DECIMAL_COMMA = re.compile(r"(?<![\w.])(?<!\d,)(\d+),(\d+)(?![\w.]|,\d)")


def decimal_commas(text: str) -> list[re.Match[str]]:
    """Each ``digits,digits`` that may be one number written with a decimal comma."""
    return list(_DECIMAL_COMMA.finditer(text))


def with_points(text: str) -> str:
    """``text`` with each possible decimal comma written as a point (the same length)."""
    return _DECIMAL_COMMA.sub(r"\1.\2", text)


def entry_index(text: str, pos: int) -> tuple[int, ...]:
    """The index (from 0) of the entry at ``pos`` in a tensor written out: one number per
    open ``[``, counting the commas at its level (commas inside parentheses do not count)."""
    counts: list[int] = []
    opened: list[str] = []
    for ch in text[:pos]:
        if ch in "([{":
            opened.append(ch)
            if ch == "[":
                counts.append(0)
        elif ch in ")]}" and opened:
            if opened.pop() == "[":
                counts.pop()
        elif ch == "," and opened and opened[-1] == "[":
            counts[-1] += 1
    return tuple(counts)


def hint(text: str) -> str:
    """`` — '1,5' has a decimal comma? ...`` for a message, or "" when there is none."""
    found = decimal_commas(text)
    if not found:
        return ""
    typed = found[0].group(0)
    point = typed.replace(",", ".")
    return f" — if '{typed}' is one number, write it with a point: {point}"
