"""Reference tables of the docs (functions, message codes), generated from the code.

docs/engine.md holds these tables between ``<!-- name:begin -->`` and ``<!-- name:end -->``
markers; ``tests/engine/test_functions.py`` checks that the docs hold exactly what these
functions produce, so the docs cannot drift from the registry. To refresh the docs after
adding a function::

    python -m grader.engine.reference docs/engine.md
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from .functions import FUNCTIONS, TENSOR_OPERATIONS
from .messages import ENGLISH, placeholders
from .nodes import Name
from .render import to_text


def functions_table() -> str:
    """One row per function of the registry: its names, what it is and its derivative."""
    u = Name("u")
    rows = ["| function | also typed | what it is | derivative |", "|---|---|---|---|"]
    for f in FUNCTIONS.values():
        also = ", ".join(f"`{a}`" for a in f.aliases)
        rule = to_text(f.derivative(u))
        rows.append(f"| `{f.name}(u)` | {also} | {_cell(f.doc)} | `{_cell(rule)}` |")
    return "\n".join(rows)


def tensor_operations_table() -> str:
    rows = ["| operation | arguments | what it is |", "|---|---|---|"]
    for op in TENSOR_OPERATIONS.values():
        fewest, most = op.arity
        count = str(fewest) if fewest == most else f"{fewest} or {most}"
        rows.append(f"| `{op.name}` | {count} | {_cell(op.doc)} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    """Text for a Markdown table cell (a bar would end the cell)."""
    return text.replace("|", "\\|")


def message_codes_table() -> str:
    """One row per feedback message: its code, its arguments and its English words."""
    rows = ["| message code | arguments | English |", "|---|---|---|"]
    for code, words in ENGLISH.items():
        args = ", ".join(f"`{a}`" for a in dict.fromkeys(placeholders(words)))
        rows.append(f"| `{code}` | {args} | {_cell(words)} |")
    return "\n".join(rows)


TABLES: dict[str, Callable[[], str]] = {
    "functions": functions_table,
    "tensor-operations": tensor_operations_table,
    "message-codes": message_codes_table,
}


def section(text: str, name: str) -> str | None:
    """The text between a table's markers in ``text`` (None when the markers are missing)."""
    m = re.search(rf"<!-- {name}:begin -->(.*?)<!-- {name}:end -->", text, re.S)
    return m.group(1).strip("\n") if m else None


def refreshed(text: str) -> str:
    """``text`` with every table between its markers regenerated."""
    for name, make in TABLES.items():
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        whole = f"{begin}\n{make()}\n{end}"
        start = text.find(begin)
        stop = text.find(end, start)
        if start >= 0 and stop >= 0:
            text = text[:start] + whole + text[stop + len(end) :]
    return text


def main(argv: list[str]) -> int:
    for path in map(Path, argv):
        path.write_text(refreshed(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
