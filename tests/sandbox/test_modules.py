"""What student code may import: the exercise's modules only (torch when the part allows it),
and the libraries' own imports work."""

from __future__ import annotations

import numpy as np
import pytest

from grader.sandbox import Job, Limits, run

pytestmark = pytest.mark.sandbox
TORCH_GRAD = """import torch
def f(x):
    t = torch.tensor(x, requires_grad=True)
    (t ** 2).sum().backward()
    return t.grad.numpy()
"""


def _job(code: str, modules: set[str]) -> Job:
    return Job(code, "f", ["x"], ["y"], [{"x": np.arange(3.0)}], frozenset(modules))


def test_torch_is_refused_unless_the_part_allows_it():
    result = run(_job(TORCH_GRAD, {"numpy", "math"}))
    assert result.problem is not None
    assert (
        "import of 'torch' is not allowed here (allowed: math, numpy)" in result.problem["message"]
    )


@pytest.mark.slow
def test_torch_autograd_runs_where_the_part_allows_it():
    result = run(_job(TORCH_GRAD, {"numpy", "math", "torch"}), Limits(wall_s=60, cpu_s=60))
    assert result.problem is None, (result.problem, result.stderr[-500:])
    assert result.checks[0] is not None and result.checks[0].outputs is not None
    assert result.checks[0].outputs[0].tolist() == [0.0, 2.0, 4.0]


def test_numpy_and_math_work_inside():
    code = "import math\nimport numpy as np\ndef f(x):\n    return np.exp(x) * math.pi\n"
    result = run(_job(code, {"numpy", "math"}))
    assert result.checks[0] is not None and result.checks[0].outputs is not None
    assert np.allclose(result.checks[0].outputs[0], np.exp(np.arange(3.0)) * np.pi)
