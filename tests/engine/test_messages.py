"""Feedback messages: codes with typed arguments, worded by one renderer in three styles."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from grader.engine import grade, load_exercise_file
from grader.engine.messages import (
    ENGLISH,
    Authored,
    Label,
    Message,
    Number,
    formula,
    message,
    placeholders,
    render,
)
from grader.engine.nodes import BinOp, Name, Num
from tests.helpers import CORPUS, single

X_SQUARED = BinOp("^", Name("x"), Num(2.0))


def _corpus_messages() -> list[Message]:
    out = []
    for path in sorted(CORPUS.glob("*.yaml")):
        ex = load_exercise_file(path)
        lines = path.with_name(path.stem + ".answers.jsonl").read_text().splitlines()
        for line in lines:
            for result in grade(ex, json.loads(line)["answers"]).parts.values():
                out.extend(result.messages)
    return out


def test_a_message_names_a_known_code_and_every_argument_its_words_use():
    with pytest.raises(KeyError):
        message("chain.no_such_code")
    with pytest.raises(KeyError):
        message("chain.missing_inner", call=formula(X_SQUARED))  # no inner_derivative


def test_every_message_the_engine_gives_on_the_corpus_has_the_arguments_of_its_words():
    said = _corpus_messages()
    assert {m.code for m in said} >= {"check.correct", "sign.negated", "chain.missing_inner"}
    for m in said:
        assert set(m.args) >= set(placeholders(ENGLISH[m.code])), m.code
        json.dumps(m.to_dict())  # the API stores and returns them


def test_plain_text_has_no_markup_and_markdown_has_math():
    m = message("term.sign", term=formula(X_SQUARED, "x²"))
    assert render(m, "plain") == "Check the term x²: its sign is wrong."
    assert render(m, "markdown") == "Check the term ${x}^{2}$: its sign is wrong."


def test_html_is_escaped_text_with_mathml_and_parses_as_xml():
    m = message(
        "product.multiplied",
        product=Label("(uv)'"),
        wrong=Label("u'v'"),
        rule=Label("(uv)' = u'v + uv'"),
        u=formula(X_SQUARED),
        v=formula(Name("x")),
    )
    html = render(m, "html")
    root = ET.fromstring(f"<p>{html}</p>")
    assert len(root.findall("{http://www.w3.org/1998/Math/MathML}math")) == 5
    assert "$" not in html


def test_several_answer_boxes_are_prefixed_and_the_first_letter_is_capitalised():
    said = [
        message("check.correct").about("dz/dx"),
        message("factor.constant", factor=Number(0.5, fraction=True)).about("dz/dy"),
    ]
    assert render(said, "plain") == (
        "Dz/dx: correct. dz/dy: Your answer is 1/2 times the derivative: a constant factor is "
        "off (an exponent not brought down, or a coefficient dropped?)."
    )


def test_an_instructors_text_is_shown_as_written():
    m = message("instructor.feedback", feedback=Authored("see $u'v$ again"))
    assert render(m, "markdown") == "see $u'v$ again"
    assert render(m, "plain") == "see u'v again"


def test_a_translation_is_another_catalogue_with_the_same_codes():
    words = {**ENGLISH, "sign.negated": "符号错了：你的答案是导数的相反数。"}
    result = grade(single({"f": "x^3"}), {"a": "-3x^2"}).parts["a"]
    assert result.messages[0].code == "sign.negated"
    assert render(result.messages, "plain", words) == "符号错了：你的答案是导数的相反数。"


def test_results_carry_their_messages_and_the_feedback_is_rendered_from_them():
    result = grade(single({"f": "sin(3x^2)"}), {"a": "cos(3x^2)"}).parts["a"]
    assert result.feedback == render(result.messages, "markdown")
    assert result.plain == render(result.messages, "plain")
    (said,) = result.to_dict()["messages"]
    assert said["code"] == "chain.missing_inner"
    assert said["args"]["inner_derivative"] == {
        "type": "formula",
        "latex": "6 \\, x",
        "text": "6*x",
    }
