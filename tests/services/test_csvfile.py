"""CSV exports open safely in comma and semicolon locales: every cell quoted, and no cell or
semicolon-split piece of one starts a formula."""

from __future__ import annotations

import csv
import io

import pytest

from grader.services.infra.csvfile import safe_cell, to_csv


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t'=1"),
        ("Ann;=1+1", "Ann;'=1+1"),
        ('Ann,=HYPERLINK("x")', 'Ann,\'=HYPERLINK("x")'),
        ("Ann; =1", "Ann; =1"),  # a space first: no spreadsheet reads a formula there
        ("Ann;-1", "Ann;'-1"),
        ("Ann\t@x", "Ann\t'@x"),
        ("Ann Lee", "Ann Lee"),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_each_formula_start_is_neutralised(given, safe):
    assert safe_cell(given) == safe


def _split(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def test_a_semicolon_locale_reads_the_cell_whole_and_as_text():
    text = to_csv([["name", "score"], ["Ann;=1+1", 3]])
    assert _split(text, ",")[1] == ["Ann;'=1+1", "3"]
    # a semicolon-locale spreadsheet honours the quotes: one cell, and it is text
    row = _split(text, ";")[1]
    assert len(row) == 1 and row[0].startswith("Ann;'=1+1")
    for line in text.splitlines()[1:]:
        assert line.startswith('"')
