"""How students type trig products and powers without parentheses, and which names they are
told they may use.

``cos²x`` is read as ``cos^2 x`` is; words of functions and names typed together
(``2sinxcosx``, ``sin2xcos2x``, ``xsinx``, ``cos3x^2``) get the readings they most likely
mean as fixes (each one parses) instead of a bare "unknown name"; and the names a message
lists are those the statement shows, never a hidden param or the function asked about.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.engine import ParseError, grade, parse, to_text
from grader.engine.autograd import evaluate
from grader.engine.glued import MAX_WORD, split_calls
from grader.engine.told_names import names_shown
from tests.helpers import make_exercise

NAMES = ("x", "y", "k")


def refusal(text: str, names=NAMES) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text, names)
    return info.value


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("cos²x", "cos(x)^2"),
        ("cos^2x", "cos(x)^2"),
        ("cos^2 x", "cos(x)^2"),
        ("sin²x + cos²x", "sin(x)^2 + cos(x)^2"),
        ("2sin²x", "2*sin(x)^2"),
        ("tan³y", "tan(y)^3"),
        ("x²3", "x^2*3"),  # the 3 after a superscript is not part of the exponent
        ("tan^-1x", "atan(x)"),
        ("sin⁻¹x", "asin(x)"),
        ("2cos^2x-1", "2*cos(x)^2 - 1"),
    ],
)
def test_a_power_on_a_function_may_be_followed_by_its_argument_without_a_space(typed, meant):
    assert to_text(parse(typed, NAMES)) == meant


@pytest.mark.parametrize(
    ("typed", "message", "offered"),
    [
        ("2sinxcosx", "did you mean sin(x)cos(x)?", ("2sin(x)cos(x)",)),
        ("sin2xcos2x", "did you mean sin(2x)cos(2x)?", ("sin(2x)cos(2x)",)),
        ("xsinx", "did you mean x sin(x)?", ("x sin(x)",)),
        ("cos3x^2", "did you mean cos(3x^2) or cos(3x)^2?", ("cos(3x^2)", "cos(3x)^2")),
        ("sinx^2", "did you mean sin(x^2) or sin(x)^2?", ("sin(x^2)", "sin(x)^2")),
        ("sinxcos(x)", "did you mean sin(x)cos(x)?", ("sin(x)cos(x)",)),
        ("sinxcos^2(x)", "did you mean sin(x)cos^2(x)?", ("sin(x)cos^2(x)",)),
        ("2sinx cosx + 1", "did you mean 2sin(x) cos(x) + 1?", ("2sin(x) cos(x) + 1",)),
        ("lnxsinx", "did you mean ln(x)sin(x)?", ("ln(x)sin(x)",)),
        ("sinx*cosx", "did you mean sin(x)*cos(x)?", ("sin(x)*cos(x)",)),
        ("(sinx)^2", "did you mean sin(x)?", ("(sin(x))^2",)),
    ],
)
def test_functions_and_names_typed_together_get_the_readings_they_mean(typed, message, offered):
    error = refusal(typed)
    assert message in error.message and "unknown name" in error.message
    assert error.suggestions == offered
    for suggestion in offered:
        parse(suggestion, NAMES)


def test_the_offered_product_has_the_value_the_student_meant():
    (fixed,) = refusal("2sinxcosx").suggestions
    x = 0.7
    assert math.isclose(float(evaluate(parse(fixed, NAMES), {"x": x})), math.sin(2 * x))


def test_a_word_that_splits_two_ways_offers_no_guess():
    # sinhx with a name h in scope: sinh(x) or sin(h)x
    assert split_calls("sinhx", ["x", "h"], bare_last=False) is None
    assert split_calls("sinhx", ["x"], bare_last=False) is not None


def test_cos_squared_of_3x_typed_with_a_superscript_asks_which_is_meant():
    error = refusal("cos²3x")
    assert "ambiguous" in error.message and error.suggestions
    for suggestion in error.suggestions:
        parse(suggestion, NAMES)


GLUE = st.sampled_from(["sin", "cos", "tan", "ln", "sinh", "x", "y", "k", "2", "3", "pi", "h"])


@settings(max_examples=300, deadline=None)
@given(st.lists(GLUE, min_size=1, max_size=14).map("".join), st.sampled_from(["", "^2", "(x)"]))
def test_any_glued_word_is_read_or_refused_with_fixes_that_parse(word, after):
    try:
        parse(word + after, NAMES)
    except ParseError as exc:
        for suggestion in exc.suggestions:
            parse(suggestion, NAMES)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="sincoxtah2k^", min_size=1, max_size=MAX_WORD + 5))
def test_splitting_any_word_finishes_and_gives_at_most_one_split(word):
    pieces = split_calls(word, NAMES, bare_last=True)
    if pieces is not None:
        assert "".join(p.fn + p.arg for p in pieces) == word


def test_the_longest_answer_of_glued_words_is_refused_quickly():
    with pytest.raises(ParseError):  # bounded: one split per word, a few parses to verify
        parse(" ".join(["sinxcosx"] * 444)[:4000], NAMES)


# ---------------------------------------------------------------- names a student is told

HIDDEN = """
id: hidden
title: Hidden
statement: |
  Let $f(x) = \\sqrt{{x^2 + {k}}}$ and $u = \\operatorname{softmax}$-free $g(x) = x f(x)$.
variables:
  x: [1, 2]
params:
  k: {int: [1, 9]}
define:
  f: sqrt(x^2 + k)
  g: x*f
  s: 2*x
parts:
  - {id: df, kind: expression, of: f, wrt: x}
  - {id: dg, kind: expression, of: g, wrt: x}
  - {id: df-at, kind: value, of: f, wrt: x, at: {x: 1}}
"""


def test_a_student_is_told_only_the_names_the_statement_shows_and_not_those_asked():
    exercise = make_exercise(HIDDEN)
    result = grade(exercise, {"df": "q x", "dg": "2qq", "df-at": "zz"}).parts
    assert "(the names you can use here: x, and pi, e)" in result["df"].error
    assert "(the names you can use here: x, and pi, e)" in result["dg"].error
    assert "names you can use here: none, and pi, e" in result["df-at"].error
    for part in result.values():
        assert " k," not in part.error and " f," not in part.error


def test_no_fix_offers_a_hidden_param():
    exercise = make_exercise(HIDDEN)
    feedback = grade(exercise, {"df": "kq x"}).parts["df"].error
    assert "did you mean k" not in feedback and "unknown name 'kq'" in feedback


def test_a_hidden_param_a_student_guesses_still_means_its_value():
    exercise = make_exercise(HIDDEN)
    assert grade(exercise, {"df": "x/sqrt(x^2 + k)"}).parts["df"].correct


def test_the_function_asked_may_not_be_the_answer():
    exercise = make_exercise(HIDDEN)
    result = grade(exercise, {"df": "x/f", "dg": "f + x^2/f"}).parts
    assert not result["df"].correct
    assert "'f' is what this part differentiates" in result["df"].error
    assert result["dg"].correct  # f is an intermediate of g: usable there


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        ("Let $y = {k} x^2$.", {"x", "y"}),
        ("Let $y = e^{kx}$ where $k = {k}$.", {"k", "x", "y"}),
        ("With $h_1 = \\tanh(W_1 x)$ and $a_{2} = W_2 h_1$.", {"h1", "W1", "x", "a2", "W2"}),
        ("$p = \\operatorname{softmax}(z)$; `p` may be used", {"p", "z"}),
        ("a prose k and y are not shown, nor {k}", set()),
        ("$\\delta = y - t$", {"delta", "y", "t"}),
    ],
)
def test_the_names_a_statement_shows(statement, shown):
    names = {"k", "x", "y", "h1", "W1", "a2", "W2", "p", "z", "s", "o", "f", "t", "delta"}
    assert names_shown(statement, ["k"], names) == shown
