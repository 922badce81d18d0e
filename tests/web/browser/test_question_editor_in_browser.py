"""The question editor in a real browser, at desktop and phone widths (#24): an instructor
searches the library, adds a pool of two exercises, moves a question up with its button and
sets points; every page state is checked for sideways scroll and readable controls."""

from __future__ import annotations

import pytest

from grader.services import exercises
from grader.services.assignments import assignment as assignments
from tests.api.test_questions import POWERS, power_yaml
from tests.web.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def homework(web):
    for slug, n in POWERS.items():
        exercises.upload(web.svc, web.teacher.actor, power_yaml(slug, n))
    spec = {"title": "Week 7", "questions": [{"exercise_id": "pow-two"}]}
    return assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)["id"]


def _edit_questions(tab, live_url, web, homework, name: str) -> None:
    from playwright.sync_api import expect

    sign_in(tab, live_url, "tess", then=f"/teach/assignments/{homework}/edit")
    tab.get_by_role("link", name="Add questions to it").click()
    tab.get_by_label("Search the library (id or title)").fill("pow-f")
    tab.get_by_role("button", name="Search", exact=True).click()
    picks = tab.locator("fieldset.library-picks")
    expect(picks).to_contain_text("pow-four")
    expect(picks).not_to_contain_text("pow-three")
    tab.get_by_label("Power 4").check()
    tab.get_by_label("Power 5").check()
    tab.get_by_label("Points (empty: the exercise’s own)").fill("3")
    tab.get_by_role("button", name="Add the question").click()
    expect(tab.get_by_role("status")).to_have_text("The questions were saved.")
    expect(tab.locator(".question-item").nth(1)).to_contain_text("a pool")
    tab.get_by_role("button", name="Move question 2 up").click()
    expect(tab.locator(".question-item").first).to_contain_text("a pool")
    tab.get_by_label("Q2 points").fill("2")
    tab.get_by_label("Q2 attempts").fill("4")
    tab.get_by_label("Q2 attempts").press("Enter")  # Enter saves; it moves nothing
    expect(tab.get_by_role("status")).to_have_text("The questions were saved.")
    shot(tab, name)
    rows = assignments.settings(web.svc, web.teacher.actor, homework)["questions"]
    assert ["pool" in rows[0], rows[1]["exercise_id"]] == [True, "pow-two"]
    assert (rows[1]["points"], rows[1]["max_attempts"]) == (2.0, 4)
    assert rows[0]["points"] == 3.0


def test_the_question_editor_on_a_desktop(page, live_url, web, homework):
    _edit_questions(page, live_url, web, homework, "question-editor-desktop")


def test_the_question_editor_on_a_phone(phone, live_url, web, homework):
    _edit_questions(phone, live_url, web, homework, "question-editor-phone")
