"""Decimal commas where commas separate entries (a vector or matrix written out, the grid,
a gradient in one box): refused with the entry named, counted from one, and the fix offered,
never the bare 'rows differ in length'. Decimals take a point: ``12,500`` is 12.5 to some
readers and 12500 to others, so a decimal comma is never read silently."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.engine import grade, load_exercise_file
from grader.engine.check import parse_answer
from grader.engine.decimal_comma import entry_index, with_points
from grader.engine.expr import ParseError
from tests.helpers import EXERCISES

from .conftest import make_exercise
from .test_tensors import LINEAR

RIGHT = "[[-3, -6, -9], [3, 6, 9]]"


@pytest.fixture(scope="module")
def linear():
    return make_exercise(LINEAR)


def refusal(exercise, part_id: str, text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_answer(exercise, exercise.part(part_id), text)
    return info.value


@pytest.mark.parametrize(
    ("typed", "starts", "fixed"),
    [
        ("[[-3, -6, -9], [3, 6, 9,5]]", "Row 2, column 3: '9,5' has a decimal comma", "9.5"),
        ("[[-3,5, -6, -9], [3, 6, 9]]", "Row 1, column 1: '3,5' has a decimal comma", "-3.5"),
        ("[[-3, -6, -9,0], [3,0, 6, 9]]", "Row 1, column 3: '9,0' has a decimal comma (and 1 more)", "-9.0"),
        ("[[-3, -6, -9], [3, 6, 9,500]]", "Row 2, column 3: '9,500' has a decimal comma — write 9.500 (or 9500)", "9.500"),
    ],
)  # fmt: skip
def test_a_decimal_comma_in_a_matrix_names_the_entry_and_offers_the_fix(
    linear, typed, starts, fixed
):
    error = refusal(linear, "dW-at", typed)
    assert error.message.startswith(starts)
    assert "a comma separates the entries" in error.message
    (suggestion,) = error.suggestions
    assert fixed in suggestion and suggestion == with_points(typed)
    assert error.column == typed.index(error.message.split("'")[1]) + 1  # the caret is on it
    parse_answer(linear, linear.part("dW-at"), suggestion)  # the fix is read


def test_the_grid_writes_a_cell_with_a_comma_into_a_list_and_the_cell_is_named(linear):
    cells = [["-3", "-6", "-9"], ["3", "6", "9,5"]]  # as preview.js joins the boxes
    typed = "[" + ", ".join("[" + ", ".join(row) + "]" for row in cells) + "]"
    assert refusal(linear, "dW-at", typed).message.startswith("Row 2, column 3: '9,5'")


def test_a_vector_entry_with_a_decimal_comma_is_named_by_its_number():
    exercise = load_exercise_file(EXERCISES / "softmax-cross-entropy.yaml")
    error = refusal(exercise, "dL-dz-at-zero", "[0,25, 0.25, -0.75, 0.25]")
    assert error.message.startswith("Entry 1: '0,25' has a decimal comma — write 0.25")


def test_commas_without_spaces_between_entries_are_not_taken_for_decimals(linear):
    assert grade(linear, {"dW-at": "[[-3,-6,-9],[3,6,9]]"}).parts["dW-at"].correct
    error = refusal(linear, "dW-at", "[[1,2,3],[4,5]]")  # no decimal reading fits: rows named
    assert error.message.startswith("row 2 has 2 entries but row 1 has 3")
    assert error.suggestions == ()


def test_a_gradient_typed_in_one_box_with_a_decimal_comma_gets_a_hint():
    exercise = load_exercise_file(EXERCISES / "gradient-three-vars.yaml")
    result = grade(exercise, {"grad": "1,5, 2, 3"}).parts["grad"]
    assert "give 3 answers" in result.error and "write it with a point: 1.5" in result.error


def test_the_entry_index_counts_commas_per_bracket_level_only():
    text = "[[log(x, 2), 1], [2, 3.5]]"
    assert entry_index(text, text.index("3.5")) == (1, 1)
    assert entry_index(text, text.index("1]")) == (0, 1)


NUMBERS = st.sampled_from(["1", "-2", "12,5", "0,25", "3.5", "9,500", "1,2,3", "x", "(1, 2)"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(NUMBERS, min_size=1, max_size=4), min_size=1, max_size=3))
def test_any_list_with_commas_is_read_or_refused_with_fixes_that_are_read(linear, rows):
    typed = "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
    try:
        parse_answer(linear, linear.part("dW-at"), typed)
    except ParseError as exc:
        for suggestion in exc.suggestions:
            parse_answer(linear, linear.part("dW-at"), suggestion)
