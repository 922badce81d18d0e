"""The skill map (grader/engine/skills.yaml) and the `skills:` of exercises."""

from pathlib import Path

import pytest

from grader.engine import ExerciseInvalid, load_exercise, load_exercise_file
from grader.engine.diagnose import CHAIN, PRODUCT, QUOTIENT
from grader.engine.skills import SkillMapInvalid, parse_map, skill_map
from grader.engine.tensor_diagnose import ACTIVATION, MEAN, TRANSPOSE

EXERCISES = sorted((Path(__file__).parents[2] / "exercises").glob("*.yaml"))
NAMED_BY_THE_ISSUE = [
    "power", "sum", "product", "quotient", "chain", "exp-log", "trig", "inverse-trig",
    "hyperbolic", "partial", "gradient", "second-order", "linear-layer", "activation",
    "softmax-ce", "batch-mean", "shape",
]  # fmt: skip


def test_the_map_has_every_skill_the_issue_names():
    assert skill_map().ids() == NAMED_BY_THE_ISSUE


def test_backprop_through_a_layer_builds_on_the_chain_rule():
    assert "chain" in skill_map().ancestors("linear-layer")
    assert "chain" in skill_map().ancestors("batch-mean")
    assert skill_map().ancestors("power") == []


def test_diagnoses_are_evidence_against_their_rule():
    m = skill_map()
    assert m.skill_for(CHAIN) == "chain"
    assert m.skill_for(PRODUCT) == "product"
    assert m.skill_for(QUOTIENT) == "quotient"
    assert m.skill_for(TRANSPOSE) == "shape"
    assert m.skill_for(ACTIVATION) == "activation"
    assert m.skill_for(MEAN) == "batch-mean"
    assert m.skill_for("transposed") == "shape"  # a code part's bug
    assert m.skill_for("sign") is None  # a slip, not a skill
    assert m.skill_for(None) is None


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_every_library_exercise_is_tagged(path):
    exercise = load_exercise_file(path)
    assert exercise.spec.skills
    assert not skill_map().unknown(exercise.spec.skills)


def test_an_unknown_skill_is_refused_with_its_line():
    text = (EXERCISES[0].parent / "tutorial-square.yaml").read_text()
    with pytest.raises(ExerciseInvalid) as caught:
        load_exercise(text.replace("skills: [power]", "skills: [power, calculus]"))
    (problem,) = caught.value.problems
    line = 1 + text.splitlines().index("skills: [power]")
    assert problem.path == "skills[1]" and problem.line == line
    assert "unknown skill 'calculus'" in problem.message


def test_a_part_may_name_its_own_skills():
    text = (EXERCISES[0].parent / "power-rule-polynomial.yaml").read_text()
    exercise = load_exercise(
        text.replace("    kind: expression\n", "    kind: expression\n    skills: [sum]\n", 1)
    )
    first = exercise.parts[0]
    assert exercise.skills_of(first) == ["sum"]
    assert exercise.skills_of(exercise.parts[1]) == ["power", "sum"]


def test_a_template_uploaded_as_an_exercise_is_told_what_it_is():
    with pytest.raises(ExerciseInvalid) as caught:
        load_exercise("id: t\ngenerate: {grammar: chain}\n")
    assert "python -m grader generate" in caught.value.problems[0].message


def test_a_prerequisite_must_come_first():
    with pytest.raises(SkillMapInvalid, match="requires 'b'"):
        parse_map("skills:\n  a: {requires: [b]}\n  b: {requires: []}\n")


def test_a_diagnosis_must_name_a_known_skill():
    with pytest.raises(SkillMapInvalid, match="unknown skill 'nope'"):
        parse_map("skills:\n  a: {}\ndiagnoses:\n  chain: nope\n")


def test_docs_practice_md_lists_every_skill_with_its_prerequisites():
    text = (EXERCISES[0].parents[1] / "docs" / "practice.md").read_text(encoding="utf-8")
    for skill in skill_map().skills.values():
        row = next(
            (line for line in text.splitlines() if line.startswith(f"| `{skill.id}` |")), None
        )
        assert row is not None, skill.id
        assert skill.name in row
        assert all(r in row for r in skill.requires)
