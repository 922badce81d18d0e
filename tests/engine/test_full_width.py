"""Answers typed with a Chinese input method (#29): full-width digits, letters, brackets and
operators, ×, ÷, the full-width comma and point, 。 、 【 】 are graded as their ASCII forms,
and the preview shows the answer as it was read."""

from __future__ import annotations

import pytest

from grader.engine import ParseError, grade, load_exercise_file, preview
from grader.engine.expr import MAX_LENGTH, normalise
from tests.helpers import EXERCISES

TUTORIAL = load_exercise_file(EXERCISES / "tutorial-chain.yaml")
SQRT = load_exercise_file(EXERCISES / "chain-rule-sqrt.yaml")
OUTER = load_exercise_file(EXERCISES / "outer-product-gradient.yaml")


def full_width(text: str) -> str:
    """What a Chinese input method in full-width mode types for ASCII `text`."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)


@pytest.mark.parametrize(
    ("typed", "ascii_"),
    [
        (full_width("20x"), "20x"),
        (full_width("4x"), "4x"),  # a chain-rule mistake: named as in ASCII
        (full_width("5(4x)"), "5(4x)"),
        ("２０×ｘ", "20*x"),
        ("４０ｘ÷２", "40x/2"),
        ("２０ｘ＋０．０", "20x+0.0"),
        ("２０ｘ＋０。０", "20x+0.0"),
    ],
)
def test_full_width_answers_are_graded_as_their_ascii_forms(typed, ascii_):
    seed = 3
    wide = grade(TUTORIAL, {"dz-formula": typed}, seed).parts["dz-formula"]
    plain = grade(TUTORIAL, {"dz-formula": ascii_}, seed).parts["dz-formula"]
    assert (wide.correct, wide.score, wide.diagnosis) == (
        plain.correct,
        plain.score,
        plain.diagnosis,
    )
    assert [m.code for m in wide.messages] == [m.code for m in plain.messages]


def test_a_full_width_chain_rule_mistake_is_named():
    typed = (
        "１／（２ｓｑｒｔ（ｘ＾２＋" + full_width(str(SQRT.instance(0).param_values["k"])) + "））"
    )
    result = grade(SQRT, {"df": typed}, 0).parts["df"]
    assert not result.correct and result.messages


def test_matrix_answers_in_full_width_brackets_and_commas():
    typed = "【【ｕ［０］ｘ［０］，ｕ［０］ｘ［１］，ｕ［０］ｘ［２］】、【ｕ［１］ｘ［０］，ｕ［１］ｘ［１］，ｕ［１］ｘ［２］】】"
    assert grade(OUTER, {"ds-dW": typed}, 0).parts["ds-dW"].correct


def test_the_preview_shows_the_answer_as_it_was_read():
    shown = preview(TUTORIAL, "dz-formula", "２０ｘ＋（３×ｘ÷３）")
    assert shown.text.isascii()
    assert shown.text == preview(TUTORIAL, "dz-formula", "20x+(3*x/3)").text


def test_a_caret_points_into_what_was_typed():
    with pytest.raises(ParseError) as caught:
        preview(TUTORIAL, "dz-formula", "２０ｘ＋＋")
    assert caught.value.text == "２０ｘ＋＋"
    line, caret = caught.value.caret.splitlines()
    assert line == "２０ｘ＋＋" and 3 <= len(caret) - 1 <= len(line)  # after the first ＋


def test_the_longest_full_width_answer_is_read_in_linear_time():
    text = "（ｘ＋１）×" * (MAX_LENGTH // 6)  # pytest-timeout ends a run that hangs
    normalised, origin = normalise(text)
    assert normalised.isascii() and origin is not None and len(origin) == len(normalised) + 1
    with pytest.raises(ParseError):
        preview(TUTORIAL, "dz-formula", text + "）" * 10)  # unbalanced, near the length bound
