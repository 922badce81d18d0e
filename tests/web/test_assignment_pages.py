"""The pages of a multi-question assignment: the question list with points, status, attempts
and score; each question on its page with Previous/Next; an exam's start, timer and end."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from grader.db.models import ExamStart, utcnow
from grader.services import assignments, exercises
from tests.api.test_questions import POWERS, power_yaml, right


@pytest.fixture
def homework(web):
    for slug, n in POWERS.items():
        exercises.upload(web.svc, web.teacher.actor, power_yaml(slug, n))
    spec = {
        "title": "Week 3",
        "questions": [
            {"exercise_id": "pow-two", "points": 2},
            {"pool": ["pow-three", "pow-four"], "choose": 1, "points": 3},
        ],
    }
    return assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)


def _view(world, aid):
    return assignments.view(world.svc, world.student.actor, aid)


def test_the_assignment_page_lists_questions_with_points_and_status(pages, homework, page_text):
    pages.sign_in(pages.world.student)
    response = pages.get(f"/assignments/{homework['id']}")
    text = page_text(response)
    assert response.status_code == 200
    assert "Week 3" in text and "2 questions, 5 points" in text
    assert text.count("not started") == 2
    view = _view(pages.world, homework["id"])
    for q in view["questions"]:
        assert f"/assignments/{homework['id']}/questions/{q['id']}" in response.get_data(
            as_text=True
        )


def test_a_question_page_has_previous_and_next_and_submits_to_its_question(
    pages, homework, page_text
):
    world = pages.world
    pages.sign_in(world.student)
    first, second = _view(world, homework["id"])["questions"]
    page = pages.get(f"/assignments/{homework['id']}/questions/{first['id']}")
    html = page.get_data(as_text=True)
    assert (
        "Question 1 of 2" in page_text(page) and 'rel="next"' in html and 'rel="prev"' not in html
    )
    assert (
        f"/questions/{first['id']}/submit" in html and f"/questions/{first['id']}/preview" in html
    )
    page2 = pages.get(f"/assignments/{homework['id']}/questions/{second['id']}")
    assert 'rel="prev"' in page2.get_data(as_text=True)
    answers = {"answer-dy-0": right(first)["dy"]}
    done = pages.post(f"/assignments/{homework['id']}/questions/{first['id']}/submit", answers)
    assert done.status_code == 303
    listing = page_text(pages.get(f"/assignments/{homework['id']}"))
    assert "✓ correct" in listing and "2 / 2" in listing and "Your score: 2 / 5" in listing
    preview = pages.client.post(
        f"/assignments/{homework['id']}/questions/{second['id']}/preview",
        json={"expression": "3x^2", "part": "dy"},
        headers={"X-CSRF-Token": pages.csrf()},
    )
    assert preview.status_code == 200 and preview.json["ok"] is True


def test_the_exam_page_starts_the_clock_and_shows_the_time_left(pages, homework, page_text):
    world = pages.world
    spec = {
        "title": "Quiz",
        "kind": "exam",
        "time_limit_minutes": 20,
        "questions": [{"exercise_id": "pow-two"}, {"exercise_id": "pow-three"}],
    }
    exam = assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)
    pages.sign_in(world.student)
    before = pages.get(f"/assignments/{exam['id']}")
    assert "Start the exam" in page_text(before) and "/questions/" not in before.get_data(
        as_text=True
    )
    started = pages.post(f"/assignments/{exam['id']}/start")
    assert started.status_code == 303 and "/questions/" in started.headers["Location"]
    page = pages.get(started.headers["Location"])
    html = page.get_data(as_text=True)
    left = float(re.search(r'data-time-left="([0-9.]+)"', html).group(1))
    assert 19 * 60 < left <= 20 * 60 and 'aria-live="assertive"' in html
    with world.svc.db.write() as session:
        row = session.query(ExamStart).filter_by(assignment_id=exam["id"]).one()
        row.started_at = utcnow() - timedelta(minutes=25)
    over = pages.get(started.headers["Location"])
    assert "time for this exam is up" in page_text(over)
    qid = _view(world, exam["id"])["questions"][0]["id"]
    refused = pages.post(f"/assignments/{exam['id']}/questions/{qid}/submit", {"answer-dy-0": "2x"})
    assert refused.status_code == 409 and "ended" in page_text(refused)


def test_a_one_exercise_assignment_keeps_its_page(pages, page_text):
    pages.sign_in(pages.world.student)
    page = pages.get(f"/assignments/{pages.world.assignment_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"/assignments/{pages.world.assignment_id}/submit" in html
    assert "Question 1 of" not in page_text(page)


def test_an_instructor_builds_a_homework_with_a_pool_from_the_form(pages, homework, page_text):
    world = pages.world
    pages.sign_in(world.teacher)
    form = {
        "title": "Week 4",
        "kind": "homework",
        "tz": "UTC",
        "show_answers": "always",
        "score_policy": "best",
        "exercise_id": "pow-two",
        "q0-points": "2",
        "q0-order": "2",
        "q1-exercises": "pow-three, pow-four, pow-five",
        "q1-choose": "2",
        "q1-points": "3",
        "q1-attempts": "4",
        "q1-variants": "new_each_attempt",
        "q1-order": "1",
    }
    done = pages.post(f"/teach/courses/{world.course_id}/assignments/new", form)
    assert done.status_code == 303, page_text(done)
    from grader.db.models import Assignment

    with world.svc.db.read() as session:
        row = session.query(Assignment).filter_by(title="Week 4").one()
        shape = [(q.pool is not None, q.points, q.max_attempts, q.variants) for q in row.questions]
    assert shape == [
        (True, 3.0, 4, "new_each_attempt"),
        (True, 3.0, 4, "new_each_attempt"),
        (False, 2.0, None, "same"),
    ]
    bad = pages.post(
        f"/teach/courses/{world.course_id}/assignments/new",
        {**form, "q1-choose": "7"},
    )
    assert bad.status_code == 422 and "questions[0].choose" in page_text(bad)


def test_staff_see_an_assignment_as_a_student_gets_it(pages, homework, page_text):
    world = pages.world
    pages.sign_in(world.teacher)
    page = pages.get(f"/assignments/{homework['id']}?student=stu")
    text = page_text(page)
    mine = _view(world, homework["id"])
    assert "Seen as stu" in text
    for q in mine["questions"]:
        assert q["exercise_id"] in text and f"a = {q['params']['a']}" in text


def test_the_exam_page_and_item_statistics_for_instructors(pages, homework, page_text):
    world = pages.world
    spec = {
        "title": "Quiz",
        "kind": "exam",
        "time_limit_minutes": 20,
        "questions": [{"exercise_id": "pow-two"}],
    }
    exam = assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)
    assignments.start(world.svc, world.student.actor, exam["id"])
    pages.sign_in(world.teacher)
    roster = page_text(pages.get(f"/teach/assignments/{exam['id']}/exam"))
    assert "1 working, 0 finished, 0 not started" in roster and "stu" in roster
    q = _view(world, homework["id"])["questions"][0]
    from grader.services.grading import submissions

    submissions.submit(world.svc, world.student.actor, homework["id"], right(q), None, q["id"])
    stats = page_text(pages.get(f"/teach/assignments/{homework['id']}/analytics"))
    assert "Item statistics (1 student(s))" in stats and "Discrimination" in stats
