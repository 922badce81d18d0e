"""Grading: equal forms pass, real differences fail, with useful feedback."""

from __future__ import annotations

import pytest

from grader.engine import ParseError, grade, load_exercise_file, preview
from tests.helpers import EXERCISES, check, make_exercise, single

CUBIC = {"f": "x^3 + 2*x"}
TRIG = {"f": "sin(x)^2"}


# ---------------------------------------------------------------- equal forms pass


@pytest.mark.parametrize("answer", ["3x^2 + 2", "2 + 3x*x", "3(x^2 + 2/3)", "(3x^2*x + 2x)/x"])
def test_rearranged_forms_of_the_derivative_pass(answer):
    assert check(single(CUBIC), answer).correct


def test_expanded_form_passes_against_factored_reference():
    ex = single({"f": "(x - 1)^5"}, {"x": (0.0, 2.0)})
    assert check(ex, "5x^4 - 20x^3 + 30x^2 - 20x + 5").correct


@pytest.mark.parametrize("seed", range(8))
def test_expanded_form_passes_near_a_fourth_order_root_for_every_seed(seed):
    ex = single({"f": "(x - 1)^5"}, {"x": (0.0, 2.0)})
    assert check(ex, "5x^4 - 20x^3 + 30x^2 - 20x + 5", seed=seed).correct


def test_factored_form_passes_against_expanded_reference():
    ex = single({"f": "x^3 - 3*x^2 + 3*x"})
    assert check(ex, "3(x-1)^2").correct


@pytest.mark.parametrize("answer", ["2 sin(x) cos(x)", "sin(2x)", "2sin(x)sin(x + pi/2)"])
def test_trig_rewrites_pass(answer):
    assert check(single(TRIG), answer).correct


def test_double_angle_cosine_rewrite_passes():
    assert check(single({"f": "cos(x)^2"}), "-sin(2x)").correct


@pytest.mark.parametrize("answer", ["2e^(2x)", "2exp(x)^2", "2(cosh(2x) + sinh(2x))"])
def test_exp_rewrites_pass(answer):
    assert check(single({"f": "exp(2*x)"}), answer).correct


def test_log_rewrite_passes():
    assert check(single({"f": "log(x^3)"}), "3/x").correct


def test_answer_using_defined_names_passes():
    ex = single({"y": "x^2 + 1", "z": "y^3"})
    assert check(ex, "6x y^2").correct


def test_answer_using_a_param_passes():
    ex = single({"f": "sin(k*x)"}, extra="params:\n  k: {int: [2, 9]}\n")
    assert all(check(ex, "k cos(k x)", seed=s).correct for s in range(4))


def test_correct_answer_gets_full_points():
    ex = single(CUBIC, extra="    points: 3\n")
    result = check(ex, "3x^2 + 2")
    assert (result.score, result.max_score) == (3, 3)


def test_correct_answer_feedback_says_correct():
    assert check(single(CUBIC), "3x^2+2").plain == "Correct."


# ---------------------------------------------------------------- real differences fail


def test_one_percent_error_fails():
    assert not check(single(CUBIC), "1.01(3x^2 + 2)").correct


def test_added_small_high_frequency_wiggle_fails():
    assert not check(single(CUBIC), "3x^2 + 2 + sin(40x)/20").correct


def test_tiny_constant_offset_fails():
    assert not check(single(CUBIC), "3x^2 + 2 + 1e-4").correct


def test_wrong_answer_scores_zero():
    assert check(single(CUBIC), "3x^2").score == 0


def test_wrong_answer_feedback_names_a_point_and_the_value():
    result = check(single(CUBIC), "x^2 + sin(x)")
    assert "at x = " in result.plain and "your answer gives" in result.plain


def test_grading_is_reproducible_for_a_seed():
    ex = single(CUBIC)
    assert check(ex, "x^2 + 2", seed=5).plain == check(ex, "x^2 + 2", seed=5).plain


# ---------------------------------------------------------------- undefined answers


def test_answer_undefined_where_reference_is_defined_fails():
    ex = single({"f": "x^2"}, {"x": (-2.0, 2.0)})
    assert not check(ex, "2x + sqrt(x) - sqrt(x)").correct


def test_undefined_answer_feedback_names_a_point_where_it_is_undefined():
    ex = single({"f": "x^2"}, {"x": (-2.0, 2.0)})
    feedback = check(ex, "2x + log(x) - log(x)").plain
    assert "undefined at x = -" in feedback


def test_division_by_zero_in_answer_fails():
    ex = single({"f": "x^2"}, {"x": (-2.0, 2.0)})
    assert not check(ex, "2x + 0/(x - x)").correct


def test_points_where_the_reference_is_undefined_are_not_used():
    ex = single({"f": "log(x)"}, {"x": (-2.0, 2.0)})
    assert check(ex, "1/x").correct


def test_overflowing_answer_fails_without_error():
    result = check(single(CUBIC), "3x^2 + 2 + 0*9^9^9^9")
    assert (result.correct, result.error) == (False, None)


# ---------------------------------------------------------------- tolerance


VALUE = """\
id: v
title: V
variables:
  x: [-3, 3]
define:
  f: x^3
parts:
  - id: v
    kind: value
    of: f
    wrt: x
    at: {x: 2}
  - id: loose
    kind: value
    of: f
    wrt: x
    at: {x: 2}
    tolerance: {rtol: 0.1}
"""


@pytest.mark.parametrize("answer", ["12", "12.0", "1.2e1", "3*2^2", "11.999", "12.005"])
def test_value_part_accepts_numbers_within_default_tolerance(answer):
    assert check(make_exercise(VALUE), answer, part="v").correct


@pytest.mark.parametrize("answer", ["12.01", "12.1", "11.9", "13"])
def test_value_part_rejects_numbers_outside_default_tolerance(answer):
    assert not check(make_exercise(VALUE), answer, part="v").correct


def test_part_tolerance_widens_what_is_accepted():
    assert check(make_exercise(VALUE), "13", part="loose").correct


def test_part_tolerance_still_rejects_beyond_it():
    assert not check(make_exercise(VALUE), "13.5", part="loose").correct


def test_exercise_tolerance_applies_to_formula_parts():
    ex = single(CUBIC, extra="tolerance: {rtol: 0.05}\n")
    assert check(ex, "1.01(3x^2 + 2)").correct


def test_value_part_refuses_a_formula_in_the_variable():
    result = check(make_exercise(VALUE), "3x^2", part="v")
    assert result.error is not None and "asks for a number" in result.error


def test_value_part_wrong_number_says_not_the_right_value():
    feedback = check(make_exercise(VALUE), "6", part="v").plain
    assert feedback == "Not the right value: 6 is not the derivative at x = 2."


# ---------------------------------------------------------------- gradients


GRAD = """\
id: g
title: G
variables:
  x: [0.5, 3]
  t: [1, 2]
define:
  f: x^2*t^3
parts:
  - id: g
    kind: gradient
    of: f
    wrt: [x, t]
    points: 2
  - id: gv
    kind: gradient
    of: f
    wrt: [x, t]
    at: {x: 1, t: 2}
"""


def test_gradient_comma_separated_answer_passes():
    assert check(make_exercise(GRAD), "2x t^3, 3x^2 t^2", part="g").correct


def test_gradient_list_answer_passes():
    assert check(make_exercise(GRAD), ["2x t^3", "3x^2 t^2"], part="g").correct


def test_gradient_with_one_wrong_component_gets_half_credit():
    result = check(make_exercise(GRAD), "2x t^3, 3x^2 t", part="g")
    assert (result.correct, result.score) == (False, 1.0)


def test_gradient_feedback_labels_each_component():
    result = check(make_exercise(GRAD), "2x t^3, 3x^2 t", part="g")
    assert "\u2202f/\u2202x: correct." in result.plain and "\u2202f/\u2202t: " in result.plain


def test_gradient_with_every_component_wrong_scores_zero():
    assert check(make_exercise(GRAD), "2x, 3", part="g").score == 0


def test_gradient_with_too_few_answers_is_an_error():
    result = check(make_exercise(GRAD), "2x t^3", part="g")
    assert result.error is not None and "give 2 answers" in result.error


def test_gradient_comma_inside_parentheses_does_not_split():
    assert check(make_exercise(GRAD), "2x t^3, (3x^2) t^2", part="g").correct


def test_numeric_gradient_passes_with_numbers():
    assert check(make_exercise(GRAD), "16, 12", part="gv").correct


def test_numeric_gradient_gives_partial_credit():
    assert check(make_exercise(GRAD), "16, 13", part="gv").score == 0.5


def test_total_score_sums_parts():
    result = grade(make_exercise(GRAD), {"g": "2x t^3, 0", "gv": "16, 12"})
    assert (result.score, result.max_score) == (2.0, 3.0)


# ---------------------------------------------------------------- errors and missing answers


def test_unparsable_answer_sets_error_and_scores_zero():
    result = check(single(CUBIC), "3x^^2")
    assert (result.correct, result.score) == (False, 0) and "column" in result.error


def test_unparsable_answer_error_carries_a_caret():
    assert "^" in check(single(CUBIC), "3x + q").error.splitlines()[-1]


def test_one_unparsable_part_does_not_stop_the_others():
    result = grade(make_exercise(GRAD), {"g": "2x t^3, (", "gv": "16, 12"})
    assert result.parts["g"].error is not None and result.parts["gv"].correct


def test_missing_answer_is_wrong_without_error():
    result = grade(single(CUBIC), {}).parts["a"]
    assert (result.correct, result.error, result.plain) == (False, None, "No answer given.")


def test_non_text_answer_is_an_error_not_an_exception():
    assert check(single(CUBIC), 42).error is not None


def test_result_dict_has_the_documented_keys():
    d = grade(single(CUBIC), {"a": "3x^2"}).to_dict()
    assert set(d) == {"score", "max_score", "parts"}
    assert set(d["parts"]["a"]) == {
        "correct",
        "score",
        "feedback",
        "diagnosis",
        "error",
        "expected",
        "messages",
    }


# ---------------------------------------------------------------- preview


def test_preview_shows_how_the_answer_was_read():
    p = preview(single(CUBIC), "a", "1/2x")
    assert (p.text, p.latex) == ("1/(2*x)", r"\frac{1}{2 \, x}")


def test_preview_includes_mathml():
    assert preview(single(CUBIC), "a", "x^2").mathml.startswith("<math")


def test_preview_of_bad_answer_raises_parse_error():
    with pytest.raises(ParseError):
        preview(single(CUBIC), "a", "3x +")


# ---------------------------------------------------------------- the tutorial


def test_tutorial_dy_dx_at_ten_is_40_not_the_misprinted_200(tutorial):
    assert check(tutorial["square"], "40", part="dy-at-10").correct


def test_tutorial_misprint_200_is_rejected(tutorial):
    assert not check(tutorial["square"], "200", part="dy-at-10").correct


def test_tutorial_dz_dx_at_ten_is_200(tutorial):
    assert check(tutorial["chain"], "200", part="dz-at-10").correct


def test_tutorial_dz_dx_formula_is_20x(tutorial):
    assert check(tutorial["chain"], "20x", part="dz-formula").correct


def test_tutorial_two_inputs_dz_dx_is_about_17200(tutorial):
    assert check(tutorial["two-inputs"], "1.72e4", part="dz-dx").correct


def test_tutorial_two_inputs_dz_da_is_about_1290(tutorial):
    assert check(tutorial["two-inputs"], "1290", part="dz-da").correct


def test_tutorial_two_inputs_rejects_a_near_miss(tutorial):
    assert not check(tutorial["two-inputs"], "17210", part="dz-dx").correct


@pytest.mark.parametrize(
    "answer", ["dz/dx = 20x", "z' = 20x", "f'(x) = 20x", "d z / d x = 20x", "z_x = 20x"]
)
def test_a_derivative_label_before_the_answer_is_read_past(answer):
    ex = load_exercise_file(EXERCISES / "tutorial-chain.yaml")
    assert grade(ex, {"dz-formula": answer}).parts["dz-formula"].correct


def test_an_error_after_a_label_points_into_the_whole_text():
    ex = load_exercise_file(EXERCISES / "tutorial-chain.yaml")
    result = grade(ex, {"dz-formula": "dz/dx = 20x +"}).parts["dz-formula"]
    assert result.error is not None and "column 14" in result.error
