"""Each diagnosis code of tensor parts: an exercise where it fires, and one where it must not.

The answers are the classic backpropagation mistakes, typed as students type them; the
exercises are the shipped library's."""

from __future__ import annotations

import pytest

from grader.engine import grade, load_exercise_file

from .conftest import EXERCISES


def result(stem: str, part: str, text: str, seed: int = 0):
    exercise = load_exercise_file(EXERCISES / f"{stem}.yaml")
    return grade(exercise, {part: text}, seed=seed).parts[part]


FIRES = [
    ("transpose", "outer-product-gradient", "ds-dW", "outer(x, u)"),
    ("transpose", "three-layer-network", "dL-dW2", "outer((y - t) w3 step(a2), h1)^T"),
    ("transpose", "linear-layer-mse", "dL-dW-at", "[[-3, 4], [-6, 8], [-9, 12]]"),
    ("activation", "sigmoid-neuron-vector", "dL-dw", "(y - t) x"),
    ("activation", "mlp-relu-two-layers", "dL-db1", "(y - t) w2"),
    ("activation", "three-layer-network", "dL-dW1", "outer(W2^T @ ((y - t) w3 step(a2)), x)"),
    ("activation", "mlp-relu-two-layers", "dL-dW1-at", "[[-1, -1], [-2, -2], [1, 1]]"),
    ("sign", "linear-layer-mse", "dL-dW", "outer(t - y, x)"),
    ("sign", "softmax-cross-entropy", "dL-dz", "[0, 0, 1, 0] - p"),
    ("mean", "logistic-regression-batch", "dL-dw", "X^T @ (p - y)"),
    ("mean", "logistic-regression-batch", "dL-dw", "X^T @ (p - y) / 16"),
    ("mean", "linear-layer-mse", "dL-dW", "2 outer(y - t, x)"),
    ("preactivation", "softmax-cross-entropy", "dL-dz", "[0, 0, -1/p[2], 0]"),
    ("chain", "scalar-chain-vector", "dL-da", "sum(sigmoid(v) (1 - sigmoid(v)) x)"),
    ("chain", "scalar-chain-vector", "dL-dx", "sigmoid(v) (1 - sigmoid(v))"),
    ("factor", "outer-product-gradient", "ds-dW", "3 outer(u, x)"),
    ("variable", "sigmoid-neuron-vector", "dL-dw", "(y - t) y (1 - y) w"),
]


@pytest.mark.parametrize(("code", "stem", "part", "text"), FIRES)
def test_diagnosis_fires_on_its_mistake(code, stem, part, text):
    got = result(stem, part, text)
    assert not got.correct and got.error is None
    assert got.diagnosis == code, got.feedback


# Wrong answers (or right ones) that must not be given the code.
SILENT = [
    ("transpose", "linear-layer-mse", "dL-dW", "outer(y - t, x)"),  # right
    ("transpose", "outer-product-gradient", "ds-dW", "outer(u, x) + 1"),
    ("activation", "sigmoid-neuron-vector", "dL-dw", "(y - t) y (1 - y) x"),  # right
    ("activation", "linear-layer-mse", "dL-db", "t - y"),  # no activation here: sign
    ("sign", "sigmoid-neuron-vector", "dL-dw", "(y - t) x"),
    ("mean", "logistic-regression-batch", "dL-dw", "X^T @ (p - y) / 4"),  # right
    ("mean", "outer-product-gradient", "ds-dW", "2 outer(u, x)"),  # no mean: factor
    ("preactivation", "sigmoid-neuron-vector", "dL-dw", "(y - t) x"),  # activation, deeper
    ("preactivation", "softmax-cross-entropy", "dL-dz", "p - [0, 0, 1, 0]"),  # right
    ("chain", "mlp-relu-two-layers", "dL-dw2", "(y - t) u"),
    ("factor", "logistic-regression-batch", "dL-dw", "X^T @ (p - y)"),  # the mean, named
    ("variable", "outer-product-gradient", "ds-dx", "u @ W + 1"),
]


@pytest.mark.parametrize(("code", "stem", "part", "text"), SILENT)
def test_diagnosis_stays_silent_where_it_does_not_apply(code, stem, part, text):
    assert result(stem, part, text).diagnosis != code


def test_mistake_in_some_entries_names_those_entries():
    got = result("mlp-relu-two-layers", "dL-dW1-at", "[[-1, -1], [-2, -2], [1, 1]]")
    assert got.score == pytest.approx(2 * 4 / 6)
    assert "Row 2, column 1 and row 2, column 2 are wrong; the other 4 are right." in got.feedback
    assert got.entries == [[True, True], [False, False], [True, True]]


def test_activation_feedback_names_the_derivative_left_out():
    got = result("sigmoid-neuron-vector", "dL-dw", "(y - t) x")
    assert "σ′" in got.feedback


def test_preactivation_feedback_says_which_side_of_the_activation():
    got = result("softmax-cross-entropy", "dL-dz", "[0, 0, -1/p[2], 0]")
    assert "after the activation" in got.feedback and "softmax" in got.feedback
