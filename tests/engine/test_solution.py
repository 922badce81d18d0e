"""Worked solutions: the define chain as a graph, local derivatives, the sum over paths."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
import torch

from grader.engine import load_exercise_file
from grader.engine.autograd import DTYPE, as_points, evaluate
from grader.engine.graph_svg import render_svg
from grader.engine.solution import (
    MAX_PATHS,
    _Graph,
    explain,
    ops_solution,
    part_solutions,
    path_sum,
    solution,
)
from grader.engine.symbolic import derivative as symbolic_derivative
from tests.helpers import EXERCISES, make_exercise

TWO = load_exercise_file(EXERCISES / "tutorial-two-inputs.yaml")
CHAIN = load_exercise_file(EXERCISES / "tutorial-chain.yaml")
SQUARE = load_exercise_file(EXERCISES / "tutorial-square.yaml")


def edge_values(sol) -> dict[tuple[str, str], float]:
    return {(e.src, e.dst): e.value for e in sol.edges}


def test_tutorial_two_inputs_graph_has_every_local_derivative():
    sol = solution(TWO.instance(0), TWO.part("dz-dx"))
    assert [n.name for n in sol.nodes] == ["x", "a", "y", "b", "z"]
    values = edge_values(sol)
    assert set(values) == {("x", "y"), ("a", "y"), ("x", "b"), ("a", "b"), ("y", "z"), ("b", "z")}
    assert values[("x", "y")] == pytest.approx(40)
    assert values[("a", "y")] == pytest.approx(3)
    assert values[("x", "b")] == pytest.approx(30)
    assert values[("a", "b")] == pytest.approx(60)
    assert values[("y", "z")] == pytest.approx(430 - 1 / (300 * 215**2), rel=1e-12)
    assert values[("b", "z")] == pytest.approx(-1 / (300**2 * 215), rel=1e-12)
    assert sol.total == pytest.approx(17199.99999557, rel=1e-12)
    labels = {(e.src, e.dst): e.label for e in sol.edges}
    assert labels[("x", "b")] == "∂b/∂x = 6*a = 30"
    assert labels[("x", "y")] == "∂y/∂x = 4*x = 40"


def test_path_products_sum_to_autograds_total():
    for part_id in ("dz-dx", "dz-da"):
        sol = solution(TWO.instance(0), TWO.part(part_id))
        assert sol.path_count == len(sol.paths) == 2
        assert sum(p.product for p in sol.paths) == pytest.approx(sol.total, rel=1e-9)
    paths = [p.nodes for p in solution(TWO.instance(0), TWO.part("dz-dx")).paths]
    assert paths == [("x", "y", "z"), ("x", "b", "z")]


def test_tutorial_chain_and_square_graphs():
    sol = solution(CHAIN.instance(0), CHAIN.part("dz-at-10"))
    assert edge_values(sol) == {("x", "y"): pytest.approx(40), ("y", "z"): pytest.approx(5)}
    assert [p.product for p in sol.paths] == [pytest.approx(200)]
    assert sol.total == pytest.approx(200)
    square = SQUARE.parts[0]
    sol = solution(SQUARE.instance(0), square)
    assert [n.name for n in sol.nodes][0] == "x"
    assert sum(p.product or 0 for p in sol.paths) == pytest.approx(sol.total, rel=1e-9)


def first_order_boxes():
    for path in sorted(EXERCISES.glob("*.yaml")):
        ex = load_exercise_file(path)
        for part in ex.parts:
            if part.is_tensor or part.kind == "code":  # worked solutions: formulas, numbers
                continue
            for c, wrt in enumerate(part.components):
                if len(wrt) == 1:
                    yield pytest.param(ex, part, c, id=f"{ex.id}:{part.id}:{c}")


@pytest.mark.parametrize(("ex", "part", "c"), list(first_order_boxes()))
def test_chain_rule_over_paths_equals_autograd_for_every_library_part(ex, part, c):
    inst = ex.instance(3)
    total = path_sum(inst, part, c)
    ref = inst.reference(part)[c]
    assert torch.allclose(total, ref, rtol=1e-9, atol=1e-9 * float(ref.abs().max()) + 1e-12)


@pytest.mark.parametrize(("ex", "part", "c"), list(first_order_boxes())[::2])
def test_each_local_formula_has_autograds_value(ex, part, c):
    """The formula written on an edge evaluates to the local derivative autograd computed,
    at every point of the part."""
    inst = ex.instance(1)
    graph = _Graph(inst, part, c)
    defines = dict(ex.defines)
    for (src, dst), local in graph.locals.items():
        formula = symbolic_derivative(defines[dst], src)
        if formula is None:
            continue
        got = as_points(evaluate(formula, {**inst.param_values, **graph.values}), graph.n)
        assert torch.allclose(got, local, rtol=1e-9, atol=1e-12), (src, dst, formula)


def test_expression_parts_show_formulas_not_values():
    sol = solution(CHAIN.instance(0), CHAIN.part("dz-formula"))
    assert all(n.value is None for n in sol.nodes)
    assert sol.nodes[-1].expression == "5*y + 6"
    assert [e.text for e in sol.edges] == ["4*x", "5"]
    assert sol.paths[0].text == "∂z/∂y · ∂y/∂x = 5 · 4*x"
    assert sol.total is None


def test_a_forgotten_inner_factor_highlights_its_edge():
    inst = CHAIN.instance(0)
    part = CHAIN.part("dz-at-10")
    sol = solution(inst, part)
    dy_dx_alone = torch.tensor([40.0], dtype=DTYPE)
    marked = explain(sol, inst, part, 0, "chain", dy_dx_alone)
    assert marked.highlight_edges == (("y", "z"),)
    assert "∂z/∂y" in marked.highlight_reason
    dz_dy_alone = torch.tensor([5.0], dtype=DTYPE)
    assert explain(sol, inst, part, 0, "chain", dz_dy_alone).highlight_edges == (("x", "y"),)


def test_a_left_out_path_highlights_that_path():
    ex = make_exercise(
        """
        id: t
        title: T
        variables: {x: [1, 2]}
        define:
          u: x^2
          v: 3*x
          f: u*v + u
        parts:
          - {id: a, kind: value, of: f, wrt: x, at: {x: 2}}
        """
    )
    inst = ex.instance(0)
    part = ex.part("a")
    sol = solution(inst, part)
    # df/dx = (v + 1)*2x + u*3 = 7*4 + 12 = 40; the path through v alone gives 12
    assert sol.total == pytest.approx(40)
    only_through_u = torch.tensor([28.0], dtype=DTYPE)
    marked = explain(sol, inst, part, 0, "chain", only_through_u)
    assert marked.highlight_edges == (("x", "v"), ("v", "f"))
    assert "paths" in marked.highlight_reason


def test_a_misapplied_product_rule_highlights_the_node():
    ex = make_exercise(
        """
        id: t
        title: T
        variables: {x: [0.5, 2]}
        define:
          g: x^2 + 1
          f: g*sin(x)
        parts:
          - {id: a, kind: expression, of: f, wrt: x}
        """
    )
    inst = ex.instance(0)
    part = ex.part("a")
    marked = explain(solution(inst, part), inst, part, 0, "product", torch.zeros(1))
    assert marked.highlight_nodes == ("f",)
    assert marked.highlight_edges == ()


def test_operations_level_is_torchs_graph_with_the_gradient_through_each_node():
    sol = ops_solution(TWO.instance(0), TWO.part("dz-dx"))
    kinds = {n.expression for n in sol.nodes}
    assert {"MulBackward0", "PowBackward0", "AddBackward0"} <= kinds
    assert sol.nodes[0].expression == "AddBackward0" and sol.nodes[0].value == 1.0
    leaves = {n.name: n.value for n in sol.nodes if n.kind == "leaf"}
    assert leaves["x"] == pytest.approx(17199.99999557, rel=1e-12)
    assert leaves["a"] == pytest.approx(1289.99999668, rel=1e-9)
    names = {n.name for n in sol.nodes}
    assert all(e.src in names and e.dst in names for e in sol.edges)


def test_gradient_parts_have_one_graph_per_component_and_higher_orders_say_so():
    ex = load_exercise_file(EXERCISES / "gradient-quadratic.yaml")
    gradient = next(p for p in ex.parts if p.kind == "gradient")
    sols = part_solutions(ex.instance(0), gradient)
    assert [s.wrt for s in sols] == [w[0] for w in gradient.components]
    second = load_exercise_file(EXERCISES / "second-derivatives.yaml")
    part = next(p for p in second.parts if len(p.components[0]) > 1)
    sol = part_solutions(second.instance(0), part)[0]
    assert "differentiate that again" in sol.note


def test_the_svg_is_well_formed_accessible_and_marks_the_missed_edge():
    inst = CHAIN.instance(0)
    part = CHAIN.part("dz-at-10")
    sol = explain(solution(inst, part), inst, part, 0, "chain", torch.tensor([40.0]))
    svg = render_svg(sol)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text.startswith("Computation graph of z")
    desc = root.find(f"{ns}desc").text
    assert "Edge x to y: ∂y/∂x = 4*x = 40." in desc and "Path x → y → z" in desc
    missed = [el for el in root.iter(f"{ns}line") if "missed" in el.get("class")]
    assert [(el.get("data-from"), el.get("data-to")) for el in missed] == [("y", "z")]
    texts = "".join(t.text or "" for t in root.iter(f"{ns}text"))
    assert "∂z/∂y = 5" in texts


def test_structure_only_hides_values_and_local_derivatives():
    sol = solution(TWO.instance(0), TWO.part("dz-dx")).structure_only()
    assert all(n.value is None for n in sol.nodes)
    assert all(e.value is None and e.text is None for e in sol.edges)
    assert sol.total is None and all(p.product is None for p in sol.paths)
    svg = render_svg(sol)
    assert "430" not in svg and "17200" not in svg and "4*x =" not in svg


def test_many_paths_are_counted_not_enumerated():
    """100 defines, each using the two before it: ~10^20 paths, bounded work."""
    lines = ["id: t", "title: T", "variables: {x: [0.5, 1]}", "define:", "  d0: x", "  d1: x"]
    lines += [f"  d{i}: d{i - 1}/2 + d{i - 2}/3" for i in range(2, 100)]
    lines += ["parts:", "  - {id: a, kind: value, of: d99, wrt: x, at: {x: 1}}"]
    ex = make_exercise("\n".join(lines))
    inst = ex.instance(0)
    sol = solution(inst, ex.part("a"))
    assert sol.path_count > 10**19
    assert len(sol.paths) == MAX_PATHS
    assert math.isclose(float(path_sum(inst, ex.part("a"))[0]), sol.total, rel_tol=1e-9)
    assert "more paths" in sol.text_alternative()
