"""Feedback as Chromium shows it: math, part labels and plots readable on a phone."""

from __future__ import annotations

import re

import pytest

from tests.web.browser.conftest import shot, sign_in
from tests.web.conftest import assign

pytestmark = pytest.mark.browser


def _submit(page, answers: dict[str, str]) -> None:
    from playwright.sync_api import expect

    for box, text in answers.items():
        page.locator(f"#answer-{box}").fill(text)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#score")).to_be_visible()


def test_feedback_math_renders_and_history_names_parts(page, live_url, web):
    from playwright.sync_api import expect

    aid = assign(web, "product-rule-trig")
    sign_in(page, live_url, then=f"/assignments/{aid}")
    _submit(page, {"df-0": "2x cos(x)", "df-at-0-0": "0"})
    diagnosis = page.locator(".diagnosis").first
    expect(diagnosis).to_contain_text("not the product of the derivatives")
    expect(diagnosis.locator("math").first).to_be_visible()
    assert "$" not in diagnosis.inner_text()
    page.get_by_role("link", name="All submissions").click()
    expect(page.locator(".feedback strong").first).to_contain_text("Part 1:")
    expect(page.locator(".feedback .prompt math").first).to_be_visible()
    assert "df-at-0" not in page.locator("main").inner_text()
    shot(page, "history-part-labels")


def test_phone_plot_text_is_at_least_12_css_px_and_alt_text_says_where(phone, live_url, web):
    from playwright.sync_api import expect

    aid = assign(web, "sigmoid-neuron")
    sign_in(phone, live_url, then=f"/assignments/{aid}")
    _submit(
        phone,
        {
            "grad-0": "sigmoid(w x + b)(1 - sigmoid(w x + b)) w",
            "grad-1": "sigmoid(w x + b)(1 - sigmoid(w x + b))",
            "grad-2": "sigmoid(w x + b)(1 - sigmoid(w x + b)) x",
            "grad-at-point-0": "-1/4",
            "grad-at-point-1": "1/4",
            "grad-at-point-2": "1/2",
        },
    )
    img = phone.locator("figure.plot img").first
    img.scroll_into_view_if_needed()
    phone.wait_for_function(
        "() => { const i = document.querySelector('figure.plot img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    source = img.evaluate("i => i.currentSrc")
    assert "size=phone" in source
    svg = phone.request.get(source).text()
    view_width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    shown = img.evaluate("i => i.getBoundingClientRect().width")
    smallest = min(float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg))
    assert smallest * shown / view_width >= 12, (smallest, shown, view_width)
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "∂p/∂w" in labels and "w" in labels  # both axes labelled
    alt = img.get_attribute("alt")
    assert re.search(r"your answer is (too large|too small|off) (for|everywhere)", alt), alt
    expect(img).to_be_visible()
    shot(phone, "phone-feedback-plot")


def test_answer_visibility_wording_and_saved_confirmation(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, "tess", then=f"/assignments/{web.assignment_id}/submissions")
    page.get_by_label("Students see the correct answer").select_option("after_due")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved. Students are told:")
    expect(page.locator("#saved")).to_contain_text("this assignment has no due date")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    _submit(page, {"dz-at-10-0": "200", "dz-0": "4x", "grad-0": "20x"})
    expect(page.locator("#reveal")).to_have_text(
        "The correct answer is not shown: this assignment has no due date."
    )
    expect(page.locator("figcaption").first).not_to_contain_text("after the due date")
