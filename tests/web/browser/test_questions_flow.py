"""Assignments with many questions in a real browser: an instructor builds a three-question
homework with a pool and a timed exam from the form; a student works through the homework
question by question (Previous/Next) and starts the exam, answers, and runs out of time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grader.db.models import Assignment, ExamStart, utcnow
from grader.services import exercises
from tests.api.test_questions import POWERS, power_yaml
from tests.web.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def library(web):
    for slug, n in POWERS.items():
        exercises.upload(web.svc, web.teacher.actor, power_yaml(slug, n))
    return web


def _build(page, live_url, world, **fields) -> int:
    """Fill the new-assignment form (label -> value) and create it; the new assignment's id."""
    page.goto(f"{live_url}/teach/courses/{world.course_id}/assignments/new")
    for label, value in fields.items():
        box = page.get_by_label(label, exact=True)
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
    page.get_by_role("button", name="Create assignment").click()
    page.wait_for_url("**/teach/courses/**")
    with world.svc.db.read() as session:
        return max(a.id for a in session.query(Assignment).all())


def _answer(page, world, assignment_id: int) -> None:
    """Type the right answer to the power question on screen (its title names the power; the
    student's own parameter comes from the server, as the page shows it)."""
    from grader.services.assignments import view

    heading = page.get_by_role("heading", level=1).inner_text()
    n = int(heading.rsplit("Power ", 1)[1].split()[0])
    mine = view(world.svc, world.student.actor, assignment_id)["questions"]
    (q,) = [q for q in mine if q["exercise_id"] == {v: k for k, v in POWERS.items()}[n]]
    page.locator("input[data-part='dy']").fill(f"{n * q['params']['a']}*x^{n - 1}")
    page.get_by_role("button", name="Submit answers").click()


def test_an_instructor_builds_a_homework_and_an_exam_and_a_student_takes_them(
    browser, page, live_url, library
):
    from playwright.sync_api import expect

    world = library
    sign_in(page, live_url, "tess", then="/teach")
    homework = _build(
        page,
        live_url,
        world,
        **{
            "Title (empty: the first exercise's)": "Week 5",
            "Exercise (type to search the library)": "pow-two",
            "Q1 points": "2",
            "Question 2: exercise(s)": "pow-three, pow-four, pow-five",
            "Q2 how many (pools)": "2",
            "Q2 points": "3",
        },
    )
    exam = _build(
        page,
        live_url,
        world,
        **{
            "Title (empty: the first exercise's)": "Quiz 1",
            "Kind": "exam",
            "Exercise (type to search the library)": "pow-two",
            "Question 2: exercise(s)": "pow-three",
            "Time limit, minutes from each student's start": "20",
            "During the exam, students see after each submission": "score",
        },
    )
    page.goto(f"{live_url}/assignments/{homework}")
    expect(page.get_by_text("3 questions, 8 points")).to_be_visible()
    shot(page, "q01-homework-staff")
    page.get_by_label("Preview as a student").select_option("stu")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#seen-as")).to_contain_text("stu")

    for viewport in ({"width": 390, "height": 844}, {"width": 1280, "height": 800}):
        context = browser.new_context(viewport=viewport)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        sign_in(tab, live_url, "stu", then=f"/assignments/{homework}")
        expect(tab.get_by_text("3 questions, 8 points")).to_be_visible()
        tab.get_by_role("link", name="1.").first.click()
        if viewport["width"] == 390:
            for number in (1, 2, 3):
                expect(tab.get_by_role("heading", name=f"Question {number} of 3")).to_be_visible()
                _answer(tab, world, homework)
                expect(tab.get_by_text("correct").first).to_be_visible()
                tab.goto(f"{live_url}/assignments/{homework}")
                if number < 3:
                    tab.get_by_role("link", name=f"{number + 1}.").first.click()
            expect(tab.locator("#assignment-score")).to_have_text("8 / 8")
            shot(tab, "q02-homework-done-phone")
        else:  # Previous / Next walk the questions in order
            tab.get_by_role("link", name="Next →").click()
            expect(tab.get_by_role("heading", name="Question 2 of 3")).to_be_visible()
            tab.get_by_role("link", name="← Previous").click()
            expect(tab.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
        context.close()

    student = browser.new_context(viewport={"width": 390, "height": 844})
    tab = student.new_page()
    tab.set_default_timeout(10_000)
    sign_in(tab, live_url, "stu", then=f"/assignments/{exam}")
    tab.get_by_role("button", name="Start the exam").click()
    expect(tab.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    expect(tab.locator("#exam-timer")).to_contain_text("Time left")
    _answer(tab, world, exam)
    # the clock runs on: move this student's start back so that 4 s of the 20 minutes are left
    with world.svc.db.write() as session:
        start = session.query(ExamStart).filter_by(assignment_id=exam).one()
        start.started_at = utcnow() - timedelta(minutes=20) + timedelta(seconds=4)
    tab.goto(f"{live_url}/assignments/{exam}")
    tab.get_by_role("link", name="2.").first.click()
    expect(tab.locator("#exam-announce")).to_have_text(
        "Time is up. Your answers are no longer taken.", timeout=15_000
    )
    expect(tab.get_by_role("button", name="Submit answers")).to_be_disabled()
    shot(tab, "q03-exam-time-up-phone")
    tab.reload()
    expect(tab.locator("#closed-reason")).to_contain_text("time for this exam is up")
    student.close()

    page.goto(f"{live_url}/teach/assignments/{exam}/exam")
    expect(page.locator("#exam-counts")).to_contain_text("1 finished")
    shot(page, "q04-exam-roster")
