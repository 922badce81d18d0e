"""Tensor exercises: the language over vectors and matrices, shapes, references checked by
``torch.autograd.gradcheck``, per-entry verdicts and credit, and the bounds on their cost."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.engine import ExerciseInvalid, ParseError, grade, grade_batch, load_exercise_file
from grader.engine.autograd import evaluate, evaluate_chain
from grader.engine.check import parse_answer
from grader.engine.expr import Apply, Index, Literal, Transpose, parse
from grader.engine.shapes import MAX_ENTRIES, ShapeError, infer

from .conftest import EXERCISES, make_exercise

TENSOR_FILES = [
    p
    for p in sorted(EXERCISES.glob("*.yaml"))
    if load_exercise_file(p).shapes
    and all(part.kind != "code" for part in load_exercise_file(p).parts)
]

LINEAR = """
id: lin
title: linear
variables:
  W: {shape: [2, 3], range: [-2, 2]}
  x: {shape: [3], range: [-1, 1]}
  t: {shape: [2], range: [-1, 1]}
define:
  y: W @ x
  L: mse(y, t)
parts:
  - id: dW
    kind: expression
    of: L
    wrt: W
  - id: dW-at
    kind: value
    of: L
    wrt: W
    at: {W: [[1, 0, -1], [2, 1, 0]], x: [1, 2, 3], t: [1, 1]}
    points: 6
"""
# y = W x = (-2, 4); dL/dy = y - t = (-3, 3); dL/dW = (y - t) x^T
DW_AT = [[-3, -6, -9], [3, 6, 9]]


@pytest.fixture(scope="module")
def linear():
    return make_exercise(LINEAR)


def answer(ex, part, text, seed=0):
    return grade(ex, {part: text}, seed=seed).parts[part]


# ---------------------------------------------------------------- language


def test_matrix_product_transpose_and_indexing_parse_to_tensor_nodes():
    names, tensors = ["W", "x"], ["W", "x"]
    assert isinstance(parse("W^T", names, tensors), Transpose)
    assert parse("transpose(W)", names, tensors) == parse("W^T", names, tensors)
    assert parse("W @ x", names, tensors).op == "@"
    assert parse("W[0, 1]", names, tensors) == Index(parse("W", names), (0, 1))
    assert isinstance(parse("[[1, 2], [3, 4]]", names, tensors), Literal)
    assert isinstance(parse("sum(W, 0)", names, tensors), Apply)


def test_square_brackets_around_one_formula_still_group_in_scalar_answers():
    assert parse("2[x + 1]", ["x"]) == parse("2(x + 1)", ["x"])


def test_shapes_follow_torch_broadcasting_and_matrix_products():
    shapes = {"W": (2, 3), "x": (3,), "b": (2,), "X": (4, 3)}
    assert infer(parse("W @ x + b", shapes, shapes), shapes) == (2,)
    assert infer(parse("X @ W^T", shapes, shapes), shapes) == (4, 2)
    assert infer(parse("outer(b, x)", shapes, shapes), shapes) == (2, 3)
    assert infer(parse("sum(X, 0)", shapes, shapes), shapes) == (3,)
    assert infer(parse("mean(X)", shapes, shapes), shapes) == ()
    assert infer(parse("b - 1", shapes, shapes), shapes) == (2,)


def test_matrix_product_of_mismatched_shapes_names_both_and_the_fix():
    shapes = {"W": (2, 3), "x": (2,)}
    with pytest.raises(ShapeError, match=r"2×3 matrix by a vector of 2.*transpose"):
        infer(parse("W @ x", shapes, shapes), shapes)


def test_evaluation_is_per_point_with_params_shared():
    env = {"W": torch.randn(5, 2, 3, dtype=torch.float64), "x": torch.randn(5, 3).double()}
    value = evaluate(parse("W @ x", ["W", "x"], ["W", "x"]), env)
    assert value.shape == (5, 2)
    assert torch.allclose(value[3], env["W"][3] @ env["x"][3].double())


def test_softmax_cross_entropy_matches_torch():
    z = torch.randn(4, 5, dtype=torch.float64)
    value = evaluate(parse("cross_entropy(z, 2)", ["z"], ["z"]), {"z": z})
    expected = torch.nn.functional.cross_entropy(z, torch.full((4,), 2), reduction="none")
    assert torch.allclose(value, expected)


# ---------------------------------------------------------------- references


@pytest.mark.parametrize("path", TENSOR_FILES, ids=lambda p: p.stem)
def test_tensor_reference_passes_gradcheck(path):
    """Our tensor ops' derivatives against finite differences, in float64, and the stored
    reference against autograd of the same chain at the first sample points."""
    exercise = load_exercise_file(path)
    inst = exercise.instance(0)
    variables = list(exercise.ranges)
    for part in exercise.parts:
        if part.numeric:
            continue

        def loss(*values, part=part):
            env = {**inst.param_env, **dict(zip(variables, values, strict=True))}
            return evaluate_chain(exercise.defines, env)[part.of]

        inputs = tuple(inst.sample_points[v][:2].clone().requires_grad_(True) for v in variables)
        assert torch.autograd.gradcheck(loss, inputs, eps=1e-6, atol=1e-5)
        for c, wrt in enumerate(part.components):
            (grad,) = torch.autograd.grad(loss(*inputs).sum(), inputs[variables.index(wrt[0])])
            stored = inst.reference(part)[c][: grad.numel()]
            assert torch.allclose(stored, grad.detach().reshape(-1))


# ---------------------------------------------------------------- value parts


def test_nested_list_answer_with_spaces_and_newlines_is_correct(linear):
    result = answer(linear, "dW-at", "[[-3, -6, -9],\n  [ 3,  6,  9 ]]")
    assert result.correct and result.score == 6
    assert result.to_dict()["entries"] == [[True] * 3, [True] * 3]


def test_one_wrong_entry_gets_partial_credit_and_is_named(linear):
    result = answer(linear, "dW-at", "[[-3, -6, -9], [3, 6, 10]]")
    assert not result.correct and result.score == pytest.approx(5)
    assert result.entries == [[True, True, True], [True, True, False]]
    assert "Row 2, column 3 is wrong; the other 5 are right." in result.feedback


@pytest.mark.parametrize(
    ("shape", "wrong", "text"),
    [
        ((4,), [2], "Entry 3 is wrong; the other 3 are right."),
        ((4,), [0, 3], "Entries 1 and 4 are wrong; the other 2 are right."),
        ((2, 3), [0, 5], "Row 1, column 1 and row 2, column 3 are wrong; the other 4 are"),
        ((3, 3), [1, 3, 8], "Row 1, column 2; row 2, column 1 and row 3, column 3 are wrong"),
        ((2, 2, 2), [7], "Row 2, column 2 of block 2 is wrong; the other 7 are right."),
        ((10,), list(range(8)), "Entries 1, 2, 3, 4, 5, 6 and 2 more are wrong; the other 2"),
    ],
)
def test_wrong_entries_are_named_counting_from_one_as_people_do(shape, wrong, text):
    from math import prod

    from grader.engine.tensor_check import wrong_entries_text

    assert wrong_entries_text(shape, wrong, prod(shape)).startswith(text)


def test_a_wrong_vector_entry_is_named_from_one():
    exercise = make_exercise(
        """
        id: v
        title: V
        variables:
          x: {shape: [3], range: [-1, 1]}
        define:
          y: sum(x * x)
        parts:
          - {id: g, kind: value, of: y, wrt: x, at: {x: [1, 2, 3]}}
        """
    )
    result = grade(exercise, {"g": "[2, 4, 7]"}).parts["g"]
    assert "Entry 3 is wrong; the other 2 are right." in result.feedback


def test_transposed_answer_is_explained_and_diagnosed(linear):
    result = answer(linear, "dW-at", "[[-3, 3], [-6, 6], [-9, 9]]")
    assert not result.correct and result.score == 0
    assert result.diagnosis == "transpose"
    assert "expected a 2×3 matrix, got 3×2 — did you transpose?" in result.feedback.lower()


def test_wrong_number_of_entries_is_unreadable_with_the_expected_shape(linear):
    result = answer(linear, "dW-at", "[[-3, -6], [3, 6]]")
    assert result.error is not None and "expected a 2×3 matrix" in result.error
    with pytest.raises(ParseError, match="row 2 has 2 entries but row 1 has 3"):
        parse_answer(linear, linear.part("dW-at"), "[[1, 2, 3], [4, 5]]")


def test_scalar_value_part_refuses_a_vector():
    ex = make_exercise(
        """
        id: s
        title: s
        variables: {x: [-1, 1]}
        define: {y: x^2}
        parts: [{id: a, kind: value, of: y, wrt: x, at: {x: 1}}]
        """
    )
    assert "expected a number" in answer(ex, "a", "[2, 2]").error


# ---------------------------------------------------------------- expression parts


def test_formula_over_tensors_is_checked_at_random_samples(linear):
    assert answer(linear, "dW", "outer(W @ x - t, x)").correct
    assert answer(linear, "dW", "outer(y - t, x)").correct
    wrong = answer(linear, "dW", "outer(y - t, x) + 0.001")
    assert not wrong.correct


def test_transposed_formula_of_a_rectangular_gradient_is_named(linear):
    result = answer(linear, "dW", "outer(x, y - t)")
    assert result.diagnosis == "transpose" and "did you transpose?" in result.feedback


def test_batch_grading_agrees_with_one_by_one(linear):
    texts = ["outer(y - t, x)", "outer(t - y, x)", "2 outer(y - t, x)", "outer(x, y - t)"]
    items = [
        ({"dW": t, "dW-at": "[[-3, -6, -9], [3, 6, 10]]"}, seed % 3)
        for seed, t in enumerate(texts * 4)
    ]
    batch = grade_batch(linear, items)
    for (answers, seed), got in zip(items, batch, strict=True):
        assert got.to_dict() == grade(linear, answers, seed=seed).to_dict()


# ---------------------------------------------------------------- params and validation


def test_tensor_params_are_drawn_per_student_and_shown_as_matrices():
    ex = make_exercise(
        """
        id: p
        title: p
        statement: "$W = {W}$"
        variables: {x: {shape: [2], range: [-1, 1]}}
        params: {W: {shape: [2, 2], int: [-3, 3]}}
        define: {L: sum(W @ x)}
        parts: [{id: a, kind: expression, of: L, wrt: x}]
        """
    )
    inst = ex.instance(3)
    w = inst.param_values["W"]
    assert len(w) == 2 and all(len(row) == 2 and all(-3 <= v <= 3 for v in row) for row in w)
    assert r"\begin{bmatrix}" in inst.statement
    assert answer(ex, "a", "W^T @ [1, 1]", seed=3).correct


@pytest.mark.parametrize(
    "variables, message",
    [
        ("{W: {shape: [65], range: [0, 1]}}", "between 1 and 64"),
        ("{W: {shape: [20, 20], range: [0, 1]}}", f"at most {MAX_ENTRIES} entries"),
        ("{W: {shape: [2, 2, 2, 2], range: [0, 1]}}", "at most 3 dimensions"),
    ],
)
def test_declared_shapes_are_bounded(variables, message):
    text = f"""
        id: b
        title: b
        variables: {variables}
        define: {{L: sum(W)}}
        parts: [{{id: a, kind: expression, of: L, wrt: W}}]
    """
    with pytest.raises(ExerciseInvalid, match=message):
        make_exercise(text)


def test_a_tensor_loss_must_be_reduced_to_a_number():
    with pytest.raises(ExerciseInvalid, match="derivative of a number"):
        make_exercise(
            """
            id: v
            title: v
            variables: {x: {shape: [3], range: [0, 1]}}
            define: {y: 2x}
            parts: [{id: a, kind: expression, of: y, wrt: x}]
            """
        )


def test_at_must_have_the_variables_shape():
    with pytest.raises(ExerciseInvalid, match="2×3 matrix"):
        make_exercise(
            LINEAR.replace("x: [1, 2, 3], t", "x: [1, 2, 3], t").replace("[2, 1, 0]]", "[2, 1]]")
        )


# ---------------------------------------------------------------- hostile input


def test_largest_literal_allowed_is_read_and_one_more_entry_is_refused(linear):
    row = "[" + ", ".join(["1"] * 16) + "]"
    big = "[" + ", ".join([row] * 16) + "]"  # 256 entries: the limit
    with pytest.raises(ParseError, match="expected a 2×3 matrix"):
        parse_answer(linear, linear.part("dW"), big)
    bigger = "[" + ", ".join([row] * 17) + "]"
    with pytest.raises(ParseError, match=f"at most {MAX_ENTRIES} entries"):
        parse_answer(linear, linear.part("dW"), bigger)


def test_deeply_nested_literal_is_refused_by_depth_not_recursion(linear):
    with pytest.raises(ParseError):
        parse_answer(linear, linear.part("dW"), "[" * 2000 + "1" + "]" * 2000)


def test_broadcast_that_would_blow_up_is_refused_when_read():
    shapes = {"u": (64,), "v": (64, 1)}
    with pytest.raises(ShapeError, match="larger than the grader allows"):
        infer(parse("u * v", shapes, shapes), shapes)
    with pytest.raises(ShapeError, match="larger than the grader allows"):
        infer(parse("outer(u, u)", shapes, shapes), shapes)


def test_worked_solutions_are_not_drawn_for_a_tensor_part(linear):
    from grader.engine.solution import part_solutions

    assert part_solutions(linear.instance(0), linear.part("dW")) == []


def test_a_class_index_outside_the_logits_is_refused_when_read():
    shapes = {"z": (4,)}
    with pytest.raises(ShapeError, match="from 0 to 3"):
        infer(parse("cross_entropy(z, 4)", shapes, shapes), shapes)
    with pytest.raises(ShapeError, match="whole number"):
        infer(parse("cross_entropy(z, 1.5)", shapes, shapes), shapes)


def test_an_answer_wrong_in_every_entry_gets_no_list_of_entries(linear):
    result = answer(linear, "dW-at", "[[9, 9, 9], [9, 9, 8]]")
    assert result.score == 0 and result.entries == [[False] * 3, [False] * 3]
    assert "Entries" not in result.feedback  # all wrong: no list of entries


def test_a_code_parts_wrong_entry_gives_the_index_and_the_row_and_column_from_one():
    from types import SimpleNamespace

    from grader.engine.code_check import one_wrong_entry
    from grader.engine.messages import render

    part = SimpleNamespace(rtol=1e-6, atol=1e-9)
    want = np.zeros((2, 3))
    got = want.copy()
    got[1, 2] = 5.0
    said = one_wrong_entry("dW", got, want, part)
    assert said.code == "code.wrong_entry_at" and said.args["index"].text == "[1, 2]"
    assert render(said, "plain") == (
        "`dW[1, 2]` (row 2, column 3) should be 0; your code returned 5."
    )
    vector = one_wrong_entry("db", np.array([0.0, 2.0]), np.zeros(2), part)
    assert vector.code == "code.wrong_entry" and vector.args["index"].text == "[1]"
