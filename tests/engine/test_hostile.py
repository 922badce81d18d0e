"""Hostile input costs little: only a parse error or a verdict, never another exception."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.engine import MAX_DEPTH, MAX_LENGTH, ParseError, grade, parse, preview
from tests.helpers import single

from .counting import FIXED_CALLS, GRADE_CALLS_PER_CHAR, CallCounter

# No clock: the work of each check is counted (calls per character of the answer), and the
# timeout only turns a hang into a failure.
pytestmark = pytest.mark.timeout(120)


@functools.cache
def _cubic():
    return single({"f": "x^3 + 2*x"}, {"x": (-3.0, 3.0)})


@pytest.fixture(scope="module")
def exercise():
    return _cubic()


def graded_within_bound(exercise, answer):
    exercise.instance(0)  # drawn once, not charged to the answer
    with CallCounter() as work:
        result = grade(exercise, {"a": answer}).parts["a"]
    assert work.calls <= FIXED_CALLS + GRADE_CALLS_PER_CHAR * min(len(answer), MAX_LENGTH)
    return result


HOSTILE = {
    "tower": "9^9^9^9",
    "tower-times-zero": "3x^2 + 2 + 0*9^9^9^9",
    "overflow": "1e308*1e308",
    "inf-minus-inf": "1e999 - 1e999",
    "huge-literal": "9" * 400,
    "tiny-literal": "0." + "0" * 300 + "1",
    "zero-to-minus-one": "0^-1",
    "negative-to-fraction": "(-8)^(1/3)",
    "exp-tower": "exp(exp(exp(exp(exp(x)))))",
    "e-tower": "e^e^e^e^e^x",
    "deep-parentheses": "(" * 60 + "x" + ")" * 60,
    "too-deep-parentheses": "(" * (MAX_DEPTH + 10) + "x" + ")" * (MAX_DEPTH + 10),
    "deep-functions": "sin(" * 60 + "x" + ")" * 60,
    "too-deep-functions": "sin(" * 100 + "x" + ")" * 100,
    "many-minus": "-" * 60 + "x",
    "too-many-minus": "-" * 1000 + "x",
    "100k-chars": "x" * 100_000,
    "100k-sum": "x+" * 50_000 + "x",
    "max-length": "1" * MAX_LENGTH,
    "too-many-nodes": "1+" * 1999 + "1",
    "nul": "\x00",
    "emoji": "\U0001f600 x",
    "rtl": "\u202ex+1",
    "math-italic": "\U0001d465",
    "fullwidth": "2\uff58",
    "newlines": "3x^2\n+\n2",
    "huge-power-of-variable": "x^1e10",
    "variable-power-of-huge": "(1e10)^x^x",
}


@pytest.mark.parametrize("answer", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_answer_gets_a_verdict_or_a_parse_error_quickly(exercise, answer):
    result = graded_within_bound(exercise, answer)
    assert result.error is not None or isinstance(result.correct, bool)


@pytest.mark.parametrize("answer", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_answer_preview_raises_only_parse_error(exercise, answer):
    try:
        preview(exercise, "a", answer)
    except ParseError:
        pass


def test_exponent_tower_is_wrong_not_an_error(exercise):
    result = graded_within_bound(exercise, "9^9^9^9")
    assert (result.correct, result.error) == (False, None)


def test_overflow_is_wrong_not_an_error(exercise):
    result = graded_within_bound(exercise, "1e308*1e308")
    assert (result.correct, result.error) == (False, None)


def test_100k_character_answer_is_refused_as_too_long(exercise):
    assert "too long" in graded_within_bound(exercise, "x" * 100_000).error


def test_too_many_nodes_are_refused(exercise):
    assert "too long" in graded_within_bound(exercise, "1+" * 1999 + "1").error


def test_too_deep_nesting_is_refused(exercise):
    answer = "(" * (MAX_DEPTH + 10) + "x" + ")" * (MAX_DEPTH + 10)
    assert "nested too deeply" in graded_within_bound(exercise, answer).error


def test_correct_answer_padded_with_parentheses_still_passes(exercise):
    assert graded_within_bound(exercise, "(" * 50 + "3x^2 + 2" + ")" * 50).correct


LONG_FLAT = {
    "sum-999": "x+" * 999 + "x",
    "product-999": "x*" * 999 + "x",
    "alternating-minus-999": "-x" * 999,
}


@pytest.mark.parametrize("answer", list(LONG_FLAT.values()), ids=list(LONG_FLAT))
def test_long_flat_chain_within_node_limit_gets_a_verdict(exercise, answer):
    result = graded_within_bound(exercise, answer)
    assert result.error is not None or isinstance(result.correct, bool)


def test_long_flat_sum_preview_raises_only_parse_error(exercise):
    try:
        preview(exercise, "a", "x+" * 600 + "x")
    except ParseError:
        pass


NEGATIVE_BASE_BAD_EXPONENT = {
    "nan-exponent": "(-2)^(0/0)",
    "inf-exponent": "(-2)^(1e999)",
    "csc-zero-exponent": "(-2)^csc(0)",
    "hidden-in-correct-answer": "3x^2 + 2 + 0*(-2)^(0/0)",
}


@pytest.mark.parametrize(
    "answer", list(NEGATIVE_BASE_BAD_EXPONENT.values()), ids=list(NEGATIVE_BASE_BAD_EXPONENT)
)
def test_negative_constant_to_a_nan_or_inf_power_gets_a_verdict(exercise, answer):
    result = graded_within_bound(exercise, answer)
    assert (result.correct, result.error) == (False, None)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_random_unicode_answer_gets_a_verdict_or_a_parse_error(text):
    result = grade(_cubic(), {"a": text}).parts["a"]
    assert isinstance(result.correct, bool)


ATOMS = st.sampled_from(["x", "2", "0", "1e308", "9", "e", "pi", "0.5", "1e-300"])
OPS = st.sampled_from(["+", "-", "*", "/", "^", "**", " ", ")(", "("])
FUNCS = st.sampled_from(["", "", "sin", "log", "sqrt", "exp", "abs", "tan", "relu", "-"])


@st.composite
def formula_soup(draw):
    pieces = []
    for _ in range(draw(st.integers(1, 12))):
        pieces.append(draw(FUNCS) + "(" * draw(st.integers(0, 2)) + draw(ATOMS))
        pieces.append(draw(OPS))
    text = "".join(pieces)
    return text + ")" * (text.count("(") - text.count(")"))


@settings(max_examples=200, deadline=None)
@given(formula_soup())
def test_random_formula_soup_gets_a_verdict_or_a_parse_error(text):
    result = grade(_cubic(), {"a": text}).parts["a"]
    assert isinstance(result.correct, bool)


@settings(max_examples=100, deadline=None)
@given(formula_soup())
def test_random_formula_soup_parses_or_raises_parse_error(text):
    try:
        parse(text, ("x",))
    except ParseError:
        pass
