"""Every function the answer language documents survives every road an exercise takes:
upload (POST /api/v1/exercises), validate (API and CLI), check (CLI) and a graded submission,
with the function in the definition, in the self-tests and in students' answers (right and
wrong, so that the diagnoses run too). No 500, no traceback, and the right answer is right.

A function the parser knows but one evaluator lacked (``step`` in the numpy evaluator) once
made upload and validate answer 500 and the CLI print a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader.cli import main
from grader.engine.functions import ALIASES, FUNCTIONS, TENSOR_OPERATIONS
from grader.services.assignments import assignment as assignments
from tests.helpers import ROOT

DOCS = (ROOT / "docs" / "engine.md").read_text()

# Where each function is defined and finite (acosh needs x > 1; asin, acos, atanh |x| < 1).
DOMAIN = {"acosh": (1.5, 3.0)}
SIGNED = {"relu", "step", "abs", "cbrt", "sigmoid", "sin", "tan", "atan", "sinh", "tanh"}


def _documented_scalar_functions() -> set[str]:
    """The functions of the docs' table of functions (generated from the registry)."""
    rows = re.findall(r"^\| `([a-z0-9_]+)\(u\)` \|", DOCS, re.M)
    return set(rows)


def _scalar_spellings() -> list[tuple[str, str]]:
    """(spelling, function): every name of the table and every alias."""
    names = [(name, ALIASES.get(name, name)) for name in FUNCTIONS]
    return names + [(alias, fn) for alias, fn in ALIASES.items() if alias not in FUNCTIONS]


def _scalar_exercise(spelling: str, fn: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """An exercise on y = w fn(x), its id, right answers and wrong answers."""
    lo, hi = DOMAIN.get(fn, (-0.9, 0.9) if fn in SIGNED else (0.2, 0.9))
    ident = "fn-" + re.sub(r"[^a-z0-9]", "-", spelling)
    text = f"""\
id: {ident}
title: The function {spelling}
statement: |
  Let $y = w \\, \\operatorname{{{fn}}}(x)$.
variables:
  x: [{lo}, {hi}]
  w: [0.5, 2]
define:
  y: w * {fn}(x)
parts:
  - id: dw
    kind: expression
    of: y
    wrt: w
    tests:
      accept: ["{spelling}(x)"]
      reject: ["{spelling}(x) + 1", "2 {spelling}(x)"]
  - id: dx
    kind: expression
    of: y
    wrt: x
"""
    right = {"dw": f"{spelling}(x)"}
    wrong = {"dw": f"{spelling}(x)^2 + w", "dx": f"{spelling}(x)"}
    return text, {"id": ident, **right}, wrong


# Each tensor function inside a scalar loss L = w * g(z, t, A): the answer dL/dw is g itself.
TENSOR_USES = {
    "sum": "sum(A, 0) @ t + sum(z)",
    "mean": "mean(A, 1) @ [1, 2] + mean(z)",
    "softmax": "softmax(z) @ t + sum(softmax(A, 0) @ t)",
    "log_softmax": "sum(log_softmax(z) * t)",
    "cross_entropy": "cross_entropy(z, 1)",
    "mse": "mse(z, t)",
    "outer": "sum(outer(z, t))",
    "transpose": "sum(transpose(A) @ [1, 2]) + sum(A^T @ [1, -1])",
}


def _tensor_exercise(fn: str) -> tuple[str, dict[str, str], dict[str, str]]:
    use = TENSOR_USES[fn]
    ident = "fn-" + fn.replace("_", "-")
    text = f"""\
id: {ident}
title: The function {fn}
statement: |
  A loss built with `{fn}`.
variables:
  z: {{shape: [3], range: [-2, 2]}}
  t: {{shape: [3], range: [-1, 1]}}
  A: {{shape: [2, 3], range: [-1, 1]}}
  w: [0.5, 2]
define:
  L: w * ({use})
parts:
  - id: dw
    kind: expression
    of: L
    wrt: w
    tests:
      accept: ["{use}"]
      reject: ["{use} + 1"]
  - id: dz
    kind: expression
    of: L
    wrt: z
"""
    return text, {"id": ident, "dw": use}, {"dw": f"2*({use})", "dz": "z"}


CASES = {f"scalar {s}": _scalar_exercise(s, fn) for s, fn in _scalar_spellings()}
CASES["log with a base"] = _scalar_exercise("log", "log")
CASES["log with a base"] = (
    CASES["log with a base"][0]
    .replace("fn-log", "fn-log-base")
    .replace('accept: ["log(x)"]', 'accept: ["log(x)", "ln(x)/ln(e)", "log(x, e)"]'),
    {"id": "fn-log-base", "dw": "log(x, e)"},
    {"dw": "log(x, 10)", "dx": "log(x, 2)"},
)
CASES.update({f"tensor {fn}": _tensor_exercise(fn) for fn in TENSOR_OPERATIONS})


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: what is under test is the engine on every road, not the database."""
    return sqlite_url


def test_the_docs_list_exactly_the_functions_the_parser_reads():
    assert _documented_scalar_functions() == set(FUNCTIONS)
    for fn in TENSOR_OPERATIONS:
        assert f"`{fn}(" in DOCS, f"docs/engine.md does not show {fn}(...)"
    assert set(TENSOR_USES) == set(TENSOR_OPERATIONS)


def _yaml(client, url, text, person):
    headers = {**person.headers, "Content-Type": "application/yaml"}
    return client.post(url, data=text.encode(), headers=headers)


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_documented_function_survives_upload_validate_check_and_submission(
    case, world, client, capsys, tmp_path: Path
):
    text, right, wrong = CASES[case]
    ident = right["id"]
    right = {"dw": right["dw"]}

    validated = _yaml(client, "/api/v1/exercises/validate", text, world.teacher)
    assert validated.status_code == 200, validated.json
    assert validated.json == {"valid": True, "problems": []}
    uploaded = _yaml(client, "/api/v1/exercises", text, world.teacher)
    assert uploaded.status_code == 201, uploaded.json

    path = tmp_path / f"{ident}.yaml"
    path.write_text(text)
    assert _cli(capsys, "validate", str(path))[0] == 0
    answers = [f"{part}={answer}" for part, answer in {**wrong, **right}.items()]
    code, out, _ = _cli(capsys, "check", str(path), *sum((["--answer", a] for a in answers), []))
    assert code == 0
    checked = json.loads(
        _cli(capsys, "check", str(path), "--json", "--answer", f"dw={right['dw']}")[1]
    )
    assert checked["parts"]["dw"]["correct"] is True, checked

    spec = {"exercise_id": ident, "max_attempts": 5}
    assignment = assignments.create_assignment(
        world.svc, world.teacher.actor, world.course_id, spec
    )["id"]
    url = f"/api/v1/assignments/{assignment}/submissions"
    ids = []
    for answers_ in (wrong, right):
        response = client.post(url, json={"answers": answers_}, headers=world.student.headers)
        assert response.status_code == 202, response.json
        ids.append(response.json["id"])
    assert world.grade_all() == 2
    results = [
        client.get(f"/api/v1/submissions/{i}", headers=world.student.headers).json for i in ids
    ]
    assert [r["status"] for r in results] == ["graded", "graded"]
    assert results[0]["parts"]["dw"]["correct"] is False
    assert all(results[0]["parts"][part]["feedback"] for part in wrong)
    assert results[1]["parts"]["dw"]["correct"] is True
