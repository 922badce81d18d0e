"""Feedback that names the mistake, derived from the reference computation."""

from __future__ import annotations

from tests.helpers import check, single

CUBIC = {"f": "x^3 + 2*x"}
MISTAKES = """\
    mistakes:
      - answer: -(3x^2 + 2)
        feedback: Custom note about the sign.
      - answer: 3x^2 + 2x
        feedback: Custom note about 2x.
"""


def diagnosis(define, answer, **kw) -> str | None:
    return check(single(define, **kw), answer).diagnosis


def test_negated_derivative_is_a_sign_error():
    assert diagnosis(CUBIC, "-(3x^2 + 2)") == "sign"


def test_sign_feedback_says_the_sign_is_wrong():
    assert "sign is wrong" in check(single(CUBIC), "-3x^2 - 2").plain


def test_doubled_derivative_is_a_constant_factor():
    assert diagnosis(CUBIC, "6x^2 + 4") == "factor"


def test_factor_feedback_names_the_factor():
    assert "2 times the derivative" in check(single(CUBIC), "6x^2 + 4").plain


def test_forgotten_exponent_factor_is_a_constant_factor():
    assert diagnosis({"f": "x^4"}, "x^3") == "factor"


def test_derivative_plus_constant_is_an_offset():
    assert diagnosis(CUBIC, "3x^2 + 5") == "offset"


def test_offset_feedback_names_the_constant():
    assert "off by a constant (3)" in check(single(CUBIC), "3x^2 + 5").plain


def test_the_function_itself_is_recognised():
    assert diagnosis(CUBIC, "x^3 + 2x") == "function"


def test_first_derivative_for_a_second_derivative_is_recognised():
    assert diagnosis({"f": "x^4"}, "4x^3", wrt=["x", "x"]) == "function"


def test_derivative_with_respect_to_the_other_variable_is_recognised():
    variables = {"x": (0.5, 3.0), "t": (1.0, 2.0)}
    assert diagnosis({"f": "x^2*t^3"}, "3x^2 t^2", variables=variables) == "variable"


def test_variable_feedback_names_both_variables():
    variables = {"x": (0.5, 3.0), "t": (1.0, 2.0)}
    feedback = check(single({"f": "x^2*t^3"}, variables), "3x^2 t^2").plain
    assert "with respect to t" in feedback and "with respect to x" in feedback


def test_missing_inner_factor_is_a_chain_error():
    assert diagnosis({"f": "sin(x^2)"}, "cos(x^2)") == "chain"


def test_chain_feedback_names_the_inside():
    assert "x^2" in check(single({"f": "sin(x^2)"}), "cos(x^2)").plain


def test_missing_inner_factor_of_a_power_is_a_chain_error():
    assert diagnosis({"f": "(3*x^2 + 1)^5"}, "5(3x^2 + 1)^4") == "chain"


def test_outer_derivative_alone_through_an_intermediate_is_a_chain_error():
    assert diagnosis({"y": "x^2 + 1", "z": "y^3"}, "3y^2") == "chain"


def test_inner_derivative_alone_through_an_intermediate_is_a_chain_error():
    assert diagnosis({"y": "x^2 + 1", "z": "y^3"}, "2x") == "chain"


def test_intermediate_chain_feedback_names_the_intermediate():
    feedback = check(single({"y": "x^2 + 1", "z": "y^3"}), "3y^2").plain
    assert "dz/dy" in feedback and "dy/dx" in feedback


def test_skipped_link_in_a_three_step_chain_is_a_chain_error():
    define = {"u": "3*x - 1", "v": "u^2 + 1", "f": "log(v)"}
    assert diagnosis(define, "2(3x - 1)/((3x - 1)^2 + 1)") == "chain"


def test_product_differentiated_as_product_of_derivatives_is_a_product_error():
    assert diagnosis({"f": "x^2*sin(x)"}, "2x cos(x)") == "product"


def test_product_feedback_states_the_rule():
    feedback = check(single({"f": "x^2*sin(x)"}), "2x cos(x)").plain
    assert "u'v + uv'" in feedback


def test_quotient_rule_with_plus_is_a_quotient_error():
    assert diagnosis({"f": "sin(x)/x"}, "(x cos(x) + sin(x))/x^2") == "quotient"


def test_quotient_feedback_mentions_the_minus_sign():
    feedback = check(single({"f": "sin(x)/x"}), "(x cos(x) + sin(x))/x^2").plain
    assert "minus sign" in feedback


def test_a_product_rule_with_one_term_left_out_is_a_product_error_naming_the_missing_term():
    for answer, kept, missing in (("x^2 cos(x)", "uv'", "u'v"), ("2x sin(x)", "u'v", "uv'")):
        result = check(single({"f": "x^2*sin(x)"}), answer)
        assert result.diagnosis == "product"
        (said,) = result.messages
        assert said.code == "product.one_term"
        assert (said.args["kept"].text, said.args["missing"].text) == (kept, missing)
        assert (said.args["u"].text, said.args["v"].text) == ("x^2", "sin(x)")


def test_a_quotient_over_v_instead_of_v_squared_is_a_quotient_error():
    result = check(single({"f": "sin(x)/x"}), "(x cos(x) - sin(x))/x")
    assert result.diagnosis == "quotient"
    assert [m.code for m in result.messages] == ["quotient.not_squared"]
    assert result.messages[0].args["v"].text == "x"


def test_the_product_of_the_derivatives_is_still_named_as_such():
    result = check(single({"f": "x^2*sin(x)"}), "2x cos(x)")
    assert [m.code for m in result.messages] == ["product.multiplied"]


def test_swapped_quotient_numerator_is_a_sign_error():
    assert diagnosis({"f": "sin(x)/x"}, "(sin(x) - x cos(x))/x^2") == "sign"


def test_unrelated_wrong_answer_has_no_diagnosis():
    assert diagnosis(CUBIC, "cos(x)") is None


def test_correct_answer_has_no_diagnosis():
    assert diagnosis(CUBIC, "3x^2 + 2") is None


def test_value_part_sign_error_is_recognised():
    extra = "    at: {x: 2}\n"
    assert diagnosis({"f": "x^3"}, "-12", kind="value", extra=extra) == "sign"


def test_value_part_function_value_is_recognised():
    extra = "    at: {x: 2}\n"
    assert diagnosis({"f": "x^3"}, "8", kind="value", extra=extra) == "function"


def test_instructor_feedback_takes_precedence_over_the_generic_message():
    result = check(single(CUBIC, extra=MISTAKES), "-(3x^2 + 2)")
    assert result.plain == "Custom note about the sign."


def test_instructor_mistake_without_a_generic_match_is_coded_instructor():
    result = check(single(CUBIC, extra=MISTAKES), "3x^2 + 2x")
    assert (result.diagnosis, result.plain) == ("instructor", "Custom note about 2x.")


def test_instructor_mistake_matches_equal_forms_of_the_listed_answer():
    result = check(single(CUBIC, extra=MISTAKES), "x(3x + 2)")
    assert result.plain == "Custom note about 2x."


def test_generic_diagnosis_still_applies_to_unlisted_mistakes():
    assert check(single(CUBIC, extra=MISTAKES), "3x^2 + 5").diagnosis == "offset"


def test_tutorial_value_mistake_gets_the_instructor_feedback(tutorial):
    result = check(tutorial["chain"], "40", part="dz-at-10")
    assert result.feedback.startswith("40 is $dy/dx$")


def test_gradient_component_diagnosis_is_reported():
    variables = {"x": (0.5, 3.0), "t": (1.0, 2.0)}
    ex = single({"f": "x^2*t^3"}, variables, kind="gradient", wrt=["x", "t"])
    result = check(ex, "-2x t^3, 3x^2 t^2")
    assert (result.score, result.diagnosis) == (0.5, "sign")
