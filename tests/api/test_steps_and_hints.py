"""Steps, hints and follow-through over HTTP (#26): the assignment lists them, POSTs open
steps and reveal hints, submissions carry the help taken, results carry follow_through."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grader.services.exercises import library as exercises

TUTORIAL = (Path(__file__).parents[2] / "exercises" / "tutorial-chain.yaml").read_text()
HINTED = TUTORIAL.replace(
    '    points: 1\n    mistakes:\n      - answer: "40"',
    "    points: 1\n    hints:\n      - Differentiate $y$ first.\n"
    '      - {text: "$dz/dy = 5$", penalty: 0.3}\n    mistakes:\n      - answer: "40"',
    1,
)


@pytest.fixture
def tutorial(world, client):
    exercises.upload(world.svc, world.teacher.actor, HINTED)
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"exercise_id": "tutorial-chain"},
        headers=world.teacher.headers,
    )
    assert response.status_code == 201, response.json
    world.tutorial_id = response.json["id"]
    return world


def _post(client, world, what: str, part: str = "dz-at-10"):
    return client.post(
        f"/api/v1/assignments/{world.tutorial_id}/{what}/{part}",
        json={},
        headers=world.student.headers,
    )


def _submit(client, world, answers):
    """Submit, grade, and read the graded submission back."""
    response = client.post(
        f"/api/v1/assignments/{world.tutorial_id}/submissions",
        json={"answers": answers},
        headers=world.student.headers,
    )
    assert response.status_code == 202, response.json
    world.grade_all()
    read = client.get(f"/api/v1/submissions/{response.json['id']}", headers=world.student.headers)
    assert read.status_code == 200, read.json
    return read.json


def test_the_assignment_lists_each_parts_steps_and_hints_with_their_penalties(tutorial, client):
    world = tutorial
    view = client.get(f"/api/v1/assignments/{world.tutorial_id}", headers=world.student.headers)
    part = view.json["parts"][0]
    assert part["help"]["steps"] == {"available": 2, "penalty": 0.2, "opened": False, "list": []}
    assert part["help"]["hints"] == {"available": 2, "penalties": [0.1, 0.3], "revealed": []}


def test_opening_steps_then_answering_them_wrong_carries_follow_through(tutorial, client):
    world = tutorial
    opened = _post(client, world, "steps")
    assert opened.status_code == 200, opened.json
    steps = opened.json["steps"]
    assert steps["opened"] and [s["id"] for s in steps["list"]] == ["dz-at-10.1", "dz-at-10.2"]
    assert "<math" in steps["list"][0]["prompt_mathml"]
    result = _submit(client, world, {"dz-at-10": "220", "dz-at-10.1": "44", "dz-at-10.2": "5"})
    part = result["parts"]["dz-at-10"]
    assert part["follow_through"] == {
        "from": ["dz-at-10.1"],
        "given": {"dz-at-10.1": "44"},
        "share": 1.0,
    }
    assert "Correct given your" in part["feedback"]
    assert part["penalty"] == pytest.approx(0.2)
    assert part["score"] == pytest.approx(0.8)
    assert {k: s["correct"] for k, s in part["steps"].items()} == {
        "dz-at-10.1": False,
        "dz-at-10.2": True,
    }


def test_hints_are_revealed_one_at_a_time_and_cost_only_a_right_answer(tutorial, client):
    world = tutorial
    first = _post(client, world, "hints")
    assert first.status_code == 200
    assert [h["markdown"] for h in first.json["hints"]["revealed"]] == ["Differentiate $y$ first."]
    second = _post(client, world, "hints")
    assert len(second.json["hints"]["revealed"]) == 2
    assert second.json["penalty"] == pytest.approx(0.4)
    third = _post(client, world, "hints")
    assert third.status_code == 409 and third.json["error"]["code"] == "no_more_hints"
    wrong = _submit(client, world, {"dz-at-10": "7"})
    assert wrong["score"] == 0
    right = _submit(client, world, {"dz-at-10": "200"})
    assert right["parts"]["dz-at-10"]["taken"] == {"hints": 2, "steps": False}
    assert right["score"] == pytest.approx(0.6)


def test_a_part_without_hints_or_an_unknown_part_is_refused(tutorial, client):
    world = tutorial
    assert _post(client, world, "hints", "dz-formula").json["error"]["code"] == "no_hints"
    assert _post(client, world, "steps", "nope").status_code == 422


def test_an_assignment_may_turn_follow_through_off(tutorial, client):
    world = tutorial
    changed = client.patch(
        f"/api/v1/assignments/{world.tutorial_id}",
        json={"follow_through": 0},
        headers=world.teacher.headers,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["follow_through"] == 0
    result = _submit(client, world, {"dz-at-10": "220", "dz-at-10.1": "44"})
    assert result["parts"]["dz-at-10"].get("follow_through") is None
    assert result["score"] == 0


def test_a_step_answer_that_cannot_be_read_is_refused_like_a_parts(tutorial, client):
    world = tutorial
    response = client.post(
        f"/api/v1/assignments/{world.tutorial_id}/submissions",
        json={"answers": {"dz-at-10": "200", "dz-at-10.1": "4*("}},
        headers=world.student.headers,
    )
    assert response.status_code == 422
    assert "dz-at-10.1" in response.json["error"]["details"]


def test_a_student_cannot_send_the_help_record_themselves(tutorial, client):
    """`@help` (penalties, follow-through share) is the service's to write, never a client's."""
    world = tutorial
    for sent in ({"follow_through": 1, "taken": {}}, "{}"):
        response = client.post(
            f"/api/v1/assignments/{world.tutorial_id}/submissions",
            json={"answers": {"dz-at-10": "200", "@help": sent}},
            headers=world.student.headers,
        )
        assert response.status_code == 422
        assert "@help" in str(response.json["error"]["details"])
    assert world.grade_all() == 0  # nothing was stored


def test_instructors_see_help_taken_in_analytics_and_the_submissions_csv(tutorial, client):
    world = tutorial
    _post(client, world, "steps")
    _post(client, world, "hints")
    _submit(client, world, {"dz-at-10": "200"})
    stats = client.get(
        f"/api/v1/assignments/{world.tutorial_id}/analytics", headers=world.teacher.headers
    ).json
    assert stats["parts"]["dz-at-10"]["help"] == {
        "students_with_steps": 1,
        "students_with_hints": 1,
        "hints_revealed": 1,
    }
    assert stats["parts"]["dz-formula"]["help"]["students_with_steps"] == 0
    csv_text = client.get(
        f"/api/v1/assignments/{world.tutorial_id}/submissions/export", headers=world.teacher.headers
    ).get_data(as_text=True)
    (row,) = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert row["dz-at-10 help penalty"] == "0.3", row


def test_the_worked_solution_of_a_followed_part_draws_the_students_wrong_step(tutorial, client):
    world = tutorial
    _post(client, world, "steps")
    done = _submit(client, world, {"dz-at-10": "220", "dz-at-10.1": "44"})
    sol = client.get(
        f"/api/v1/submissions/{done['id']}/solution?part=dz-at-10", headers=world.student.headers
    )
    assert sol.status_code == 200, sol.json
    assert sol.json["highlight"]["edges"] == [{"from": "x", "to": "y"}]
    assert sol.json["total"] == 220
    assert "∂y/∂x = 44" in sol.json["highlight"]["reason"]


def test_a_hint_written_in_two_languages_is_shown_in_the_readers(world, client):
    chinese = HINTED.replace(
        "      - Differentiate $y$ first.\n",
        "      - {text: {en: Differentiate $y$ first., zh-CN: 先求 $y$ 的导数。}}\n",
    ).replace("id: tutorial-chain", "id: tutorial-chain-zh")
    exercises.upload(world.svc, world.teacher.actor, chinese)
    created = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"exercise_id": "tutorial-chain-zh"},
        headers=world.teacher.headers,
    ).json
    url = f"/api/v1/assignments/{created['id']}/hints/dz-at-10"
    shown = client.post(url, json={}, headers={**world.student.headers, "Accept-Language": "zh-CN"})
    assert shown.status_code == 200, shown.json
    assert shown.json["hints"]["revealed"][0]["markdown"] == "先求 $y$ 的导数。"


def test_steps_are_checked_before_the_whole_using_no_attempt(tutorial, client):
    world = tutorial
    url = f"/api/v1/assignments/{world.tutorial_id}/steps/dz-at-10/check"
    wrong = client.post(
        url,
        json={"answers": {"dz-at-10.1": "44", "dz-at-10.2": "5"}},
        headers=world.student.headers,
    )
    assert wrong.status_code == 200, wrong.json
    assert {k: v["correct"] for k, v in wrong.json["steps"].items()} == {
        "dz-at-10.1": False,
        "dz-at-10.2": True,
    }
    assert wrong.json["note"] is None
    right = client.post(
        url,
        json={"answers": {"dz-at-10.1": "40", "dz-at-10.2": "5"}},
        headers=world.student.headers,
    )
    assert "5 · 40 = 200" in right.json["note"]
    assert world.grade_all() == 0  # no submission, no attempt
    view = client.get(f"/api/v1/assignments/{world.tutorial_id}", headers=world.student.headers)
    assert view.json["attempts_used"] == 0
    assert view.json["parts"][0]["help"]["steps"]["opened"]  # checking opened them
    long = client.post(
        url, json={"answers": {"dz-at-10.1": "4" * 5000}}, headers=world.student.headers
    )
    assert long.status_code == 422
