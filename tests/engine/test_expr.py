"""The answer language: what students type and how it is read."""

from __future__ import annotations

import math
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.engine import MAX_DEPTH, MAX_LENGTH, ParseError, parse
from grader.engine.autograd import evaluate
from grader.engine.expr import BinOp, Call, Name, Neg, Num

XY = ("x", "y")


def value(text: str, names=XY, **env) -> float:
    return float(evaluate(parse(text, names), env))


def same(a: str, b: str, names=XY) -> bool:
    return parse(a, names) == parse(b, names)


# ---------------------------------------------------------------- numbers and operators


def test_scientific_notation_is_a_number():
    assert value("1.72e4") == 17200


def test_decimal_without_leading_digit():
    assert value(".5") == 0.5


def test_signed_exponent_literal_is_refused_as_ambiguous():
    with pytest.raises(ParseError, match="ambiguous"):
        parse("2e+3", XY)


def test_unsigned_exponent_literal_is_a_number():
    assert value("2e3") == 2000


def test_caret_and_double_star_are_the_same_power():
    assert same("x^2", "x**2")


def test_power_is_right_associative():
    assert value("2^3^2") == 512


def test_unary_minus_binds_looser_than_power():
    assert value("-x^2", x=3.0) == -9


def test_minus_two_squared_is_minus_four():
    assert value("-2^2") == -4


def test_exponent_may_carry_a_sign():
    assert value("x^-2", x=2.0) == 0.25


def test_exponent_sign_covers_a_following_power():
    assert value("2^-x^2", x=1.0) == 0.5


def test_division_is_left_associative():
    assert value("8/4/2") == 1


def test_subtraction_is_left_associative():
    assert value("10-4-3") == 3


def test_square_and_curly_brackets_group_like_parentheses():
    assert same("[x+1]{x}", "(x+1)*x")


# ---------------------------------------------------------------- implicit multiplication


def test_number_before_name_multiplies():
    assert same("2x", "2*x")


def test_number_before_parenthesis_multiplies():
    assert same("3(x+1)", "3*(x+1)")


def test_juxtaposed_functions_multiply():
    assert same("2 sin(x) cos(x)", "2*sin(x)*cos(x)")


def test_names_separated_by_space_multiply():
    assert same("x y", "x*y")


def test_parenthesised_factors_multiply():
    assert same("(x+1)(x-1)", "(x+1)*(x-1)")


def test_implicit_multiplication_binds_tighter_than_division():
    assert value("1/2x", x=4.0) == 0.125


def test_implicit_product_in_exponent_is_grouped_by_parentheses():
    assert same("e^(3x)", "e^(3*x)")


def test_implicit_factor_after_power_multiplies_the_power():
    assert value("e^x(2x+2y)", x=0.0, y=1.0) == 2


def test_coefficient_multiplies_the_whole_power():
    assert value("2x^2", x=3.0) == 18


def test_glued_variables_split_into_known_names():
    assert same("2xy", "2*x*y")


def test_glued_variable_and_function_split():
    assert same("xsin(x)", "x*sin(x)")


def test_glued_variable_before_e_power_reads_as_product_of_power():
    assert same("xe^x", "x*e^x")


def test_glued_params_before_parenthesis_split_into_product():
    assert same("ac(x+1)", "a*c*(x+1)", names=("a", "c", "x"))


# ---------------------------------------------------------------- functions and constants


def test_ln_and_log_are_both_natural_log():
    assert value("ln(e)") == pytest.approx(1) and value("log(e)") == pytest.approx(1)


def test_arcsin_is_an_alias_of_asin():
    assert same("arcsin(x)", "asin(x)")


def test_function_power_applies_to_the_value():
    assert same("sin^2(x)", "sin(x)^2")


def test_sin_to_the_minus_one_is_arcsine():
    assert parse("sin^-1(x)", XY) == Call("asin", Name("x"))


def test_parenthesised_minus_one_power_is_also_the_inverse():
    assert parse("sin^(-1)(x)", XY) == Call("asin", Name("x"))


def test_other_negative_function_powers_are_refused_as_ambiguous():
    with pytest.raises(ParseError, match="ambiguous"):
        parse("cos^-2(x)", XY)


@pytest.mark.parametrize(
    "fn",
    [
        "sin",
        "cos",
        "tan",
        "sec",
        "csc",
        "cot",
        "asin",
        "acos",
        "atan",
        "sinh",
        "cosh",
        "tanh",
        "exp",
        "log",
        "ln",
        "sqrt",
        "abs",
        "sigmoid",
        "relu",
    ],
)
def test_every_documented_function_parses(fn):
    assert isinstance(parse(f"{fn}(x)", XY), Call)


def test_pi_and_e_are_constants():
    assert value("pi") == pytest.approx(math.pi) and value("e") == pytest.approx(math.e)


def test_unicode_minus_times_and_pi_are_understood():
    assert same("2×x − π", "2*x - pi")


def test_superscript_two_is_squared():
    assert same("x²", "x^2")


# ---------------------------------------------------------------- errors say what and where


def test_unknown_name_is_an_error_not_a_new_symbol():
    with pytest.raises(ParseError, match="unknown name 'q'"):
        parse("q + 1", XY)


def test_capital_in_suggests_ln():
    with pytest.raises(ParseError, match="did you mean ln"):
        parse("In(x)", XY)


def test_function_without_parentheses_suggests_them():
    with pytest.raises(ParseError, match=r"did you mean sin\(x\)"):
        parse("sinx", XY)


def test_function_with_space_before_one_name_is_a_call():
    assert same("sin x", "sin(x)")


def test_capitalised_function_names_are_read_as_the_function():
    assert parse("Sin(x) + LN(x) + Exp(x)", XY) == parse("sin(x) + ln(x) + exp(x)", XY)


def test_capital_letter_is_read_as_the_only_variable_it_can_mean():
    assert parse("20X", XY) == parse("20x", XY)


def test_capital_letter_is_not_folded_when_both_cases_are_variables():
    assert parse("A", ("a", "A")) == Name("A")


def test_decimal_comma_suggests_a_point():
    with pytest.raises(ParseError, match=r"decimals with a point: 0\.5"):
        parse("0,5", XY)


def test_variable_followed_by_digit_suggests_a_power():
    with pytest.raises(ParseError, match=r"x\^2 or 2x"):
        parse("x2", XY)


def test_error_column_points_at_the_offending_character():
    with pytest.raises(ParseError) as info:
        parse("x + 2*/3", XY)
    assert info.value.column == 7


def test_caret_line_sits_under_the_error_column():
    with pytest.raises(ParseError) as info:
        parse("x + q", XY)
    text_line, caret_line = info.value.caret.split("\n")
    assert text_line == "x + q" and caret_line == "    ^"


def test_error_message_includes_the_column():
    with pytest.raises(ParseError, match="^column 5: "):
        parse("x + q", XY)


def test_missing_closing_parenthesis_points_at_the_opening_one():
    with pytest.raises(ParseError, match="missing '\\)'") as info:
        parse("2*(x+1", XY)
    assert info.value.column == 3


def test_unmatched_closing_parenthesis_is_reported():
    with pytest.raises(ParseError, match="unmatched"):
        parse("x)", XY)


def test_absolute_value_bars_are_abs():
    assert same("|x|", "abs(x)")


def test_equation_suggests_giving_only_the_right_hand_side():
    with pytest.raises(ParseError, match="right-hand side"):
        parse("y = 2x", XY)


def test_two_numbers_side_by_side_are_refused():
    with pytest.raises(ParseError, match="two numbers side by side"):
        parse("2 3", XY)


def test_function_takes_one_argument():
    with pytest.raises(ParseError, match="one argument"):
        parse("sin(x, y)", XY)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_answer_is_a_parse_error(text):
    with pytest.raises(ParseError, match="empty"):
        parse(text, XY)


def test_trailing_operator_is_a_parse_error():
    with pytest.raises(ParseError):
        parse("x+", XY)


def test_non_text_answer_is_a_parse_error():
    with pytest.raises(ParseError):
        parse(42, XY)  # type: ignore[arg-type]


# ---------------------------------------------------------------- bounds


def test_answer_longer_than_the_limit_is_refused():
    with pytest.raises(ParseError, match="too long"):
        parse("x+" * MAX_LENGTH, XY)


def test_nesting_deeper_than_the_limit_is_refused():
    depth = MAX_DEPTH + 5
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("(" * depth + "x" + ")" * depth, XY)


def test_nesting_within_the_limit_is_accepted():
    depth = MAX_DEPTH // 2
    assert parse("(" * depth + "x" + ")" * depth, XY) == Name("x")


def test_huge_literal_becomes_infinity_not_an_error():
    assert parse("1e999", XY) == Num(math.inf)


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_random_text_raises_only_parse_error(text):
    try:
        parse(text, XY)
    except ParseError:
        pass


ALPHABET = string.ascii_letters[:12] + "xy0123456789.eE+-*/^()[]{}, " + "sinco" * 2 + "|=!²π−"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=30))
def test_random_formula_like_text_raises_only_parse_error(text):
    try:
        parse(text, XY)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_parse_error_column_lies_within_the_text(text):
    try:
        parse(text, XY)
    except ParseError as exc:
        assert 1 <= exc.column <= max(1, len(exc.text) + 1)


def test_parsed_tree_is_made_of_ast_nodes_only():
    node = parse("-2x sin(y)^2 / (1 + e^x)", XY)
    stack = [node]
    while stack:
        n = stack.pop()
        assert isinstance(n, Num | Name | Neg | BinOp | Call)
        if isinstance(n, Neg | Call):
            stack.append(n.arg)
        elif isinstance(n, BinOp):
            stack += [n.left, n.right]


def test_letter_o_typed_for_zero_suggests_the_number():
    with pytest.raises(ParseError, match="did you mean 200") as info:
        parse("2oo", XY)
    assert info.value.column == 2


def test_signed_exponent_is_refused_as_ambiguous_with_both_readings():
    with pytest.raises(ParseError, match=r"2\*10\^3 for the number, or 2e \+ 3"):
        parse("2e+3", XY)


# ---------------------------------------------------------------- names the parser reports


@pytest.mark.parametrize(
    "text",
    [
        "2x + 3y",
        "X^2 + Y",  # capitals folded to the names in scope
        "xsin(x) + 2xy",  # glued names split
        "π x + e^x",  # Unicode constants
        "sin(pi x)",
        "Pi + 3",
        "σ(x) y",  # a function sign, not a name
        "log(x, y)",
        "7",
    ],
)
def test_the_names_a_parse_reports_are_those_its_tree_mentions(text):
    """The check refuses an answer mentioning the function asked for by the names the parser
    collected while building the tree; they must be exactly the tree's names."""
    from grader.engine.expr import names_in, parse_with_names

    tree, names, _ = parse_with_names(text, XY)
    assert names == names_in(tree)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xyXYe pi+-*/^()2.5sincolg|", max_size=24))
def test_reported_names_match_the_tree_for_any_text_that_parses(text):
    from grader.engine.expr import names_in, parse_with_names

    try:
        tree, names, _ = parse_with_names(text, XY)
    except ParseError:
        return
    assert names == names_in(tree)


@pytest.mark.parametrize(
    "text", ["2x + 3y - 4", "x²  −  3·y", "-(x + y) + sin(x)", "7", "√x + x⁻¹"]
)
def test_a_parse_reports_its_terms_as_typed(text):
    """The term-level diagnosis quotes the terms as the student typed them, from the check's
    one parse: the same texts term_texts finds."""
    from grader.engine.expr import parse_with_names, term_texts

    assert parse_with_names(text, XY).terms == tuple(term_texts(text, XY))
