"""axe-core over every state of every page a student or instructor meets: no serious or
critical violations (desktop and phone)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grader.db.models import Assignment, utcnow
from tests.web.browser.conftest import axe_problems, sign_in
from tests.web.conftest import assign

pytestmark = pytest.mark.browser


def _check(page, found: dict[str, list[str]], state: str) -> None:
    problems = axe_problems(page)
    if problems:
        found[state] = problems


def _student_states(page, live_url, web, found) -> None:
    from playwright.sync_api import expect

    aid = web.assignment_id
    page.goto(live_url + "/login")
    _check(page, found, "sign-in")
    page.get_by_label("Username").fill("stu")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _check(page, found, "sign-in refused")
    sign_in(page, live_url)
    _check(page, found, "home")
    page.goto(live_url + f"/courses/{web.course_id}")
    _check(page, found, "course")
    page.goto(live_url + f"/assignments/{aid}")
    _check(page, found, "exercise")
    page.locator("#answer-dz-0").press_sequentially("4x*", delay=20)
    expect(page.locator("#answer-dz-0-preview .error")).to_be_visible()
    _check(page, found, "exercise, preview error")
    page.locator("#answer-dz-0").press_sequentially("x", delay=20)
    expect(page.locator("#answer-dz-0-preview .read")).to_be_visible()
    _check(page, found, "exercise, preview read")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    _check(page, found, "blank-parts dialog")
    page.get_by_role("button", name="Go back and fill them in").click()
    page.locator("#answer-dz-at-10-0").fill("200")
    page.locator("#answer-grad-0").fill("(")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#form-message")).to_be_visible()
    _check(page, found, "exercise, refused submission")
    page.locator("#answer-grad-0").fill("")
    page.locator("#answer-dz-0").fill("4x")
    page.evaluate("() => document.querySelector('form.answers').submit()")  # as without JS
    expect(page.locator("#blank-confirm")).to_be_visible()
    _check(page, found, "exercise, blank parts asked by the server")
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.locator("#score")).to_be_visible()
    page.wait_for_function("() => document.querySelector('figure.plot img').complete")
    _check(page, found, "feedback with plot")
    page.get_by_role("link", name="All submissions").click()
    _check(page, found, "history (student)")
    page.goto(live_url + "/no/such/page")
    _check(page, found, "404")


def test_every_student_page_state_passes_axe(page, live_url, web):
    found: dict[str, list[str]] = {}
    _student_states(page, live_url, web, found)
    with web.svc.db.write() as session:
        row = session.get(Assignment, web.assignment_id)
        row.max_attempts, row.show_answers = 1, "after_due"
    page.goto(live_url + f"/assignments/{web.assignment_id}")
    _check(page, found, "exercise, no attempts left")
    page.goto(live_url + page.locator("#closed-reason a").get_attribute("href"))
    _check(page, found, "feedback, answers hidden, no attempts left")
    later = assign(web, "chain-rule-power", opens_at=utcnow() + timedelta(days=1))
    page.goto(live_url + f"/assignments/{later}")
    _check(page, found, "not open yet")
    assert not found, found


def test_every_student_page_state_passes_axe_on_a_phone(phone, live_url, web):
    found: dict[str, list[str]] = {}
    _student_states(phone, live_url, web, found)
    assert not found, found


def test_instructor_pages_pass_axe(page, live_url, web):
    from playwright.sync_api import expect

    found: dict[str, list[str]] = {}
    sign_in(page, live_url, "tess", then=f"/assignments/{web.assignment_id}/submissions")
    _check(page, found, "submissions (instructor, empty)")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#saved")).to_be_visible()
    _check(page, found, "submissions, setting saved")
    page.goto(live_url + "/")
    _check(page, found, "home (instructor)")
    page.goto(live_url + f"/assignments/{web.assignment_id}")
    _check(page, found, "exercise (instructor)")
    assert not found, found


def test_the_axe_check_finds_what_it_should(page):
    page.set_content(
        '<html lang="en"><title>t</title><main><img src="x.png">'
        '<p style="color:#6b7280;background:#f3f4f6">old code chip colours</p></main></html>'
    )
    problems = " ".join(axe_problems(page))
    assert "image-alt" in problems and "color-contrast" in problems
