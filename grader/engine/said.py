"""Feedback sentences in two forms: Markdown with $...$ math (web, API) and plain text (CLI).

A sentence is built from literal pieces and math pieces; a math piece carries its LaTeX (for
the Markdown form, rendered as MathML on the web) and its plain text (as the student typed it,
or the answer language's text form), so neither form is derived from the other by guesswork.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .expr import Expr
from .render import format_number, to_latex, to_text


@dataclass(frozen=True)
class Math:
    latex: str
    plain: str


@dataclass(frozen=True)
class Said:
    markdown: str
    plain: str

    def __add__(self, other: Said) -> Said:
        return Said(self.markdown + other.markdown, self.plain + other.plain)


def say(*pieces: str | Math) -> Said:
    """Join literal text and math pieces into both forms."""
    md, plain = [], []
    for piece in pieces:
        if isinstance(piece, Math):
            md.append(f"${piece.latex}$")
            plain.append(piece.plain)
        else:
            md.append(piece)
            plain.append(piece)
    return Said("".join(md), "".join(plain))


def math(node: Expr, typed: str | None = None) -> Math:
    """An expression: LaTeX for the web; in plain text as typed when given, else its text."""
    return Math(to_latex(node), typed if typed is not None else to_text(node))


def number(value: float) -> Math:
    text = format_number(value) if value.is_integer() or abs(value) >= 1e-4 else f"{value:.4g}"
    if not value.is_integer() and len(text) > 10:
        text = f"{value:.6g}"
    return Math(text, text)


def name(text: str) -> Math:
    """A name or a short formula of names (dz/dy): as is in both forms."""
    return Math(text, text)


_DOLLAR_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)


def authored(markdown: str) -> Said:
    """An instructor's feedback (Markdown with $...$): its plain form drops the dollars."""
    return Said(markdown, _DOLLAR_MATH.sub(lambda m: (m.group(1) or m.group(2)).strip(), markdown))
