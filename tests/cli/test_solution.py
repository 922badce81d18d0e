"""python -m grader solution: the worked solution of a part, as text, JSON or SVG."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from grader.cli import main
from tests.helpers import EXERCISES

TWO = str(EXERCISES / "tutorial-two-inputs.yaml")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_graph_of_the_tutorial(capsys):
    code, out, _ = run(capsys, "solution", TWO, "--part", "dz-dx", "--json")
    assert code == 0
    data = json.loads(out)
    edges = {(e["from"], e["to"]): e["local"]["value"] for e in data["edges"]}
    assert edges[("x", "y")] == 40 and edges[("a", "y")] == 3
    assert edges[("x", "b")] == 30 and edges[("a", "b")] == 60
    assert edges[("y", "z")] == pytest.approx(430) and edges[("b", "z")] == pytest.approx(
        -5.17e-8, rel=1e-3
    )
    assert data["total"] == pytest.approx(17199.99999557, rel=1e-12)
    assert [n["name"] for n in data["nodes"]] == ["x", "a", "y", "b", "z"]
    products = [p["product"] for p in data["paths"]]
    assert products == pytest.approx([17199.99999711556, -1.550387596899225e-06])


def test_text_writes_the_chain_rule_out(capsys):
    code, out, _ = run(capsys, "solution", TWO, "--part", "dz-dx")
    assert code == 0
    assert "x -> b: ∂b/∂x = 6*a = 30" in out
    assert "x -> y -> z: ∂z/∂y · ∂y/∂x = 430 · 40 = 17200" in out
    assert "Total from autograd: dz/dx = 17199.99999557" in out


def test_svg_file_and_operations_level(capsys, tmp_path):
    target = tmp_path / "graph.svg"
    code, out, _ = run(capsys, "solution", TWO, "--part", "dz-da", "--svg", str(target))
    assert code == 0 and "wrote" in out
    assert ET.fromstring(target.read_text()).get("role") == "img"
    code, out, _ = run(capsys, "solution", TWO, "--part", "dz-dx", "--level", "ops", "--json")
    data = json.loads(out)
    assert data["level"] == "ops"
    assert any(n["expression"] == "PowBackward0" for n in data["nodes"])


def test_unknown_part_and_component_are_usage_errors(capsys):
    code, _, err = run(capsys, "solution", TWO, "--part", "nope")
    assert code == 2 and "unknown part 'nope'" in err and "dz-dx" in err
    code, _, err = run(capsys, "solution", TWO, "--part", "dz-dx", "--wrt", "q")
    assert code == 2 and "no such component" in err
    code, _, err = run(capsys, "solution", "missing.yaml", "--part", "a")
    assert code == 2 and "missing.yaml" in err
