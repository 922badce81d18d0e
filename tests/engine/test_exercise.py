"""The exercise YAML contract: validation reports file:line: path: message."""

from __future__ import annotations

import textwrap

import pytest

from grader.engine import ExerciseInvalid, load_exercise, load_exercise_file
from grader.engine.labels import split_answer
from grader.engine.schema import DEFAULT_EXPRESSION_TOLERANCE, DEFAULT_VALUE_TOLERANCE

BASE = """\
id: t
title: T
variables:
  x: [-5, 5]
define:
  y: 2*x^2 + 3
  z: 5*y + 6
parts:
  - id: a
    kind: expression
    of: z
    wrt: x
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ExerciseInvalid) as info:
        load_exercise(text, source="t.yaml")
    return [str(p) for p in info.value.problems]


def only_problem(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def test_minimal_exercise_loads():
    assert load_exercise(BASE).id == "t"


def test_unknown_key_is_an_error_with_line_and_path():
    assert only_problem(BASE + "    bogus: 1\n") == "t.yaml:13: parts[0].bogus: unknown key 'bogus'"


def test_unknown_top_level_key_is_an_error():
    assert "unknown key 'colour'" in only_problem(BASE + "colour: red\n")


def test_wrt_that_is_not_a_variable_is_reported_at_its_line():
    text = BASE.replace("wrt: x", "wrt: w")
    assert only_problem(text) == "t.yaml:12: parts[0].wrt: 'w' is not a variable"


def test_of_that_is_not_defined_names_the_defined_names():
    assert "(define: y, z)" in only_problem(BASE.replace("of: z", "of: q"))


def test_unparsable_define_shows_column_and_caret():
    message = only_problem(BASE.replace("2*x^2", "2*x^^2"))
    assert message.startswith("t.yaml:6: define.y: column 5:") and "^" in message


def test_define_may_not_use_a_name_defined_below_it():
    assert "unknown name 'z'" in only_problem(BASE.replace("2*x^2 + 3", "z + x"))


def test_missing_required_key_is_reported():
    assert only_problem(BASE.replace("title: T\n", "")) == "t.yaml:1: title: this key is required"


def test_bad_slug_is_reported():
    assert "must be a slug" in only_problem(BASE.replace("id: t", "id: Bad_Id"))


def test_bad_kind_lists_the_allowed_kinds():
    assert "must be one of" in only_problem(BASE.replace("kind: expression", "kind: values"))


def test_value_part_needs_at():
    assert "needs 'at'" in only_problem(BASE.replace("kind: expression", "kind: value"))


def test_expression_part_may_not_have_at():
    assert "use kind: value" in only_problem(BASE + "    at: {x: 1}\n")


def test_empty_interval_is_reported():
    assert "low < high" in only_problem(BASE.replace("[-5, 5]", "[5, -5]"))


def test_builtin_name_cannot_be_defined():
    text = BASE.replace("  z: 5*y + 6", "  z: 5*y + 6\n  sin: x")
    assert "'sin' is a built-in function" in only_problem(text)


def test_duplicate_part_id_is_reported():
    text = BASE + "  - id: a\n    kind: expression\n    of: y\n    wrt: x\n"
    assert "part id 'a' is used twice" in only_problem(text)


def test_duplicate_yaml_key_is_reported_not_overwritten():
    text = BASE.replace("  x: [-5, 5]", "  x: [-5, 5]\n  x: [0, 1]")
    assert "'x' is given twice" in only_problem(text)


def test_gradient_may_not_repeat_a_variable():
    text = BASE + "  - id: g\n    kind: gradient\n    of: z\n    wrt: [x, x]\n"
    assert "names each variable once" in only_problem(text)


def test_param_needs_exactly_one_distribution():
    text = BASE + "params:\n  k: {int: [1, 3], choice: [1]}\n"
    assert "exactly one of" in only_problem(text)


def test_at_must_give_every_variable_the_function_depends_on():
    text = BASE + "  - id: v\n    kind: value\n    of: z\n    wrt: x\n    at: {}\n"
    assert "give a value for x" in only_problem(text)


def test_at_with_unknown_variable_is_reported():
    text = BASE + "  - id: v\n    kind: value\n    of: z\n    wrt: x\n    at: {x: 1, w: 2}\n"
    assert "parts[1].at.w: 'w' is not a variable" in only_problem(text)


def test_negative_tolerance_is_refused():
    assert "greater than or equal to 0" in only_problem(BASE + "tolerance: {rtol: -1}\n")


def test_self_test_answers_are_parsed_at_validation():
    text = BASE + "    tests:\n      accept: ['20x']\n      reject: ['q']\n"
    assert "parts[0].tests.reject[0]: column 1: unknown name 'q'" in only_problem(text)


def test_mistake_answer_count_must_match_components():
    text = BASE + "    mistakes:\n      - answer: [4x, 5]\n        feedback: wrong\n"
    assert "parts[0].mistakes[0].answer: give 1 answer" in only_problem(text)


def test_numeric_part_answers_may_not_use_variables():
    text = (
        BASE + "  - id: v\n    kind: value\n    of: z\n    wrt: x\n    at: {x: 1}\n"
        "    tests:\n      accept: ['20x']\n"
    )
    assert "unknown name 'x'" in only_problem(text)


def test_domain_with_no_finite_points_asks_to_narrow_the_interval():
    text = BASE.replace("2*x^2 + 3", "log(x)").replace("[-5, 5]", "[-5, -1]")
    assert "narrow the intervals" in only_problem(text)


def test_derivative_undefined_at_the_value_point_is_reported():
    text = (
        BASE.replace("2*x^2 + 3", "sqrt(x)").replace("[-5, 5]", "[0, 5]")
        + "  - id: v\n    kind: value\n    of: z\n    wrt: x\n    at: {x: 0}\n"
    )
    assert "not defined at x = 0" in only_problem(text)


def test_every_problem_is_reported_at_once():
    text = BASE.replace("2*x^2", "2*x^^2").replace("wrt: x", "wrt: w")
    assert len(problems(text)) == 2


def test_unknown_key_and_bad_define_are_reported_together():
    text = BASE.replace("2*x^2", "2*x^^2") + "    bogus: 1\n"
    assert len(problems(text)) == 2


def test_yaml_syntax_error_is_an_exercise_problem_with_a_line():
    assert only_problem("id: [\n").startswith("t.yaml:")


def test_non_mapping_document_is_refused():
    assert "is a mapping" in only_problem("- a\n- b\n")


def test_alias_bomb_exercise_is_refused():
    lines = ["l0: &l0 [a, a, a, a, a, a, a, a, a]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    assert "alias bomb" in only_problem("\n".join(lines) + "\n")


def test_missing_file_is_an_exercise_problem():
    with pytest.raises(ExerciseInvalid, match="cannot read the file"):
        load_exercise_file("/nonexistent/exercise.yaml")


def test_numbers_in_yaml_are_expressions():
    ex = load_exercise(BASE.replace("5*y + 6", "7"))
    assert dict(ex.defines)["z"] is not None


def test_default_tolerances_differ_for_formulas_and_numbers():
    text = BASE + "  - id: v\n    kind: value\n    of: z\n    wrt: x\n    at: {x: 1}\n"
    ex = load_exercise(text)
    assert (ex.part("a").rtol, ex.part("v").rtol) == (
        DEFAULT_EXPRESSION_TOLERANCE["rtol"],
        DEFAULT_VALUE_TOLERANCE["rtol"],
    )


def test_part_tolerance_overrides_exercise_tolerance():
    text = BASE + "    tolerance: {rtol: 0.01}\n" + "tolerance: {rtol: 0.5, atol: 0.25}\n"
    part = load_exercise(text).part("a")
    assert (part.rtol, part.atol) == (0.01, 0.25)


def test_max_score_sums_part_points():
    text = BASE.replace("    wrt: x\n", "    wrt: x\n    points: 3\n")
    text += "  - id: b\n    kind: expression\n    of: y\n    wrt: x\n    points: 2\n"
    assert load_exercise(text).max_score == 5


def test_scope_lists_variables_params_and_defined_names():
    ex = load_exercise(BASE + "params:\n  k: {int: [1, 3]}\n")
    assert set(ex.scope) == {"x", "k", "y", "z"}


def test_depends_on_follows_the_define_chain():
    text = BASE.replace("x: [-5, 5]", "x: [-5, 5]\n  t: [0, 1]")
    assert load_exercise(text).depends_on("z") == {"x"}


def test_statement_fills_in_params_and_leaves_latex_braces():
    text = BASE.replace("title: T", "title: T\nstatement: 'k is {k}, $x^{2}$'")
    ex = load_exercise(text + "params:\n  k: {choice: [7]}\n")
    assert ex.instance(0).statement == "k is 7, $x^{2}$"


def test_params_are_reproducible_per_seed():
    ex = load_exercise(BASE + "params:\n  k: {int: [1, 1000]}\n")
    again = load_exercise(BASE + "params:\n  k: {int: [1, 1000]}\n")
    assert ex.instance(3).param_values == again.instance(3).param_values


def test_params_vary_between_seeds():
    ex = load_exercise(BASE + "params:\n  k: {int: [1, 1000]}\n")
    assert len({ex.instance(s).param_values["k"] for s in range(10)}) > 1


def test_instance_is_cached_per_seed():
    ex = load_exercise(BASE)
    assert ex.instance(5) is ex.instance(5)


def test_sample_points_lie_in_the_interval():
    ex = load_exercise(BASE.replace("[-5, 5]", "[2, 3]"))
    xs = ex.instance(0).sample_points["x"]
    assert bool(((xs >= 2) & (xs <= 3)).all())


def test_split_answer_ignores_commas_inside_parentheses():
    assert split_answer("f(1, 2), x", 2) == ["f(1, 2)", "x"]


def test_split_answer_with_wrong_count_is_none():
    assert split_answer("a, b, c", 2) is None


def test_a_function_undefined_for_some_params_is_reported_with_those_params():
    text = """
        id: logk
        title: t
        variables:
          x: [0.5, 3]
        params:
          k: {int: [0, 5]}
        define:
          f: log(x - k)
        parts:
          - id: a
            kind: expression
            of: f
            wrt: x
        """
    with pytest.raises(ExerciseInvalid) as info:
        load_exercise(textwrap.dedent(text))
    assert "for the params k = " in str(info.value)


def _one_param_exercise(param: str, define: str, variables: str = "x: [0.5, 3]") -> str:
    return textwrap.dedent(
        f"""
        id: bomb
        title: t
        variables:
          {variables}
        params:
          k: {param}
        define:
          f: {define}
        parts:
          - id: a
            kind: expression
            of: f
            wrt: x
        """
    )


def _finite_only_at(values: list[int]) -> str:
    """An expression finite (zero) only when k is one of `values`: sqrt of -(product)^2."""
    product = " * ".join(f"(k - {v})" for v in values)
    return f"x^2 + sqrt(-(({product})^2))"


def test_an_exercise_finite_only_at_the_first_seeds_params_is_refused():
    """The seed bomb: finite for seeds 0-7 (what validation used to try), broken for every
    other student. Validation now tries random param sets no one can predict."""
    from grader.engine.instance import draw_params

    param = "{int: [0, 100000]}"
    probe = load_exercise(_one_param_exercise(param, "x^2"))
    values = sorted({draw_params(probe, seed)["k"] for seed in range(8)})
    text = _one_param_exercise(param, _finite_only_at(values))
    with pytest.raises(ExerciseInvalid) as info:
        load_exercise(text)
    assert "for the params k = " in str(info.value)


@pytest.mark.parametrize(
    ("param", "define", "bad"),
    [
        ("{choice: [1, 2, 3, 4, 5, 6, 7, 8, 9, 50]}", "x * sqrt(10 - k)", "k = 50"),
        ("{int: [0, 40]}", "log(x + 20 - k)", "k = "),  # empty once k >= 23
        ("{uniform: [0, 10]}", "x * sqrt(9.999 - k)", "k = 10"),  # only the corner k = 10
    ],
)
def test_a_param_value_that_empties_the_domain_is_refused_with_it(param, define, bad):
    with pytest.raises(ExerciseInvalid) as info:
        load_exercise(_one_param_exercise(param, define))
    assert "for the params " + bad in str(info.value)


def test_every_int_and_choice_value_is_tried_when_there_are_few():
    import random

    from grader.engine.instance import validation_params

    ex = load_exercise(_one_param_exercise("{int: [-3, 40]}", "x * k"))
    tried = sorted(p["k"] for p in validation_params(ex, random.Random(1)))
    assert tried == list(range(-3, 41))


def test_a_broken_seed_fails_fast_once_and_is_not_rebuilt(monkeypatch):
    """At run time (a stored exercise) a student whose params break the exercise gets a
    SamplingError within the work bound, and every reload answers from the cache."""
    from grader.engine import instance as instance_module
    from grader.engine.instance import SamplingError

    text = _one_param_exercise("{int: [0, 100000]}", _finite_only_at([1, 2]))
    ex = load_exercise(text, validated=True)
    built = []
    original = instance_module.Instance.__init__

    def counting(self, *args, **kwargs):
        built.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(instance_module.Instance, "__init__", counting)
    for _ in range(3):
        with pytest.raises(SamplingError):
            ex.instance(12345)
    assert len(built) == 1


def test_each_instance_name_means_one_thing():
    """A part's ``points`` are its score weight, an exercise's ``parts`` its parts and its
    spec's ``params`` their specs; an instance's sample tensors, prompts and drawn values
    have names of their own, and the old double-meaning names are gone."""
    ex = load_exercise(BASE + "params:\n  k: {choice: [7]}\n")
    inst = ex.instance(0)
    assert ex.parts[0].points == 1.0  # a score weight
    assert set(inst.sample_points) == {"x"} and inst.sample_points["x"].shape == (128,)
    assert [p["id"] for p in inst.prompts] == [p.id for p in ex.parts]
    assert inst.param_values == {"k": 7}
    assert ex.spec.params["k"].choice == [7]  # the spec, not a value
    for old in ("points", "parts", "params"):
        assert not hasattr(inst, old)
