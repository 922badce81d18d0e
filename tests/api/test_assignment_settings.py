"""PATCH /api/v1/assignments/{id}: settings, including when students see the correct answer."""

from __future__ import annotations


def _patch(client, world, body, person=None):
    person = person or world.teacher
    url = f"/api/v1/assignments/{world.assignment_id}"
    return client.patch(url, json=body, headers=person.headers)


def test_show_answers_is_set_at_creation_and_changed_with_patch(world, client):
    url = f"/api/v1/courses/{world.course_id}/assignments"
    body = {"exercise_id": "chain-rule-intro", "show_answers": "after_last_attempt"}
    created = client.post(url, json=body, headers=world.teacher.headers)
    assert created.status_code == 201
    listing = client.get(url, headers=world.teacher.headers).json["items"]
    assert [a["show_answers"] for a in listing] == ["always", "after_last_attempt"]
    changed = _patch(client, world, {"show_answers": "never"})
    assert changed.status_code == 200 and changed.json["show_answers"] == "never"
    seen = client.get(f"/api/v1/assignments/{world.assignment_id}", headers=world.student.headers)
    assert seen.json["show_answers"] == "never" and seen.json["answers_visible"] is False


def test_patch_changes_only_the_fields_sent_and_null_clears_one(world, client):
    _patch(client, world, {"due_at": "2040-01-01T00:00:00Z", "late_penalty": 0.25})
    changed = _patch(client, world, {"late_penalty": None}).json
    assert changed["due_at"].startswith("2040-01-01") and changed["late_penalty"] is None
    assert changed["max_attempts"] == 5 and changed["show_answers"] == "always"


def test_patch_refuses_unknown_settings_and_a_due_date_before_opening(world, client):
    assert _patch(client, world, {"show_answers": "sometimes"}).status_code == 422
    # a date without an offset is read in the course's time zone (#20), not refused
    naive = _patch(client, world, {"due_at": "2040-01-01T00:00:00"})
    assert naive.status_code == 200 and naive.json["due_at"].startswith("2040-01-01T00:00:00")
    assert _patch(client, world, {"colour": "red"}).status_code == 422
    body = {"opens_at": "2040-01-02T00:00:00Z", "due_at": "2040-01-01T00:00:00Z"}
    response = _patch(client, world, body)
    assert response.status_code == 422 and "due_at" in response.json["error"]["message"]
    assert _patch(client, world, {}).json["opens_at"] is None


def test_a_student_cannot_change_an_assignment(world, client):
    response = _patch(client, world, {"show_answers": "always"}, person=world.student)
    assert response.status_code == 403
