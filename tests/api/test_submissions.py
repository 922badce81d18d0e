"""Submitting over HTTP: 202 then the result, ?wait, Idempotency-Key, attempts, paging."""

from __future__ import annotations

import pytest

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}


def _submit(client, world, answers, person=None, **kwargs):
    person = person or world.student
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    return client.post(url, json={"answers": answers}, headers=person.headers, **kwargs)


def test_submission_is_accepted_then_graded_with_feedback(world, client):
    response = _submit(client, world, {"dz-at-10": "200", "dz": "4x"})
    assert response.status_code == 202
    assert response.json["status"] == "queued"
    assert response.headers["Location"] == f"/api/v1/submissions/{response.json['id']}"
    world.grade_all()
    result = client.get(response.headers["Location"], headers=world.student.headers).json
    assert result["status"] == "graded"
    assert result["score"] == 1.0 and result["max_score"] == 3.0
    assert result["parts"]["dz-at-10"]["correct"] is True
    assert result["parts"]["dz"]["correct"] is False and result["parts"]["dz"]["feedback"]
    assert result["parts"]["grad"]["feedback"]  # left blank: "no answer"


def test_wait_returns_the_graded_result(world, client):
    from grader.workers.pool import EmbeddedPool

    pool = EmbeddedPool(world.svc, size=1)
    world.svc.dispatcher = pool
    pool.start()
    try:
        response = _submit(client, world, RIGHT, query_string={"wait": 5000})
    finally:
        pool.stop()
    assert response.status_code == 200
    assert response.json["status"] == "graded" and response.json["score"] == 3.0


def test_wait_without_a_grader_returns_202(world, client):
    response = _submit(client, world, RIGHT, query_string={"wait": 50})
    assert response.status_code == 202 and response.json["status"] == "queued"


def test_idempotency_key_returns_the_first_submission(world, client):
    headers = {**world.student.headers, "Idempotency-Key": "abc-123"}
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    first = client.post(url, json={"answers": RIGHT}, headers=headers)
    again = client.post(url, json={"answers": {"dz": "1"}}, headers=headers)
    assert first.status_code == 202 and again.status_code == 202
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    listing = client.get(url, headers=world.student.headers).json
    assert listing["total"] == 1


def test_unreadable_answer_is_422_and_uses_no_attempt(world, client):
    response = _submit(client, world, {"dz": "20x +", "dz-at-10": "2OO"})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "unreadable_answers"
    assert error["details"]["dz"]["column"] == 6 and "^" in error["details"]["dz"]["caret"]
    assert "dz-at-10" in error["details"]
    view = client.get(f"/api/v1/assignments/{world.assignment_id}", headers=world.student.headers)
    assert view.json["attempts_used"] == 0 and view.json["attempts_left"] == 5


@pytest.mark.parametrize("answers", [{}, {"dz": "  ", "dz-at-10": ""}])
def test_a_submission_without_any_answer_is_422_and_uses_no_attempt(world, client, answers):
    response = _submit(client, world, answers)
    assert response.status_code == 422 and response.json["error"]["code"] == "no_answers"
    view = client.get(f"/api/v1/assignments/{world.assignment_id}", headers=world.student.headers)
    assert view.json["attempts_used"] == 0


def test_unknown_part_is_422(world, client):
    response = _submit(client, world, {"nope": "1"})
    assert response.status_code == 422 and "nope" in response.json["error"]["details"]


def _nth(n: int) -> dict:
    """Right answers, typed a little differently each time (the same answers as the last
    attempt would use no attempt)."""
    return {**RIGHT, "dz": f"20x + {n} - {n}"}


def test_attempts_run_out_with_409(world, client):
    for n in range(5):
        assert _submit(client, world, _nth(n)).status_code == 202
    response = _submit(client, world, _nth(5))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "no_attempts_left"


def test_student_view_has_own_params_and_no_definitions(world, client):
    view = client.get(f"/api/v1/assignments/{world.assignment_id}", headers=world.student.headers)
    body = view.json
    assert view.status_code == 200
    assert "{k}" not in body["statement"] and "<math" in body["statement_html"]
    assert str(body["params"]["k"]) in body["statement"]
    assert [p["id"] for p in body["parts"]] == ["dz-at-10", "dz", "grad"]
    assert all("<math" in p["prompt_mathml"] for p in body["parts"])
    text = view.get_data(as_text=True)
    assert "define" not in text and "5*y + 6" not in text


def test_preview_shows_how_the_answer_was_read(world, client):
    url = f"/api/v1/assignments/{world.assignment_id}/preview"
    ok = client.post(url, json={"expression": "20x", "part": "dz"}, headers=world.student.headers)
    assert ok.status_code == 200 and "<math" in ok.json["mathml"] and ok.json["latex"]
    bad = client.post(url, json={"expression": "sin(", "part": "dz"}, headers=world.student.headers)
    assert bad.status_code == 422 and bad.json["error"]["details"]["column"] >= 1


def test_instructor_lists_everyone_and_filters_by_student(world, client):
    _submit(client, world, RIGHT)
    _submit(client, world, RIGHT, person=world.teacher)
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    everyone = client.get(url, headers=world.teacher.headers).json
    assert everyone["total"] == 2
    one = client.get(url, headers=world.teacher.headers, query_string={"student": "stu"}).json
    assert [s["student"] for s in one["items"]] == ["stu"]
    mine = client.get(url, headers=world.student.headers).json
    assert mine["total"] == 1


def test_listing_pages(world, client):
    for n in range(3):
        _submit(client, world, _nth(n))
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    page = client.get(url, headers=world.student.headers, query_string={"limit": 2, "offset": 2})
    assert page.json["total"] == 3 and len(page.json["items"]) == 1
    too_big = client.get(url, headers=world.student.headers, query_string={"limit": 10_000})
    assert too_big.status_code == 422


def test_students_cannot_read_classmates_submissions(world, client):
    from grader.services.courses import course as courses

    courses.add_member(world.svc, world.teacher.actor, world.course_id, "olga", "student")
    accepted = _submit(client, world, RIGHT).json
    response = client.get(f"/api/v1/submissions/{accepted['id']}", headers=world.outsider.headers)
    assert response.status_code == 404  # as for an id that does not exist


def test_idempotency_key_reused_on_another_assignment_is_409_not_the_other_submission(
    world, client
):
    from grader.services.assignments import assignment as assignments

    spec = {"exercise_id": "chain-rule-intro"}
    other = assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)
    headers = {**world.student.headers, "Idempotency-Key": "my-key"}
    first = client.post(
        f"/api/v1/assignments/{world.assignment_id}/submissions",
        json={"answers": RIGHT},
        headers=headers,
    )
    assert first.status_code == 202
    response = client.post(
        f"/api/v1/assignments/{other['id']}/submissions", json={"answers": RIGHT}, headers=headers
    )
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert response.json["error"]["details"] == {"assignment_id": world.assignment_id}


def test_preview_of_an_assignment_not_yet_open_is_403_like_the_assignment(world, client):
    from datetime import timedelta

    from grader.db.models import Assignment, utcnow

    with world.svc.db.write() as session:
        session.get(Assignment, world.assignment_id).opens_at = utcnow() + timedelta(days=1)
    url = f"/api/v1/assignments/{world.assignment_id}"
    assert client.get(url, headers=world.student.headers).json["error"]["code"] == "not_open"
    response = client.post(
        url + "/preview", json={"expression": "20x", "part": "dz"}, headers=world.student.headers
    )
    assert response.status_code == 403 and response.json["error"]["code"] == "not_open"
    teacher = client.post(
        url + "/preview", json={"expression": "20x", "part": "dz"}, headers=world.teacher.headers
    )
    assert teacher.status_code == 200


def test_the_last_attempts_answers_again_return_its_result_and_use_nothing(world, client):
    first = _submit(client, world, {"dz": "4x"})
    world.grade_all()
    again = _submit(client, world, {"dz": " 4x "})
    assert again.status_code == 200 and again.headers["Submission-Repeated"] == "true"
    assert again.json["id"] == first.json["id"] and again.json["repeated"] is True
    assert again.json["status"] == "graded" and again.json["attempt"] == 1
    view = client.get(f"/api/v1/assignments/{world.assignment_id}", headers=world.student.headers)
    assert view.json["attempts_used"] == 1 and view.json["attempts_left"] == 4
    other = _submit(client, world, {"dz": "20x"})
    assert other.status_code == 202 and other.json["attempt"] == 2
    assert "Submission-Repeated" not in other.headers
