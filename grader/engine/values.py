"""Params and values as a student reads them: LaTeX matrices in statements, typed lists."""

from __future__ import annotations

import re
from typing import Any

from .render import format_number


def param_latex(value: Any) -> str:
    """A param as LaTeX: a number, or a matrix (bmatrix; a vector is a column)."""
    if not isinstance(value, list):
        return format_number(float(value))
    rows = value if isinstance(value[0], list) else [[x] for x in value]
    body = r" \\ ".join(" & ".join(param_latex(x) for x in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def fill_params(text: str, params: dict[str, Any]) -> str:
    """Replace ``{k}`` by the value of param ``k`` (a tensor as a LaTeX matrix, to go inside
    $...$); other braces (LaTeX) are left alone."""
    if not params:
        return text
    pattern = re.compile(r"\{(" + "|".join(re.escape(p) for p in params) + r")\}")
    return pattern.sub(lambda m: param_latex(params[m.group(1)]), text)


def format_value(value: Any) -> str:
    """A number or nested lists, as typed in an answer: [[1, 0], [2, -1]]."""
    if isinstance(value, list):
        return "[" + ", ".join(format_value(x) for x in value) + "]"
    return format_number(float(value))
