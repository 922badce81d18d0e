"""Code parts: students' backward passes run in the sandbox, checked against autograd over
the define chain, scored per output, and their bug named."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.engine import ExerciseInvalid, grade, load_exercise, load_exercise_file, run_self_tests
from grader.engine.code_check import CodeUnavailable, cases, try_code

ROOT = Path(__file__).resolve().parents[2]
CODE_EXERCISES = sorted((ROOT / "exercises").glob("code-*.yaml"))
GOOD = """import numpy as np
def linear_backward(dout, x, W, b):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
"""


@pytest.fixture(scope="module")
def linear():
    return load_exercise_file(ROOT / "exercises" / "code-linear-backward.yaml")


def _part(exercise, code: str, seed: int = 5):
    return grade(exercise, {"backward": code}, seed=seed).parts["backward"]


def test_six_code_exercises_ship():
    names = {p.stem for p in CODE_EXERCISES}
    assert {
        "code-linear-backward",
        "code-relu-backward",
        "code-sigmoid-backward",
        "code-softmax-cross-entropy",
        "code-two-layer-mlp",
        "code-tutorial-chain",
    } <= names


@pytest.mark.sandbox
@pytest.mark.parametrize("path", CODE_EXERCISES, ids=lambda p: p.stem)
def test_each_code_exercise_grades_its_correct_and_buggy_implementations(path):
    """Accept snippets are right, reject snippets wrong with the bug the file names."""
    exercise = load_exercise_file(path)
    assert run_self_tests(exercise) == []


def test_checks_vary_the_batch_and_include_one_and_the_edges(linear):
    part = linear.part("backward")
    drawn = cases(linear, part, seed=3)
    assert [c.batch for c in drawn] == [1, 3, 4, 1, 3]
    assert drawn[0].values["x"].shape == (1, 3) and drawn[2].values["x"].shape == (4, 3)
    assert drawn[2].values["dout"].shape == (4, 2)
    edge = drawn[-1].values["x"]
    assert set(edge.ravel()) <= {-2.0, 0.0, 2.0}
    other = cases(linear, part, seed=4)
    assert not (other[1].values["x"] == drawn[1].values["x"]).all()  # per student


@pytest.mark.sandbox
def test_right_code_scores_full_points_with_a_record_per_check(linear):
    result = _part(linear, GOOD)
    assert result.correct and result.score == 3.0
    record = result.to_dict()["checks"][1]
    assert record["batch"] == 3
    assert record["inputs_shapes"] == {"dout": [3, 2], "x": [3, 3], "W": [3, 2], "b": [2]}
    assert record["outputs"]["dW"]["correct"] is True
    assert record["outputs"]["dW"]["max_error"] < 1e-12


@pytest.mark.sandbox
def test_each_output_is_scored_on_its_own(linear):
    result = _part(linear, GOOD.replace("dout.sum(axis=0)", "dout.sum(axis=0) * 2"))
    assert not result.correct
    assert result.score == pytest.approx(2.0)
    assert result.components == [True, True, False]
    assert "`dx`: right on all 5 checks. `dW`: right on all 5 checks. `db`: wrong." in result.plain


@pytest.mark.sandbox
def test_transposed_gradient_gets_a_plain_shape_message(linear):
    result = _part(linear, GOOD.replace("x.T @ dout", "dout.T @ x"))
    assert result.diagnosis == "transposed"
    assert "`dW` has shape (2, 3); `W` has shape (3, 2)" in result.plain
    assert "x.T @ dout" in result.plain  # what to change
    assert "check 1 of 5 (batch of 1; inputs dout (1, 2), x (1, 3)" in result.plain.lower()
    codes = [m.code for m in result.messages]  # structured: codes with typed arguments
    assert codes[:4] == [
        "code.output_right",
        "code.output_wrong",
        "code.output_right",
        "code.check_batch",
    ]
    assert codes[-1] == "code.bug.transposed_shape"
    assert result.messages[-1].args["got_shape"].text == "(2, 3)"


@pytest.mark.sandbox
def test_code_feedback_is_worded_anew_in_chinese_from_its_stored_messages(linear):
    from grader.services import translation

    result = _part(linear, GOOD.replace("x.T @ dout", "dout.T @ x"))
    stored = result.to_dict()["messages"]
    chinese = translation.feedback(stored, "zh-CN")
    assert chinese is not None and "是梯度的转置" in chinese and "第 1 次检查" in chinese
    assert "`dW` 的形状是 (2, 3)" in chinese  # the arguments kept: names, shapes
    assert translation.feedback(stored, "en") == result.feedback


@pytest.mark.sandbox
def test_each_check_runs_the_students_file_afresh(linear):
    # a function that counts its calls in a global: every check sees its first call
    counting = GOOD.replace("def linear", "calls = []\n\n\ndef linear").replace(
        "    return", "    calls.append(1)\n    return len(calls) *"
    )
    counting = counting.replace("len(calls) * dout @ W.T,", "len(calls) * (dout @ W.T),")
    assert _part(linear, counting).correct


@pytest.mark.sandbox
def test_a_wrong_entry_is_shown_expected_against_received(linear):
    result = _part(linear, GOOD.replace("dout @ W.T", "-(dout @ W.T)"))
    assert result.diagnosis == "sign"
    assert "`dx[" in result.plain and "should be" in result.plain
    assert "(row " in result.plain  # and, for people, the entry counted from one
    assert "your code returned" in result.plain


@pytest.mark.sandbox
def test_missing_batch_sum_is_told_apart_from_keepdims(linear):
    missing = _part(linear, GOOD.replace("dout.sum(axis=0)", "dout"))
    assert missing.diagnosis == "missing_batch_sum"
    assert "sum over the batch axis" in missing.plain
    keep = _part(linear, GOOD.replace("axis=0)", "axis=0, keepdims=True)"))
    assert keep.diagnosis == "extra_dimension"


@pytest.mark.sandbox
def test_an_exception_shows_the_students_line_and_message_only(linear):
    code = GOOD.replace("return dout @ W.T", "scale = 1 / 0\n    return dout @ W.T")
    result = _part(linear, code)
    assert result.score == 0.0
    assert "ZeroDivisionError: division by zero" in result.plain
    assert "line 3: `scale = 1 / 0`" in result.plain
    assert "runner.py" not in result.plain and "/check/" not in result.plain
    assert result.to_dict()["checks"][0]["error"].startswith("Your code raised `ZeroDivisionError")


@pytest.mark.sandbox
def test_a_syntax_error_is_reported_with_its_line(linear):
    result = _part(linear, "def linear_backward(dout, x, W, b)\n    return 1\n")
    assert result.error is not None and "line 1" in result.error
    assert "SyntaxError" in result.error


@pytest.mark.sandbox
def test_a_missing_function_and_wrong_returns_are_named(linear):
    result = _part(linear, "def forward(x):\n    return x\n")
    assert "define a function named `linear_backward`" in (result.error or "")
    result = _part(linear, "def linear_backward(dout, x, W, b):\n    return dout\n")
    assert "return 3 values (dx, dW, db)" in result.plain


@pytest.mark.sandbox
def test_an_endless_loop_ends_with_took_longer(linear):
    text = linear.text.replace(
        "      returns: [dx, dW, db]", "      returns: [dx, dW, db]\n      time_limit_s: 1"
    )
    quick = load_exercise(text, source="code-linear-backward.yaml")
    result = _part(quick, "def linear_backward(dout, x, W, b):\n    while True:\n        pass\n")
    assert "took longer than" in result.plain
    assert result.diagnosis == "timeout"


@pytest.mark.sandbox
def test_printing_too_much_is_stopped(linear):
    result = _part(
        linear, "def linear_backward(dout, x, W, b):\n    while True:\n        print('x' * 10000)\n"
    )
    assert "printed too much" in result.plain


@pytest.mark.sandbox
def test_run_the_checks_reports_shapes_and_exceptions_but_not_values(linear):
    part = linear.part("backward")
    wrong_values = try_code(
        linear, part, GOOD.replace("dout.sum(axis=0)", "dout.sum(axis=0) * 7"), 1
    )
    assert wrong_values["ok"] is True
    assert "Submit to have the values checked" in wrong_values["message"]
    assert "correct" not in str(wrong_values["checks"])
    shapes = try_code(linear, part, GOOD.replace("x.T @ dout", "dout.T @ x"), 1)
    assert shapes["ok"] is False
    assert "`dW` has shape (2, 3); `W` has shape (3, 2)" in shapes["message"]
    crash = try_code(linear, part, GOOD.replace("return", "raise KeyError('W')\n    return"), 1)
    assert "KeyError: 'W'" in crash["message"]


def test_without_the_sandbox_code_is_refused_not_run(linear, monkeypatch, tmp_path):
    from grader.sandbox import child

    monkeypatch.setattr(child, "_bwrap", lambda: None)
    marker = tmp_path / "ran"
    with pytest.raises(CodeUnavailable, match="apt-get install bubblewrap"):
        _part(linear, f"open('{marker}', 'w')\n" + GOOD)
    assert not marker.exists()


BASE = """
id: code-check
title: t
variables:
  x: {shape: [N, 3], range: [-1, 1]}
  W: {shape: [3, 2], range: [-1, 1]}
batch: {N: [1, 2]}
define:
  y: x @ W
parts:
  - id: p
    kind: code
    of: y
    wrt: [W]
    code:
"""


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "      function: f\n      args: [x, W]\n      returns: [dW]\n",
            "name the upstream gradient",
        ),
        (
            "      function: f\n      args: [x, q, dout]\n      upstream: dout\n      returns: [dW]\n",
            "'q' is not a variable",
        ),
        (
            "      function: f\n      args: [x, W, dout]\n      upstream: dout\n      returns: [dW, dx]\n",
            "one output per variable",
        ),
        (
            "      function: f\n      args: [x, dout]\n      upstream: dout\n      returns: [dW]\n      starter: 'def f(:'\n",
            "line 1",
        ),
        (
            "      function: f\n      args: [x, dout]\n      upstream: dout\n      returns: [dW]\n      tests: {reject: [{code: 'x = 1', bug: typo}]}\n",
            "unknown bug",
        ),
        (
            "      function: f\n      args: [x, dout]\n      upstream: dout\n      returns: [dW]\n      modules: [os]\n",
            "modules",
        ),
    ],
)
def test_a_bad_code_part_is_refused_with_where_and_why(code, message):
    with pytest.raises(ExerciseInvalid) as err:
        load_exercise(BASE + code)
    assert message in str(err.value)


def test_the_batch_dimension_comes_first_and_is_named():
    text = BASE.replace("x: {shape: [N, 3]", "x: {shape: [3, N]") + (
        "      function: f\n      args: [x, dout]\n      upstream: dout\n      returns: [dW]\n"
    )
    with pytest.raises(ExerciseInvalid, match="the batch dimension N comes first"):
        load_exercise(text)


SCALED = (
    BASE.replace("batch: {N: [1, 2]}", "params:\n  a: {choice: [2, 3, 5]}\nbatch: {N: [1, 3]}")
    .replace("y: x @ W", "y: a * (x @ W)")
    .replace("- id: p\n", "- id: backward\n")
    + "      function: f\n      args: [dout, x, W, a]\n      upstream: dout\n      returns: [dW]\n"
)


@pytest.mark.sandbox
def test_a_code_part_takes_the_students_params_as_arguments():
    scaled = load_exercise(SCALED)
    seeds = {seed: cases(scaled, scaled.parts[0], seed)[0].values["a"] for seed in range(12)}
    assert {float(a) for a in seeds.values()} == {2.0, 3.0, 5.0}  # each student's own draw
    right = "def f(dout, x, W, a):\n    return a * (x.T @ dout)\n"
    forgot = "def f(dout, x, W, a):\n    return x.T @ dout\n"
    for seed in (0, 1, 2):
        assert _part(scaled, right, seed).correct
        wrong = _part(scaled, forgot, seed)
        assert not wrong.correct and wrong.checks[0]["inputs_shapes"]["a"] == []
