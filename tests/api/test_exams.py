"""Timed exams over HTTP: a start the server keeps, an end from the time limit and the
student's accommodations, time-up refusals that store nothing, feedback while it runs, the
instructor's view of who is where; and the whole-class extension."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grader.db.models import ExamStart, Submission, utcnow
from grader.services import exercises
from tests.api.test_questions import POWERS, _create, _student, power_yaml, right


@pytest.fixture
def library(world):
    for slug, n in POWERS.items():
        exercises.upload(world.svc, world.teacher.actor, power_yaml(slug, n))
    return world


def _exam(client, world, **extra):
    spec = {
        "title": "Midterm",
        "kind": "exam",
        "time_limit_minutes": 30,
        "questions": [{"exercise_id": "pow-two"}, {"exercise_id": "pow-three"}],
        **extra,
    }
    return _create(client, world, **spec)


def _start(client, person, aid):
    return client.post(f"/api/v1/assignments/{aid}/start", headers=person.headers)


def _view(client, person, aid):
    return client.get(f"/api/v1/assignments/{aid}", headers=person.headers).json


def _post(client, person, aid, qid, answers):
    return client.post(
        f"/api/v1/assignments/{aid}/questions/{qid}/submissions",
        json={"answers": answers},
        headers=person.headers,
    )


def _move_start(world, aid, student_id, minutes_ago: float):
    with world.svc.db.write() as session:
        row = session.query(ExamStart).filter_by(assignment_id=aid, student_id=student_id).one()
        row.started_at = utcnow() - timedelta(minutes=minutes_ago)


def _count(world) -> int:
    with world.svc.db.read() as session:
        return session.query(Submission).count()


def test_starting_gives_an_end_and_a_second_start_returns_the_same(library, client):
    world = library
    exam = _exam(client, world)
    first = _start(client, world.student, exam["id"])
    assert first.status_code == 200
    started, ends = first.json["started_at"], first.json["ends_at"]
    from datetime import datetime

    gap = datetime.fromisoformat(ends) - datetime.fromisoformat(started)
    assert gap == timedelta(minutes=30)
    assert _start(client, world.student, exam["id"]).json == first.json
    view = _view(client, world.student, exam["id"])
    assert view["started_at"] == started and view["ends_at"] == ends
    assert 29 * 60 < view["time_left_s"] <= 30 * 60


def test_questions_are_hidden_until_the_exam_is_started(library, client):
    world = library
    exam = _exam(client, world)
    before = _view(client, world.student, exam["id"])
    assert before["started"] is False and all(q["parts"] == [] for q in before["questions"])
    assert all("statement" not in q for q in before["questions"])
    qid = before["questions"][0]["id"]
    refused = _post(client, world.student, exam["id"], qid, {"dy": "x"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_started"
    _start(client, world.student, exam["id"])
    after = _view(client, world.student, exam["id"])
    assert all(q["parts"] for q in after["questions"])


def test_a_submission_after_the_time_is_up_is_refused_and_stores_nothing(library, client):
    world = library
    exam = _exam(client, world)
    _start(client, world.student, exam["id"])
    qid = _view(client, world.student, exam["id"])["questions"][0]["id"]
    _move_start(world, exam["id"], world.student.id, minutes_ago=30.25)  # 15 s into the grace
    assert _post(client, world.student, exam["id"], qid, {"dy": "x"}).status_code == 202
    _move_start(world, exam["id"], world.student.id, minutes_ago=31)
    stored = _count(world)
    late = _post(client, world.student, exam["id"], qid, {"dy": "x"})
    assert late.status_code == 409 and late.json["error"]["code"] == "time_up"
    assert _count(world) == stored
    view = _view(client, world.student, exam["id"])
    assert view["time_left_s"] == 0 and view["questions"][0]["attempts_used"] == 1


def test_course_accommodations_stretch_every_exam_and_the_exams_own_win(library, client):
    world = library
    url = f"/api/v1/courses/{world.course_id}/members/stu/accommodations"
    set_ = client.put(
        url, json={"time_factor": 1.5, "extra_minutes": 5}, headers=world.teacher.headers
    )
    assert set_.status_code == 200 and set_.json["time_factor"] == 1.5
    exam = _exam(client, world)
    started = _start(client, world.student, exam["id"]).json
    from datetime import datetime

    def minutes(body):
        gap = datetime.fromisoformat(body["ends_at"]) - datetime.fromisoformat(body["started_at"])
        return gap.total_seconds() / 60

    assert minutes(started) == 30 * 1.5 + 5
    _move_start(world, exam["id"], world.student.id, minutes_ago=40)
    qid = _view(client, world.student, exam["id"])["questions"][0]["id"]
    assert _post(client, world.student, exam["id"], qid, {"dy": "x"}).status_code == 202
    ext = client.post(
        f"/api/v1/assignments/{exam['id']}/extensions",
        json={"username": "stu", "time_factor": 1.0, "extra_minutes": 0},
        headers=world.teacher.headers,
    )
    assert ext.status_code == 201
    refused = _post(client, world.student, exam["id"], qid, {"dy": "x"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "time_up"


def test_accommodations_are_checked(library, client):
    world = library
    url = f"/api/v1/courses/{world.course_id}/members/stu/accommodations"
    for body in ({"time_factor": 0.5}, {"extra_minutes": -1}, {"time_factor": 11}):
        assert client.put(url, json=body, headers=world.teacher.headers).status_code == 422
    missing = f"/api/v1/courses/{world.course_id}/members/nobody/accommodations"
    assert client.put(missing, json={}, headers=world.teacher.headers).status_code == 404


def test_the_close_time_ends_every_exam_whatever_the_limit(library, client):
    world = library
    closes = (utcnow() + timedelta(minutes=10)).isoformat()
    exam = _exam(client, world, closes_at=closes)
    started = _start(client, world.student, exam["id"]).json
    from datetime import datetime

    assert datetime.fromisoformat(started["ends_at"]) == datetime.fromisoformat(closes)


def test_no_start_after_the_close(library, client):
    world = library
    exam = _exam(client, world, closes_at=(utcnow() + timedelta(minutes=10)).isoformat())
    with world.svc.db.write() as session:
        from grader.db.models import Assignment

        session.get(Assignment, exam["id"]).closes_at = utcnow() - timedelta(minutes=1)
    refused = _start(client, world.student, exam["id"])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "time_up"


def test_exam_feedback_none_hides_the_grade_until_the_close(library, client):
    world = library
    closes = (utcnow() + timedelta(hours=2)).isoformat()
    exam = _exam(client, world, exam_feedback="none", closes_at=closes)
    _start(client, world.student, exam["id"])
    q = _view(client, world.student, exam["id"])["questions"][0]
    response = client.post(
        f"/api/v1/assignments/{exam['id']}/questions/{q['id']}/submissions?wait=5000",
        json={"answers": right(q)},
        headers=world.student.headers,
    )
    world.grade_all()
    sub = client.get(f"/api/v1/submissions/{response.json['id']}", headers=world.student.headers)
    assert sub.json["score"] is None and sub.json["parts"] == {}
    assert sub.json["feedback"] == "none"
    mine = _view(client, world.student, exam["id"])
    assert mine["score"] is None and mine["questions"][0]["status"] == "submitted"
    staff = client.get(f"/api/v1/submissions/{response.json['id']}", headers=world.teacher.headers)
    assert staff.json["score"] == 1.0
    with world.svc.db.write() as session:
        from grader.db.models import Assignment

        session.get(Assignment, exam["id"]).closes_at = utcnow() - timedelta(seconds=1)
    after = client.get(f"/api/v1/submissions/{response.json['id']}", headers=world.student.headers)
    assert after.json["score"] == 1.0 and after.json["parts"]["dy"]["correct"] is True


def test_exam_feedback_score_shows_the_score_only(library, client):
    world = library
    exam = _exam(client, world, exam_feedback="score")
    _start(client, world.student, exam["id"])
    q = _view(client, world.student, exam["id"])["questions"][0]
    response = _post(client, world.student, exam["id"], q["id"], right(q))
    world.grade_all()
    sub = client.get(f"/api/v1/submissions/{response.json['id']}", headers=world.student.headers)
    assert sub.json["score"] == 1.0 and sub.json["parts"] == {}


def test_the_instructor_sees_who_started_is_working_and_finished(library, client):
    world = library
    exam = _exam(client, world)
    late, early = _student(world, "late"), _student(world, "early")
    _start(client, world.student, exam["id"])
    _start(client, late, exam["id"])
    _move_start(world, exam["id"], late.id, minutes_ago=45)
    _start(client, early, exam["id"])
    finished = client.post(f"/api/v1/assignments/{exam['id']}/finish", headers=early.headers)
    assert finished.status_code == 200
    q = _view(client, early, exam["id"])["questions"][0]
    refused = _post(client, early, exam["id"], q["id"], {"dy": "x"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "finished"
    _student(world, "absent")
    roster = client.get(f"/api/v1/assignments/{exam['id']}/exam", headers=world.teacher.headers)
    states = {s["username"]: s["state"] for s in roster.json["students"]}
    assert states == {
        "stu": "working",
        "late": "finished",
        "early": "finished",
        "absent": "not_started",
    }
    stu = next(s for s in roster.json["students"] if s["username"] == "stu")
    assert 0 < stu["time_left_s"] <= 30 * 60
    assert roster.json["counts"] == {"not_started": 1, "working": 1, "finished": 2}


def test_homework_has_nothing_to_start(world, client):
    response = _start(client, world.student, world.assignment_id)
    assert response.status_code == 409 and response.json["error"]["code"] == "not_an_exam"


def test_a_time_limit_needs_an_exam(library, client):
    world = library
    response = client.post(
        f"/api/v1/courses/{world.course_id}/assignments",
        json={"questions": [{"exercise_id": "pow-two"}], "time_limit_minutes": 20},
        headers=world.teacher.headers,
    )
    assert response.status_code == 422


def test_a_whole_class_extension_moves_every_students_due_date(library, client):
    world = library
    due = (utcnow() - timedelta(hours=1)).isoformat()
    hw = _create(client, world, questions=[{"exercise_id": "pow-two"}], due_at=due)
    other = _student(world, "pat")
    for person in (world.student, other):
        view = client.get(f"/api/v1/assignments/{hw['id']}", headers=person.headers)
        assert view.status_code == 403 and view.json["error"]["code"] == "past_due"
    later = (utcnow() + timedelta(days=2)).isoformat()
    response = client.post(
        f"/api/v1/assignments/{hw['id']}/extensions",
        json={"all": True, "due_at": later},
        headers=world.teacher.headers,
    )
    assert response.status_code == 201 and response.json["students"] == 2
    for person in (world.student, other):
        view = _view(client, person, hw["id"])
        assert view["extended"] is True
        q = view["questions"][0]
        assert _post(client, person, hw["id"], q["id"], right(q)).status_code == 202
    bad = client.post(
        f"/api/v1/assignments/{hw['id']}/extensions",
        json={"all": True},
        headers=world.teacher.headers,
    )
    assert bad.status_code == 422
    denied = client.post(
        f"/api/v1/assignments/{hw['id']}/extensions",
        json={"all": True, "due_at": later},
        headers=world.student.headers,
    )
    assert denied.status_code == 403
