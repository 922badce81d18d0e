"""Term-level diagnosis: one wrong term of a sum is named by its text as typed.

Table-driven: each row is a derivative, a wrong answer written the way students write it
(spaces, implicit products, ^ and **, Unicode), the code we expect, and what the message must
name. Rows with code None must get no term-level code (nothing single explains them).
"""

from __future__ import annotations

import pytest

from grader.engine import grade

from .conftest import check, make_exercise, single

POLY = {"f": "6x^4 - 5x^3 + 2x"}  # f' = 24x^3 - 15x^2 + 2
CHAIN = {"y": "2x^2 + 3", "z": "5y + 6"}  # dz/dx = 20x
TRIG = {"f": "x^2 + sin(x)"}  # f' = 2x + cos(x)
EXPS = {"f": "x^3 + e^x + 4x"}  # f' = 3x^2 + e^x + 4
SPAN = {"x": (-3.0, 3.0)}

ROWS = [
    # (define, answer, code, words the message must contain)
    (POLY, "24x^3 + 15x^2 + 2", "term_sign", "Check the term 15x^2: its sign is wrong."),
    (POLY, "24 x^3 + 15 x^2 + 2", "term_sign", "Check the term 15 x^2: its sign is wrong."),
    (POLY, "-24x^3 - 15x^2 + 2", "term_sign", "Check the term -24x^3: its sign is wrong."),
    (POLY, "24x^3 - 15x^2 - 2", "offset", "Check the term 2: its sign is wrong."),
    (POLY, "24x³ + 15x² + 2", "term_sign", "Check the term 15x²: its sign is wrong."),
    (POLY, "24*x**3 - 15*x**2 + 2 + 6x", "term_extra", "Check the term 6x: it should not be"),
    (POLY, "24x^3 - 15x^2 + 2 + x^4", "term_extra", "Check the term x^4"),
    (POLY, "24x^3 - 5x^2 + 2", "term_power", "Check the term 5x^2: bring the exponent down"),
    (POLY, "6x^3 - 15x^2 + 2", "term_power", "Check the term 6x^3: bring the exponent down"),
    (POLY, "24x^3 - 15x^3 + 2", "term_power", "Check the term 15x^3: its power of x should"),
    (POLY, "24x^4 - 15x^2 + 2", "term_power", "Check the term 24x^4: its power of x should"),
    (POLY, "24x^3 - 15x^2 + 2x", "term_power", "Check the term 2x: its power of x should"),
    (POLY, "24x^3 - 30x^2 + 2", "term_coefficient", "Check the term 30x^2: its coefficient"),
    (POLY, "12x^3 - 15x^2 + 2", "term_coefficient", "Check the term 12x^3: its coefficient"),
    (POLY, "24x^3 - 15x^2 + 4", "offset", "off by a constant (2)"),
    (POLY, "24x^3 + 2", "term_missing", "A term in x^2 is missing"),
    (POLY, "-15x^2 + 2", "term_missing", "A term in x^3 is missing"),
    (CHAIN, "20", "term_power", "Check the term 20: it is missing a factor x"),
    (CHAIN, "20/x", "term_power", "Check the term 20/x: its power of x should be two higher"),
    (CHAIN, "10x^2", "term_power", "Check the term 10x^2: its power of x should be one lower"),
    (CHAIN, "20x^2", "term_power", "Check the term 20x^2: its power of x should be one lower"),
    (CHAIN, "20x + 6", "offset", "Check the term 6: it should not be there (the derivative"),
    (CHAIN, "20x + 6", "offset", "of a constant is 0)"),
    (CHAIN, "-20x", "sign", "The sign is wrong"),
    (CHAIN, "40x", "factor", "2 times the derivative"),
    (TRIG, "2x - cos(x)", "term_sign", "Check the term cos(x): its sign is wrong."),
    (TRIG, "-2x + cos(x)", "term_sign", "Check the term -2x: its sign is wrong."),
    (TRIG, "2x + cos x", None, "Correct."),
    (TRIG, "x + cos(x)", "term_power", "Check the term x: bring the exponent down"),
    (TRIG, "2x + 2cos(x)", "term_coefficient", "Check the term 2cos(x): its coefficient is off"),
    (TRIG, "2x+cos(x)+sin(x)", "term_extra", "Check the term sin(x): it should not be there"),
    (TRIG, "x^2 + cos(x)", "term_power", "Check the term x^2: its power of x should be one"),
    (TRIG, "2x", "term_missing", None),  # cos(x) is missing: not a power of x, no code
    (EXPS, "3x^2 - e^x + 4", "term_sign", "Check the term e^x: its sign is wrong."),
    (EXPS, "3x^2 + e^x + 4x", "term_power", "Check the term 4x: its power of x should be one"),
    (EXPS, "3x^2 + x e^(x-1) + 4", None, None),
    (EXPS, "x^2 + e^x + 4", "term_power", "Check the term x^2: bring the exponent down"),
    (EXPS, "3x^2 + e^x", "offset", "off by a constant (-4)"),
    (EXPS, "3x² + eˣ − 4", "offset", "Check the term 4: its sign is wrong."),
    (EXPS, "3x^2 + e^x + 4 + sin(x)", "term_extra", "Check the term sin(x): it should not"),
]


@pytest.mark.parametrize(("define", "answer", "code", "words"), ROWS)
def test_term_level_diagnosis(define, answer, code, words):
    variables = SPAN if define is not CHAIN else None
    result = check(single(define, variables), answer)
    if words == "Correct.":
        assert result.correct
        return
    assert not result.correct
    if code == "term_missing" and words is None:
        assert result.diagnosis is None  # no term in x^k explains cos(x): say nothing wrong
        return
    if code is None:
        assert result.diagnosis is None or not result.diagnosis.startswith("term_")
        return
    assert result.diagnosis == code
    if words is not None:
        assert words in result.plain


def test_at_least_thirty_pairs_are_tabled():
    assert len(ROWS) >= 30


def test_markdown_feedback_puts_the_term_in_math_and_plain_text_has_no_dollars():
    result = check(single(POLY, SPAN), "24x^3 + 15x^2 + 2")
    assert result.feedback == r"Check the term $15 \, {x}^{2}$: its sign is wrong."
    assert "$" not in result.plain


def test_instructor_mistakes_still_win_over_the_term_diagnosis():
    extra = """\
    mistakes:
      - answer: 24x^3 + 15x^2 + 2
        feedback: Mind the minus in front of 5x^3.
"""
    result = check(single(POLY, SPAN, extra=extra), "24x^3 + 15x^2 + 2")
    assert result.feedback == "Mind the minus in front of 5x^3."


def test_gradient_component_gets_its_own_term_diagnosis():
    ex = make_exercise(
        """\
        id: g
        title: G
        variables: {x: [-2, 2], y: [-2, 2]}
        define:
          f: x^2 y + 3y^2
        parts:
          - id: g
            kind: gradient
            of: f
            wrt: [x, y]
        """
    )
    result = grade(ex, {"g": ["2x y", "x^2 - 6y"]}).parts["g"]
    assert "Check the term 6y: its sign is wrong." in result.plain


def test_a_term_missing_a_factor_of_another_variable_is_named():
    """d/dx of x^2 y + 3x y^3 written 2x + 3y^3: the y of the first term was dropped."""
    ex = make_exercise(
        """\
        id: p
        title: P
        variables: {x: [-2, 2], y: [-2, 2]}
        define:
          f: x^2*y + 3*x*y^3
        parts:
          - id: dx
            kind: expression
            of: f
            wrt: x
        """
    )
    result = grade(ex, {"dx": "2x + 3y^3"}).parts["dx"]
    assert result.diagnosis == "term_power"
    (said,) = result.messages
    assert said.code == "term.missing_factor"
    assert (said.args["term"].text, said.args["variable"].text) == ("2x", "y")
    twice = grade(ex, {"dx": "2x y + 6y^2"}).parts["dx"]  # a factor y dropped, coefficient off
    assert [m.code for m in twice.messages] == ["term.missing_factor_coefficient"]


def test_wrong_answer_without_a_named_mistake_names_a_readable_point():
    result = check(single(CHAIN), "20 sin(x)")
    assert "at x = 1 your answer gives" in result.plain
    assert result.diagnosis is None and result.expected_text == "The derivative there is 20."


def test_docs_table_lists_every_diagnosis_code():
    import re
    from pathlib import Path

    from grader.engine.diagnose import CODES

    docs = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text()
    tabled = set(re.findall(r"^\| `([a-z_]+)` \|", docs, re.M))
    assert set(CODES) <= tabled
