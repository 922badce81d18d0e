"""A code exercise in a real browser, at phone and desktop widths: the line-numbered code box
(Tab indents, Esc then Tab leaves), "Run the checks" on the page, and submitting."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import DESKTOP, PHONE, shot, sign_in
from tests.web.conftest import assign

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]
GOOD = """import numpy as np
def linear_backward(dout, x, W, b):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_student_writes_runs_the_checks_and_submits_code(browser, live_url, web, viewport):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        aid = assign(web, "code-linear-backward")
        sign_in(page, live_url, then=f"/assignments/{aid}")
        box = page.locator("#answer-backward-0")
        assert "def linear_backward(dout, x, W, b):" in box.input_value()
        assert page.locator(".code-editor .gutter").inner_text().startswith("1\n2\n")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"]  # nothing sticks out sideways

        box.fill("")
        box.press("Tab")
        assert box.input_value() == "    "  # Tab indents inside the box
        box.press("Escape")
        box.press("Tab")
        assert page.evaluate("() => document.activeElement.id") != "answer-backward-0"

        box.fill(GOOD.replace("x.T @ dout", "dout.T @ x"))
        page.get_by_role("button", name="Run the checks").click()
        message = page.locator("#answer-backward-0-checks .run-message")
        expect(message).to_contain_text("dW has shape (2, 3); W has shape (3, 2)")
        expect(page.locator("#attempts-left, .meta").first).to_contain_text("0 used")
        shot(page, f"code-run-checks-{viewport['width']}")

        box.fill(GOOD)
        page.get_by_role("button", name="Run the checks").click()
        expect(message).to_contain_text("Submit to have the values checked")
        page.get_by_role("button", name="Submit answers").click()
        expect(page.get_by_text("Correct: every output matches autograd")).to_be_visible()
        expect(page.locator("table.checks")).to_be_visible()
        shot(page, f"code-feedback-{viewport['width']}")
    finally:
        context.close()
