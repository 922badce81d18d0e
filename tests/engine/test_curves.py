"""Plot data (grader/engine/curves.py): the answer against the reference along one variable."""

from __future__ import annotations

import math

import pytest

from grader.engine import curves
from grader.engine.curves import MAX_GRID, Curves, visible_difference
from tests.helpers import single


def test_a_right_answer_follows_the_reference_everywhere():
    ex = single({"y": "x^3"}, {"x": (-2.0, 2.0)})
    data = curves(ex, 0, "a", "3x^2", n=50)
    assert data.variable == "x" and len(data.xs) == 50
    assert data.xs[0] == -2.0 and data.xs[-1] == 2.0
    assert not any(data.wrong)
    assert all(
        math.isclose(a, 3 * x * x, abs_tol=1e-9) for a, x in zip(data.answer, data.xs, strict=True)
    )
    assert data.reference == pytest.approx(data.answer)


def test_a_wrong_answer_is_marked_wrong_where_it_departs_from_the_reference():
    ex = single({"y": "x^2"}, {"x": (-1.0, 1.0)})
    data = curves(ex, 0, "a", "2abs(x)", n=21)  # right for x >= 0, wrong for x < 0
    for x, wrong in zip(data.xs, data.wrong, strict=True):
        assert wrong == (x < -1e-9)


def test_an_undefined_answer_is_nan_on_the_plot_and_wrong_there():
    ex = single({"y": "x^2"}, {"x": (-1.0, 1.0)})
    data = curves(ex, 0, "a", "2x + log(x) - log(x)", n=11)
    assert all(math.isnan(a) == (x <= 0) for a, x in zip(data.answer, data.xs, strict=True))
    assert all(w for x, w in zip(data.xs, data.wrong, strict=True) if x < 0)


def test_other_variables_are_held_where_the_mistake_shows():
    ex = single({"z": "x*t"}, {"x": (0.5, 2.0), "t": (1.0, 3.0)}, wrt="x")
    data = curves(ex, 0, "a", "t + 1", n=20)  # off by one whatever t is
    assert set(data.fixed) == {"t"} and 1.0 <= data.fixed["t"] <= 3.0
    assert all(data.wrong)


def test_the_grid_is_bounded_whatever_is_asked():
    ex = single({"y": "x^2"})
    assert len(curves(ex, 0, "a", "2x", n=10**9).xs) == MAX_GRID
    assert len(curves(ex, 0, "a", "2x", n=-5).xs) == 2


def test_a_numeric_part_has_no_curve():
    ex = single({"y": "x^2"}, kind="value", extra="    at: {x: 1}\n")
    with pytest.raises(ValueError, match="no curve"):
        curves(ex, 0, "a", "2")


def test_visible_difference_is_zero_for_a_match_and_grows_with_the_gap():
    xs = [0.0, 1.0, 2.0, 3.0]
    ref = [0.0, 1.0, 2.0, 3.0]
    same = Curves("x", xs, ref, ref, [False] * 4, {})
    near = Curves("x", xs, [0.0, 1.1, 2.1, 3.1], ref, [False, True, True, True], {})
    far = Curves("x", xs, [0.0, 3.0, 4.0, 5.0], ref, [False, True, True, True], {})
    assert visible_difference(same) == 0.0
    assert 0 < visible_difference(near) < visible_difference(far) <= 1.0
