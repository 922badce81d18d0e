"""Exercise templates (grader/engine/generate.py): every draw valid, deterministic, its
classic mistake diagnosed as such."""

from __future__ import annotations

import pytest

from grader.engine import grade, load_exercise
from grader.engine.generate import (
    MAX_DRAWS,
    GenerationFailed,
    TemplateInvalid,
    builtin_templates,
    find_template,
    generate,
    load_template,
)
from grader.engine.skills import skill_map

TEMPLATES = builtin_templates()
SEEDS = range(200)


def test_at_least_twelve_templates_cover_every_skill():
    assert len(TEMPLATES) >= 12
    covered = {s for t in TEMPLATES.values() for s in t.skills}
    assert covered == set(skill_map().ids())


@pytest.mark.slow
@pytest.mark.parametrize("tid", sorted(TEMPLATES))
def test_every_seed_draws_a_checked_item_whose_classic_mistake_is_diagnosed(tid):
    template = TEMPLATES[tid]
    expected = template.spec.generate.mistake
    functions = set()
    for seed in SEEDS:
        item = generate(template, seed)
        assert 1 <= item.draws <= MAX_DRAWS
        ex = item.exercise
        right = grade(ex, item.answers, seed)
        assert all(p.correct for p in right.parts.values()), (seed, item.text)
        wrong = grade(ex, item.mistakes, seed)
        for pid in item.mistakes:
            assert wrong.parts[pid].diagnosis == expected, (seed, item.text)
        assert ex.spec.skills == template.skills
        if seed % 10 == 0:  # the stored text reads back as the exercise that was checked
            assert load_exercise(item.text).spec == ex.spec
        functions.add(item.text)
    # fresh exercises, not a handful repeated (a tensor template varies its shapes and the
    # activation; its numbers are drawn per student anyway)
    assert len(functions) >= (3 if ex.shapes else 20)


@pytest.mark.parametrize("tid", sorted(TEMPLATES))
def test_the_same_seed_regenerates_the_same_item(tid):
    template = TEMPLATES[tid]
    first = generate(template, 41)
    assert generate(template, 41).text == first.text
    assert load_exercise(first.text).id == f"{tid}-41"  # valid library YAML, self-tests too


def test_different_seeds_draw_different_functions():
    t = TEMPLATES["chain-rule"]
    assert len({generate(t, s).exercise.spec.define["f"] for s in range(20)}) >= 15


def test_a_chain_rule_item_without_the_inner_factor_is_told_so():
    item = generate(TEMPLATES["chain-rule"], 3)
    result = grade(item.exercise, item.mistakes, 3).parts["df"]
    assert result.diagnosis == "chain"
    assert result.messages[0].code.startswith("chain.")


def test_a_template_whose_mistake_is_never_diagnosed_gives_up_after_a_bounded_number_of_draws():
    text = "id: odd\ntitle: Odd\nskills: [chain]\ngenerate: {grammar: chain, mistake: quotient}\n"
    with pytest.raises(GenerationFailed, match="diagnosed as chain, not quotient"):
        generate(load_template(text), 5)


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("generate: {grammar: spline, mistake: chain}", "generate.grammar", "unknown grammar"),
        ("generate: {grammar: chain, mistake: chain, functions: [tan]}", "generate.functions[0]", "'tan' is not a choice"),
        ("generate: {grammar: chain, mistake: chain, degree: [3, 1]}", "generate.degree", "lo <= hi"),
        ("generate: {grammar: chain, mistake: chain, coefficients: [-1, 1]}", "generate.coefficients", "other than 0"),
        ("generate: {grammar: chain, mistake: chain, colour: red}", "generate.colour", "Extra inputs"),
    ],
)  # fmt: skip
def test_a_bad_template_is_refused_with_what_and_where(text, where, what):
    with pytest.raises(TemplateInvalid) as caught:
        load_template(f"id: t\ntitle: T\nskills: [chain]\n{text}\n", "t.yaml")
    problem = caught.value.problems[0]
    assert problem.path == where and what in problem.message and problem.line == 4


def test_an_unknown_skill_in_a_template_is_refused():
    with pytest.raises(TemplateInvalid, match="unknown skill 'algebra'"):
        load_template(
            "id: t\ntitle: T\nskills: [algebra]\ngenerate: {grammar: chain, mistake: chain}\n"
        )


def test_a_template_is_found_by_id_or_by_path(tmp_path):
    assert find_template("chain-rule").id == "chain-rule"
    path = tmp_path / "mine.yaml"
    path.write_text(
        "id: mine\ntitle: Mine\nskills: [trig]\ngenerate: {grammar: trig, mistake: term_sign}\n"
    )
    assert generate(find_template(str(path)), 1).exercise.spec.skills == ["trig"]
    with pytest.raises(TemplateInvalid, match="no template 'nope'"):
        find_template("nope")


def test_a_seed_out_of_range_is_refused():
    with pytest.raises(ValueError, match="seed must be between"):
        generate(TEMPLATES["trig"], -1)
