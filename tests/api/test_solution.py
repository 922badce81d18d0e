"""Worked solutions over the API: who may see them, when, and the mistake marked on the graph."""

from __future__ import annotations

import pytest

from grader.services.assignments import assignment as assignments
from grader.services.grading import submissions


def _graded(world, answers) -> int:
    accepted, _ = submissions.submit(world.svc, world.student.actor, world.assignment_id, answers)
    world.grade_all()
    return accepted["id"]


def _solution(client, person, submission_id, **query):
    url = f"/api/v1/submissions/{submission_id}/solution"
    return client.get(url, query_string=query, headers=person.headers)


def _settings(world, **changes):
    assignments.update_assignment(world.svc, world.teacher.actor, world.assignment_id, changes)


def test_chain_mistake_is_marked_on_the_missed_edge(world, client):
    sid = _graded(world, {"dz": "4x", "dz-at-10": "40"})
    response = _solution(client, world.student, sid, part="dz")
    assert response.status_code == 200
    data = response.json
    assert [n["name"] for n in data["nodes"]] == ["x", "k", "y", "z"]
    edges = {(e["from"], e["to"]): e["local"]["text"] for e in data["edges"]}
    assert edges == {("x", "y"): "4*x", ("k", "y"): "1", ("y", "z"): "5"}
    assert data["highlight"]["edges"] == [{"from": "y", "to": "z"}]
    assert "∂z/∂y" in data["highlight"]["reason"]
    value = _solution(client, world.student, sid, part="dz-at-10").json
    assert value["total"] == pytest.approx(200)
    assert value["paths"][0]["product"] == pytest.approx(200)
    assert value["highlight"]["edges"] == [{"from": "y", "to": "z"}]


def test_a_right_answer_marks_nothing_and_staff_see_the_same(world, client):
    sid = _graded(world, {"dz": "20x"})
    for person in (world.student, world.teacher):
        data = _solution(client, person, sid, part="dz").json
        assert data["highlight"] == {"edges": [], "nodes": [], "reason": None}
        assert data["paths"][0]["text"] == "∂z/∂y · ∂y/∂x = 5 · 4*x"


def test_nobody_else_gets_a_students_solution(world, client):
    sid = _graded(world, {"dz": "4x"})
    for person in (world.outsider, world.other_teacher):
        assert _solution(client, person, sid, part="dz").status_code == 404
    assert client.get(f"/api/v1/submissions/{sid}/solution").status_code == 401


def test_forbidden_until_the_answer_may_be_shown(world, client):
    _settings(world, show_answers="after_last_attempt")
    sid = _graded(world, {"dz": "4x"})
    response = _solution(client, world.student, sid, part="dz")
    assert response.status_code == 403
    assert "once you have no attempts left" in response.json["error"]["message"]
    assert _solution(client, world.teacher, sid, part="dz").status_code == 200
    _settings(world, max_attempts=1)
    assert _solution(client, world.student, sid, part="dz").status_code == 200


def test_the_instructors_hint_shows_structure_without_values(world, client):
    _settings(world, show_answers="never", solution_hint=True)
    sid = _graded(world, {"dz": "4x", "dz-at-10": "40"})
    data = _solution(client, world.student, sid, part="dz-at-10").json
    assert data["values_shown"] is False and data["total"] is None
    assert all(n["value"] is None for n in data["nodes"])
    assert all(e["local"] == {"text": None, "value": None} for e in data["edges"])
    assert data["highlight"]["edges"] == []
    ops = _solution(client, world.student, sid, part="dz-at-10", level="ops").json
    assert all(n["value"] is None for n in ops["nodes"]) and ops["total"] is None


def test_levels_components_and_bad_queries(world, client):
    sid = _graded(world, {"grad": ["4x"]})
    grad = _solution(client, world.student, sid, part="grad", wrt="x").json
    assert grad["wrt"] == "x" and grad["highlight"]["edges"] == [{"from": "y", "to": "z"}]
    ops = _solution(client, world.student, sid, part="dz", level="ops").json
    assert ops["level"] == "ops" and any(n["expression"] == "MulBackward0" for n in ops["nodes"])
    assert _solution(client, world.student, sid, part="nope").status_code == 404
    assert _solution(client, world.student, sid, part="grad", wrt="q").status_code == 422
    assert _solution(client, world.student, sid, level="edges").status_code == 422


def test_not_graded_yet_is_409(world, client):
    accepted, _ = submissions.submit(
        world.svc, world.student.actor, world.assignment_id, {"dz": "1"}
    )
    response = _solution(client, world.student, accepted["id"])
    assert response.status_code == 409 and response.json["error"]["code"] == "not_graded"


def test_instructors_read_an_exercises_solution_for_any_seed(world, client):
    url = "/api/v1/exercises/chain-rule-intro/solution"
    values = set()
    for seed in range(6):
        response = client.get(
            url, query_string={"part": "dz-at-10", "seed": seed}, headers=world.teacher.headers
        )
        assert response.status_code == 200
        values.add(next(n["value"] for n in response.json["nodes"] if n["name"] == "k"))
        assert response.json["total"] == pytest.approx(200)
    assert len(values) > 1  # the param differs from seed to seed, the derivative does not
    assert client.get(url, headers=world.student.headers).status_code == 403
    missing = client.get(url, query_string={"version": 9}, headers=world.teacher.headers)
    assert missing.status_code == 404


def test_solution_hint_is_an_assignment_setting_in_the_api(world, client):
    url = f"/api/v1/assignments/{world.assignment_id}"
    assert client.get(url, headers=world.student.headers).json["solution_hint"] is False
    changed = client.patch(url, json={"solution_hint": True}, headers=world.teacher.headers)
    assert changed.status_code == 200 and changed.json["solution_hint"] is True
    kept = client.patch(url, json={"solution_hint": None}, headers=world.teacher.headers)
    assert kept.json["solution_hint"] is True
    assert (
        client.patch(url, json={"solution_hint": "yes"}, headers=world.teacher.headers).status_code
        == 422
    )
