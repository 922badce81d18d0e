"""Rendering: "we read your answer as ..." in text, LaTeX and MathML."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.engine import parse, to_latex, to_mathml, to_text
from grader.engine.autograd import evaluate
from grader.engine.expr import BinOp, Call, Name, Neg, Num
from grader.engine.functions import FUNCTIONS

NAMES = ("x", "y", "alpha", "x_1", "theta2")
MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"


def latex(text: str) -> str:
    return to_latex(parse(text, NAMES))


def mathml(text: str) -> str:
    return to_mathml(parse(text, NAMES))


# ---------------------------------------------------------------- text


def test_text_makes_implicit_multiplication_explicit():
    assert to_text(parse("2x", NAMES)) == "2*x"


def test_text_writes_ln_as_log():
    assert to_text(parse("ln(x)", NAMES)) == "log(x)"


def test_text_keeps_grouping_of_sum_in_denominator():
    assert to_text(parse("1/2(x+1)", NAMES)) == "1/(2*(x + 1))"


def test_text_parenthesises_negative_exponent():
    assert to_text(parse("x^-2", NAMES)) == "x^(-2)"


def test_text_of_infinite_literal_reparses_to_infinity():
    assert parse(to_text(Num(math.inf)), NAMES) == Num(math.inf)


def test_text_of_a_small_number_reparses_to_the_same_number():
    assert parse(to_text(Num(1e-05)), NAMES) == Num(1e-05)


def test_text_of_a_large_number_reparses_to_the_same_number():
    assert parse(to_text(Num(2.5e20)), NAMES) == Num(2.5e20)


def test_preview_text_of_a_small_decimal_is_accepted_again():
    shown = to_text(parse("0.00001", NAMES))
    assert parse(shown, NAMES) == Num(1e-05)


# ---------------------------------------------------------------- LaTeX


def test_latex_division_is_a_fraction():
    assert latex("x/2") == r"\frac{x}{2}"


def test_latex_function_power_is_written_on_the_function():
    assert latex("sin^2(x)") == r"\sin^{2}\left(x\right)"


def test_latex_square_root_uses_radical():
    assert latex("sqrt(x+1)") == r"\sqrt{x + 1}"


def test_latex_abs_uses_bars():
    assert latex("abs(x)") == r"\left|x\right|"


def test_latex_log_is_shown_as_ln():
    assert latex("log(x)") == r"\ln\left(x\right)"


def test_latex_greek_names_become_letters():
    assert latex("alpha") == r"\alpha"


def test_latex_digits_after_a_name_become_a_subscript():
    assert latex("theta2") == r"\theta_{2}"


def test_latex_underscore_name_becomes_a_subscript():
    assert latex("x_1") == "x_{1}"


def test_latex_scientific_number_uses_times_ten_power():
    assert to_latex(Num(1.5e-05)) == r"1.5 \times 10^{-5}"


def test_latex_number_times_number_uses_cdot():
    assert latex("2*3") == r"2 \cdot 3"


def test_latex_unary_minus_power_keeps_minus_outside():
    assert latex("-x^2") == "-{x}^{2}"


def test_latex_parenthesised_base_of_power():
    assert latex("(x+1)^2") == r"{\left(x + 1\right)}^{2}"


def test_latex_sigmoid_is_sigma():
    assert latex("sigmoid(x)") == r"\sigma\left(x\right)"


# ---------------------------------------------------------------- MathML


def test_mathml_is_a_math_element_in_the_mathml_namespace():
    root = ET.fromstring(mathml("x+1"))
    assert root.tag == MATHML_NS + "math"


def test_mathml_display_block_when_asked():
    assert 'display="block"' in to_mathml(parse("x", NAMES), display=True)


def test_mathml_division_is_mfrac():
    assert "<mfrac>" in mathml("x/2")


def test_mathml_sqrt_is_msqrt():
    assert "<msqrt>" in mathml("sqrt(x)")


def test_mathml_implicit_product_uses_invisible_times():
    assert "<mo>\u2062</mo>" in mathml("2x")


def test_mathml_minus_is_the_minus_sign():
    assert "<mo>\u2212</mo>" in mathml("x-1")


def test_mathml_pi_is_the_greek_letter():
    assert "<mi>\u03c0</mi>" in mathml("2pi")


def test_mathml_function_application_symbol_follows_function_name():
    assert "<mi>sin</mi><mo>\u2061</mo>" in mathml("sin(x)")


def test_mathml_digit_suffix_becomes_msub():
    assert "<msub><mi>\u03b8</mi><mn>2</mn></msub>" in mathml("theta2")


# ---------------------------------------------------------------- properties

# Numbers printed in plain notation; the scientific forms have their own tests below.
LEAF_NUMBERS = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 3.0, 0.5, 10.0, 0.001, 1e15, math.inf]),
    st.floats(min_value=1e-4, max_value=1e6, allow_nan=False, allow_infinity=False),
)
LEAVES = st.one_of(
    LEAF_NUMBERS.map(Num),
    st.sampled_from([Name("x"), Name("y"), Name("pi"), Name("e")]),
)
CANONICAL_FUNCTIONS = list(FUNCTIONS)


def _extend(children):
    return st.one_of(
        children.map(Neg),
        st.builds(Call, st.sampled_from(CANONICAL_FUNCTIONS), children),
        st.builds(BinOp, st.sampled_from("+-*/^"), children, children),
    )


TREES = st.recursive(LEAVES, _extend, max_leaves=12)
POINTS = [{"x": 0.7, "y": -1.3}, {"x": 2.2, "y": 0.4}, {"x": -0.35, "y": 3.1}]


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(TREES)
def test_printed_text_is_a_fixed_point_of_parse_and_print(tree):
    # Random trees may nest sums to the right, which print without parentheses; once read
    # back, printing and parsing again must give the same tree.
    again = parse(to_text(tree), ("x", "y"))
    assert parse(to_text(again), ("x", "y")) == again


def test_parsed_answer_prints_and_reparses_to_the_same_tree():
    tree = parse("-2x^-3 + sin(x)^2/(1 - e^(2y)) - (x - y) - -x", ("x", "y"))
    assert parse(to_text(tree), ("x", "y")) == tree


@settings(max_examples=200, deadline=None)
@given(TREES)
def test_printed_text_reparses_to_an_expression_of_equal_value(tree):
    again = parse(to_text(tree), ("x", "y"))
    for env in POINTS:
        a = float(evaluate(tree, env))
        b = float(evaluate(again, env))
        assert _close(a, b), (to_text(tree), env, a, b)


@settings(max_examples=150, deadline=None)
@given(TREES)
def test_mathml_of_any_tree_is_well_formed_xml(tree):
    ET.fromstring(to_mathml(tree))


@settings(max_examples=150, deadline=None)
@given(TREES)
def test_latex_of_any_tree_has_balanced_braces(tree):
    depth = 0
    for ch in to_latex(tree).replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
