"""Exercises in several languages (#29): a title, statement or hint is one string (in the
exercise's `language`) or one per language; a reader gets theirs where the exercise has it,
else the exercise's default, and is told which."""

from __future__ import annotations

import re

import pytest
import yaml

from grader.engine import ExerciseInvalid, load_exercise, load_exercise_file
from grader.engine.texts import text_in
from tests.helpers import EXERCISES

TWO = """
id: two-languages
title: {en: Chain rule, zh-CN: 链式法则}
statement:
  en: Let $y = (x^2 + {k})^3$. Find $dy/dx$.
  zh-CN: 设 $y = (x^2 + {k})^3$，求 $dy/dx$。
params: {k: {int: [2, 4]}}
variables: {x: [-1, 1]}
define: {y: (x^2 + k)^3}
parts:
  - id: a
    kind: expression
    of: y
    wrt: x
    hints: [{text: {en: The chain rule., zh-CN: 链式法则。}}, Plain hint.]
"""


def test_each_reader_gets_their_language_else_the_default():
    exercise = load_exercise(TWO)
    inst = exercise.instance(0)
    k = inst.param_values["k"]
    assert inst.statement_in("zh-CN") == (f"设 $y = (x^2 + {k})^3$，求 $dy/dx$。", "zh-CN")
    assert inst.statement_in("fr") == (f"Let $y = (x^2 + {k})^3$. Find $dy/dx$.", "en")
    assert inst.statement == inst.statement_in("en")[0]
    assert exercise.title == "Chain rule"  # lists and the gradebook show the default
    assert text_in(exercise.spec.title, "zh", "en") == ("链式法则", "zh-CN")


def test_a_plain_string_is_in_the_exercises_own_language():
    data = yaml.safe_load(TWO)
    data.update(language="zh-CN", title="链式法则", statement="设 $y = x^3$。")
    exercise = load_exercise(yaml.safe_dump(data, allow_unicode=True))
    assert exercise.instance(0).statement_in("en") == ("设 $y = x^3$。", "zh-CN")


@pytest.mark.parametrize(
    "title",
    ["{}", "{english: Chain}", "{en: ''}", "{" + ", ".join(f"l{i}x: t" for i in range(9)) + "}"],
)
def test_a_malformed_text_is_refused_with_where(title):
    with pytest.raises(ExerciseInvalid) as caught:
        load_exercise(TWO.replace("title: {en: Chain rule, zh-CN: 链式法则}", f"title: {title}"))
    assert "title" in str(caught.value)


def test_the_tutorial_and_at_least_ten_more_library_exercises_speak_chinese():
    chinese = []
    for path in sorted(EXERCISES.glob("*.yaml")):
        spec = load_exercise_file(path).spec
        if isinstance(spec.statement, dict) and "zh-CN" in spec.statement:
            assert isinstance(spec.title, dict) and "zh-CN" in spec.title, path.name
            en, zh = spec.statement["en"], spec.statement["zh-CN"]
            params = re.compile(r"(?<![\\{])\{([a-z]\w*)\}")
            assert set(params.findall(zh)) == set(params.findall(en)), path.name
            assert re.search(r"[\u4e00-\u9fff]", zh), path.name
            chinese.append(path.stem)
    tutorial = {p.stem for p in EXERCISES.glob("tutorial-*.yaml")}
    assert tutorial <= set(chinese)
    assert len(set(chinese) - tutorial) >= 10
