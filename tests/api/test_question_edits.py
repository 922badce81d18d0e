"""Editing an assignment's questions after students have submitted (#24): points, attempts,
order, new questions and a question's new version are allowed; removing a question with
submissions or changing a drawn pool is refused with the reason; no score is lost."""

from __future__ import annotations

from grader.services import exercises
from tests.api.test_questions import (
    HOMEWORK,
    _create,
    _submit,
    _view,
    library,
    power_yaml,
    right,
)

__all__ = ["library"]


def _edit(client, world, assignment_id, items):
    return client.patch(
        f"/api/v1/assignments/{assignment_id}",
        json={"questions": items},
        headers=world.teacher.headers,
    )


def _groups(created):
    """One item per question (a pool's slots share one), by id, as the staff see them."""
    seen, out = set(), []
    for q in created["questions"]:
        key = q.get("group", q["id"]) if "pool" in q else ("one", q["id"])
        if key not in seen:
            seen.add(key)
            out.append(q)
    return out


def _started(client, world):
    """The homework with the student's right answer to question 1 graded."""
    created = _create(client, world, **HOMEWORK)
    view = _view(client, world.student, created["id"])
    first = view["questions"][0]
    assert _submit(client, world.student, created["id"], first["id"], right(first)).status_code
    world.grade_all()
    return created, view


def test_points_attempts_order_and_a_new_question_after_submissions(library, client):
    world = library
    created, before = _started(client, world)
    one, pool = _groups(created)
    assert _view(client, world.student, created["id"])["score"] == 2.0
    items = [
        {"id": pool["id"], "max_attempts": 2},
        {"id": one["id"], "points": 5},
        {"exercise_id": "pow-five", "points": 1},
    ]
    changed = _edit(client, world, created["id"], items)
    assert changed.status_code == 200, changed.json
    slugs = [q.get("exercise_id") or "pool" for q in changed.json["questions"]]
    assert slugs == ["pool", "pool", "pow-two", "pow-five"]
    assert changed.json["max_score"] == 3 + 3 + 5 + 1
    after = _view(client, world.student, created["id"])
    assert after["score"] == 5.0  # the stored result in the new points
    mine = {q["id"]: q for q in after["questions"]}
    # each student keeps their draw and parameters
    for q in before["questions"]:
        assert mine[q["id"]]["params"] == q["params"]
        assert mine[q["id"]].get("exercise_id") == q.get("exercise_id")
    assert [q["attempts_left"] for q in after["questions"] if q["id"] != one["id"]][:2] == [2, 2]


def test_removing_an_answered_question_or_changing_its_exercises_is_refused(library, client):
    world = library
    created, _ = _started(client, world)
    one, pool = _groups(created)
    removed = _edit(client, world, created["id"], [{"id": pool["id"]}])
    assert removed.status_code == 409 and removed.json["error"]["code"] == "has_submissions"
    assert "pow-two" in removed.json["error"]["message"]
    other = _edit(client, world, created["id"], [{"id": one["id"], "exercise_id": "pow-three"}])
    assert other.status_code == 409 and other.json["error"]["code"] == "question_answered"
    unlisted = _edit(client, world, created["id"], [{"exercise_id": "pow-two"}])
    assert unlisted.status_code == 409 and unlisted.json["error"]["code"] == "has_submissions"
    twice = _edit(client, world, created["id"], [{"id": one["id"]}, {"id": one["id"]}])
    assert twice.status_code == 422
    stranger = _edit(client, world, created["id"], [{"id": one["id"]}, {"id": 99999}])
    assert stranger.status_code == 422 and "99999" in stranger.json["error"]["message"]
    # nothing changed: the refused edits stored nothing
    kept = _view(client, world.teacher, created["id"])["questions"]
    assert [(q["id"], q["points"]) for q in kept] == [
        (q["id"], q["points"]) for q in created["questions"]
    ]
    # the pool nobody submitted to may still lose its exercises, or go
    smaller = [{"id": one["id"]}, {"id": pool["id"], "pool": ["pow-three", "pow-four"]}]
    assert _edit(client, world, created["id"], smaller).status_code == 200
    assert _edit(client, world, created["id"], [{"id": one["id"]}]).status_code == 200


def test_a_drawn_pool_keeps_its_exercises_once_submitted_to(library, client):
    world = library
    created = _create(client, world, **HOMEWORK)
    view = _view(client, world.student, created["id"])
    drawn = view["questions"][1]
    _submit(client, world.student, created["id"], drawn["id"], {"dy": "x"})
    one, pool = _groups(created)
    items = [{"id": one["id"]}, {"id": pool["id"], "pool": ["pow-three", "pow-four"]}]
    refused = _edit(client, world, created["id"], items)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "pool_drawn"
    items[1] = {"id": pool["id"], "points": 6}
    assert _edit(client, world, created["id"], items).json["max_score"] == 2 + 6 + 6


def test_one_question_moves_to_a_new_version_and_only_its_submissions_regrade(library, client):
    world = library
    created, _ = _started(client, world)
    one, pool = _groups(created)
    text = power_yaml("pow-two", 2).replace("title: Power 2", "title: Power two")
    assert exercises.upload(world.svc, world.teacher.actor, text)["version"] == 2
    items = [{"id": one["id"], "exercise_id": "pow-two", "version": 2}, {"id": pool["id"]}]
    changed = _edit(client, world, created["id"], items)
    assert changed.status_code == 200 and changed.json["regraded"] == 1
    assert changed.json["questions"][0]["version"] == 2
    assert world.grade_all() == 1
    assert _view(client, world.student, created["id"])["score"] == 2.0
    from grader.db.models import EarlierGrade

    with world.svc.db.read() as session:
        (earlier,) = session.query(EarlierGrade).all()
        assert earlier.score == 1.0


def _two(client, world, one: dict, two: dict):
    """A homework of pow-two and pow-three with these settings; the student's questions."""
    spec = [{"exercise_id": "pow-two", **one}, {"exercise_id": "pow-three", **two}]
    created = _create(client, world, questions=spec)
    return created, _view(client, world.student, created["id"])["questions"]


def test_extra_attempts_at_one_question_for_one_student(library, client):
    world = library
    created, (first, second) = _two(client, world, {"max_attempts": 1}, {"max_attempts": 1})
    assert _submit(client, world.student, created["id"], first["id"], {"dy": "x"}).status_code
    world.grade_all()
    again = _submit(client, world.student, created["id"], first["id"], {"dy": "2*x"})
    assert again.status_code in (403, 409), (again.status_code, again.json)
    url = f"/api/v1/assignments/{created['id']}/extensions"
    given = {"username": "stu", "question_id": first["id"], "extra_attempts": 2}
    response = client.post(url, json=given, headers=world.teacher.headers)
    assert response.status_code == 201, response.json
    assert response.json["question_attempts"] == {str(first["id"]): 2}
    left = [q["attempts_left"] for q in _view(client, world.student, created["id"])["questions"]]
    assert left == [2, 1]  # question 2 keeps its one attempt
    retry = _submit(client, world.student, created["id"], first["id"], right(first))
    assert retry.status_code in (200, 201, 202), retry.json
    world.grade_all()
    book = client.get(
        f"/api/v1/courses/{world.course_id}/gradebook", headers=world.teacher.headers
    ).json
    cell = book["students"][0]["scores"][str(created["id"])]
    assert cell["extension"]["question_attempts"] == {str(first["id"]): 2}
    # taken back: the attempts used stay, none is left
    given["extra_attempts"] = 0
    assert client.post(url, json=given, headers=world.teacher.headers).status_code == 201
    assert _view(client, world.student, created["id"])["questions"][0]["attempts_left"] == 0
    # refused: another assignment's question, other settings with it, a student giving it
    wrong = client.post(url, json={**given, "question_id": 99999}, headers=world.teacher.headers)
    assert wrong.status_code == 404
    mixed = {**given, "extra_minutes": 5}
    assert client.post(url, json=mixed, headers=world.teacher.headers).status_code == 422
    assert client.post(url, json=given, headers=world.student.headers).status_code == 403


def test_a_score_override_at_one_question_counts_in_the_sum(library, client):
    from grader.services.gradebook import scores

    world = library
    created, (first, second) = _two(client, world, {"points": 2}, {"points": 3})
    _submit(client, world.student, created["id"], first["id"], right(first))
    _submit(client, world.student, created["id"], second["id"], {"dy": "x"})
    world.grade_all()
    assert _view(client, world.student, created["id"])["score"] == 2.0
    url = f"/api/v1/assignments/{created['id']}/overrides"
    given = {"username": "stu", "question_id": second["id"], "score": 1.5, "reason": "on paper"}
    response = client.post(url, json=given, headers=world.teacher.headers)
    assert response.status_code == 201, response.json
    assert response.json["question_id"] == second["id"]
    mine = _view(client, world.student, created["id"])
    assert mine["score"] == 3.5 and [q["score"] for q in mine["questions"]] == [2.0, 1.5]
    book = client.get(
        f"/api/v1/courses/{world.course_id}/gradebook", headers=world.teacher.headers
    ).json
    cell = book["students"][0]["scores"][str(created["id"])]
    assert cell["score"] == 3.5 and cell["overridden"] is False  # the assignment's own: none
    assert cell["questions"][str(second["id"])]["overridden"] is True
    too_much = client.post(url, json={**given, "score": 4}, headers=world.teacher.headers)
    assert too_much.status_code == 422 and "between 0 and 3" in too_much.json["error"]["message"]
    stranger = client.post(url, json={**given, "question_id": 99999}, headers=world.teacher.headers)
    assert stranger.status_code == 404
    assert client.post(url, json=given, headers=world.student.headers).status_code == 403
    # taken back: the attempts count again
    scores.set_question_override(
        world.svc, world.teacher.actor, created["id"], "stu", second["id"], None, ""
    )
    assert _view(client, world.student, created["id"])["score"] == 2.0
