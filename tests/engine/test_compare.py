"""The one tolerance rule (grader/engine/compare.py), tested on its own."""

from __future__ import annotations

import math

import torch

from grader.engine.compare import SCALE_FLOOR, all_match, first_mismatch, matches, tolerance

F64 = torch.float64


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=F64)


def test_tolerance_is_atol_plus_rtol_times_the_size_of_the_reference():
    ref = t(1.0, 2.0, -4.0)
    assert torch.allclose(tolerance(ref, 1e-3, 1e-9), 1e-9 + 1e-3 * ref.abs())


def test_near_a_root_the_scale_is_floored_at_a_thousandth_of_the_median_size():
    ref = t(0.0, 1e-9, 1.0, 2.0, 3.0)  # median size 1.0; near x = 0 the pointwise scale is ~0
    tol = tolerance(ref, 1e-6, 0.0)
    assert math.isclose(float(tol[0]), 1e-6 * SCALE_FLOOR * 1.0)
    assert math.isclose(float(tol[4]), 1e-6 * 3.0)


def test_the_median_not_the_mean_sets_the_floor_so_huge_values_lend_nothing():
    ref = t(1.0, 1.0, 1.0, 1.0, 1e12)  # exp-like: one enormous value
    assert float(tolerance(ref, 1e-6, 0.0)[0]) == 1e-6 * 1.0


def test_a_single_point_uses_its_own_size():
    assert math.isclose(float(tolerance(t(200.0), 5e-4, 1e-8)[0]), 1e-8 + 5e-4 * 200.0)


def test_an_answer_within_the_tolerance_matches_and_one_beyond_does_not():
    ref = t(10.0, 20.0)
    assert all_match(ref * (1 + 0.9e-6), ref, 1e-6, 0.0)
    assert not all_match(ref * (1 + 1.1e-6), ref, 1e-6, 0.0)


def test_nan_and_infinite_answers_never_match():
    ref = t(1.0, 2.0, 3.0)
    for bad in (math.nan, math.inf, -math.inf):
        s = t(1.0, bad, 3.0)
        assert matches(s, ref, 1e-3, 1e-3).tolist() == [True, False, True]
        assert first_mismatch(s, ref, tolerance(ref, 1e-3, 1e-3)) == 1


def test_first_mismatch_names_the_first_wrong_point_or_none():
    ref = t(1.0, 2.0, 3.0, 4.0)
    tol = tolerance(ref, 1e-9, 1e-12)
    assert first_mismatch(ref.clone(), ref, tol) is None
    assert first_mismatch(t(1.0, 2.0, 3.5, 9.0), ref, tol) == 2


def test_matches_broadcasts_over_rows_of_candidates():
    ref = t(1.0, 2.0)
    rows = torch.stack([ref, -ref, ref + 1e-12])
    assert matches(rows, ref, 1e-9, 1e-9).all(dim=1).tolist() == [True, False, True]


def test_the_tolerance_at_other_points_is_the_same_rule_as_at_the_sample_points():
    """Feedback names a readable point only where the grader's one rule says the answer
    differs: at the sample points themselves the two tolerances are equal."""
    import numpy as np

    from grader.engine.compare import tolerance_elsewhere

    ref = torch.tensor([0.0, 1e-9, 2.0, -3.0, 400.0], dtype=torch.float64)
    here = tolerance(ref, 1e-6, 1e-9).numpy()
    there = tolerance_elsewhere(ref.numpy(), ref.numpy(), 1e-6, 1e-9)
    assert np.allclose(here, there, rtol=0, atol=0)
