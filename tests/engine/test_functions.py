"""The function registry: every function's forms agree, its derivative rule is autograd's, it
parses under every name it is typed as, it renders, and the docs table is the registry's."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import torch

from grader.engine import parse, to_latex, to_mathml, to_text
from grader.engine.autograd import evaluate, evaluate_chain
from grader.engine.expr import canonical_function
from grader.engine.functions import FUNCTIONS, INVERSES, TENSOR_OPERATIONS
from grader.engine.nodes import Call, Name
from grader.engine.npeval import evaluate_np
from grader.engine.reference import TABLES, section
from grader.engine.symbolic import derivative as symbolic_derivative

DOCS = Path(__file__).resolve().parents[2] / "docs" / "engine.md"
NAMES = sorted(FUNCTIONS)


def _inputs(name: str) -> np.ndarray:
    f = FUNCTIONS[name]
    lo, hi = f.domain
    inner = np.linspace(lo, hi, 41)
    outside = [-1e308, 1e308, math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-300]
    return np.concatenate([inner, np.array(f.edges, dtype=float), np.array(outside)])


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-12 + 1e-9 * max(abs(a), abs(b))


@pytest.mark.parametrize("name", NAMES)
def test_float_torch_and_numpy_forms_agree_inside_and_at_the_edges_of_the_domain(name):
    f = FUNCTIONS[name]
    xs = _inputs(name)
    with np.errstate(all="ignore"):
        arrays = f.array(xs.copy())
    tensors = f.torch(torch.tensor(xs, dtype=torch.float64)).numpy()
    off = [
        (float(x), f.scalar(float(x)), float(t), float(a))
        for x, t, a in zip(xs, tensors, arrays, strict=True)
        if not (_same(f.scalar(float(x)), float(a)) and _same(float(t), float(a)))
    ]
    assert not off, f"{name}: (x, float, torch, numpy) where the forms differ: {off[:5]}"


@pytest.mark.parametrize("name", NAMES)
def test_the_evaluators_read_each_function_from_the_registry(name):
    """A call in an answer means the same in the torch and numpy evaluators, on constants too."""
    node = parse(f"{name}(x) + {name}(0.5)", ["x"])
    xs = np.linspace(*FUNCTIONS[name].domain, 9)
    t = evaluate(node, {"x": torch.tensor(xs, dtype=torch.float64)})
    with np.errstate(all="ignore"):
        a = evaluate_np(node, {"x": xs})
    assert isinstance(t, torch.Tensor)
    assert all(_same(float(p), float(q)) for p, q in zip(t.numpy(), a, strict=True))


@pytest.mark.parametrize("name", NAMES)
def test_each_derivative_rule_equals_autograd_inside_the_domain(name):
    f = FUNCTIONS[name]
    lo, hi = f.domain
    xs = torch.linspace(lo, hi, 40, dtype=torch.float64)  # even count: 0 is not a point
    leaf = xs.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f.torch(leaf).sum(), leaf, allow_unused=True)
    grad = torch.zeros_like(xs) if grad is None else grad
    rule = f.derivative(Name("u"))
    value = evaluate(rule, {"u": xs})
    got = value if isinstance(value, torch.Tensor) else torch.full_like(xs, float(value))
    assert torch.allclose(got, grad, rtol=1e-9, atol=1e-12), (name, to_text(rule))


@pytest.mark.parametrize("name", NAMES)
def test_the_chain_rule_through_each_function_matches_autograd(name):
    """d/dx f(3x + 1/2) by the symbolic derivative (worked solutions, feedback) = autograd."""
    lo, hi = FUNCTIONS[name].domain
    xs = torch.linspace((lo - 0.5) / 3, (hi - 0.5) / 3, 40, dtype=torch.float64)[1:-1]
    tree = parse(f"{name}(3x + 1/2)", ["x"])
    leaf = xs.clone().requires_grad_(True)
    out = evaluate_chain([("f", tree)], {"x": leaf})["f"]
    assert isinstance(out, torch.Tensor)
    (grad,) = torch.autograd.grad(out.sum(), leaf, allow_unused=True)
    grad = torch.zeros_like(xs) if grad is None else grad
    formula = symbolic_derivative(tree, "x")
    assert formula is not None
    value = evaluate(formula, {"x": xs})
    got = value if isinstance(value, torch.Tensor) else torch.full_like(xs, float(value))
    assert torch.allclose(got, grad, rtol=1e-9, atol=1e-12), (name, to_text(formula))


@pytest.mark.parametrize("name", NAMES)
def test_every_function_parses_under_each_name_it_is_typed_as(name):
    f = FUNCTIONS[name]
    for word in (name, *f.aliases):
        assert canonical_function(word) == name
        assert parse(f"{word}(x)", ["x"]) == Call(name, Name("x"))


@pytest.mark.parametrize("name", sorted(INVERSES))
def test_a_function_to_the_minus_one_is_its_inverse(name):
    assert parse(f"{name}^-1(x)", ["x"]) == Call(INVERSES[name], Name("x"))


@pytest.mark.parametrize("name", NAMES)
def test_every_function_renders_as_text_latex_and_mathml(name):
    node = parse(f"{name}(y + 1)^2", ["y"])
    assert parse(to_text(node), ["y"]) == node
    latex = to_latex(node)
    assert latex.count("{") == latex.count("}") and "y + 1" in latex
    root = ET.fromstring(to_mathml(node))  # well-formed XML
    assert "".join(root.itertext()).count("y") == 1


def test_tensor_operations_parse_with_their_arities():
    for op in TENSOR_OPERATIONS.values():
        fewest, most = op.arity
        for count in range(fewest, most + 1):
            args = ", ".join(["A"] + ["0"] * (count - 1))
            parse(f"{op.name}({args})", ["A"], tensors=["A"])


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_docs_tables_are_generated_from_the_registry(name):
    """Refresh with ``python -m grader.engine.reference docs/engine.md``."""
    assert section(DOCS.read_text(encoding="utf-8"), name) == TABLES[name]()
