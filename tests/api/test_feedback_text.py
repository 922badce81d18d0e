"""Feedback over the API: Markdown with $...$ math, `feedback_html` beside it, and the
derivative's value at the named point only where students may see the correct answer."""

from __future__ import annotations


def _graded(client, world, answers):
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    sid = client.post(url, json={"answers": answers}, headers=world.student.headers).json["id"]
    world.grade_all()
    return f"/api/v1/submissions/{sid}"


def _show(client, world, value):
    url = f"/api/v1/assignments/{world.assignment_id}"
    assert (
        client.patch(url, json={"show_answers": value}, headers=world.teacher.headers).status_code
        == 200
    )


def test_feedback_is_markdown_with_math_and_comes_rendered_as_html(world, client):
    location = _graded(client, world, {"dz": "4x"})
    part = client.get(location, headers=world.student.headers).json["parts"]["dz"]
    assert "$" in part["feedback"]
    assert "<math" in part["feedback_html"] and "$" not in part["feedback_html"]
    assert "<script" not in part["feedback_html"]


def test_expected_value_is_given_only_where_the_answer_may_be_shown(world, client):
    location = _graded(client, world, {"dz": "20 sin(x)"})
    shown = client.get(location, headers=world.student.headers).json["parts"]["dz"]
    assert "your answer gives" in shown["feedback"]
    assert "The derivative there is" in shown["feedback"]  # show_answers: always (default)
    assert "expected" not in shown

    _show(client, world, "never")
    hidden = client.get(location, headers=world.student.headers).json["parts"]["dz"]
    assert "your answer gives" in hidden["feedback"]
    assert "The derivative there is" not in hidden["feedback"]
    assert "The derivative there is" not in hidden["feedback_html"]
    listing = client.get(
        f"/api/v1/assignments/{world.assignment_id}/submissions", headers=world.student.headers
    ).json["items"]
    assert "The derivative there is" not in listing[0]["parts"]["dz"]["feedback"]

    staff = client.get(location, headers=world.teacher.headers).json["parts"]["dz"]
    assert "The derivative there is" in staff["feedback"]  # instructors always see it
