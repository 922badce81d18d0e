"""The exam flow and the pages of assignments with many questions, at phone and desktop width,
under axe and the page checks (#24): a student with exam time from the People page starts an
exam, answers with the score only shown, and runs out of time; the instructor's editor,
assignment, question, student-preview, whole-class extension, a student's exam record and
exam-roster pages. Every state is also checked at
the other width (page_checks, POST-only pages included)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grader.db.models import ExamStart, utcnow
from grader.services import exercises
from grader.services.assignments import assignment as assignments
from grader.services.assignments import exams, view
from tests.api.test_questions import POWERS, power_yaml
from tests.web.browser.conftest import axe_problems, shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def course(web):
    """The power exercises, an exam of two questions (20 minutes, score only) and a homework
    of three with a pool; stu has 1.5 times the time on every exam."""
    for slug, n in POWERS.items():
        exercises.upload(web.svc, web.teacher.actor, power_yaml(slug, n))
    spec = {
        "title": "Quiz 1",
        "kind": "exam",
        "time_limit_minutes": 20,
        "exam_feedback": "score",
        "questions": [{"exercise_id": "pow-two"}, {"exercise_id": "pow-three"}],
    }
    web.exam = assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)
    homework = {
        "title": "Week 5",
        "questions": [
            {"exercise_id": "pow-two", "points": 2},
            {"pool": ["pow-three", "pow-four", "pow-five"], "choose": 2, "points": 3},
        ],
    }
    web.homework = assignments.create_assignment(
        web.svc, web.teacher.actor, web.course_id, homework
    )
    exams.set_course_accommodation(web.svc, web.teacher.actor, web.course_id, "stu", 1.5, None)
    return web


def _axe(tab, found: dict, state: str) -> None:
    problems = axe_problems(tab)
    if problems:
        found[state] = problems


def _right(world, assignment_id: int, heading: str) -> str:
    """The right answer to the power question whose title the heading names."""
    n = int(heading.rsplit("Power ", 1)[1].split()[0])
    mine = view(world.svc, world.student.actor, assignment_id)["questions"]
    slug = {v: k for k, v in POWERS.items()}[n]
    (q,) = [q for q in mine if q["exercise_id"] == slug]
    return f"{n * q['params']['a']}*x^{n - 1}"


def _student_takes_the_exam(tab, live_url, world, width: str) -> None:
    from playwright.sync_api import expect

    found: dict[str, list[str]] = {}
    exam = world.exam["id"]
    sign_in(tab, live_url, then=f"/assignments/{exam}")
    expect(tab.get_by_role("button", name="Start the exam")).to_be_visible()
    _axe(tab, found, "exam, not started")
    tab.get_by_role("button", name="Start the exam").click()
    expect(tab.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    # 20 minutes × 1.5 from the People page's exam time: 30 minutes, by the server's clock
    expect(tab.locator("#exam-time-left")).to_contain_text("29 min")
    _axe(tab, found, "exam question, timer running")
    heading = tab.get_by_role("heading", level=1).inner_text()
    tab.locator("input[data-part='dy']").fill(_right(world, exam, heading))
    tab.get_by_role("button", name="Submit answers").click()
    expect(tab.get_by_text("1 / 1").first).to_be_visible()  # the score only
    _axe(tab, found, "exam, score only after a submission")
    shot(tab, f"q10-exam-score-only-{width}")
    with world.svc.db.write() as session:  # 4 s of the 30 minutes left
        start = session.query(ExamStart).filter_by(assignment_id=exam).one()
        start.started_at = utcnow() - timedelta(minutes=30) + timedelta(seconds=4)
    tab.goto(f"{live_url}/assignments/{exam}")
    _axe(tab, found, "exam overview, seconds left")
    tab.get_by_role("link", name="2.").first.click()
    expect(tab.locator("#exam-announce")).to_have_text(
        "Time is up. Your answers are no longer taken.", timeout=15_000
    )
    expect(tab.get_by_role("button", name="Submit answers")).to_be_disabled()
    _axe(tab, found, "exam question, time up")
    tab.reload()
    expect(tab.locator("#closed-reason")).to_contain_text("time for this exam is up")
    _axe(tab, found, "exam question after the time, reloaded")
    shot(tab, f"q11-exam-time-up-{width}")
    homework = world.homework["id"]
    tab.goto(f"{live_url}/assignments/{homework}")
    expect(tab.get_by_text("3 questions, 8 points")).to_be_visible()
    _axe(tab, found, "homework overview")
    tab.get_by_role("link", name="1.").first.click()
    expect(tab.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    _axe(tab, found, "homework question")
    assert found == {}, found


def test_a_student_takes_an_exam_and_runs_out_of_time_on_a_phone(phone, live_url, course):
    _student_takes_the_exam(phone, live_url, course, "phone")


def test_a_student_takes_an_exam_and_runs_out_of_time_on_a_desktop(page, live_url, course):
    _student_takes_the_exam(page, live_url, course, "desktop")


def _instructor_pages(tab, live_url, world, width: str) -> None:
    from playwright.sync_api import expect

    found: dict[str, list[str]] = {}
    course = f"/teach/courses/{world.course_id}"
    sign_in(tab, live_url, "tess", then=course)
    _axe(tab, found, "course page")
    tab.get_by_role("link", name="Exam time for stu").click()
    expect(tab.get_by_label("Time factor", exact=False)).to_have_value("1.5")
    _axe(tab, found, "exam time form")
    tab.get_by_label("Extra minutes", exact=False).fill("ten")
    tab.get_by_role("button", name="Save exam time").click()
    expect(tab.get_by_role("alert")).to_contain_text("is not a whole number")
    _axe(tab, found, "exam time form sent back")
    tab.get_by_label("Extra minutes", exact=False).fill("10")
    tab.get_by_role("button", name="Save exam time").click()
    expect(tab.locator("#member-stu")).to_contain_text("exams: ×1.5 +10 min")
    tab.goto(f"{live_url}{course}/assignments/new")
    expect(tab.get_by_role("button", name="Create assignment")).to_be_visible()
    _axe(tab, found, "assignment editor")
    homework = world.homework["id"]
    tab.goto(f"{live_url}/assignments/{homework}")
    expect(tab.get_by_text("3 questions, 8 points")).to_be_visible()
    _axe(tab, found, "homework, staff view")
    tab.get_by_label("Preview as a student").select_option("stu")
    tab.get_by_role("button", name="Show").click()
    expect(tab.locator("#seen-as")).to_contain_text("stu")
    _axe(tab, found, "homework previewed as a student")
    tab.goto(f"{live_url}/teach/assignments/{homework}/edit")
    tab.get_by_label("New due date for every student", exact=False).fill("2030-05-01T12:00")
    tab.get_by_role("button", name="Extend for everyone").click()
    expect(tab.locator("#class-extended")).to_contain_text("1 student now has until 2030-05-01")
    _axe(tab, found, "whole-class extension done")
    tab.goto(f"{live_url}/teach/assignments/{world.exam['id']}/students/stu")
    tab.get_by_label("Time factor for this exam", exact=False).fill("2")
    tab.get_by_role("button", name="Give extension").click()
    expect(tab.get_by_label("Time factor for this exam", exact=False)).to_have_value("2")
    _axe(tab, found, "a student's record on an exam")
    tab.goto(f"{live_url}/teach/assignments/{world.exam['id']}/exam")
    expect(tab.locator("#exam-counts")).to_be_visible()
    _axe(tab, found, "exam roster")
    shot(tab, f"q12-exam-roster-{width}")
    assert found == {}, found


def test_the_instructors_assignment_pages_on_a_desktop(page, live_url, course):
    _instructor_pages(page, live_url, course, "desktop")


def test_the_instructors_assignment_pages_on_a_phone(phone, live_url, course):
    _instructor_pages(phone, live_url, course, "phone")
