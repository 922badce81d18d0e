"""Follow-through credit, steps and hints (issue #26), graded from the computation graph."""

from __future__ import annotations

import pytest

from grader.engine import grade, load_exercise_file
from grader.engine.loading import ExerciseInvalid
from grader.engine.solution import answer_solutions
from grader.engine.steps import part_steps
from grader.engine.uses import part_uses
from tests.helpers import EXERCISES, make_exercise


def _codes(result) -> list[str]:
    return [m.code for m in result.messages]


# --- the tutorial ---------------------------------------------------------------------


def test_a_wrong_dy_dx_carried_into_dz_dx_earns_the_follow_through_credit(tutorial):
    ex = tutorial["chain"]
    r = grade(ex, {"dz-at-10": "220", "dz-at-10.1": "44", "dz-at-10.2": "5"}, seed=3)
    part = r.parts["dz-at-10"]
    assert not part.correct
    assert part.follow_through == {
        "from": ["dz-at-10.1"],
        "given": {"dz-at-10.1": "44"},
        "share": 1.0,
    }
    assert part.plain == "Correct given your dy/dx = 44 (which was wrong: see step 1)."
    assert _codes(part) == ["follow.correct_given_step"]
    # the steps were opened (answered): the step penalty (20 %) comes off the credit
    assert part.score == pytest.approx(0.8)
    assert {k: s.correct for k, s in part.steps.items()} == {
        "dz-at-10.1": False,
        "dz-at-10.2": True,
    }


def test_a_dz_dx_that_matches_neither_the_truth_nor_the_wrong_step_earns_nothing(tutorial):
    ex = tutorial["chain"]
    part = grade(ex, {"dz-at-10": "221", "dz-at-10.1": "44"}, seed=3).parts["dz-at-10"]
    assert part.score == 0 and part.follow_through is None
    assert not any(c.startswith("follow.") for c in _codes(part))


def test_a_wrong_step_formula_carries_into_the_formula_part(tutorial):
    ex = tutorial["chain"]
    part = grade(ex, {"dz-formula": "22x", "dz-formula.1": "4.4x"}, seed=1).parts["dz-formula"]
    assert part.follow_through["from"] == ["dz-formula.1"]
    assert part.score == pytest.approx(0.8)


def test_the_two_input_tutorial_carries_a_wrong_dy_dx_through_both_paths(tutorial):
    ex = tutorial["two-inputs"]
    y, b = 215.0, 300.0
    dz_dy, dz_db = 2 * y - 1 / (b * y * y), -1 / (b * b * y)
    followed = dz_dy * 44 + dz_db * 30  # ∂y/∂x = 44 instead of 40, ∂b/∂x = 6a = 30
    part = grade(ex, {"dz-dx": repr(followed), "dz-dx.1": "44"}, seed=0).parts["dz-dx"]
    assert part.follow_through["given"] == {"dz-dx.1": "44"}
    assert part.score == pytest.approx(2 * 0.8)


def test_the_square_tutorial_has_no_steps_it_is_one_edge(tutorial):
    ex = tutorial["square"]
    assert part_steps(ex)["dy-at-10"] == ()
    assert part_uses(ex)["dy-at-10"] == ()


def test_a_three_path_chain_carries_one_wrong_edge_and_adds_the_other_paths():
    ex = make_exercise(
        """
        id: three-paths
        title: Three paths
        variables: {x: [1, 2]}
        define:
          a: x^2
          b: 3*x
          c: 2*x + 1
          z: a + b*c
        parts:
          - id: dz
            kind: value
            of: z
            wrt: x
            at: {x: 1}
        """
    )
    labels = [s.label for s in part_steps(ex)["dz"]]
    assert labels == ["da/dx", "db/dx", "dc/dx", "dz/da", "dz/db", "dz/dc"]
    # true: 2x + 3c + 2b = 2 + 9 + 6 = 17; with db/dx = 4: 2 + 4*3 + 2*3 = 20
    part = grade(ex, {"dz": "20", "dz.2": "4"}, seed=0).parts["dz"]
    assert part.follow_through["given"] == {"dz.2": "4"}
    assert grade(ex, {"dz": "19", "dz.2": "4"}, seed=0).parts["dz"].follow_through is None


def test_two_wrong_steps_carry_together():
    ex = load_exercise_file(EXERCISES / "chain-rule-three-links.yaml")
    # f = ln v, v = u^2 + 1, u = 3x - 1; at x = 0: u = -1, v = 2; df/dx = (1/2)(-2)(3) = -3
    answers = {"df-at-0": "-6", "df-at-0.1": "6", "df-at-0.2": "-2", "df-at-0.3": "0.5"}
    part = grade(ex, answers, seed=0).parts["df-at-0"]
    assert part.follow_through["given"] == {"df-at-0.1": "6"}
    answers = {"df-at-0": "-12", "df-at-0.1": "6", "df-at-0.3": "1"}
    part = grade(ex, answers, seed=0).parts["df-at-0"]
    assert set(part.follow_through["from"]) == {"df-at-0.1", "df-at-0.3"}


# --- tensors --------------------------------------------------------------------------


def test_a_wrong_delta_is_carried_into_dW_equal_delta_x_transpose():
    ex = load_exercise_file(EXERCISES / "linear-layer-mse.yaml")
    assert [s.label for s in part_steps(ex)["dL-dW"]] == ["∂L/∂y"]
    answers = {"dL-dW": "outer(2(y - t), x)", "dL-dW.1": "2(y - t)"}
    part = grade(ex, answers, seed=2).parts["dL-dW"]
    assert part.follow_through["from"] == ["dL-dW.1"]
    assert part.score == pytest.approx(2 * 0.8)
    wrong = grade(ex, {"dL-dW": "outer(3(y - t), x)", "dL-dW.1": "2(y - t)"}, seed=2)
    assert wrong.parts["dL-dW"].score == 0


def test_a_wrong_tensor_formula_is_carried_into_its_value_at_a_point():
    ex = load_exercise_file(EXERCISES / "linear-layer-mse.yaml")
    answers = {"dL-dW": "outer(2(y - t), x)", "dL-dW-at": "[[-6, -12, -18], [8, 16, 24]]"}
    part = grade(ex, answers, seed=0).parts["dL-dW-at"]
    assert part.follow_through == {
        "from": ["dL-dW"],
        "given": {"dL-dW": "outer(2(y - t), x)"},
        "share": 1.0,
    }
    assert part.score == 2


# --- what is inferred and generated across the library --------------------------------

INFERRED_USES = {
    "chain-rule-power/df-at-1": ["df"],
    "chain-rule-three-links/df-at-0": ["df"],
    "exp-log-basics/df-at-1": ["df"],
    "gradient-quadratic/grad-at": ["grad"],
    "gradient-three-vars/grad-at": ["grad"],
    "linear-layer-mse/dL-dW-at": ["dL-dW"],
    "logistic-regression-loss/grad": ["dL-db", "dL-dw"],
    "logistic-regression-loss/grad-at": ["dL-db", "dL-dw", "grad"],
    "mixed-partials/fxy-at": ["fxy"],
    "mlp-relu-two-layers/dL-dW1-at": ["dL-dW1"],
    "mse-linear-regression/grad": ["dL-dw"],
    "neuron-relu/grad-at-point": ["grad"],
    "neuron-tanh/grad-formula": ["dL-dw", "dL-db"],
    "neuron-tanh/grad-at-point": ["dL-dw", "dL-db", "grad-formula"],
    "partial-derivatives-three-vars/df-dz-at": ["df-dz"],
    "partial-derivatives-two-vars/df-dx-at": ["df-dx"],
    "partial-derivatives-two-vars/df-dy-at": ["df-dy"],
    "power-rule-roots-and-reciprocals/dg-at-1": ["dg"],
    "product-rule-three-factors/df-at-0": ["df"],
    "product-rule-trig/df-at-0": ["df"],
    "quotient-rule-rational/df-at-1": ["df"],
    "quotient-rule-trig/df-at-0": ["df"],
    "relu-active-inactive/df-at-2": ["df"],
    "scalar-chain-vector/dL-da-at": ["dL-da"],
    "second-derivative-log/d2f-at-1": ["d2f"],
    "second-derivatives/d2f-at-1": ["d2f"],
    "second-derivatives/d2g-at-0": ["d2g"],
    "sigmoid-derivative/ds-at-0": ["ds"],
    "sigmoid-neuron-vector/dL-dw-at": ["dL-dw"],
    "sigmoid-neuron/grad-at-point": ["grad"],
    "softmax-cross-entropy/dL-dz-at-zero": ["dL-dz"],
    "three-layer-network/dL-dW1-at": ["dL-dW1"],
    "trig-derivatives/df-at-0": ["df"],
    "x-log-x/df-at-1": ["df"],
}

# The first part's generated steps of every library exercise that has any: over numbers the
# local derivative of each edge on the paths, over tensors the gradient flowing into each
# intermediate name. Exercises with one definition have none (the step would be the part).
FIRST_PART_STEPS = {
    "chain-rule-three-links": ["du/dx", "dv/du", "df/dv"],
    "linear-layer-mse": ["∂L/∂y"],
    "logistic-regression-batch": ["∂L/∂p"],
    "mlp-relu-two-layers": ["∂L/∂y"],
    "scalar-chain-vector": ["∂L/∂c", "∂L/∂v"],
    "sigmoid-neuron-vector": ["∂L/∂h", "∂L/∂y"],
    "softmax-cross-entropy": ["∂L/∂p"],
    "three-layer-network": ["∂L/∂y"],
    "tutorial-chain": ["dy/dx", "dz/dy"],
    "tutorial-two-inputs": ["∂y/∂x", "∂b/∂x", "∂z/∂y", "∂z/∂b"],
}


@pytest.fixture(scope="module")
def library():
    return [load_exercise_file(p) for p in sorted(EXERCISES.glob("*.yaml"))]


def test_uses_inferred_on_every_library_exercise(library):
    inferred = {
        f"{ex.id}/{p.id}": list(part_uses(ex)[p.id])
        for ex in library
        for p in ex.parts
        if part_uses(ex)[p.id]
    }
    assert inferred == INFERRED_USES


def test_steps_generated_from_the_graph_for_every_library_part(library):
    first = {
        ex.id: [s.label for s in part_steps(ex)[ex.parts[0].id]]
        for ex in library
        if part_steps(ex)[ex.parts[0].id]
    }
    assert first == FIRST_PART_STEPS
    for ex in library:
        for p in ex.parts:
            for step in part_steps(ex)[p.id]:
                assert step.of in ex.depends_on_names(p.of)
                assert step.id == f"{p.id}.{step.number}"


def test_every_generated_step_accepts_its_own_reference_and_rejects_a_doubled_one(library):
    """Each step checks: its true value is right, and twice it is not."""
    from grader.engine.follow import step_points, step_values

    for ex in library:
        inst = ex.instance(0)
        for p in ex.parts:
            for step in part_steps(ex)[p.id][:2]:
                if not p.numeric or p.is_tensor:
                    continue
                value = float(step_values(inst, step, step_points(inst, step))[0])
                ok = grade(ex, {step.id: repr(value)}, seed=0).parts[p.id].steps
                assert ok[step.id].correct, (ex.id, step.id)
                if abs(value) > 1e-6:
                    bad = grade(ex, {step.id: repr(2 * value)}, seed=0).parts[p.id].steps
                    assert not bad[step.id].correct, (ex.id, step.id)


# --- the guarantees -------------------------------------------------------------------


def test_follow_through_never_turns_a_right_answer_wrong_nor_raises_a_score_above_full(
    tutorial,
):
    ex = tutorial["chain"]
    for whole, step in [("200", "44"), ("200", "40"), ("220", "44"), ("1e9", "7")]:
        r = grade(ex, {"dz-at-10": whole, "dz-at-10.1": step}, seed=0).parts["dz-at-10"]
        assert 0 <= r.score <= r.max_score
        if whole == "200":
            assert r.correct and r.follow_through is None
    ex = load_exercise_file(EXERCISES / "chain-rule-three-links.yaml")
    r = grade(ex, {"df": "2u/v", "df-at-0": "-3"}, seed=0)
    assert r.parts["df-at-0"].correct and r.parts["df-at-0"].score == 1
    assert r.score <= r.max_score


def test_a_share_of_zero_turns_follow_through_off_and_an_assignment_may_set_it(tutorial):
    ex = tutorial["chain"]
    off = {"dz-at-10": "220", "dz-at-10.1": "44", "@help": {"follow_through": 0}}
    assert grade(ex, off, seed=0).parts["dz-at-10"].score == 0
    half = {"dz-at-10": "220", "dz-at-10.1": "44", "@help": {"follow_through": 0.5}}
    assert grade(ex, half, seed=0).parts["dz-at-10"].score == pytest.approx(0.5 * 0.8)


def test_hint_and_step_penalties_come_off_a_right_answer():
    ex = make_exercise(
        """
        id: hinted
        title: Hinted
        variables: {x: [1, 2]}
        step_penalty: 0.25
        define:
          y: 2*x^2 + 3
          z: 5*y + 6
        parts:
          - id: dz
            kind: value
            of: z
            wrt: x
            at: {x: 10}
            points: 4
            hints:
              - Use the chain rule.
              - {text: "$dz/dy = 5$", penalty: 0.3}
        """
    )
    help_ = {"taken": {"dz": {"hints": 2, "steps": True}}}
    part = grade(ex, {"dz": "200", "@help": help_}, seed=0).parts["dz"]
    assert part.correct
    assert part.penalty == pytest.approx(0.25 + 0.1 + 0.3)
    assert part.score == pytest.approx(4 * (1 - 0.65))
    assert part.to_dict()["taken"] == {"hints": 2, "steps": True}
    one = grade(ex, {"dz": "200", "@help": {"taken": {"dz": {"hints": 1}}}}, seed=0)
    assert one.parts["dz"].score == pytest.approx(4 * 0.9)
    wrong = grade(ex, {"dz": "7", "@help": help_}, seed=0).parts["dz"]
    assert wrong.score == 0


def test_malformed_help_counts_as_none(tutorial):
    ex = tutorial["chain"]
    for bad in [
        "x",
        {"taken": "all"},
        {"taken": {"dz-at-10": {"hints": "9"}}},
        {"follow_through": 7},
    ]:
        r = grade(ex, {"dz-at-10": "200", "@help": bad}, seed=0).parts["dz-at-10"]
        assert r.score == 1


# --- authoring ------------------------------------------------------------------------

_CHAIN = """
id: authored
title: Authored
variables: {x: [1, 2]}
define:
  y: 2*x^2 + 3
  z: 5*y + 6
parts:
  - id: dy
    kind: value
    of: y
    wrt: x
    at: {x: 10}
  - id: dz
    kind: value
    of: z
    wrt: x
    at: {x: 10}
"""


def test_a_part_that_asks_an_intermediate_derivative_is_used_by_the_later_part():
    ex = make_exercise(_CHAIN)
    assert part_uses(ex)["dz"] == ("dy",)
    part = grade(ex, {"dy": "44", "dz": "220"}, seed=0).parts["dz"]
    assert part.plain == "Correct given your dy/dx = 44 (which was wrong: see part 1)."
    assert part.follow_through == {"from": ["dy"], "given": {"dy": "44"}, "share": 1.0}
    assert part.score == 1  # no help taken: the whole share


def test_uses_an_author_lists_are_checked():
    with pytest.raises(ExerciseInvalid) as err:
        make_exercise(_CHAIN.replace("    at: {x: 10}\n", "    at: {x: 10}\n    uses: [dz]\n", 1))
    assert "does not come before this part" in str(err.value)
    with pytest.raises(ExerciseInvalid) as err:
        make_exercise(_CHAIN + "    uses: [nope]\n")
    assert "'nope' is not a part" in str(err.value)
    empty = make_exercise(_CHAIN + "    uses: []\n")
    assert part_uses(empty)["dz"] == ()


def test_steps_an_author_lists_are_checked_and_used():
    ex = make_exercise(_CHAIN + "    steps: [{of: z, wrt: y}]\n")
    assert [s.label for s in part_steps(ex)["dz"]] == ["dz/dy"]
    with pytest.raises(ExerciseInvalid) as err:
        make_exercise(_CHAIN + "    steps: [{of: y, wrt: z}]\n")
    assert "does not depend on 'z'" in str(err.value)
    none = make_exercise(_CHAIN + "    steps: false\n")
    assert part_steps(none)["dz"] == ()


def test_the_worked_solution_draws_the_students_wrong_step_on_its_edge(tutorial):
    ex = tutorial["chain"]
    inst = ex.instance(0)
    answers = {"dz-at-10": "220", "dz-at-10.1": "44"}
    (sol,) = answer_solutions(inst, ex.part("dz-at-10"), "220", "names", answers)
    edge = next(e for e in sol.edges if (e.src, e.dst) == ("x", "y"))
    assert edge.value == 44
    assert sol.total == 220
    assert sol.highlight_edges == (("x", "y"),)
    assert "∂y/∂x = 44" in sol.highlight_reason


def test_the_check_output_shown_in_docs_engine_md_is_what_the_command_prints():
    from grader.cli.engine import format_table
    from tests.helpers import ROOT

    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    section = text.split("## Steps, hints and follow-through credit", 1)[1]
    shown = section.split("```\npart ", 1)[1].split("```", 1)[0]
    ex = load_exercise_file(EXERCISES / "tutorial-chain.yaml")
    printed = format_table(grade(ex, {"dz-at-10": "220", "dz-at-10.1": "44"}, seed=0))
    assert "part " + shown.rstrip("\n") == printed


def test_a_gradient_formula_wrong_in_one_box_carries_into_its_value_at_the_point():
    ex = load_exercise_file(EXERCISES / "gradient-quadratic.yaml")
    inst = ex.instance(0)
    part = ex.part("grad-at")
    at = part.at
    from grader.engine.follow import quantity_values
    from grader.engine.uses import part_quantities

    (qx, qy) = part_quantities(part)
    right_y = float(quantity_values(inst, qy, inst.at_values(part))[0])
    wrong_x = "x^3"  # a wrong d/dx formula: its value at the point is carried
    value_x = at["x"] ** 3
    answers = {"grad": [wrong_x, "0"], "grad-at": [repr(value_x), repr(right_y)]}
    r = grade(ex, answers, seed=0).parts["grad-at"]
    assert r.components == [False, True]
    assert r.follow_through["given"] == {"grad": wrong_x}
    assert r.score == pytest.approx(r.max_score)  # one box right, one right given part 1


def test_follow_through_work_is_bounded_on_a_large_chain(monkeypatch):
    """Twenty parts, each the value of the formula before it, all wrong: the recomputations
    stop at the bound, and grading still answers every part."""
    from grader.engine import follow

    calls = []
    real = follow.followed_reference
    monkeypatch.setattr(
        "grader.engine.follow.followed_reference",
        lambda *a: calls.append(1) or real(*a),
    )
    parts = "".join(
        f"  - {{id: f{i}, kind: expression, of: z, wrt: x}}\n"
        f"  - {{id: v{i}, kind: value, of: z, wrt: x, at: {{x: 1}}}}\n"
        for i in range(20)
    )
    chain = "".join(f"  y{i}: sin(y{i - 1}) + x^2 + 2*x + 1\n" for i in range(1, 99))
    ex = make_exercise(
        "id: big\ntitle: Big\nvariables: {x: [0.5, 1.5]}\n"
        f"define:\n  y0: x\n{chain}  z: y98\nparts:\n{parts}"
    )
    answers = {f"f{i}": "x" for i in range(20)} | {f"v{i}": "3" for i in range(20)}
    r = grade(ex, answers, seed=0)
    assert len(r.parts) == 40
    assert 0 < len(calls) <= follow.tries_allowed(ex) < follow.MAX_TRIES


def test_the_worked_solution_draws_a_wrong_earlier_part_on_its_edge():
    ex = make_exercise(_CHAIN)
    (sol,) = answer_solutions(ex.instance(0), ex.part("dz"), "220", "names", {"dy": "44"})
    assert sol.highlight_edges == (("x", "y"),) and sol.total == 220
    (plain,) = answer_solutions(ex.instance(0), ex.part("dz"), "200", "names", {"dy": "40"})
    assert plain.highlight_edges == () and plain.total == 200
