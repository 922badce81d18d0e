"""CSV files a spreadsheet opens safely: UTF-8 with a byte-order mark, CRLF line ends (what
Excel expects), every cell quoted, and no cell a spreadsheet would run as a formula, in comma
and semicolon locales alike.

A formula can start a cell (`=`, `+`, `-`, `@`, tab, CR), or start what a semicolon-locale
spreadsheet reads as a cell: `Ann;=1+1` in a comma-separated file is one cell here but two
there unless quoted. So every cell is quoted, and a trigger that follows a separator (`;`,
`,`, tab) or starts the cell gets a `'` before it, which spreadsheets show as text."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

BOM = "\ufeff"
TRIGGERS = "=+-@\t\r"
_AFTER_SEPARATOR = re.compile(r"([;,\t])([=+\-@])")


def safe_cell(value: Any) -> Any:
    """A text cell no spreadsheet runs as a formula; numbers and None pass unchanged."""
    if not isinstance(value, str):
        return value
    value = _AFTER_SEPARATOR.sub(r"\1'\2", value)
    if value[:1] and value[0] in TRIGGERS:
        value = "'" + value
    return value


def to_csv(rows: list[list[Any]], bom: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return (BOM if bom else "") + out.getvalue()
