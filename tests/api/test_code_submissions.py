"""Code parts over HTTP: the student view carries the function to write, submissions are run
in the sandbox and come back with `checks` and the diagnosis, "Run the checks" uses no
attempt, and where the sandbox cannot run code answers are refused with how to enable it."""

from __future__ import annotations

import pytest

from grader.sandbox import availability, child
from tests.web.conftest import assign

GOOD = """import numpy as np
def linear_backward(dout, x, W, b):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
"""
HOSTILE = """import numpy as np
def linear_backward(dout, x, W, b):
    secret = open("/etc/passwd").read()
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
"""


def _submit(client, person, aid, code):
    url = f"/api/v1/assignments/{aid}/submissions"
    return client.post(url, json={"answers": {"backward": code}}, headers=person.headers)


def _result(client, person, response):
    return client.get(response.headers["Location"], headers=person.headers).json


def test_student_view_has_the_function_its_inputs_and_the_starter(world, client):
    aid = assign(world, "code-linear-backward")
    view = client.get(f"/api/v1/assignments/{aid}", headers=world.student.headers).json
    code = view["parts"][0]["code"]
    assert code["signature"] == "def linear_backward(dout, x, W, b):"
    assert code["shapes"] == {"dout": ["N", 2], "x": ["N", 3], "W": [3, 2], "b": [2]}
    assert code["returns"] == ["dx", "dW", "db"]
    assert "def linear_backward" in code["starter"]
    assert code["modules"] == ["numpy", "math"]


@pytest.mark.sandbox
def test_correct_code_is_graded_with_a_record_per_check(world, client):
    aid = assign(world, "code-linear-backward")
    response = _submit(client, world.student, aid, GOOD)
    assert response.status_code == 202
    world.grade_all()
    result = _result(client, world.student, response)
    part = result["parts"]["backward"]
    assert result["status"] == "graded" and part["correct"] is True
    assert result["score"] == result["max_score"] == 3.0
    assert len(part["checks"]) == 5
    first = part["checks"][0]
    assert first["inputs_shapes"]["x"] == [1, 3]
    assert first["outputs"]["dW"]["correct"] is True
    assert first["outputs"]["dW"]["max_error"] < 1e-12


@pytest.mark.sandbox
def test_a_buggy_backward_pass_is_named_and_scored_per_output(world, client):
    aid = assign(world, "code-linear-backward")
    response = _submit(client, world.student, aid, GOOD.replace("x.T @ dout", "dout.T @ x"))
    world.grade_all()
    part = _result(client, world.student, response)["parts"]["backward"]
    assert part["diagnosis"] == "transposed"
    assert part["score"] == pytest.approx(2.0)
    assert "`dW` has shape (2, 3); `W` has shape (3, 2)" in part["feedback"]
    assert part["checks"][0]["outputs"]["dW"] == {
        "correct": False,
        "max_error": None,
        "shape": [2, 3],
    }


@pytest.mark.sandbox
def test_hostile_code_fails_alone_and_the_next_student_is_graded(world, client):
    from grader.services import courses
    from tests.helpers import Person

    aid = assign(world, "code-linear-backward")
    other = Person(world.svc, "ada", "student")
    courses.add_member(world.svc, world.teacher.actor, world.course_id, "ada", "student")
    bad = _submit(client, world.student, aid, HOSTILE)
    good = _submit(client, other, aid, GOOD)
    world.grade_all()
    hostile = _result(client, world.student, bad)["parts"]["backward"]
    assert "FileNotFoundError" in hostile["feedback"] and hostile["score"] == 0
    assert _result(client, other, good)["parts"]["backward"]["correct"] is True


@pytest.mark.sandbox
def test_run_the_checks_shows_shapes_and_uses_no_attempt(world, client):
    aid = assign(world, "code-linear-backward", max_attempts=1)
    url = f"/api/v1/assignments/{aid}/checks"
    code = GOOD.replace("x.T @ dout", "dout.T @ x")
    response = client.post(
        url, json={"part": "backward", "code": code}, headers=world.student.headers
    )
    assert response.status_code == 200
    assert response.json["ok"] is False
    assert "`dW` has shape (2, 3); `W` has shape (3, 2)" in response.json["message"]
    fine = client.post(url, json={"part": "backward", "code": GOOD}, headers=world.student.headers)
    assert fine.json["ok"] is True and "Submit to have the values checked" in fine.json["message"]
    view = client.get(f"/api/v1/assignments/{aid}", headers=world.student.headers).json
    assert view["attempts_used"] == 0


def test_code_answers_are_checked_for_type_and_size(world, client):
    aid = assign(world, "code-linear-backward")
    as_list = client.post(
        f"/api/v1/assignments/{aid}/submissions",
        json={"answers": {"backward": ["a", "b", "c"]}},
        headers=world.student.headers,
    )
    assert as_list.status_code == 422
    assert "one string" in as_list.json["error"]["details"]["backward"]["message"]
    huge = _submit(client, world.student, aid, "#" * 20_001)
    assert huge.status_code == 422
    assert "longer than 20000 characters" in huge.json["error"]["details"]["backward"]["message"]


@pytest.fixture
def no_sandbox(monkeypatch):
    def take_away():
        monkeypatch.setattr(child, "_bwrap", lambda: None)
        availability(refresh=True)

    yield take_away
    monkeypatch.undo()
    availability(refresh=True)


@pytest.mark.sandbox
def test_without_the_sandbox_code_is_refused_with_how_to_enable_it(world, client, no_sandbox):
    aid = assign(world, "code-linear-backward")  # uploaded (self-tests run) with the sandbox
    no_sandbox()
    response = _submit(client, world.student, aid, GOOD)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "sandbox_unavailable"
    assert "apt-get install bubblewrap" in response.json["error"]["message"]
    checks = client.post(
        f"/api/v1/assignments/{aid}/checks",
        json={"part": "backward", "code": GOOD},
        headers=world.student.headers,
    )
    assert checks.status_code == 503
    view = client.get(f"/api/v1/assignments/{aid}", headers=world.student.headers).json
    assert view["attempts_used"] == 0


@pytest.mark.sandbox
def test_analytics_csv_and_solution_pages_take_code_parts(world, client):
    aid = assign(world, "code-linear-backward")
    for code in (GOOD, GOOD.replace("x.T @ dout", "dout.T @ x")):
        _submit(client, world.student, aid, code)
    world.grade_all()
    teacher = world.teacher.headers
    analytics = client.get(f"/api/v1/assignments/{aid}/analytics", headers=teacher)
    assert analytics.status_code == 200, analytics.json
    export = client.get(f"/api/v1/assignments/{aid}/submissions.csv", headers=teacher)
    assert export.status_code in (200, 404)
    listing = client.get(f"/api/v1/assignments/{aid}/submissions", headers=teacher).json
    sid = listing["items"][0]["id"]
    solution = client.get(f"/api/v1/submissions/{sid}/solution", headers=world.student.headers)
    assert solution.status_code < 500, solution.json


@pytest.mark.sandbox
def test_analytics_groups_code_answers_by_the_bug_named_not_by_their_text(world, client):
    from grader.services import courses
    from tests.helpers import Person

    aid = assign(world, "code-linear-backward")
    other = Person(world.svc, "ada", "student")
    courses.add_member(world.svc, world.teacher.actor, world.course_id, "ada", "student")
    transposed = GOOD.replace("x.T @ dout", "dout.T @ x")
    # the same bug typed two ways, and a sign slip: two groups, not three texts
    _submit(client, world.student, aid, transposed)
    _submit(client, other, aid, transposed.replace("return", "dW = 0\n    return"))
    _submit(client, other, aid, GOOD.replace("dout @ W.T", "-(dout @ W.T)"))
    world.grade_all()
    analytics = client.get(f"/api/v1/assignments/{aid}/analytics", headers=world.teacher.headers)
    wrong = analytics.json["parts"]["backward"]["wrong_answers"]
    assert [(g["answer"], g["diagnosis"], g["count"], g["kind"]) for g in wrong] == [
        ("Transposed gradient", "transposed", 2, "bug"),
        ("The sign flipped", "sign", 1, "bug"),
    ]
