"""The instructor's own tests in each part, run by validate."""

from __future__ import annotations

from grader.engine import run_self_tests
from tests.helpers import single

GOOD_TESTS = """\
    tests:
      accept: ["3x^2 + 2", "2 + 3x x"]
      reject: ["3x^2", "x^3 + 2x"]
"""


def test_passing_self_tests_report_no_problems():
    assert run_self_tests(single({"f": "x^3 + 2*x"}, extra=GOOD_TESTS)) == []


def test_exercise_without_tests_reports_no_problems():
    assert run_self_tests(single({"f": "x^3 + 2*x"})) == []


def test_accepted_answer_that_is_wrong_is_reported():
    ex = single({"f": "x^3 + 2*x"}, extra='    tests:\n      accept: ["3x^2"]\n')
    (problem,) = run_self_tests(ex)
    assert problem.path == "parts[0].tests.accept[0]" and "was rejected" in problem.message


def test_rejected_answer_that_is_right_is_reported():
    ex = single({"f": "x^3 + 2*x"}, extra='    tests:\n      reject: ["2 + 3x^2"]\n')
    (problem,) = run_self_tests(ex)
    assert problem.path == "parts[0].tests.reject[0]" and "was accepted" in problem.message


def test_self_test_problem_carries_the_line_of_the_test():
    extra = '    tests:\n      accept:\n        - "3x^2 + 2"\n        - "3x^2"\n'
    (problem,) = run_self_tests(single({"f": "x^3 + 2*x"}, extra=extra))
    assert problem.line == 15


def test_self_test_problem_prints_as_file_line_path_message():
    ex = single({"f": "x^3 + 2*x"}, extra='    tests:\n      accept: ["3x^2"]\n')
    (problem,) = run_self_tests(ex)
    assert str(problem).startswith("test.yaml:13: parts[0].tests.accept[0]: '3x^2' was rejected")


def test_self_tests_with_params_run_for_several_seeds():
    extra = '    tests:\n      accept: ["6x"]\nparams:\n  k: {int: [1, 9]}\n'
    ex = single({"f": "k*x^2"}, extra=extra)
    # 6x is right only when k = 3: some seed must catch it.
    assert len(run_self_tests(ex)) == 1


def test_self_test_answer_using_params_passes_every_seed():
    extra = '    tests:\n      accept: ["2k x"]\nparams:\n  k: {int: [1, 9]}\n'
    assert run_self_tests(single({"f": "k*x^2"}, extra=extra)) == []


def test_gradient_self_tests_take_lists():
    variables = {"x": (0.5, 3.0), "t": (1.0, 2.0)}
    extra = '    tests:\n      accept: [["2x t^3", "3x^2 t^2"], "2x t^3, 3x^2 t^2"]\n'
    ex = single({"f": "x^2*t^3"}, variables, kind="gradient", wrt=["x", "t"], extra=extra)
    assert run_self_tests(ex) == []
