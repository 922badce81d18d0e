"""The student's path in a real browser: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

import pytest

from grader.db.models import Submission
from tests.web.browser.conftest import PASSWORD, shot

pytestmark = pytest.mark.browser


def _attempts(web) -> int:
    with web.svc.db.read() as session:
        return session.query(Submission).count()


def test_student_previews_submits_and_sees_feedback_with_plot(page, live_url, web):
    from playwright.sync_api import expect

    page.goto(live_url + "/")
    page.get_by_label("Username").fill("stu")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My courses")).to_be_visible()
    shot(page, "01-home")

    page.get_by_role("link", name="Chain rule through an intermediate variable").click()
    expect(page.locator(".statement math").first).to_be_visible()
    page.locator("#answer-dz-at-10-0").fill("200")
    page.locator("#answer-grad-0").fill("20x")
    answer = page.locator("#answer-dz-0")
    answer.press_sequentially("4x", delay=20)
    preview = page.locator("#answer-dz-0-preview")
    expect(preview).to_contain_text("We read your answer as")
    expect(preview.locator("math")).to_be_visible()
    shot(page, "02-exercise-preview")

    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#score")).to_have_text("2 / 3")
    diagnosis = page.locator(".diagnosis", has_text="(chain rule)")
    expect(diagnosis).to_be_visible()
    expect(diagnosis.locator("math").first).to_be_visible()  # its math drawn as MathML
    expect(page.locator("#attempts-left")).to_have_text("4")
    plot = page.locator("figure.plot img")
    expect(plot).to_be_visible()
    page.wait_for_function("() => document.querySelector('figure.plot img').naturalWidth > 0")
    shot(page, "03-feedback-plot")

    page.get_by_role("link", name="Try again").click()
    expect(page.locator("#answer-dz-0")).to_have_value("4x")  # the last attempt's answers
    expect(page.locator("#answer-grad-0")).to_have_value("20x")
    expect(page.locator("fieldset.was-right")).to_have_count(2)  # dz-at-10 and grad were right
    page.locator("#answer-dz-0").fill("")
    page.locator("#answer-dz-0").press_sequentially("4x+", delay=20)
    expect(preview.locator("pre.caret")).to_contain_text("^")
    expect(page.locator("#answer-dz-0")).to_have_attribute("aria-invalid", "true")
    shot(page, "04-syntax-error-preview")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("no attempt was used")).to_be_visible()
    expect(page.locator("pre.caret")).to_contain_text("4x+")
    expect(page.locator("#attempts-left")).to_have_text("4 left")
    shot(page, "05-syntax-error-submitted")
    assert _attempts(web) == 1


def test_exercise_page_fits_a_phone_and_works_from_the_keyboard(browser, live_url, web):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(live_url + f"/assignments/{web.assignment_id}")
        page.locator("#username").focus()
        page.keyboard.type("stu")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.locator("#answer-dz-0")).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        shot(page, "06-phone-exercise")
    finally:
        context.close()
