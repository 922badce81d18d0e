"""The student's path in a real browser: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from grader.db.models import Submission

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "web"
PASSWORD = "correct horse battery"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the browser path does not depend on the database."""
    return sqlite_url


@pytest.fixture
def live_url(app, web) -> Iterator[str]:
    """The app served on 127.0.0.1 at a random port, in a thread, for this test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _attempts(web) -> int:
    with web.svc.db.sessions() as session:
        return session.query(Submission).count()


def test_student_previews_submits_and_sees_feedback_with_plot(page, live_url, web):
    from playwright.sync_api import expect

    page.goto(live_url + "/")
    page.get_by_label("Username").fill("stu")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My courses")).to_be_visible()
    _shot(page, "01-home")

    page.get_by_role("link", name="Chain rule through an intermediate variable").click()
    expect(page.locator(".statement math").first).to_be_visible()
    page.locator("#answer-dz-at-10-0").fill("200")
    page.locator("#answer-grad-0").fill("20x")
    answer = page.locator("#answer-dz-0")
    answer.press_sequentially("4x", delay=20)
    preview = page.locator("#answer-dz-0-preview")
    expect(preview).to_contain_text("We read your answer as")
    expect(preview.locator("math")).to_be_visible()
    _shot(page, "02-exercise-preview")

    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#score")).to_have_text("2 / 3")
    expect(page.get_by_text("multiply by dz/dy")).to_be_visible()
    expect(page.locator("#attempts-left")).to_have_text("4")
    plot = page.locator("figure.plot img")
    expect(plot).to_be_visible()
    page.wait_for_function("() => document.querySelector('figure.plot img').naturalWidth > 0")
    _shot(page, "03-feedback-plot")

    page.get_by_role("link", name="Try again").click()
    page.locator("#answer-dz-0").press_sequentially("4x+", delay=20)
    expect(preview.locator("pre.caret")).to_contain_text("^")
    expect(page.locator("#answer-dz-0")).to_have_attribute("aria-invalid", "true")
    _shot(page, "04-syntax-error-preview")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("no attempt was used")).to_be_visible()
    expect(page.locator("pre.caret")).to_contain_text("4x+")
    expect(page.locator("#attempts-left")).to_have_text("4 left")
    _shot(page, "05-syntax-error-submitted")
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
        _shot(page, "06-phone-exercise")
    finally:
        context.close()
